package export

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/onnxpb"
	"github.com/zoo-ml/zoo/zoo"
)

func TestParts(t *testing.T) {
	for _, tc := range []struct {
		model string
		want  []string
		skip  []string
	}{
		{"deep-ae", []string{"encoder", "decoder"}, nil},
		{"conv-ae", []string{"encoder", "decoder"}, nil},
		{"conv-ae-deconv", []string{"encoder", "decoder"}, nil},
		{"conv-ae-unpool", []string{"encoder"}, []string{"decoder"}},
		{"conv-ae-deconv-unpool", []string{"encoder"}, []string{"decoder"}},
		{"cnn", nil, []string{"features", "classifier"}},
		{"mlp-cifar", nil, []string{"classifier"}},
	} {
		m, err := zoo.Lookup(tc.model)
		if err != nil {
			t.Fatal(err)
		}
		got, skipped := Parts(m)
		var skip []string
		for _, p := range m.PartNames() {
			if skipped[p] != "" {
				skip = append(skip, p)
			}
		}
		if !slices.Equal(got, tc.want) || !slices.Equal(skip, tc.skip) {
			t.Errorf("%s: parts %v, skipped %v; want %v, %v", tc.model, got, skip, tc.want, tc.skip)
		}
	}
}

// nodeSummary describes the graph's nodes as "Op(inputs)->outputs".
func nodeSummary(g *onnxpb.GraphProto) []string {
	var s []string
	for _, n := range g.Node {
		s = append(s, n.GetOpType()+"("+strings.Join(n.Input, ",")+")->"+strings.Join(n.Output, ","))
	}
	return s
}

func attrs(n *onnxpb.NodeProto) map[string][]int64 {
	a := map[string][]int64{}
	for _, at := range n.Attribute {
		a[at.GetName()] = at.Ints
	}
	return a
}

