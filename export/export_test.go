package export

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/onnxpb"
	"github.com/zoo-ml/zoo/reference"
	"github.com/zoo-ml/zoo/zoo"
)

// checker runs onnx.checker.check_model(full_check=True) on every file and
// prints, per file, the output shape that ONNX shape inference finds.
const checker = `
import json, sys, onnx
res = {}
for path in sys.argv[1:]:
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    inf = onnx.shape_inference.infer_shapes(m, strict_mode=True)
    out = inf.graph.output[0].type.tensor_type.shape.dim
    res[path] = [d.dim_param or d.dim_value for d in out]
print(json.dumps(res))
`

func sample(m *zoo.Model, n int) []float32 {
	x := make([]float32, n*zoo.Numel(m.Input))
	for i := range x {
		x[i] = float32(i%251) / 251
	}
	return x
}

// TestCheckerAllModels exports every registry model, with its int8 files,
// and runs the ONNX checker with full_check and strict shape inference on
// every file written, in one Python run.
func TestCheckerAllModels(t *testing.T) {
	testenv.NeedPython(t, "onnx")
	root := t.TempDir()
	var files []string
	wantOut := map[string][]any{}
	for _, m := range zoo.All() {
		paths, err := WriteDir(filepath.Join(root, m.Name), m, m.InitWeights(0), DirOptions{Weights: "test", Sample: sample(m, 3), SampleN: 3, Quantize: Int8})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			if !strings.HasSuffix(p, ".onnx") {
				continue
			}
			files = append(files, p)
			sub := m
			part := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(p), ".onnx"), "."+string(Int8))
			if part != "model" {
				if sub, err = m.Sub(part); err != nil {
					t.Fatal(err)
				}
			}
			out, _ := sub.OutShape()
			want := []any{BatchDim}
			for _, d := range out {
				want = append(want, float64(d))
			}
			wantOut[p] = want
		}
	}
	cmd := exec.Command(testenv.Python, append([]string{"-c", checker}, files...)...)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("onnx.checker failed: %s", ee.Stderr)
		}
		t.Fatalf("run %s (./test.sh installs python3-onnx): %v", testenv.Python, err)
	}
	var got map[string][]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("checker output %q: %v", out, err)
	}
	for _, f := range files {
		if !slices.Equal(got[f], wantOut[f]) {
			t.Errorf("%s: ONNX shape inference gives output %v, zoo declares %v", f, got[f], wantOut[f])
		}
	}
	t.Logf("onnx.checker.check_model(full_check=True) passed on %d files of %d models", len(files), len(zoo.All()))
}

func TestModelProto(t *testing.T) {
	m, _ := zoo.Lookup("deep-ae")
	w := m.InitWeights(3)
	mp, err := Model(m, w, Options{Part: "encoder", Weights: "seed 3"})
	if err != nil {
		t.Fatal(err)
	}
	if mp.GetIrVersion() != IRVersion || mp.OpsetImport[0].GetVersion() != Opset {
		t.Errorf("IR %d opset %d", mp.GetIrVersion(), mp.OpsetImport[0].GetVersion())
	}
	meta := map[string]string{}
	for _, e := range mp.MetadataProps {
		meta[e.GetKey()] = e.GetValue()
	}
	for k, v := range map[string]string{
		zoo.MetaModel: "deep-ae", zoo.MetaPart: "encoder", zoo.MetaTask: "encode", zoo.MetaFamily: zoo.FamilyDeepAE,
		zoo.MetaInputShape: "[784]", zoo.MetaOutputShape: "[2]", zoo.MetaVersion: zoo.Version, zoo.MetaWeights: "seed 3",
	} {
		if meta[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, meta[k], v)
		}
	}
	var r zoo.Recipe
	if err := json.Unmarshal([]byte(meta[zoo.MetaRecipe]), &r); err != nil || r != m.Recipe {
		t.Errorf("recipe metadata %q: %+v, %v", meta[zoo.MetaRecipe], r, err)
	}
	// Initializers are exactly the encoder's parameters, under their state_dict names.
	var names []string
	for _, init := range mp.Graph.Initializer {
		names = append(names, init.GetName())
		got, err := FromTensorProto(init)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Shape, w[init.GetName()].Shape) || !slices.Equal(got.Data, w[init.GetName()].Data) {
			t.Errorf("initializer %s does not round-trip", init.GetName())
		}
	}
	want := []string{"encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias",
		"encoder.4.weight", "encoder.4.bias", "encoder.6.weight", "encoder.6.bias"}
	if !slices.Equal(names, want) {
		t.Errorf("initializers %v, want %v", names, want)
	}
	ops := []string{}
	for _, n := range mp.Graph.Node {
		ops = append(ops, n.GetOpType())
	}
	if got := strings.Join(ops, " "); got != "Gemm Tanh Gemm Tanh Gemm Tanh Gemm Tanh" { // the notebook puts a Tanh on the code
		t.Errorf("ops %s", got)
	}
}

