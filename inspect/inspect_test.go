package inspect

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/onnxpb"
)

func TestMain(m *testing.M) {
	testenv.LoadORT(infer.Init)
	os.Exit(m.Run())
}

const fixtures = "../fixtures/onnx"

// TestFixtures describes the foreign fixtures and checks what each holds.
func TestFixtures(t *testing.T) {
	testenv.NeedORT(t)
	for _, tc := range []struct {
		folder        string
		producer      string
		ins, outs     []string
		ops           []OpCount
		params, bytes int64
		loads         bool
		err           string
	}{
		{"torch-classifier", "pytorch 1.13.0", []string{"input: float [N 1 28 28]"}, []string{"output: float [N 10]"},
			[]OpCount{{"Conv", 1}, {"Flatten", 1}, {"Gemm", 1}, {"Relu", 1}}, 4*16 + 4 + 10*784 + 10, 4 * (4*16 + 4 + 10*784 + 10), true, ""},
		{"torch-batch1", "pytorch 1.13.0", []string{"input: float [1 1 28 28]"}, []string{"output: float [1 10]"},
			[]OpCount{{"Conv", 1}, {"Flatten", 1}, {"Gemm", 1}, {"Relu", 1}}, 7918, 4 * 7918, true, ""},
		{"multi-io", "zoo fixtures (onnx.helper)", []string{"a: float [N 3]", "b: float [N 3]"}, []string{"d: float [N 3]", "k: int64 [N]"},
			[]OpCount{{"ArgMax", 1}, {"Sub", 1}}, 0, 0, true, ""},
		{"float16", "zoo fixtures (onnx.helper)", []string{"x: float16 [2 4]"}, []string{"y: float16 [2 4]"},
			[]OpCount{{"Add", 1}, {"Mul", 1}}, 2, 4, true, ""},
		{"sequence", "zoo fixtures (onnx.helper)", []string{"x: float [2]"}, []string{"s: sequence(tensor(float))"},
			[]OpCount{{"SequenceConstruct", 1}}, 0, 0, true, ""},
		{"unloadable", "zoo fixtures (onnx.helper)", []string{"x: float [1 4]"}, []string{"y: float [1 4]"},
			[]OpCount{{"NoSuchOp", 1}}, 0, 0, false, "No Op registered for NoSuchOp"},
	} {
		t.Run(tc.folder, func(t *testing.T) {
			s, err := File(filepath.Join(fixtures, tc.folder, "model.onnx"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			str := func(ps []Port) []string {
				var out []string
				for _, p := range ps {
					out = append(out, p.String())
				}
				return out
			}
			if s.Producer != tc.producer || s.IRVersion < 7 || len(s.Opsets) != 1 || s.Opsets[0].Version != 13 {
				t.Errorf("producer %q, IR %d, opsets %v", s.Producer, s.IRVersion, s.Opsets)
			}
			if !slices.Equal(str(s.Inputs), tc.ins) || !slices.Equal(str(s.Outputs), tc.outs) {
				t.Errorf("ports %q -> %q", str(s.Inputs), str(s.Outputs))
			}
			if !slices.Equal(s.Ops, tc.ops) || s.Params != tc.params || s.ParamBytes != tc.bytes {
				t.Errorf("ops %v, %d params in %d bytes", s.Ops, s.Params, s.ParamBytes)
			}
			if !s.Runtime.Available || s.Runtime.Loads != tc.loads || !strings.Contains(s.Runtime.Err, tc.err) {
				t.Errorf("runtime %+v", s.Runtime)
			}
		})
	}
}

// TestDecode describes a model made here: initializers listed as inputs
// (IR 3), symbolic and unknown dimensions, a map output, a subgraph, a
// custom domain, metadata.
func TestDecode(t *testing.T) {
	f := int32(onnxpb.TensorProto_FLOAT)
	tensor := func(name string, dims ...any) *onnxpb.ValueInfoProto {
		var ds []*onnxpb.TensorShapeProto_Dimension
		for _, d := range dims {
			switch d := d.(type) {
			case int:
				ds = append(ds, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
			case string:
				ds = append(ds, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: d}})
			default:
				ds = append(ds, &onnxpb.TensorShapeProto_Dimension{})
			}
		}
		return &onnxpb.ValueInfoProto{Name: proto.String(name), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
			TensorType: &onnxpb.TypeProto_Tensor{ElemType: &f, Shape: &onnxpb.TensorShapeProto{Dim: ds}}}}}
	}
	i64 := int32(onnxpb.TensorProto_INT64)
	mapOut := &onnxpb.ValueInfoProto{Name: proto.String("probs"), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_MapType{
		MapType: &onnxpb.TypeProto_Map{KeyType: &i64, ValueType: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{ElemType: &f}}}}}}}
	sub := &onnxpb.GraphProto{Node: []*onnxpb.NodeProto{{OpType: proto.String("Relu")}, {OpType: proto.String("Relu")}},
		Initializer: []*onnxpb.TensorProto{{Name: proto.String("c"), Dims: []int64{3}, DataType: &f}}}
	m := &onnxpb.ModelProto{IrVersion: proto.Int64(3), ProducerName: proto.String("keras2onnx"),
		OpsetImport:   []*onnxpb.OperatorSetIdProto{{Version: proto.Int64(9)}, {Domain: proto.String("com.microsoft"), Version: proto.Int64(1)}},
		MetadataProps: []*onnxpb.StringStringEntryProto{{Key: proto.String("author"), Value: proto.String(strings.Repeat("x", 150))}},
		Graph: &onnxpb.GraphProto{Name: proto.String("g"),
			Input:       []*onnxpb.ValueInfoProto{tensor("x", "batch", 3, nil), tensor("w", 2, 3)},
			Output:      []*onnxpb.ValueInfoProto{mapOut, {Name: proto.String("y"), Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{ElemType: &f}}}}},
			Initializer: []*onnxpb.TensorProto{{Name: proto.String("w"), Dims: []int64{2, 3}, DataType: &f}},
			Node: []*onnxpb.NodeProto{{OpType: proto.String("MatMul")}, {OpType: proto.String("FusedConv"), Domain: proto.String("com.microsoft")},
				{OpType: proto.String("If"), Attribute: []*onnxpb.AttributeProto{{Name: proto.String("then_branch"), G: sub}}}}}}
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "m.onnx")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := File(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Inputs) != 1 || s.Inputs[0].String() != "x: float [batch 3 ?]" {
		t.Errorf("inputs %v", s.Inputs)
	}
	if len(s.Outputs) != 2 || s.Outputs[0].String() != "probs: map(int64,tensor(float))" || s.Outputs[1].String() != "y: float" {
		t.Errorf("outputs %v", s.Outputs)
	}
	want := []OpCount{{"Relu", 2}, {"If", 1}, {"MatMul", 1}, {"com.microsoft.FusedConv", 1}}
	if !slices.Equal(s.Ops, want) || s.Nodes != 5 || s.Params != 9 || s.ParamBytes != 36 || s.Initializers != 2 {
		t.Errorf("ops %v (%d nodes), %d params, %d bytes, %d initializers", s.Ops, s.Nodes, s.Params, s.ParamBytes, s.Initializers)
	}
	var text strings.Builder
	if err := s.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"  producer     keras2onnx\n",
		"  IR version   3, opset ai.onnx 9, com.microsoft 1\n",
		"  inputs       x: float [batch 3 ?]\n",
		"  outputs      probs: map(int64,tensor(float))\n               y: float\n",
		"  operators    5 nodes: Relu 2, If 1, MatMul 1, com.microsoft.FusedConv 1\n",
		"  parameters   9 values in 2 initializers (36 bytes)\n",
		"  metadata     author = " + strings.Repeat("x", 100) + "... (150 characters)\n",
	} {
		if !strings.Contains(text.String(), line) {
			t.Errorf("text has no %q:\n%s", line, text.String())
		}
	}
	js, err := json.Marshal(s)
	if err != nil || !strings.Contains(string(js), `"shape":["batch","3","?"]`) || !strings.Contains(string(js), `"parameters":9`) {
		t.Errorf("JSON %s, %v", js, err)
	}

	for _, bad := range []struct{ content, want string }{
		{"<html>404</html>", "not an ONNX model"},
		{"", "not an ONNX model: no IR version or no graph"},
	} {
		if err := os.WriteFile(p, []byte(bad.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := File(p, Options{}); err == nil || !strings.Contains(err.Error(), p+": "+bad.want) {
			t.Errorf("%q: %v", bad.content, err)
		}
	}
	if _, err := File(filepath.Join(t.TempDir(), "absent.onnx"), Options{}); err == nil {
		t.Error("absent file: no error")
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{thousands(0), "0"}, {thousands(999), "999"}, {thousands(1000), "1,000"}, {thousands(1234567), "1,234,567"}, {thousands(-1234), "-1,234"},
		{size(999), "999 bytes"}, {size(31700), "31.7 kB"}, {size(1_200_000), "1.2 MB"}, {size(3_000_000_000), "3.00 GB"},
		{count(1, "node"), "1 node"}, {count(0, "node"), "0 nodes"}, {count64(7918, "value"), "7,918 values"},
	} {
		if tc.got != tc.want {
			t.Errorf("%q, want %q", tc.got, tc.want)
		}
	}
}
