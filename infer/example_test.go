package infer_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/zoo-ml/zoo/analysis"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/zoo"
)

// Export a model with seeded weights into a folder, open its model.onnx in
// onnxruntime and reconstruct four images of the embedded mnist-mini set.
// (Without the onnxruntime library, go test leaves this example out and
// says so.)
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "zoo-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	m, err := zoo.Lookup("manifold-ae")
	if err != nil {
		log.Fatal(err)
	}
	folder := filepath.Join(dir, m.Name)
	if _, err := export.WriteDir(folder, m, m.InitWeights(1), export.DirOptions{Weights: "seed 1"}); err != nil {
		log.Fatal(err)
	}

	s, err := infer.Open(filepath.Join(folder, zoo.ModelFile), infer.Options{Threads: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	fmt.Println(s.ModelName(), s.Task(), s.InputShape(), "->", s.OutputShape())

	images, _, err := dataset.Open(dataset.MiniName, dataset.TestImages)
	if err != nil {
		log.Fatal(err)
	}
	defer images.Close()
	const n = 4
	x := make([]float32, n*s.InputLen())
	if _, err := images.ReadFloat32(x); err != nil {
		log.Fatal(err)
	}
	y, err := s.Run(x, n)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d outputs, reconstruction MSE %.3f\n", len(y), analysis.MSE(y, x))
	// Output:
	// manifold-ae reconstruct [784] -> [784]
	// 3136 outputs, reconstruction MSE 0.094
}
