package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/onnxpb"
	"google.golang.org/protobuf/proto"
)

// foreign is the folder of the ONNX fixtures zoo did not write.
const foreign = "../../fixtures/onnx"

// TestVerifyForeign runs zoo verify on the ONNX Model Zoo folders zoo did
// not write: those onnxruntime runs pass on their test data, the others
// fail with one line, and --json holds the same checks.
func TestVerifyForeign(t *testing.T) {
	testenv.NeedORT(t)
	var dirs []string
	for _, f := range []string{"float16", "multi-io", "types", "torch-classifier", "torch-autoencoder", "torch-nhwc", "torch-batch1"} {
		dirs = append(dirs, filepath.Join(foreign, f))
	}
	js := filepath.Join(t.TempDir(), "verify.json")
	r := run(t, nil, append([]string{"verify", "--json", js}, dirs...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "all 7 folders verified") || strings.Count(r.stdout, "  n/a  zoo checks model.onnx  not a zoo export: metadata and card checks do not apply\n") != 7 {
		t.Fatalf("verify of the foreign fixtures: %+v", r)
	}
	if !strings.Contains(r.stdout, "  ok   test data  test_data_set_0/output_1.pb  k: int64 [2], max |diff| 0\n") {
		t.Errorf("no int64 output line in %s", r.stdout)
	}
	var reports []struct {
		Dir    string `json:"dir"`
		Checks []struct {
			What    string `json:"check"`
			Tensor  string `json:"tensor"`
			Skipped string `json:"skipped"`
		} `json:"checks"`
	}
	b, err := os.ReadFile(js)
	if err != nil || json.Unmarshal(b, &reports) != nil || len(reports) != 7 {
		t.Fatalf("verify.json: %v %s", err, b)
	}
	if c := reports[1].Checks; len(c) != 6 || c[2].Tensor != "k: int64 [2]" || c[5].Skipped == "" {
		t.Errorf("multi-io in verify.json: %+v", c)
	}

	for _, tc := range []struct{ folder, want string }{
		{"unloadable", "  FAIL load       model.onnx  open model ../../fixtures/onnx/unloadable/model.onnx: not a model onnxruntime can load: "},
		{"sequence", "  FAIL test data  test_data_set_0  model.onnx: s is a sequence, which zoo does not run"},
	} {
		r := run(t, nil, "verify", filepath.Join(foreign, tc.folder))
		if r.code != 1 || strings.Count(r.stdout, "FAIL") != 1 || !strings.Contains(r.stdout, tc.want) || r.stderr != "zoo: verify: 1 of 1 folders failed (rtol 0.001, atol 0.001)\n" {
			t.Errorf("verify %s: %+v", tc.folder, r)
		}
	}
}

// TestInspect describes ONNX files: one zoo did not write, with its load
// check, and one without onnxruntime; --json holds the same.
func TestInspect(t *testing.T) {
	testenv.NeedORT(t)
	js := filepath.Join(t.TempDir(), "inspect.json")
	model := filepath.Join(foreign, "torch-classifier", "model.onnx")
	r := run(t, nil, "inspect", model, filepath.Join(foreign, "unloadable", "model.onnx"), "--json", js)
	for _, line := range []string{
		model + " (32.3 kB)\n",
		"  producer     pytorch 1.13.0\n",
		"  IR version   7, opset ai.onnx 13\n",
		"  inputs       input: float [N 1 28 28]\n",
		"  outputs      output: float [N 10]\n",
		"  operators    4 nodes: Conv 1, Flatten 1, Gemm 1, Relu 1\n",
		"  parameters   7,918 values in 4 initializers (31.7 kB)\n",
		"  metadata     (none)\n",
		"  onnxruntime  loads it (onnxruntime 1.24.1)\n",
		"  onnxruntime  does not load it (onnxruntime 1.24.1): open model ../../fixtures/onnx/unloadable/model.onnx: not a model onnxruntime can load: ",
	} {
		if r.code != 0 || !strings.Contains(r.stdout, line) {
			t.Errorf("inspect: no %q in %+v", line, r)
		}
	}
	var summaries []struct {
		Inputs []struct {
			Shape []string `json:"shape"`
		} `json:"inputs"`
		Runtime struct {
			Loads bool   `json:"loads"`
			Err   string `json:"error"`
		} `json:"onnxruntime"`
	}
	b, err := os.ReadFile(js)
	if err != nil || json.Unmarshal(b, &summaries) != nil || len(summaries) != 2 ||
		strings.Join(summaries[0].Inputs[0].Shape, " ") != "N 1 28 28" || !summaries[0].Runtime.Loads || summaries[1].Runtime.Loads {
		t.Errorf("inspect.json: %v %s", err, b)
	}

	r = run(t, []string{"ZOO_ORT_LIB=/nonexistent/libonnxruntime.so"}, "inspect", model)
	if r.code != 0 || !strings.Contains(r.stdout, "  onnxruntime  onnxruntime is not available: onnxruntime library /nonexistent/libonnxruntime.so (from ZOO_ORT_LIB): ") ||
		!strings.Contains(r.stdout, "; the load check did not run\n") || !strings.Contains(r.stdout, "  parameters   7,918 values") {
		t.Errorf("inspect without onnxruntime: %+v", r)
	}
	if r := run(t, nil, "inspect", "../../README.md"); r.code != 1 || !strings.HasPrefix(r.stderr, "zoo: inspect ../../README.md: not an ONNX model: ") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("inspect of a Markdown file: %+v", r)
	}
}

