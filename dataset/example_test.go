package dataset_test

import (
	"fmt"
	"log"

	"github.com/zoo-ml/zoo/dataset"
)

// Open the embedded mnist-mini set, which needs no download: its images'
// header, and the first label.
func ExampleOpen() {
	images, src, err := dataset.Open(dataset.MiniName, dataset.TestImages)
	if err != nil {
		log.Fatal(err)
	}
	defer images.Close()
	fmt.Println(src.Path, src.Embedded)
	fmt.Println(images.Header())

	labels, _, err := dataset.Open(dataset.MiniName, dataset.TestLabels)
	if err != nil {
		log.Fatal(err)
	}
	defer labels.Close()
	first := make([]byte, 1)
	if _, err := labels.ReadUint8(first); err != nil {
		log.Fatal(err)
	}
	fmt.Println("first label:", first[0])
	// Output:
	// embedded:mnist-mini/t10k-images-idx3-ubyte.gz true
	// 2000x28x28 u8
	// first label: 7
}
