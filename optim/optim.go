// Package optim implements the Adam and SGD optimizers of PyTorch 1.13 in
// plain Go, on float32 slices.
//
// The updates are those of torch.optim.Adam (amsgrad=False,
// weight_decay=0, maximize=False) and torch.optim.SGD (dampening=0,
// weight_decay=0) on their single-tensor code path, rounded as PyTorch
// rounds them for float32 tensors on a CPU: the scalars of a step, such as
// Adam's bias corrections, are computed in float64 and used as float32,
// and every elementwise operation rounds to float32 where PyTorch's CPU
// kernel does. PyTorch's x86-64 AVX2 kernels for add with alpha and for
// addcmul round once for a multiply and an add (a fused multiply-add);
// this package does the same, exactly, on every CPU, and so matches
// PyTorch to the bit on x86-64 CPUs with AVX2 (checked against Debian's
// PyTorch 1.13.1; see fixtures/optim). On a CPU where PyTorch rounds the
// multiply and the add separately, results differ from PyTorch's in the
// last bit now and then.
//
// An Optimizer is made for a fixed list of named parameters of fixed sizes
// (the state_dict names and element counts of a model) and updates them in
// place. It allocates its state once, when it is made, and nothing per
// step. Its state can be saved with State and restored with LoadState, as
// named tensors for a checkpoint written with package safetensors. An
// Optimizer is not safe for concurrent use.
package optim

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/zoo-ml/zoo/zoo"
)

// Optimizer updates parameters in place from their gradients.
//
// The state of an Optimizer is a set of named tensors, keyed like PyTorch's
// optimizer state with the parameter name appended: "exp_avg.NAME" and
// "exp_avg_sq.NAME" for Adam, "momentum_buffer.NAME" for SGD with momentum,
// each of shape [size of NAME], and the step count in two tensors of shape
// [1], "step" and "step_hi", which hold the count modulo 2^24 and the count
// divided by 2^24. Both are integers that float32 holds exactly, so the
// count is step_hi*2^24 + step exactly up to 2^48; below 2^24 steps,
// "step" is the count and "step_hi" is 0.
type Optimizer interface {
	// Step applies one update. params[i] and grads[i] are the values and
	// gradients of the i-th parameter, in the same order and lengths on
	// every call (the order of names given to New). Step fails, changing
	// nothing, if their number or lengths are not those of the parameters.
	Step(params, grads [][]float32) error
	// Steps returns the number of steps taken.
	Steps() int
	// State returns a copy of the optimizer state as named tensors.
	State() zoo.Weights
	// LoadState restores what State returned. It checks names and shapes
	// against the parameters and fails, changing nothing, with an error
	// naming the first missing, misshapen or unexpected tensor; "step_hi"
	// may be left out and then counts as 0.
	LoadState(zoo.Weights) error
}

// PyTorch's default Adam hyperparameters.
const (
	DefaultBeta1 = 0.9
	DefaultBeta2 = 0.999
	DefaultEps   = 1e-8
)

// Names of the state tensors.
const (
	stepKey        = "step"
	stepHiKey      = "step_hi"
	expAvgPrefix   = "exp_avg."
	expAvgSqPrefix = "exp_avg_sq."
	momentumPrefix = "momentum_buffer."
	stepRadix      = 1 << 24 // step counts per unit of step_hi
	maxStepHi      = 1 << 24 // step_hi < maxStepHi
)

// New returns the optimizer of the recipe, Adam or SGD, for the parameters
// with the given names and sizes (numbers of elements). Adam uses the
// recipe's learning rate and PyTorch's default betas and eps, and ignores
// Momentum and Nesterov; SGD uses LR, Momentum and Nesterov. New fails if
// the optimizer is unknown or a hyperparameter, name or size is invalid.
func New(r zoo.Recipe, names []string, sizes []int) (Optimizer, error) {
	switch r.Optimizer {
	case zoo.Adam:
		a := NewAdam(r.LR, DefaultBeta1, DefaultBeta2, DefaultEps, names, sizes)
		if a.err != nil {
			return nil, a.err
		}
		return a, nil
	case zoo.SGD:
		s := NewSGD(r.LR, r.Momentum, r.Nesterov, names, sizes)
		if s.err != nil {
			return nil, s.err
		}
		return s, nil
	}
	return nil, fmt.Errorf("optim: unknown optimizer %q (want adam or sgd)", r.Optimizer)
}

