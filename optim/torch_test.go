package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/zoo"
)

// torchFixture is the file written by fixtures/optim/make_optim.py.
var torchFixture = filepath.Join("..", "fixtures", "optim", "optim.safetensors")

// torchConfig is a configuration of make_optim.py, as its metadata
// "config.NAME" describes it.
type torchConfig struct {
	Optimizer string  `json:"optimizer"`
	LR        float64 `json:"lr"`
	Beta1     float64 `json:"beta1,omitempty"`
	Beta2     float64 `json:"beta2,omitempty"`
	Eps       float64 `json:"eps,omitempty"`
	Momentum  float64 `json:"momentum,omitempty"`
	Nesterov  bool    `json:"nesterov,omitempty"`
}

const (
	torchParams = 3 // parameters per configuration
	torchSteps  = 5 // steps per configuration
)

// TestTorch replays the steps PyTorch took and compares the parameters
// after every step: within 1e-6, and to the bit.
func TestTorch(t *testing.T) {
	ws, meta, err := safetensors.ReadFile(torchFixture)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  torchConfig
	}{
		{"adam1", torchConfig{Optimizer: "adam", LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}},
		{"adam2", torchConfig{Optimizer: "adam", LR: 0.1, Beta1: 0.8, Beta2: 0.99, Eps: 1e-6}},
		{"sgd1", torchConfig{Optimizer: "sgd", LR: 0.01}},
		{"sgd2", torchConfig{Optimizer: "sgd", LR: 0.01, Momentum: 0.9}},
		{"sgd3", torchConfig{Optimizer: "sgd", LR: 0.01, Momentum: 0.9, Nesterov: true}},
	}
	const tol = 1e-6
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg torchConfig
			if err := json.Unmarshal([]byte(meta["config."+tt.name]), &cfg); err != nil {
				t.Fatalf("metadata config.%s: %v", tt.name, err)
			}
			if cfg != tt.cfg {
				t.Fatalf("the fixture's configuration is %+v, want %+v", cfg, tt.cfg)
			}
			tensor := func(name string) *zoo.Tensor {
				t.Helper()
				w, ok := ws[tt.name+"."+name]
				if !ok {
					t.Fatalf("fixture has no tensor %s.%s", tt.name, name)
				}
				return w
			}
			names := make([]string, torchParams)
			sizes := make([]int, torchParams)
			params := make([][]float32, torchParams)
			for i := range params {
				names[i] = fmt.Sprintf("param%d", i)
				params[i] = append([]float32(nil), tensor(fmt.Sprintf("init.param%d", i)).Data...)
				sizes[i] = len(params[i])
			}
			var opt Optimizer
			switch cfg.Optimizer {
			case "adam":
				opt = NewAdam(cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Eps, names, sizes)
			case "sgd":
				opt = NewSGD(cfg.LR, cfg.Momentum, cfg.Nesterov, names, sizes)
			}
			var maxDiff float64
			unequal := 0
			grads := make([][]float32, torchParams)
			for step := 1; step <= torchSteps; step++ {
				for i := range grads {
					grads[i] = tensor(fmt.Sprintf("step%d.grad%d", step, i)).Data
				}
				if err := opt.Step(params, grads); err != nil {
					t.Fatal(err)
				}
				for i, p := range params {
					want := tensor(fmt.Sprintf("step%d.param%d", step, i)).Data
					for j := range p {
						d := math.Abs(float64(p[j]) - float64(want[j]))
						if d > tol {
							t.Errorf("step %d: param%d[%d] = %v, PyTorch has %v", step, i, j, p[j], want[j])
						}
						if p[j] != want[j] {
							unequal++
						}
						maxDiff = max(maxDiff, d)
					}
				}
			}
			t.Logf("max abs diff from PyTorch over %d steps: %g (%d values not bit-identical)", torchSteps, maxDiff, unequal)
			// The fixture comes from PyTorch's AVX2 kernels, which this
			// package matches to the bit (see the package comment). A
			// fixture made on a CPU without FMA would fail here only.
			if unequal > 0 {
				t.Errorf("%d values are not bit-identical to PyTorch's (within %g: was the fixture made on a CPU without FMA?)", unequal, tol)
			}
		})
	}
}
