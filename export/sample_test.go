package export

import (
	"slices"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/zoo"
)

func TestSampleInputs(t *testing.T) {
	r, _, err := dataset.Open(dataset.MiniName, dataset.TestImages)
	if err != nil {
		t.Fatal(err)
	}
	mini := make([]float32, 3*28*28)
	if _, err := r.ReadFloat32(mini); err != nil {
		t.Fatal(err)
	}
	r.Close()
	for _, tc := range []struct {
		model string
		n     int
		mnist bool // the first mnist-mini images, else noise
	}{
		{"relu-ae-30", 3, true}, // [784]
		{"cnn", 2, true},        // [1, 28, 28]
		{"cnn-cifar", 3, false}, // [3, 32, 32]
		{"relu-ae-30", 0, true},
	} {
		m, err := zoo.Lookup(tc.model)
		if err != nil {
			t.Fatal(err)
		}
		x, err := SampleInputs(m, tc.n)
		if err != nil {
			t.Fatalf("%s, %d: %v", tc.model, tc.n, err)
		}
		size := zoo.Numel(m.Input)
		if len(x) != tc.n*size {
			t.Fatalf("%s, %d: %d values, want %d", tc.model, tc.n, len(x), tc.n*size)
		}
		if tc.mnist {
			if !slices.Equal(x, mini[:len(x)]) {
				t.Errorf("%s, %d: not the first mnist-mini images", tc.model, tc.n)
			}
			continue
		}
		again, _ := SampleInputs(m, tc.n)
		other, _ := SampleInputs(m, tc.n+1)
		if !slices.Equal(x, again) || slices.Equal(x, other[:len(x)]) {
			t.Errorf("%s: the noise is not a function of n", tc.model)
		}
		for _, v := range x {
			if v < 0 || v >= 1 {
				t.Fatalf("%s: noise value %v outside [0, 1)", tc.model, v)
			}
		}
	}
	m, _ := zoo.Lookup("relu-ae-30")
	for _, n := range []int{-1, 2001} {
		if _, err := SampleInputs(m, n); err == nil || !strings.Contains(err.Error(), "-1") && !strings.Contains(err.Error(), "2001") {
			t.Errorf("%d samples: %v", n, err)
		}
	}
}