// pbFloats reads a float32 TensorProto file of a fixture's test data.
func pbFloats(t *testing.T, path string) ([]float32, []int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tp onnxpb.TensorProto
	if err := proto.Unmarshal(b, &tp); err != nil {
		t.Fatal(err)
	}
	x, shape, err := onnxpb.DecodeFloats(&tp)
	if err != nil {
		t.Fatal(err)
	}
	return x, shape
}

// TestInferForeign runs the models torch.onnx.export wrote, without
// --task: the classifier and the autoencoder on MNIST, the batch-1
// classifier batch by batch, the channels-last classifier on images whose
// files hold channel planes. Their outputs are PyTorch's, which the
// fixtures' test data hold, within 1e-5.
func TestInferForeign(t *testing.T) {
	testenv.NeedORT(t)
	mnist := "../../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"
	out := t.TempDir()
	for _, tc := range []struct {
		name, folder, data string
		flags              []string
		verb, notice       string
		want               string // test data whose outputs are the first of the run
	}{
		{"classifier", "torch-classifier", mnist, []string{"--logits"}, "classified 512 examples", "", "torch-classifier"},
		{"autoencoder", "torch-autoencoder", mnist, []string{"--out"}, "reconstructed 512 examples", "", "torch-autoencoder"},
		{"batch 1", "torch-batch1", mnist, []string{"--batch", "100", "--logits"}, "classified 512 examples",
			"zoo: ../../fixtures/onnx/torch-batch1/model.onnx takes batches of exactly 1 (input [1 1 28 28]): running batches of 1\n", "torch-classifier"},
		{"nhwc", "torch-nhwc", filepath.Join(foreign, "rgb-16.idx"), []string{"--logits"}, "classified 4 examples", "", "torch-nhwc"},
		{"nhwc named", "torch-nhwc", filepath.Join(foreign, "rgb-16.idx"), []string{"--layout", "nhwc", "--logits"}, "classified 4 examples", "", "torch-nhwc"},
		{"scale and normalize, the same values", "torch-classifier", mnist, []string{"--scale", "1", "--normalize", "0,255", "--logits"}, "classified 512 examples", "", "torch-classifier"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := filepath.Join(out, strings.ReplaceAll(tc.name, " ", "-")+".idx")
			r := run(t, nil, append(append([]string{"infer", filepath.Join(foreign, tc.folder), tc.data}, tc.flags...), res)...)
			if r.code != 0 || !strings.Contains(r.stdout, tc.verb) || r.stderr != tc.notice {
				t.Fatalf("infer: %+v", r)
			}
			want, wshape := pbFloats(t, filepath.Join(foreign, tc.want, "test_data_set_0", "output_0.pb"))
			h, got, err := dataset.ReadAllFloat32(res)
			if err != nil {
				t.Fatal(err)
			}
			if h.ItemLen()*wshape[0] != len(want) || len(got) < len(want) {
				t.Fatalf("outputs %v, test data %v", h, wshape)
			}
			if d := testutil.MaxAbsDiff(got[:len(want)], want); d > 1e-5 {
				t.Errorf("max |zoo - PyTorch| = %g", d)
			}
		})
	}
}