// layout is the list of parameters an optimizer updates.
type layout struct {
	names []string
	sizes []int
	total int
}

// newLayout checks and copies names and sizes.
func newLayout(names []string, sizes []int) (layout, error) {
	if len(names) != len(sizes) {
		return layout{}, fmt.Errorf("%d parameter names but %d sizes", len(names), len(sizes))
	}
	seen := make(map[string]bool, len(names))
	total := 0
	for i, name := range names {
		switch {
		case name == "":
			return layout{}, fmt.Errorf("parameter %d has an empty name", i)
		case seen[name]:
			return layout{}, fmt.Errorf("parameter %q is named twice", name)
		case sizes[i] < 0:
			return layout{}, fmt.Errorf("parameter %q has negative size %d", name, sizes[i])
		}
		seen[name] = true
		total += sizes[i]
	}
	return layout{names: slices.Clone(names), sizes: slices.Clone(sizes), total: total}, nil
}

// buffers returns one zero slice per parameter, carved from one allocation.
func (l *layout) buffers() [][]float32 {
	data := make([]float32, l.total)
	bufs := make([][]float32, len(l.sizes))
	for i, n := range l.sizes {
		bufs[i], data = data[:n:n], data[n:]
	}
	return bufs
}

// checkStep checks the arguments of Step.
func (l *layout) checkStep(params, grads [][]float32) error {
	if len(params) != len(l.sizes) || len(grads) != len(l.sizes) {
		return fmt.Errorf("got %d parameters and %d gradients, want %d of each", len(params), len(grads), len(l.sizes))
	}
	for i, n := range l.sizes {
		if len(params[i]) != n || len(grads[i]) != n {
			return fmt.Errorf("parameter %q: got %d values and %d gradients, want %d of each",
				l.names[i], len(params[i]), len(grads[i]), n)
		}
	}
	return nil
}

// state returns the step count and copies of the buffers, bufs[k][i] being
// the buffer of parameter i under prefixes[k].
func (l *layout) state(steps int, prefixes []string, bufs ...[][]float32) zoo.Weights {
	ws := make(zoo.Weights, 2+len(prefixes)*len(l.names))
	ws[stepKey] = &zoo.Tensor{Shape: []int{1}, Data: []float32{float32(steps % stepRadix)}}
	ws[stepHiKey] = &zoo.Tensor{Shape: []int{1}, Data: []float32{float32(steps / stepRadix)}}
	for k, prefix := range prefixes {
		for i, name := range l.names {
			ws[prefix+name] = &zoo.Tensor{Shape: []int{l.sizes[i]}, Data: slices.Clone(bufs[k][i])}
		}
	}
	return ws
}

// checkState checks ws against the state that l and prefixes call for and
// returns the step count it holds.
func (l *layout) checkState(ws zoo.Weights, prefixes []string) (int, error) {
	want := map[string]bool{stepKey: true, stepHiKey: true}
	lo, err := stepValue(ws, stepKey, stepRadix, true)
	if err != nil {
		return 0, err
	}
	hi, err := stepValue(ws, stepHiKey, maxStepHi, false)
	if err != nil {
		return 0, err
	}
	steps := int64(hi)*stepRadix + int64(lo)
	if steps > math.MaxInt {
		return 0, fmt.Errorf("step count %d does not fit in an int", steps)
	}
	for _, prefix := range prefixes {
		for i, name := range l.names {
			key := prefix + name
			want[key] = true
			t, ok := ws[key]
			switch {
			case !ok || t == nil:
				return 0, fmt.Errorf("tensor %q is missing", key)
			case len(t.Shape) != 1 || t.Shape[0] != l.sizes[i]:
				return 0, fmt.Errorf("tensor %q has shape %v, want [%d]", key, t.Shape, l.sizes[i])
			case len(t.Data) != l.sizes[i]:
				return 0, fmt.Errorf("tensor %q holds %d values, its shape %v needs %d", key, len(t.Data), t.Shape, l.sizes[i])
			}
		}
	}
	for _, name := range ws.Names() {
		if !want[name] {
			return 0, fmt.Errorf("unexpected tensor %q", name)
		}
	}
	return int(steps), nil
}

