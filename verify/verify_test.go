package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/onnxpb"
	"github.com/zoo-ml/zoo/zoo"
)

// exported writes the export folder of model name with seeded weights and
// 8 fixture images as test data.
func exported(tb testing.TB, name string, seed uint64) string {
	tb.Helper()
	m, err := zoo.Lookup(name)
	if err != nil {
		tb.Fatal(err)
	}
	_, x, err := dataset.ReadAllFloat32("../fixtures/mnist-512/t10k-images-idx3-ubyte.gz")
	if err != nil {
		tb.Fatal(err)
	}
	dir := filepath.Join(tb.TempDir(), name)
	if _, err := export.WriteDir(dir, m, m.InitWeights(seed), export.DirOptions{Weights: "test", Sample: x[:8*784], SampleN: 8}); err != nil {
		tb.Fatal(err)
	}
	return dir
}

func failed(r *Report) string {
	var s []string
	for _, c := range r.Failed() {
		s = append(s, c.File+" "+c.What+": "+c.Err)
	}
	return strings.Join(s, "; ")
}

func TestVerifyGood(t *testing.T) {
	testenv.NeedORT(t)
	dir := exported(t, "manifold-ae", 1)
	r, err := Dir(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("fresh export fails: %s", failed(r))
	}
	// 3 files x (load, metadata), test data, parts, card.
	if len(r.Checks) != 9 {
		t.Errorf("%d checks: %+v", len(r.Checks), r.Checks)
	}
	for _, c := range r.Checks {
		if c.What == "test data" && (c.N != 8 || c.MaxAbsDiff > 1e-5) {
			t.Errorf("test data: %d examples, max diff %g", c.N, c.MaxAbsDiff)
		}
		if c.What == "parts" && c.MaxAbsDiff > 1e-5 {
			t.Errorf("encoder+decoder differ from the model by %g", c.MaxAbsDiff)
		}
	}
}

