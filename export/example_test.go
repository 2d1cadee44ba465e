package export_test

import (
	"fmt"
	"log"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/zoo"
)

// Lower a registry model with seeded weights to an ONNX ModelProto: its
// operators, and its initializers (the weights, under their state_dict
// names).
func ExampleModel() {
	m, err := zoo.Lookup("manifold-ae")
	if err != nil {
		log.Fatal(err)
	}
	mp, err := export.Model(m, m.InitWeights(0), export.Options{Weights: "seed 0"})
	if err != nil {
		log.Fatal(err)
	}
	var ops []string
	for _, n := range mp.GetGraph().GetNode() {
		ops = append(ops, n.GetOpType())
	}
	fmt.Println("opset", mp.GetOpsetImport()[0].GetVersion())
	fmt.Println(len(ops), "nodes:", strings.Join(ops, " "))
	fmt.Println(len(mp.GetGraph().GetInitializer()), "initializers, the first", mp.GetGraph().GetInitializer()[0].GetName())
	if _, err := proto.Marshal(mp); err != nil {
		log.Fatal(err)
	}
	// Output:
	// opset 17
	// 8 nodes: Gemm Relu Gemm Relu Gemm Relu Gemm Relu
	// 8 initializers, the first encoder.0.weight
}
