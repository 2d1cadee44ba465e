package reference

import (
	"math"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/zoo"
)

// tiny is a 2-3-2 network whose outputs are computed by hand below.
func tiny(act, out zoo.Layer) (*zoo.Model, zoo.Weights) {
	m := &zoo.Model{
		Name: "tiny", Task: zoo.Reconstruct, Input: []int{2},
		Parts: []zoo.Part{
			{Name: "encoder", Layers: []zoo.Layer{zoo.Linear{In: 2, Out: 3}, act}},
			{Name: "decoder", Layers: []zoo.Layer{zoo.Linear{In: 3, Out: 2}, out}},
		},
	}
	w := zoo.Weights{
		"encoder.0.weight": {Shape: []int{3, 2}, Data: []float32{1, 2, -1, 0.5, 0, -3}},
		"encoder.0.bias":   {Shape: []int{3}, Data: []float32{0.5, 0, 1}},
		"decoder.0.weight": {Shape: []int{2, 3}, Data: []float32{1, 0, -1, 0.25, 0.5, 2}},
		"decoder.0.bias":   {Shape: []int{2}, Data: []float32{0, -0.5}},
	}
	return m, w
}

func TestForwardByHand(t *testing.T) {
	// x = (1, -2): encoder pre-activations
	//   h0 = 1*1 + 2*-2 + 0.5 = -2.5
	//   h1 = -1*1 + 0.5*-2 + 0 = -2
	//   h2 = 0*1 + -3*-2 + 1 = 7
	x := []float32{1, -2}
	relu := []float64{0, 0, 7}
	tanh := []float64{math.Tanh(-2.5), math.Tanh(-2), math.Tanh(7)}
	dec := func(h []float64) []float64 {
		return []float64{h[0] - h[2], 0.25*h[0] + 0.5*h[1] + 2*h[2] - 0.5}
	}
	sig := func(v []float64) []float64 {
		return []float64{1 / (1 + math.Exp(-v[0])), 1 / (1 + math.Exp(-v[1]))}
	}
	for _, tc := range []struct {
		name     string
		act, out zoo.Layer
		want     []float64
	}{
		{"relu-identity", zoo.ReLU{}, zoo.Identity{}, dec(relu)},
		{"tanh-sigmoid", zoo.Tanh{}, zoo.Sigmoid{}, sig(dec(tanh))},
		{"relu-relu", zoo.ReLU{}, zoo.ReLU{}, []float64{0, 13.5}}, // max(0, -7) = 0
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, w := tiny(tc.act, tc.out)
			// two examples: x and x again, to check the batch layout
			got, shape, err := Forward(m, w, append(append([]float32{}, x...), x...), 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(shape) != 1 || shape[0] != 2 || len(got) != 4 {
				t.Fatalf("shape %v, %d values", shape, len(got))
			}
			for i, v := range got {
				if math.Abs(float64(v)-tc.want[i%2]) > 1e-6 {
					t.Errorf("output %d = %v, want %v", i, v, tc.want[i%2])
				}
			}
		})
	}
}

func TestForwardErrors(t *testing.T) {
	m, w := tiny(zoo.ReLU{}, zoo.ReLU{})
	if _, _, err := Forward(m, w, make([]float32, 3), 2); err == nil || !strings.Contains(err.Error(), "input holds 3 values") {
		t.Errorf("short input: %v", err)
	}
	delete(w, "decoder.0.bias")
	if _, _, err := Forward(m, w, make([]float32, 2), 1); err == nil || !strings.Contains(err.Error(), "decoder.0.bias") {
		t.Errorf("missing weight: %v", err)
	}
}