func TestVerifyBad(t *testing.T) {
	testenv.NeedORT(t)
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, dir string)
		file   string
		want   string
	}{
		{"wrong expected output", func(t *testing.T, dir string) {
			p := filepath.Join(dir, zoo.TestDataDir, zoo.TestOutput)
			out, err := readTensor(p)
			if err != nil {
				t.Fatal(err)
			}
			out.Data[100] += 0.5
			b, _ := proto.Marshal(export.Tensor(export.OutputName, out))
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "test_data_set_0/output_0.pb", "1 of 6272 values differ"},
		{"truncated output", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, zoo.TestDataDir, zoo.TestOutput), []byte{0x0a, 0x05}, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "test_data_set_0/output_0.pb", "not an ONNX TensorProto"},
		{"decoder of other weights", func(t *testing.T, dir string) {
			other := exported(t, "manifold-ae", 2)
			b, _ := os.ReadFile(filepath.Join(other, "decoder.onnx"))
			if err := os.WriteFile(filepath.Join(dir, "decoder.onnx"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "encoder.onnx + decoder.onnx", "differ beyond"},
		{"decoder of another model", func(t *testing.T, dir string) {
			other := exported(t, "tiny-ae-2", 2)
			b, _ := os.ReadFile(filepath.Join(other, "decoder.onnx"))
			if err := os.WriteFile(filepath.Join(dir, "decoder.onnx"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "decoder.onnx", `names model "tiny-ae-2"`},
		{"not a model", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "encoder.onnx"), []byte("<html>404</html>"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "encoder.onnx", "not a model onnxruntime can load"},
		{"no card", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, zoo.CardFile)) }, "README.md", "model card"},
		{"card of another model", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, zoo.CardFile), []byte("# something else\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "README.md", "does not name the model manifold-ae"},
		{"encoder.onnx deleted", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "encoder.onnx")) },
			"encoder.onnx", "README.md lists encoder.onnx, but the folder has no such file"},
		{"decoder.onnx deleted", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "decoder.onnx")) },
			"decoder.onnx", "README.md lists decoder.onnx, but the folder has no such file"},
		{"test_data_set_0 deleted", func(t *testing.T, dir string) { os.RemoveAll(filepath.Join(dir, zoo.TestDataDir)) },
			"test_data_set_0/input_0.pb", "README.md lists test_data_set_0/input_0.pb, but the folder has no such file"},
		{"task classify on an autoencoder", setMeta("model.onnx", zoo.MetaTask, "classify"),
			"model.onnx", "metadata zoo.task says classify, but the file is the model part mapping [784] to [784]"},
		{"task reconstruct on the encoder", setMeta("encoder.onnx", zoo.MetaTask, "reconstruct"),
			"encoder.onnx", "metadata zoo.task says reconstruct, but the file is the encoder part"},
		{"an unknown task", setMeta("model.onnx", zoo.MetaTask, "dance"),
			"model.onnx", `metadata zoo.task: unknown task "dance"`},
		{"a recipe that is not JSON", setMeta("decoder.onnx", zoo.MetaRecipe, "{optimizer: adam"),
			"decoder.onnx", "metadata zoo.recipe is not a recipe in JSON"},
		{"no models", func(t *testing.T, dir string) {
			for _, f := range []string{"model.onnx", "encoder.onnx", "decoder.onnx"} {
				os.Remove(filepath.Join(dir, f))
			}
		}, ".", "no .onnx file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := exported(t, "manifold-ae", 1)
			tc.change(t, dir)
			r, err := Dir(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.OK() {
				t.Fatal("damaged folder verifies")
			}
			found := false
			for _, c := range r.Failed() {
				found = found || c.File == tc.file && strings.Contains(c.Err, tc.want)
			}
			if !found {
				t.Errorf("failures %q; want one on %s saying %q", failed(r), tc.file, tc.want)
			}
		})
	}
	if _, err := Dir(filepath.Join(t.TempDir(), "absent"), Options{}); err == nil {
		t.Error("missing folder: no error")
	}
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		got, want []float32
		opt       Options
		ok        bool
	}{
		{[]float32{1, 2}, []float32{1, 2}, Options{RTol: 1e-3, ATol: 1e-3}, true},
		{[]float32{1.0015, 0}, []float32{1, 0}, Options{RTol: 1e-3, ATol: 1e-3}, true}, // 0.0015 <= 0.001 + 0.001
		{[]float32{1.0025, 0}, []float32{1, 0}, Options{RTol: 1e-3, ATol: 1e-3}, false},
		{[]float32{1e-7}, []float32{0}, Options{RTol: 1e-9, ATol: 1e-9}, false},
		{[]float32{float32(nan())}, []float32{0}, Options{RTol: 1, ATol: 1}, false},
		{[]float32{1}, []float32{1, 2}, Options{RTol: 1, ATol: 1}, false},
	} {
		_, err := compare(tc.got, tc.want, tc.opt)
		if (err == nil) != tc.ok {
			t.Errorf("compare(%v, %v, %+v) = %v", tc.got, tc.want, tc.opt, err)
		}
	}
}

func nan() float64 { var z float64; return z / z }

// setMeta returns a change of an export folder that sets the metadata key
// of its ONNX file to value, adding it when absent; an empty value removes
// the key, which must then be there.
func setMeta(file, key, value string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		p := filepath.Join(dir, file)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var m onnxpb.ModelProto
		if err := proto.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		found := false
		var kept []*onnxpb.StringStringEntryProto
		for _, e := range m.MetadataProps {
			if e.GetKey() == key {
				e.Value, found = proto.String(value), true
				if value == "" {
					continue
				}
			}
			kept = append(kept, e)
		}
		if !found && value == "" {
			t.Fatalf("%s has no metadata %s", file, key)
		}
		if !found {
			kept = append(kept, &onnxpb.StringStringEntryProto{Key: proto.String(key), Value: proto.String(value)})
		}
		m.MetadataProps = kept
		if b, err = proto.Marshal(&m); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestVerifyOwnExports: zoo's exports of every kind, and those zoo 0.1.0
// wrote, pass with their parts listed and their tasks consistent.
func TestVerifyOwnExports(t *testing.T) {
	testenv.NeedORT(t)
	dirs := []string{"../fixtures/zoo-0.1.0/cnn", "../fixtures/zoo-0.1.0/conv-ae-unpool"}
	for _, name := range []string{"cnn", "conv-ae-unpool", "tiny-ae-2", "shallow-ae-64"} {
		dirs = append(dirs, exported(t, name, 1))
	}
	for _, dir := range dirs {
		r, err := Dir(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK() {
			t.Errorf("%s fails: %s", dir, failed(r))
		}
	}
}
