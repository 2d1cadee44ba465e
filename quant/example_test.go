package quant_test

import (
	"fmt"

	"github.com/zoo-ml/zoo/quant"
)

func ExampleQuantizeRows() {
	// A Linear layer's weight [2, 3]: one scale per row (output feature).
	w := []float32{
		0.5, -0.25, 0.125,
		-2, 1, 0,
	}
	r, err := quant.QuantizeRows(w, 2, 3)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Q, r.Scale)
	fmt.Println(r.Dequantize())
	// Output:
	// [127 -64 32 -127 64 0] [0.003937008 0.015748031]
	// [0.5 -0.2519685 0.12598425 -2 1.007874 0]
}

func ExampleDynamic() {
	// ONNX's DynamicQuantizeLinear of a batch: one scale and zero point.
	u, err := quant.Dynamic([]float32{0, 2, -3, -2.5, 1.34, 0.5})
	if err != nil {
		panic(err)
	}
	fmt.Printf("q %d, scale %g, zero point %d\n", u.Q, u.Scale, u.Zero)
	// Output:
	// q [153 255 0 26 221 179], scale 0.019607844, zero point 153
}
