package zoo_test

import (
	"fmt"
	"log"

	"github.com/zoo-ml/zoo/zoo"
)

// Look a model up in the registry and print its layers, each with its
// state_dict prefix and per-example output shape, and its size.
func ExampleLookup() {
	m, err := zoo.Lookup("manifold-ae")
	if err != nil {
		log.Fatal(err)
	}
	steps, err := m.Steps()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Name, m.Task, m.Input)
	for _, s := range steps {
		fmt.Printf("%-10s %-40v %v\n", s.Prefix, s.Layer, s.Out)
	}
	fmt.Println(m.NumParams(), "parameters")
	// Output:
	// manifold-ae reconstruct [784]
	// encoder.0  Linear(in_features=784, out_features=64) [64]
	// encoder.1  ReLU()                                   [64]
	// encoder.2  Linear(in_features=64, out_features=8)   [8]
	// encoder.3  ReLU()                                   [8]
	// decoder.0  Linear(in_features=8, out_features=64)   [64]
	// decoder.1  ReLU()                                   [64]
	// decoder.2  Linear(in_features=64, out_features=784) [784]
	// decoder.3  ReLU()                                   [784]
	// 102296 parameters
}
