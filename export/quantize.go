package export

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/onnxpb"
	"github.com/zoo-ml/zoo/quant"
	"github.com/zoo-ml/zoo/zoo"
)

// A Quantization says how an ONNX file stores and computes a model's
// layers.
type Quantization string

// The quantizations zoo writes. Float32 is the exported model as trained.
// Int8 stores each Linear layer's weight as int8, symmetric, with one scale
// per output feature, and quantizes the layer's input to uint8 at run time
// with the scale and zero point of each batch (ONNX DynamicQuantizeLinear),
// so that the product runs on integer kernels; every other layer (and each
// bias, and Linear layers narrower than quant.MinFeatures) stays float32.
// onnxruntime's CPU provider fuses each such pattern into one
// DynamicQuantizeMatMul.
const (
	Float32 Quantization = ""
	Int8    Quantization = "int8"
)

// ParseQuantization reads a quantization as zoo export's --quantize flag
// gives it: "int8", or "" and "float32" for none.
func ParseQuantization(s string) (Quantization, error) {
	switch s {
	case "", "float32":
		return Float32, nil
	case string(Int8):
		return Int8, nil
	}
	return "", fmt.Errorf("quantize %q: want %s (or float32 for none)", s, Int8)
}

// File returns the file name of a model or part file in this quantization:
// file itself for Float32, "model.int8.onnx" for model.onnx and Int8.
func (q Quantization) File(file string) string {
	if q == Float32 {
		return file
	}
	return file[:len(file)-len(".onnx")] + "." + string(q) + ".onnx"
}

// Describe says in words how q stores and computes a model, for the
// metadata and the model card.
func (q Quantization) Describe() string {
	if q == Int8 {
		return fmt.Sprintf("the Linear weights in int8 (symmetric, one scale per output feature) and the inputs of Linear layers in uint8 with a scale and zero point per batch (DynamicQuantizeLinear + MatMulInteger); other layers, the biases and Linear layers with fewer than %d inputs or outputs (where integer kernels gain nothing) stay float32", quant.MinFeatures)
	}
	return "float32"
}

// QuantQuality is what quantization costs a model on a data set, as the
// model card states it: the same metric of the float32 and of the
// quantized whole model over the same examples.
type QuantQuality struct {
	// Data names the examples, Images counts them.
	Data   string
	Images int
	// Classify says the metric is the accuracy (a fraction); otherwise it
	// is the reconstruction MSE (mean per value).
	Classify bool
	// Float32 and Quantized are the metric of model.onnx and of the
	// quantized file.
	Float32, Quantized float64
}

// String states q in words, such as "reconstruction MSE 0.036966 (float32)
// and 0.036974 (int8), +0.021%, on 10000 images of
// t10k-images-idx3-ubyte.gz".
func (q QuantQuality) String() string {
	var s string
	if q.Classify {
		s = fmt.Sprintf("accuracy %.2f%% (float32) and %.2f%% (int8), %+.2f points", 100*q.Float32, 100*q.Quantized, 100*(q.Quantized-q.Float32))
	} else {
		s = fmt.Sprintf("reconstruction MSE %.5g (float32) and %.5g (int8), %+.2g%%", q.Float32, q.Quantized, 100*(q.Quantized/q.Float32-1))
	}
	return fmt.Sprintf("%s, on %d images of %s", s, q.Images, q.Data)
}

// lowerLinearInt8 lowers a Linear layer (weight [out, in], bias [out]) to
// the dynamic quantization pattern onnxruntime fuses into
// DynamicQuantizeMatMul:
//
//	x_q, x_scale, x_zero = DynamicQuantizeLinear(in)
//	acc   = MatMulInteger(x_q, weight_quantized [in, out] int8, x_zero)
//	scale = Mul(x_scale, weight_scale [out])
//	out   = Add(Mul(Cast(acc, float), scale), bias)
func lowerLinearInt8(prefix, in, out string, w, b *zoo.Tensor) ([]*onnxpb.NodeProto, []*onnxpb.TensorProto, error) {
	if len(w.Shape) != 2 {
		return nil, nil, fmt.Errorf("quantize a weight of shape %v: want [out, in]", w.Shape)
	}
	r, err := quant.QuantizeRows(w.Data, w.Shape[0], w.Shape[1])
	if err != nil {
		return nil, nil, err
	}
	n := func(s string) string { return prefix + "." + s }
	wq := &onnxpb.TensorProto{
		Name:     proto.String(n("weight_quantized")),
		Dims:     []int64{int64(r.In), int64(r.Out)},
		DataType: proto.Int32(int32(onnxpb.TensorProto_INT8)),
		RawData:  r.Transposed(), // MatMulInteger's B is [in, out]: PyTorch's weight transposed
	}
	ws := Tensor(n("weight_scale"), &zoo.Tensor{Shape: []int{r.Out}, Data: r.Scale})
	bias := Tensor(n("bias"), b)
	cast := node("Cast", n("cast"), []string{n("matmul_integer")}, []string{n("matmul_integer_float")})
	cast.Attribute = []*onnxpb.AttributeProto{intAttr("to", int64(onnxpb.TensorProto_FLOAT))}
	nodes := []*onnxpb.NodeProto{
		node("DynamicQuantizeLinear", n("quantize_input"), []string{in}, []string{n("input_quantized"), n("input_scale"), n("input_zero_point")}),
		node("MatMulInteger", n("matmul_integer"), []string{n("input_quantized"), n("weight_quantized"), n("input_zero_point")}, []string{n("matmul_integer")}),
		node("Mul", n("scale"), []string{n("input_scale"), n("weight_scale")}, []string{n("scale")}),
		cast,
		node("Mul", n("rescale"), []string{n("matmul_integer_float"), n("scale")}, []string{n("matmul")}),
		node("Add", n("add_bias"), []string{n("matmul"), n("bias")}, []string{out}),
	}
	return nodes, []*onnxpb.TensorProto{wq, ws, bias}, nil
}
