package figure

import (
	"fmt"
	"strconv"
	"strings"
)

// NotebookIndex is the default index of the figures that show chosen test
// images: one test image of each digit in the MNIST test set, as in the
// PCA-versus-autoencoder notebook.
const NotebookIndex = "9705-9714"

// MaxShown is the most images an index may choose.
const MaxShown = 100

// ParseIndex parses an index param (zoo's --index): a comma-separated list
// of positions and inclusive ranges A-B, each below n, the number of test
// images. An empty s means NotebookIndex when the test set has that many
// images, else the first ten. Its errors name the flag, as the command
// line gives it.
func ParseIndex(s string, n int) ([]int, error) {
	if s == "" {
		if n > 9714 {
			s = NotebookIndex
		} else {
			s = "0-" + strconv.Itoa(min(n, 10)-1)
		}
	}
	var index []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		a, b, isRange := strings.Cut(f, "-")
		lo, err1 := strconv.Atoi(a)
		hi, err2 := lo, error(nil)
		if isRange {
			hi, err2 = strconv.Atoi(b)
		}
		switch {
		case err1 != nil || err2 != nil || lo < 0:
			return nil, fmt.Errorf("--index %q: %q is not a position or a range A-B", s, f)
		case hi < lo:
			return nil, fmt.Errorf("--index %q: range %q ends before it starts", s, f)
		case hi >= n:
			return nil, fmt.Errorf("--index %q: %d is past the last of the %d test images (0 to %d)", s, hi, n, n-1)
		case len(index)+hi-lo+1 > MaxShown:
			return nil, fmt.Errorf("--index %q: more than %d images", s, MaxShown)
		}
		for i := lo; i <= hi; i++ {
			index = append(index, i)
		}
	}
	return index, nil
}