// TestInferForeignErrors checks what zoo infer refuses of a model it did
// not write: each a line naming the model's shape and the data's, or the
// flag at fault.
func TestInferForeignErrors(t *testing.T) {
	testenv.NeedORT(t)
	mnist := "../../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"
	names := filepath.Join(t.TempDir(), "names.txt")
	if err := os.WriteFile(names, []byte("zero\none\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{filepath.Join(foreign, "torch-nhwc"), mnist}, 1,
			"zoo: " + mnist + ": images are 28x28 u8 with 784 values each, but the model takes 16x16x3 (768 values)\n"},
		{[]string{filepath.Join(foreign, "torch-classifier"), filepath.Join(foreign, "rgb-16.idx")}, 1,
			"zoo: " + filepath.Join(foreign, "rgb-16.idx") + ": images are 3x16x16 u8 with 768 values each, but the model takes 1x28x28 (784 values)\n"},
		{[]string{filepath.Join(foreign, "torch-classifier"), mnist, "--class-names", names}, 1,
			"zoo: class names " + names + ": 2 names, one a line, for the model's 10 classes\n"},
		{[]string{filepath.Join(foreign, "torch-autoencoder"), mnist, "--class-names", names}, 2,
			"zoo: ../../fixtures/onnx/torch-autoencoder/model.onnx performs reconstruct: --class-names applies to --task classify only, not reconstruct\n"},
		{[]string{filepath.Join(foreign, "torch-classifier"), mnist, "--task", "reconstruct"}, 1,
			"zoo: ../../fixtures/onnx/torch-classifier/model.onnx maps [1 28 28] to [10]: reconstruct needs an output shaped like the input\n"},
		{[]string{filepath.Join(foreign, "torch-classifier"), mnist, "--layout", "chw"}, 2, "zoo: layout \"chw\": want nchw or nhwc\n"},
		{[]string{filepath.Join(foreign, "torch-classifier"), mnist, "--scale", "-1"}, 2, "zoo: scale \"-1\": want a positive number or fraction, such as 1/255\n"},
		{[]string{filepath.Join(foreign, "torch-classifier"), mnist, "--normalize", "0.5"}, 2, "zoo: normalize \"0.5\": want MEAN,STD with STD > 0, such as 0.1307,0.3081\n"},
	} {
		r := run(t, nil, append([]string{"infer"}, tc.args...)...)
		if r.code != tc.code || r.stderr != tc.want {
			t.Errorf("zoo infer %s: %+v, want exit %d and %q", strings.Join(tc.args, " "), r, tc.code, tc.want)
		}
	}

	// Class names from a file name the predictions.
	if err := os.WriteFile(names, []byte("zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(t.TempDir(), "preds.csv")
	r := run(t, nil, "infer", filepath.Join(foreign, "torch-classifier"), mnist, "--class-names", names, "--out", csv)
	b, _ := os.ReadFile(csv)
	if r.code != 0 || !strings.Contains(r.stdout, "zero: 248") || !strings.Contains(string(b), ",zero,") {
		t.Errorf("--class-names: %+v\n%s", r, b)
	}
}