// stepValue returns the integer in [0, limit) held by the step tensor key
// of ws, or 0 if the tensor is absent and not required.
func stepValue(ws zoo.Weights, key string, limit int, required bool) (int, error) {
	t, ok := ws[key]
	switch {
	case !ok && !required:
		return 0, nil
	case !ok || t == nil:
		return 0, fmt.Errorf("tensor %q is missing", key)
	case len(t.Shape) != 1 || t.Shape[0] != 1 || len(t.Data) != 1:
		return 0, fmt.Errorf("tensor %q has shape %v with %d values, want [1]", key, t.Shape, len(t.Data))
	}
	v := t.Data[0]
	if !(v >= 0 && v < float32(limit)) || v != float32(math.Trunc(float64(v))) {
		return 0, fmt.Errorf("tensor %q holds %v, want an integer in [0, %d)", key, v, limit)
	}
	return int(v), nil
}

// grain is the fewest elements of a parameter that spread updates on
// more than one goroutine, PyTorch's grain size for its CPU kernels.
const grain = 1 << 15

// spread calls f on the ranges [lo, hi) that cover [0, n): one range for
// fewer than 2*grain elements, else about equal ranges on up to GOMAXPROCS
// goroutines side by side. The updates are elementwise, so the result does
// not depend on how the ranges fall.
func spread(n int, f func(lo, hi int)) {
	nw := min(runtime.GOMAXPROCS(0), n/grain)
	if nw <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	per := (n + nw - 1) / nw
	for lo := per; lo < n; lo += per {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, min(n, lo+per))
		}()
	}
	f(0, per)
	wg.Wait()
}

// fma32 returns x*y + z rounded once to float32, as C's fmaf does.
func fma32(x, y, z float32) float32 {
	r, ok := fma32Fast(x, y, z)
	if !ok {
		r = fma32Slow(x, y, z)
	}
	return r
}

// fma32Fast returns x*y + z rounded to float32 through float64, and
// whether that is x*y + z rounded once to float32. When it is not, call
// fma32Slow. Unlike fma32, fma32Fast is inlined, so that the loops that
// call it directly run faster.
//
// The product of two float32 values is exact in float64, so s below is
// the exact result rounded once to float64. Rounding s again to float32
// gives the correctly rounded result unless s landed exactly on a point
// halfway between two float32 values, or in float32's subnormal range
// (below 2^-126: a float64 exponent field from 1 to 896), where the
// float32 values are spaced differently. The exponent field 0 holds only
// zeros here: a nonzero s is a multiple of 2^-298, far from float64's
// subnormals.
func fma32Fast(x, y, z float32) (float32, bool) {
	s := float64(x)*float64(y) + float64(z)
	b := math.Float64bits(s)
	return float32(s), b&(1<<29-1) != 1<<28 && (b>>52&0x7ff)-1 >= 896
}

// fma32Slow returns x*y + z rounded once to float32.
func fma32Slow(x, y, z float32) float32 {
	p, c := float64(x)*float64(y), float64(z)
	s := p + c
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return float32(s)
	}
	// TwoSum: e is the rounding error of s, exactly.
	bb := s - p
	e := (p - (s - bb)) + (c - bb)
	if e == 0 {
		return float32(s) // s is exact
	}
	var tie bool
	if math.Abs(s) >= 0x1p-126 {
		tie = math.Float64bits(s)&(1<<29-1) == 1<<28
	} else { // float32 values here are the multiples of 2^-149
		k := s * 0x1p150
		tie = k == math.Trunc(k) && math.Mod(k, 2) != 0
	}
	if !tie {
		return float32(s)
	}
	// The exact value lies off the tie, on the side of e: move s there.
	return float32(math.Nextafter(s, math.Copysign(math.Inf(1), e)))
}

// powInt returns x^n for n >= 1, correctly rounded to float64 in all but
// vanishingly rare cases, as the C library's pow (which PyTorch's Python
// code calls) returns it. It computes in double-double arithmetic, with
// about 100 bits of precision, by repeated squaring.
func powInt(x float64, n int) float64 {
	rh, rl := 1.0, 0.0 // result
	bh, bl := x, 0.0   // x^(2^k)
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			rh, rl = mulDD(rh, rl, bh, bl)
		}
		if n > 1 {
			bh, bl = mulDD(bh, bl, bh, bl)
		}
	}
	return rh + rl
}

// mulDD returns the double-double product of (ah + al) and (bh + bl).
func mulDD(ah, al, bh, bl float64) (float64, float64) {
	p := ah * bh
	e := math.FMA(ah, bh, -p) // the exact error of p
	e += ah*bl + al*bh
	h := p + e
	return h, e - (h - p)
}
