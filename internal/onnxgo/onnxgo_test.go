package onnxgo

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	onnx "github.com/owulveryck/onnx-go"

	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/zoo"
)

// exports is the folder holding one export folder per registry model.
var exports string

// TestMain exports every registry model with seeded weights through the
// zoo command (this package cannot link zoo's export package: onnx-go
// registers its own protobuf messages named onnx.*, which clash with zoo's
// in one binary). ZOO_ONNXGO_EXPORTS names a folder of exports made
// beforehand (the CI script's) instead.
func TestMain(m *testing.M) {
	testenv.LoadORT(infer.Init)
	exports = os.Getenv("ZOO_ONNXGO_EXPORTS")
	var tmp string
	if exports == "" {
		var err error
		if tmp, err = os.MkdirTemp("", "zoo-onnxgo-"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		exports = filepath.Join(tmp, "models")
		if err := exportAll(tmp, exports); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.RemoveAll(tmp)
			os.Exit(1)
		}
	}
	code := m.Run()
	if tmp != "" {
		os.RemoveAll(tmp)
	}
	os.Exit(code)
}

// exportAll builds the zoo command into dir and exports every registry
// model with --init --seed 0 into out.
func exportAll(dir, out string) error {
	bin := filepath.Join(dir, "zoo")
	if b, err := exec.Command("go", "build", "-o", bin, "../../cmd/zoo").CombinedOutput(); err != nil {
		return fmt.Errorf("build zoo: %w\n%s", err, b)
	}
	for _, m := range zoo.All() {
		if b, err := exec.Command(bin, "export", m.Name, "--init", "--seed", "0", "--out", out).CombinedOutput(); err != nil {
			return fmt.Errorf("zoo export %s: %w\n%s", m.Name, err, b)
		}
	}
	return nil
}

// unsupported lists the operators of zoo's exports that onnx-go v0.5.0's
// gorgonnx backend lacks, with what it says. A model using any of them
// must fail to run; every other model must run and match onnxruntime.
var unsupported = map[string]string{
	"ConvTranspose": "onnx-go has no ConvTranspose operator",
	"MaxUnpool":     "onnx-go has no MaxUnpool operator",
	"Shape":         "onnx-go has no Shape operator",
	"Reshape":       "onnx-go's Reshape does not infer a -1 dimension (the batch of Unflatten)",
}

// want reports why onnx-go cannot run a file with these operators, or ""
// when it can.
func want(ops []string) string {
	var why []string
	for _, o := range ops {
		if r, ok := unsupported[o]; ok {
			why = append(why, r)
		}
	}
	return strings.Join(why, "; ")
}

// TestMatrix runs model.onnx, encoder.onnx and decoder.onnx of every
// registry model in onnx-go and in onnxruntime on the test data set's
// input (the decoder on the encoder's codes), and compares the outputs
// with rtol = atol = 1e-3, as zoo verify does. Files with operators onnx-go
// lacks must fail with an error, not a panic or a wrong answer. Each
// file's result is logged as "MATRIX model/file: pass" or the reason.
func TestMatrix(t *testing.T) {
	testenv.NeedORT(t)
	for _, m := range zoo.All() {
		dir := filepath.Join(exports, m.Name)
		x, in := readTensor(t, filepath.Join(dir, "test_data_set_0", "input_0.pb"))
		n := in[0]
		var codes []float32
		for _, f := range []string{"model.onnx", "encoder.onnx", "decoder.onnx"} {
			path := filepath.Join(dir, f)
			if _, err := os.Stat(path); err != nil {
				continue
			}
			t.Run(m.Name+"/"+f, func(t *testing.T) {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				ops, err := Ops(b)
				if err != nil {
					t.Fatal(err)
				}
				input := x
				if f == "decoder.onnx" {
					input = codes
				}
				ref := ort(t, path, input, n)
				if f == "encoder.onnx" {
					codes = ref
				}
				y, _, err := Run(b, input, n)
				why := want(ops)
				switch {
				case why != "" && err == nil:
					t.Fatalf("onnx-go ran %s (operators %v) although %s: update the list of unsupported operators and the README", path, ops, why)
				case why != "":
					t.Logf("MATRIX %s/%s: cannot run: %s (onnx-go: %v)", m.Name, f, why, err)
					return
				case err != nil:
					t.Fatalf("%s (operators %v): %v", path, ops, err)
				}
				if i, ok := closeTo(y, ref, 1e-3, 1e-3); !ok {
					t.Fatalf("%s: onnx-go and onnxruntime differ at %d (of %d): %g against %g", path, i, len(ref), at(y, i), at(ref, i))
				}
				if f == "model.onnx" {
					want, _ := readTensor(t, filepath.Join(dir, "test_data_set_0", "output_0.pb"))
					if i, ok := closeTo(y, want, 1e-3, 1e-3); !ok {
						t.Fatalf("%s: onnx-go and output_0.pb differ at %d: %g against %g", path, i, at(y, i), at(want, i))
					}
				}
				t.Logf("MATRIX %s/%s: pass (operators %v)", m.Name, f, ops)
			})
		}
	}
}

