package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// notebookIndex is the default --index: one test image of each digit in the
// MNIST test set, as in the PCA-versus-autoencoder notebook.
const notebookIndex = "9705-9714"

// maxShown is the most images --index may select for the figure.
const maxShown = 100

// parseKs parses --k: one positive number or a comma-separated list of
// them, returned sorted without repeats.
func parseKs(s string) ([]int, error) {
	var ks []int
	for f := range strings.SplitSeq(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 {
			return nil, fmt.Errorf("--k %q: %q is not a positive number of components", s, f)
		}
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return slices.Compact(ks), nil
}

// parseIndex parses --index, a comma-separated list of positions and
// inclusive ranges A-B, each below n. An empty s means the notebook's
// 9705-9714 when the test set has that many images, else the first ten.
func parseIndex(s string, n int) ([]int, error) {
	if s == "" {
		if n > 9714 {
			s = notebookIndex
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
		case len(index)+hi-lo+1 > maxShown:
			return nil, fmt.Errorf("--index %q: more than %d images", s, maxShown)
		}
		for i := lo; i <= hi; i++ {
			index = append(index, i)
		}
	}
	return index, nil
}