// TestConvLowering checks the nodes of the unpooling model and its encoder:
// pools output their indices only where an unpool of the same graph uses
// them, and each MaxUnpool reads its output shape from its pool's input.
func TestConvLowering(t *testing.T) {
	m, _ := zoo.Lookup("conv-ae-unpool")
	w := m.InitWeights(0)
	mp, err := Model(m, w, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Conv(input,encoder_conv1.0.weight,encoder_conv1.0.bias)->encoder_conv1.0",
		"Relu(encoder_conv1.0)->encoder_conv1.1",
		"MaxPool(encoder_conv1.1)->pool1,pool1.indices",
		"Conv(pool1,encoder_conv2.0.weight,encoder_conv2.0.bias)->encoder_conv2.0",
		"Relu(encoder_conv2.0)->encoder_conv2.1",
		"MaxPool(encoder_conv2.1)->pool2,pool2.indices",
		"Conv(pool2,encoder_conv3.0.weight,encoder_conv3.0.bias)->encoder_conv3.0",
		"Relu(encoder_conv3.0)->encoder_conv3.1",
		"MaxPool(encoder_conv3.1)->pool3,pool3.indices",
		"Shape(encoder_conv3.1)->unpool3.output_shape",
		"MaxUnpool(pool3,pool3.indices,unpool3.output_shape)->unpool3",
		"Identity(unpool3)->decoder_conv1",
		"Shape(encoder_conv2.1)->unpool2.output_shape",
		"MaxUnpool(decoder_conv1,pool2.indices,unpool2.output_shape)->unpool2",
		"Conv(unpool2,decoder_conv2.0.weight,decoder_conv2.0.bias)->decoder_conv2.0",
		"Relu(decoder_conv2.0)->decoder_conv2.1",
		"Shape(encoder_conv1.1)->unpool1.output_shape",
		"MaxUnpool(decoder_conv2.1,pool1.indices,unpool1.output_shape)->unpool1",
		"Conv(unpool1,decoder_conv3.0.weight,decoder_conv3.0.bias)->decoder_conv3.0",
		"Relu(decoder_conv3.0)->output",
	}
	if got := nodeSummary(mp.Graph); !slices.Equal(got, want) {
		t.Errorf("nodes\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, n := range mp.Graph.Node {
		a := attrs(n)
		switch n.GetOpType() {
		case "Conv":
			if !slices.Equal(a["kernel_shape"], []int64{3, 3}) || !slices.Equal(a["pads"], []int64{1, 1, 1, 1}) || !slices.Equal(a["strides"], []int64{1, 1}) {
				t.Errorf("%s: attributes %v", n.GetName(), a)
			}
		case "MaxPool", "MaxUnpool":
			if !slices.Equal(a["kernel_shape"], []int64{2, 2}) || !slices.Equal(a["strides"], []int64{2, 2}) {
				t.Errorf("%s: attributes %v", n.GetName(), a)
			}
		}
	}
	enc, err := Model(m, w, Options{Part: "encoder"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range enc.Graph.Node {
		if n.GetOpType() == "MaxPool" && len(n.Output) != 1 {
			t.Errorf("encoder alone: %s outputs %v", n.GetName(), n.Output)
		}
	}
	if _, err := Model(m, w, Options{Part: "decoder"}); err == nil || !strings.Contains(err.Error(), "pool indices of pool3") {
		t.Errorf("decoder alone: %v", err)
	}
}

func TestBatchNormLowering(t *testing.T) {
	m, _ := zoo.Lookup("cnn")
	mp, err := Model(m, m.InitWeights(0), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var bn *onnxpb.NodeProto
	var ops []string
	for _, n := range mp.Graph.Node {
		ops = append(ops, n.GetOpType())
		if n.GetName() == "convBlock1.2" {
			bn = n
		}
	}
	if got := strings.Join(ops, " "); got != "Conv MaxPool BatchNormalization Relu Conv MaxPool BatchNormalization Relu Flatten Gemm" {
		t.Errorf("ops %s", got)
	}
	if !slices.Equal(bn.Input, []string{"convBlock1.1", "convBlock1.2.weight", "convBlock1.2.bias", "convBlock1.2.running_mean", "convBlock1.2.running_var"}) {
		t.Errorf("BatchNormalization inputs %v", bn.Input)
	}
	for _, a := range bn.Attribute {
		if a.GetName() == "epsilon" && a.GetF() != float32(zoo.BatchNormEps) {
			t.Errorf("epsilon %v", a.GetF())
		}
	}
	meta := map[string]string{}
	for _, e := range mp.MetadataProps {
		meta[e.GetKey()] = e.GetValue()
	}
	if !strings.HasPrefix(meta[zoo.MetaClasses], `["T-shirt/top","Trouser",`) {
		t.Errorf("%s = %s, want Fashion-MNIST's class names", zoo.MetaClasses, meta[zoo.MetaClasses])
	}
	if meta[zoo.MetaParams] != "14746" { // trained parameters only, as PyTorch counts them
		t.Errorf("%s = %s, want 14746", zoo.MetaParams, meta[zoo.MetaParams])
	}
}

// TestWriteDirUnpool: an unpooling autoencoder gets model.onnx and
// encoder.onnx, and its card says why there is no decoder.onnx; a
// classifier gets model.onnx alone, and its card counts trained parameters.
func TestWriteDirUnpool(t *testing.T) {
	for _, tc := range []struct {
		model string
		files []string
		card  []string
	}{
		{"conv-ae-deconv-unpool", []string{"model.onnx", "encoder.onnx", "README.md"},
			[]string{"There is no `decoder.onnx`", "pool indices that the encoder computes", "`encoder.onnx` maps [N, 1, 28, 28] to [N, 16, 3, 3]"}},
		{"cnn", []string{"model.onnx", "README.md"},
			[]string{"| parameters | 14746 trained, and 64 in buffers", "| `convBlock1.2` | BatchNorm2d(16", "| 32 (and 32 in buffers) |"}},
		{"cnn-cifar", []string{"model.onnx", "README.md"}, []string{"| parameters | 109050 trained |", "cifar-10:test"}},
	} {
		t.Run(tc.model, func(t *testing.T) {
			m, _ := zoo.Lookup(tc.model)
			dir := filepath.Join(t.TempDir(), m.Name)
			files, err := WriteDir(dir, m, m.InitWeights(0), DirOptions{Weights: "test"})
			if err != nil {
				t.Fatal(err)
			}
			var rel []string
			for _, f := range files {
				r, _ := filepath.Rel(dir, f)
				rel = append(rel, r)
			}
			if !slices.Equal(rel, tc.files) {
				t.Errorf("files %v, want %v", rel, tc.files)
			}
			card, _ := os.ReadFile(filepath.Join(dir, zoo.CardFile))
			for _, s := range tc.card {
				if !strings.Contains(string(card), s) {
					t.Errorf("model card lacks %q:\n%s", s, card)
				}
			}
		})
	}
}