func TestWriteDir(t *testing.T) {
	m, _ := zoo.Lookup("tiny-ae-4")
	w := m.InitWeights(1)
	dir := filepath.Join(t.TempDir(), "models", m.Name)
	x := sample(m, 5)
	files, err := WriteDir(dir, m, w, DirOptions{Weights: "seed 1", Sample: x, SampleN: 5})
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, f := range files {
		r, _ := filepath.Rel(dir, f)
		rel = append(rel, r)
	}
	want := []string{"model.onnx", "encoder.onnx", "decoder.onnx", "test_data_set_0/input_0.pb", "test_data_set_0/output_0.pb", "README.md"}
	if !slices.Equal(rel, want) {
		t.Errorf("files %v, want %v", rel, want)
	}
	ents, _ := os.ReadDir(filepath.Dir(dir))
	if len(ents) != 1 {
		t.Errorf("temporary folders left beside the export: %v", ents)
	}

	// The test data holds the input and the reference output.
	in := readTensor(t, filepath.Join(dir, zoo.TestDataDir, zoo.TestInput))
	out := readTensor(t, filepath.Join(dir, zoo.TestDataDir, zoo.TestOutput))
	ref, _, err := reference.Forward(m, w, x, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(in.Shape, []int{5, 784}) || !slices.Equal(in.Data, x) || !slices.Equal(out.Shape, []int{5, 784}) || !slices.Equal(out.Data, ref) {
		t.Errorf("test data: input %v, output %v", in.Shape, out.Shape)
	}
	card, _ := os.ReadFile(filepath.Join(dir, zoo.CardFile))
	for _, s := range []string{"# tiny-ae-4", "43374", "`encoder.onnx` maps [N, 784] to [N, 4]", "seed 1", "onnxruntime-node"} {
		if !strings.Contains(string(card), s) {
			t.Errorf("model card lacks %q", s)
		}
	}

	// An existing folder is kept without Force, replaced with it.
	before, _ := os.ReadFile(filepath.Join(dir, zoo.ModelFile))
	if _, err := WriteDir(dir, m, m.InitWeights(2), DirOptions{}); !errors.Is(err, atomicfile.ErrExists) {
		t.Fatalf("second export without force: %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, zoo.ModelFile)); !slices.Equal(before, after) {
		t.Fatal("export without force changed the existing model")
	}
	if _, err := WriteDir(dir, m, m.InitWeights(2), DirOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, zoo.ModelFile)); slices.Equal(before, after) {
		t.Fatal("forced export did not replace the model")
	}
	if _, err := os.Stat(filepath.Join(dir, zoo.TestDataDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("forced export kept the old test data: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(dir)); len(ents) != 1 {
		t.Errorf("folders left beside the export: %v", ents)
	}
}

func TestWriteDirBadWeights(t *testing.T) {
	m, _ := zoo.Lookup("manifold-ae")
	w := m.InitWeights(0)
	delete(w, "decoder.2.bias")
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := WriteDir(dir, m, w, DirOptions{}); err == nil || !strings.Contains(err.Error(), `"decoder.2.bias" is missing`) {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("failed export left %s", dir)
	}
	if ents, _ := os.ReadDir(filepath.Dir(dir)); len(ents) != 0 {
		t.Fatalf("failed export left %v", ents)
	}
}

func TestFromTensorProtoErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		tp   *onnxpb.TensorProto
		want string
	}{
		{"int64", &onnxpb.TensorProto{Name: proto.String("x"), DataType: proto.Int32(int32(onnxpb.TensorProto_INT64))}, "want FLOAT"},
		{"short raw", &onnxpb.TensorProto{Name: proto.String("x"), Dims: []int64{2, 3}, DataType: proto.Int32(1), RawData: make([]byte, 20)}, "need 24"},
		{"short floats", &onnxpb.TensorProto{Name: proto.String("x"), Dims: []int64{4}, DataType: proto.Int32(1), FloatData: []float32{1}}, "need 4"},
		{"negative dim", &onnxpb.TensorProto{Name: proto.String("x"), Dims: []int64{-1}, DataType: proto.Int32(1)}, "bad dims"},
		{"huge dims", &onnxpb.TensorProto{Name: proto.String("x"), Dims: []int64{1 << 20, 1 << 20}, DataType: proto.Int32(1)}, "bad dims"},
	} {
		if _, err := FromTensorProto(tc.tp); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

func readTensor(t *testing.T, path string) *zoo.Tensor {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tp onnxpb.TensorProto
	if err := proto.Unmarshal(b, &tp); err != nil {
		t.Fatal(err)
	}
	x, err := FromTensorProto(&tp)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// TestWriteDirMeasure: WriteDir calls Measure with the complete folder,
// int8 files included, and the card states its result; an error of Measure
// stops the export and leaves nothing behind.
func TestWriteDirMeasure(t *testing.T) {
	m, _ := zoo.Lookup("tiny-ae-2")
	root := t.TempDir()
	q := &QuantQuality{Data: "t10k-images-idx3-ubyte.gz", Images: 10000, Float32: 0.04, Quantized: 0.0401}
	_, err := WriteDir(filepath.Join(root, "ok"), m, m.InitWeights(0), DirOptions{Quantize: Int8,
		Measure: func(dir string) (*QuantQuality, error) {
			for _, f := range []string{zoo.ModelFile, Int8.File(zoo.ModelFile), Int8.File(zoo.PartFile(zoo.PartDecoder))} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("Measure called before %s is written: %v", f, err)
				}
			}
			return q, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	card, err := os.ReadFile(filepath.Join(root, "ok", zoo.CardFile))
	if err != nil {
		t.Fatal(err)
	}
	want := "model.int8.onnx against model.onnx: reconstruction MSE 0.04 (float32) and 0.0401 (int8), +0.25%, on 10000 images of t10k-images-idx3-ubyte.gz."
	if !strings.Contains(string(card), "## Quantization\n\n"+want) {
		t.Errorf("card lacks %q:\n%s", want, card)
	}

	_, err = WriteDir(filepath.Join(root, "bad"), m, m.InitWeights(0), DirOptions{Quantize: Int8,
		Measure: func(string) (*QuantQuality, error) { return nil, errors.New("no data") }})
	if err == nil || !strings.Contains(err.Error(), "measure model.int8.onnx: no data") {
		t.Errorf("Measure failing: %v", err)
	}
	if ents, _ := os.ReadDir(root); len(ents) != 1 {
		t.Errorf("after a failed export the parent holds %v", ents)
	}
}