// readTensor reads a float32 TensorProto file with onnx-go's decoder.
func readTensor(t *testing.T, path string) ([]float32, []int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tt, err := onnx.NewTensor(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	d, ok := tt.Data().([]float32)
	if !ok {
		t.Fatalf("%s holds %T, not float32", path, tt.Data())
	}
	return d, slices.Clone([]int(tt.Shape()))
}

// ort runs the model file in onnxruntime.
func ort(t *testing.T, path string, x []float32, n int) []float32 {
	t.Helper()
	s, err := infer.Open(path, infer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	y, err := s.Run(x, n)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// close reports whether |a-b| <= atol + rtol*|b| everywhere, and else the
// first index where not.
func closeTo(a, b []float32, rtol, atol float64) (int, bool) {
	if len(a) != len(b) {
		return min(len(a), len(b)), false
	}
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if !(d <= atol+rtol*math.Abs(float64(b[i]))) {
			return i, false
		}
	}
	return -1, true
}

func at(a []float32, i int) float32 {
	if i < 0 || i >= len(a) {
		return float32(math.NaN())
	}
	return a[i]
}

// TestOpsAndInputShape checks the protobuf reading against what Python's
// onnx package reports for the same exports (onnx.load(f).graph).
func TestOpsAndInputShape(t *testing.T) {
	for _, tc := range []struct {
		file  string
		ops   []string
		input []int
	}{
		{"cnn/model.onnx", []string{"BatchNormalization", "Conv", "Flatten", "Gemm", "MaxPool", "Relu"}, []int{0, 1, 28, 28}},
		{"conv-ae-unpool/model.onnx", []string{"Conv", "Identity", "MaxPool", "MaxUnpool", "Relu", "Shape"}, []int{0, 1, 28, 28}},
		{"mlp-cifar/model.onnx", []string{"Flatten", "Gemm", "Identity", "Relu"}, []int{0, 3, 32, 32}},
		{"deep-ae/decoder.onnx", []string{"Gemm", "Sigmoid", "Tanh"}, []int{0, 2}},
	} {
		b, err := os.ReadFile(filepath.Join(exports, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		ops, err := Ops(b)
		if err != nil || !slices.Equal(ops, tc.ops) {
			t.Errorf("%s: Ops = %v, %v; want %v", tc.file, ops, err, tc.ops)
		}
		in, err := InputShape(b)
		if err != nil || !slices.Equal(in, tc.input) {
			t.Errorf("%s: InputShape = %v, %v; want %v", tc.file, in, err, tc.input)
		}
		if _, _, err := Run(b, make([]float32, 5), 1); err == nil {
			t.Errorf("%s: Run with 5 values: no error", tc.file)
		}
	}
	for _, bad := range [][]byte{nil, {0xff}, {0x3a, 0x05, 1}} {
		if _, err := Ops(bad); err == nil {
			t.Errorf("Ops(%x): no error", bad)
		}
		if _, err := InputShape(bad); err == nil {
			t.Errorf("InputShape(%x): no error", bad)
		}
	}
}
