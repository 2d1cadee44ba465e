package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/testenv"
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
