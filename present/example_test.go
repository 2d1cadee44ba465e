package present_test

import (
	"fmt"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/present"
)

// The images of the embedded set, with their labels, as the figures take
// them.
func ExampleData() {
	d, err := present.Data(dataset.MiniName, "", 16, true, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.N, d.Shape, d.ClassNames[d.Labels[0]])
	// Output: 16 [28 28] 7
}
