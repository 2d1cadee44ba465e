package verify

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/onnxpb"
	"github.com/zoo-ml/zoo/zoo"
)

// FuzzReadTensor reads arbitrary bytes as a test data file (input_0.pb,
// output_0.pb). Nothing may panic, memory may not grow beyond a small
// multiple of the file, an error names the file, and a tensor that reads
// has as many values as its shape says and survives being written back
// with export.Tensor and read again, bit for bit. The seed corpus is in
// testdata/fuzz/FuzzReadTensor.
func FuzzReadTensor(f *testing.F) {
	for _, t := range []*onnxpb.TensorProto{
		export.Tensor("input", &zoo.Tensor{Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, float32(math.Inf(1)), 0, 1e-40}}),
		export.Tensor("", &zoo.Tensor{Shape: []int{}, Data: []float32{7}}),
		export.Tensor("empty", &zoo.Tensor{Shape: []int{0, 784}, Data: []float32{}}),
		{Dims: []int64{2}, DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), FloatData: []float32{1, 2}},
		{Dims: []int64{2}, DataType: proto.Int32(int32(onnxpb.TensorProto_DOUBLE)), DoubleData: []float64{1, 2}},
		{Dims: []int64{1 << 40, 1 << 40}, DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT)), RawData: []byte{1, 2, 3, 4}},
		{Dims: []int64{-1}, DataType: proto.Int32(int32(onnxpb.TensorProto_FLOAT))},
	} {
		b, err := proto.Marshal(t)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x0a, 0x05})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "output_0.pb")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		tn, err := readTensor(p)
		runtime.ReadMemStats(&after)
		// Protobuf decoding may expand a varint-packed dims field 8
		// times and grow slices by doubling; nothing more.
		if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20+64*uint64(len(data)) {
			t.Fatalf("readTensor allocated %d bytes for a %d-byte file", got, len(data))
		}
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		n := 1
		for _, d := range tn.Shape {
			if d < 0 {
				t.Fatalf("shape %v", tn.Shape)
			}
			n *= d
		}
		if n != len(tn.Data) {
			t.Fatalf("shape %v with %d values", tn.Shape, len(tn.Data))
		}
		b, err := proto.Marshal(export.Tensor("again", tn))
		if err != nil {
			t.Fatal(err)
		}
		q := filepath.Join(dir, "again.pb")
		if err := os.WriteFile(q, b, 0o644); err != nil {
			t.Fatal(err)
		}
		back, err := readTensor(q)
		if err != nil {
			t.Fatalf("rewritten tensor: %v", err)
		}
		if !slices.Equal(back.Shape, tn.Shape) || !sameBits(back.Data, tn.Data) {
			t.Fatalf("tensor %v changed to %v on rewriting", tn.Shape, back.Shape)
		}
	})
}

func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

// FuzzTestSet runs the test data set checks of an export folder on
// arbitrary input_0.pb and output_0.pb files, with the sessions of a real
// export (manifold-ae). Nothing may panic or crash onnxruntime, and a
// check that passes has compared every expected value, with a finite
// largest difference.
func FuzzTestSet(f *testing.F) {
	testenv.NeedORT(f)
	good := exported(f, "manifold-ae", 1)
	set := filepath.Join(good, zoo.TestDataDir)
	in, err := os.ReadFile(filepath.Join(set, zoo.TestInput))
	if err != nil {
		f.Fatal(err)
	}
	out, err := os.ReadFile(filepath.Join(set, zoo.TestOutput))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(in, out)
	f.Add(in, in)
	f.Add(out, out)
	f.Add(in[:len(in)/2], out)
	one, _ := proto.Marshal(export.Tensor("x", &zoo.Tensor{Shape: []int{1, 784}, Data: make([]float32, 784)}))
	zero, _ := proto.Marshal(export.Tensor("x", &zoo.Tensor{Shape: []int{0, 784}, Data: []float32{}}))
	f.Add(one, out)
	f.Add(zero, zero)

	sessions := map[string]*infer.Session{}
	for _, name := range []string{zoo.ModelFile, zoo.PartFile("encoder"), zoo.PartFile("decoder")} {
		s, err := infer.Open(filepath.Join(good, name), infer.Options{Threads: 1})
		if err != nil {
			f.Fatal(err)
		}
		sessions[name] = s
	}
	f.Cleanup(func() {
		for _, s := range sessions {
			s.Close()
		}
	})
	main, enc, dec := sessions[zoo.ModelFile], sessions[zoo.PartFile("encoder")], sessions[zoo.PartFile("decoder")]
	dir := filepath.Join(f.TempDir(), zoo.TestDataDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.Fatal(err)
	}
	opt := Options{RTol: DefaultRTol, ATol: DefaultATol}
	f.Fuzz(func(t *testing.T, input, output []byte) {
		if err := os.WriteFile(filepath.Join(dir, zoo.TestInput), input, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, zoo.TestOutput), output, 0o644); err != nil {
			t.Fatal(err)
		}
		if len(input) > 1<<22 {
			return // the model runs on every example: keep executions fast
		}
		n, d, err := testSet(main, dir, opt)
		if err == nil {
			want, rerr := readTensor(filepath.Join(dir, zoo.TestOutput))
			if rerr != nil || len(want.Data) != n*main.OutputLen() || math.IsNaN(d) || math.IsInf(d, 0) {
				t.Fatalf("test data passed with %d examples, max diff %g, expected output %v", n, d, rerr)
			}
		}
		if _, d, err := parts(main, enc, dec, dir, opt); err == nil && (math.IsNaN(d) || math.IsInf(d, 0)) {
			t.Fatalf("parts passed with max diff %g", d)
		}
	})
}
