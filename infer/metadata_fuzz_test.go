package infer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/onnxpb"
	"github.com/zoo-ml/zoo/zoo"
)

// fuzzModel is a tiny autoencoder, 4 -> 2 -> 4, whose ONNX file is small
// enough to mutate quickly.
func fuzzModel(tb testing.TB) *onnxpb.ModelProto {
	tb.Helper()
	m := &zoo.Model{
		Name: "fuzz-ae", Family: "test", Description: "fuzzing", Task: zoo.Reconstruct, Input: []int{4},
		Parts: []zoo.Part{
			{Name: "encoder", Layers: []zoo.Layer{zoo.Linear{In: 4, Out: 2}, zoo.ReLU{}}},
			{Name: "decoder", Layers: []zoo.Layer{zoo.Linear{In: 2, Out: 4}, zoo.Sigmoid{}}},
		},
		Recipe: zoo.Recipe{Optimizer: "adam", LR: 1e-3, Loss: "mse", BatchSize: 4, Epochs: 1},
	}
	mp, err := export.Model(m, m.InitWeights(1), export.Options{Weights: "fuzz"})
	if err != nil {
		tb.Fatal(err)
	}
	return mp
}

// FuzzMetadata loads ONNX files through Open, which reads the metadata
// with onnxruntime. With mode bit 0 clear, the file is the tiny model with
// one more metadata entry key = value: it must open, and Metadata must
// give back every entry as written (up to a NUL byte: onnxruntime hands
// strings over as C strings). With bit 0 set, data is the whole file:
// nothing may crash, and a file that opens has float32 shapes and a
// session that runs. The seed corpus is in testdata/fuzz/FuzzMetadata.
func FuzzMetadata(f *testing.F) {
	testenv.NeedORT(f)
	base := fuzzModel(f)
	good, err := proto.Marshal(base)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte{}, "license", "MIT", byte(0))
	f.Add([]byte{}, "", "", byte(0))
	f.Add([]byte{}, "zoo.note", "é\x00after", byte(0))
	f.Add([]byte{}, "k", strings.Repeat("v", 5000), byte(0))
	f.Add(good, "", "", byte(1))
	f.Add(good[:len(good)/2], "", "", byte(1))
	f.Add([]byte("<html>404</html>"), "", "", byte(1))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, key, value string, mode byte) {
		p := filepath.Join(dir, "model.onnx")
		mp := proto.Clone(base).(*onnxpb.ModelProto)
		want := map[string]string{}
		for _, e := range mp.MetadataProps {
			want[e.GetKey()] = e.GetValue()
		}
		if mode&1 == 0 {
			if _, dup := want[key]; dup {
				return // a repeated key is the model's problem, not ours
			}
			mp.MetadataProps = append(mp.MetadataProps, &onnxpb.StringStringEntryProto{Key: proto.String(key), Value: proto.String(value)})
			want[key] = value
			var err error
			if data, err = proto.Marshal(mp); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Open(p, Options{Threads: 1})
		if err != nil {
			if mode&1 == 0 {
				t.Fatalf("model with metadata %q = %q does not open: %v", key, value, err)
			}
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		defer s.Close()
		if mode&1 == 0 {
			got := s.Metadata()
			for k, v := range want {
				if cut, _, _ := strings.Cut(v, "\x00"); got[k] != cut && !strings.ContainsRune(k, 0) {
					t.Fatalf("metadata %q = %q, wrote %q", k, got[k], v)
				}
			}
			if !slices.Equal(s.InputShape(), []int{4}) || !slices.Equal(s.OutputShape(), []int{4}) {
				t.Fatalf("shapes %v -> %v", s.InputShape(), s.OutputShape())
			}
		}
		for _, d := range append(s.InputShape(), s.OutputShape()...) {
			if d <= 0 {
				t.Fatalf("shapes %v -> %v", s.InputShape(), s.OutputShape())
			}
		}
		if s.InputLen() > 1<<16 || s.OutputLen() > 1<<16 {
			return // a mutated file may declare large shapes; not worth running
		}
		x := make([]float32, 2*s.InputLen())
		if y, err := s.Run(x, 2); err == nil && len(y) != 2*s.OutputLen() {
			t.Fatalf("Run gave %d values for 2 examples of %v", len(y), s.OutputShape())
		}
	})
}
