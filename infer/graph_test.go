package infer

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/onnxpb"
)

// foreign is the folder of the foreign ONNX fixtures.
const foreign = "../fixtures/onnx"

// readValue reads a test data file of a fixture folder.
func readValue(t *testing.T, path string) Value {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tp onnxpb.TensorProto
	if err := proto.Unmarshal(b, &tp); err != nil {
		t.Fatal(err)
	}
	dt, shape, raw, err := onnxpb.DecodeRaw(&tp)
	if err != nil {
		t.Fatal(err)
	}
	return Value{Name: tp.GetName(), Type: ElemType(dt), Shape: shape, Raw: raw}
}

// TestGraphRun runs the fixtures of several inputs, outputs and element
// types and compares with their test data, value for value.
func TestGraphRun(t *testing.T) {
	testenv.NeedORT(t)
	for _, tc := range []struct {
		folder     string
		ins, outs  []string // ports as Port.String gives them
		exact      bool
		maxAbsDiff float64
	}{
		{"multi-io", []string{"a: float [? 3]", "b: float [? 3]"}, []string{"d: float [? 3]", "k: int64 [?]"}, true, 0},
		{"float16", []string{"x: float16 [2 4]"}, []string{"y: float16 [2 4]"}, true, 0},
		{"types", []string{"f64: double [3]", "i8: int8 [3]", "i16: int16 [3]", "i32: int32 [3]", "u8: uint8 [3]", "b: bool [3]"},
			[]string{"f64_out: double [3]", "i8_out: int8 [3]", "i16_out: int16 [3]", "i32_out: int32 [3]", "u8_out: uint8 [3]", "b_out: bool [3]"}, true, 0},
		{"torch-classifier", []string{"input: float [? 1 28 28]"}, []string{"output: float [? 10]"}, false, 1e-5},
	} {
		t.Run(tc.folder, func(t *testing.T) {
			g, err := OpenGraph(filepath.Join(foreign, tc.folder, "model.onnx"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			var ins, outs []string
			for _, p := range g.Inputs() {
				ins = append(ins, p.String())
			}
			for _, p := range g.Outputs() {
				outs = append(outs, p.String())
			}
			if !slices.Equal(ins, tc.ins) || !slices.Equal(outs, tc.outs) {
				t.Fatalf("ports %q -> %q, want %q -> %q", ins, outs, tc.ins, tc.outs)
			}
			set := filepath.Join(foreign, tc.folder, "test_data_set_0")
			var in []Value
			for i, p := range g.Inputs() {
				v := readValue(t, filepath.Join(set, "input_"+string(rune('0'+i))+".pb"))
				v.Name = p.Name
				in = append(in, v)
			}
			got, err := g.Run(in, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range g.Outputs() {
				want := readValue(t, filepath.Join(set, "output_"+string(rune('0'+i))+".pb"))
				if got[i].Name != p.Name || got[i].Type != want.Type || !slices.Equal(got[i].Shape, want.Shape) {
					t.Fatalf("output %d: %s %s, want %s", i, got[i].Name, got[i].Describe(), want.Describe())
				}
				if tc.exact && !slices.Equal(got[i].Raw, want.Raw) {
					t.Errorf("output %s: %v, want %v", p.Name, got[i].Float64s(), want.Float64s())
				}
				g, w := got[i].Float64s(), want.Float64s()
				for j := range w {
					if d := g[j] - w[j]; d > tc.maxAbsDiff || -d > tc.maxAbsDiff {
						t.Fatalf("output %s value %d: %g, want %g", p.Name, j, g[j], w[j])
					}
				}
			}
		})
	}
}

// TestGraphErrors checks what Run refuses, each with one line naming the
// model and the input.
func TestGraphErrors(t *testing.T) {
	testenv.NeedORT(t)
	g, err := OpenGraph(filepath.Join(foreign, "multi-io", "model.onnx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	a := Float32Value("a", []int64{1, 3}, []float32{1, 2, 3})
	b := Float32Value("b", []int64{1, 3}, []float32{1, 2, 3})
	for _, tc := range []struct {
		name string
		in   []Value
		want string
	}{
		{"missing", []Value{a}, "no value for input b"},
		{"unknown", []Value{a, b, Float32Value("c", []int64{1}, []float32{0})}, `no input named "c" (the inputs are a, b)`},
		{"twice", []Value{a, a}, "input a given twice"},
		{"type", []Value{a, {Name: "b", Type: Int64, Shape: []int64{1, 3}, Raw: make([]byte, 24)}}, "input b: float [? 3] takes float values, not int64"},
		{"shape", []Value{a, Float32Value("b", []int64{3}, []float32{1, 2, 3})}, "input b: float [? 3] does not take a tensor of shape [3]"},
		{"bytes", []Value{a, {Name: "b", Type: Float, Shape: []int64{1, 3}, Raw: make([]byte, 5)}}, "input b: 5 bytes for [1 3] values of float"},
		{"empty", []Value{a, Float32Value("b", []int64{0, 3}, nil)}, "input b: empty"},
	} {
		_, err := g.Run(tc.in, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}

	_, err = OpenGraph(filepath.Join(foreign, "unloadable", "model.onnx"), Options{})
	if err == nil || !strings.Contains(err.Error(), "not a model onnxruntime can load") || !strings.Contains(err.Error(), "NoSuchOp") {
		t.Errorf("unloadable model: %v", err)
	}

	seq, err := OpenGraph(filepath.Join(foreign, "sequence", "model.onnx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer seq.Close()
	_, err = seq.Run([]Value{Float32Value("x", []int64{2}, []float32{1, 2})}, nil)
	var ue *UnsupportedError
	if !errors.As(err, &ue) || ue.Port.Name != "s" || !strings.Contains(err.Error(), "s is a sequence, which zoo does not run") {
		t.Errorf("sequence output: %v", err)
	}
}

// TestGraphFloat16Symbolic runs a float16 model whose output's batch is
// symbolic: onnxruntime_go cannot copy out such an output that onnxruntime
// allocated, so Run needs its shape, and says so without it.
func TestGraphFloat16Symbolic(t *testing.T) {
	testenv.NeedORT(t)
	f16 := int32(onnxpb.TensorProto_FLOAT16)
	port := func(name string) *onnxpb.ValueInfoProto {
		return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{
			ElemType: &f16, Shape: &onnxpb.TensorShapeProto{Dim: []*onnxpb.TensorShapeProto_Dimension{
				{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "N"}}, {Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: 2}}}}}}}}
	}
	m := &onnxpb.ModelProto{IrVersion: proto.Int64(8), OpsetImport: []*onnxpb.OperatorSetIdProto{{Version: proto.Int64(13)}},
		Graph: &onnxpb.GraphProto{Name: proto.String("neg"), Input: []*onnxpb.ValueInfoProto{port("x")}, Output: []*onnxpb.ValueInfoProto{port("y")},
			Node: []*onnxpb.NodeProto{{OpType: proto.String("Neg"), Input: []string{"x"}, Output: []string{"y"}}}}}
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "neg.onnx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := OpenGraph(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	x := Value{Name: "x", Type: Float16, Shape: []int64{1, 2}, Raw: []byte{0x00, 0x3c, 0x00, 0xc0}} // 1, -2
	if _, err := g.Run([]Value{x}, nil); err == nil || !strings.Contains(err.Error(), "output y: float16 [? 2] has symbolic dimensions: give its shape to receive float16 values") {
		t.Errorf("without the shape: %v", err)
	}
	y, err := g.Run([]Value{x}, map[string][]int64{"y": {1, 2}})
	if err != nil || !slices.Equal(y[0].Float64s(), []float64{-1, 2}) {
		t.Errorf("with the shape: %v, %v", y, err)
	}
}
