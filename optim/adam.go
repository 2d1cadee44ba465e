package optim

import (
	"fmt"
	"math"

	"github.com/zoo-ml/zoo/zoo"
)

// Adam is the optimizer of torch.optim.Adam in PyTorch 1.13, without
// amsgrad and weight decay. Each step t = 1, 2, ... updates every
// parameter element p with gradient g as
//
//	m = beta1*m + (1-beta1)*g
//	v = beta2*v + (1-beta2)*g*g
//	p = p - lr/(1-beta1^t) * m / (sqrt(v)/sqrt(1-beta2^t) + eps)
//
// where m and v start at zero. Note that eps is added after sqrt(v) is
// divided by sqrt(1-beta2^t), as PyTorch does. Like PyTorch, which counts
// steps in a float32, Adam computes the bias corrections with t at most 2^24.
//
// Its state tensors are "exp_avg.NAME" (m), "exp_avg_sq.NAME" (v), "step"
// and "step_hi"; see Optimizer.
type Adam struct {
	lr, beta1, beta2, eps float64
	layout
	m, v  [][]float32
	steps int
	err   error // from NewAdam; returned by Step and LoadState
}

var adamPrefixes = []string{expAvgPrefix, expAvgSqPrefix}

// NewAdam returns an Adam optimizer with learning rate lr, decay rates
// beta1 and beta2 and term eps (PyTorch's defaults are DefaultBeta1,
// DefaultBeta2 and DefaultEps) for parameters with the given names and
// sizes (numbers of elements), in the order Step takes them.
//
// NewAdam checks its arguments as PyTorch does: lr and eps must be finite
// and not negative, beta1 and beta2 must lie in [0, 1), the names must be distinct
// and non-empty, the sizes non-negative and as many as the names. It does
// not fail: if an argument is invalid, Step and LoadState of the returned
// optimizer return the error. New returns it at once.
func NewAdam(lr, beta1, beta2, eps float64, names []string, sizes []int) *Adam {
	a := &Adam{lr: lr, beta1: beta1, beta2: beta2, eps: eps}
	switch {
	case !(lr >= 0) || math.IsInf(lr, 1):
		a.err = fmt.Errorf("optim: Adam: invalid learning rate %g", lr)
	case !(eps >= 0) || math.IsInf(eps, 1):
		a.err = fmt.Errorf("optim: Adam: invalid eps %g", eps)
	case !(beta1 >= 0 && beta1 < 1):
		a.err = fmt.Errorf("optim: Adam: invalid beta1 %g, want it in [0, 1)", beta1)
	case !(beta2 >= 0 && beta2 < 1):
		a.err = fmt.Errorf("optim: Adam: invalid beta2 %g, want it in [0, 1)", beta2)
	}
	if a.err != nil {
		return a
	}
	l, err := newLayout(names, sizes)
	if err != nil {
		a.err = fmt.Errorf("optim: Adam: %w", err)
		return a
	}
	a.layout = l
	a.m = l.buffers()
	a.v = l.buffers()
	return a
}

// Step applies one Adam update to params from grads, in place.
func (a *Adam) Step(params, grads [][]float32) error {
	if a.err != nil {
		return a.err
	}
	if err := a.checkStep(params, grads); err != nil {
		return fmt.Errorf("optim: Adam step %d: %w", a.steps+1, err)
	}
	a.steps++
	k := a.kernel(min(a.steps, 1<<24))
	for i, p := range params {
		if len(p) < 2*grain {
			k.update(p, grads[i], a.m[i], a.v[i])
			continue
		}
		k.spreadUpdate(p, grads[i], a.m[i], a.v[i])
	}
	return nil
}

// kernel returns the float32 constants of step t, computed as PyTorch's
// _single_tensor_adam computes them: in float64, then passed to float32
// kernels.
func (a *Adam) kernel(t int) adamKernel {
	bc1 := 1 - powInt(a.beta1, t)
	bc2 := 1 - powInt(a.beta2, t)
	stepSize := a.lr / bc1
	return adamKernel{
		beta1:   float32(a.beta1),
		alpha1:  float32(1 - a.beta1),
		beta2:   float32(a.beta2),
		alpha2:  float32(1 - a.beta2),
		bc2Sqrt: float32(math.Sqrt(bc2)),
		eps:     float32(a.eps),
		negStep: float32(-stepSize),
	}
}

// adamKernel is one Adam step on float32 values.
type adamKernel struct {
	beta1, alpha1, beta2, alpha2 float32
	bc2Sqrt, eps, negStep        float32
}

// update updates p, m and v from g, each operation rounded as in the
// PyTorch CPU kernel it mirrors:
//
//	exp_avg.mul_(beta1).add_(grad, alpha=1-beta1)
//	    m*beta1 rounded, then a fused multiply-add
//	exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
//	    v*beta2 rounded, ((1-beta2)*g) rounded, then a fused multiply-add with g
//	denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
//	    each operation rounded
//	param.addcdiv_(exp_avg, denom, value=-step_size)
//	    p + ((-step_size)*m)/denom, each operation rounded
func (k *adamKernel) update(p, g, m, v []float32) {
	beta1, alpha1, beta2, alpha2 := k.beta1, k.alpha1, k.beta2, k.alpha2
	bc2Sqrt, eps, negStep := k.bc2Sqrt, k.eps, k.negStep
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	if n := len(p) &^ 15; haveAdam16 && n > 0 {
		adam16(k, &p[0], &g[0], &m[0], &v[0], n)
		p, g, m, v = p[n:], g[n:], m[n:], v[n:]
	}
	for j, gj := range g {
		m1, v1, g2 := float32(m[j]*beta1), float32(v[j]*beta2), float32(alpha2*gj)
		mj, ok1 := fma32Fast(gj, alpha1, m1)
		vj, ok2 := fma32Fast(g2, gj, v1)
		if !ok1 || !ok2 {
			mj, vj = fma32Slow(gj, alpha1, m1), fma32Slow(g2, gj, v1)
		}
		denom := float32(float32(math.Sqrt(float64(vj)))/bc2Sqrt) + eps
		m[j], v[j] = mj, vj
		p[j] += float32(negStep*mj) / denom
	}
}

// spreadUpdate is update spread over goroutines with spread, for large
// parameters.
func (k adamKernel) spreadUpdate(p, g, m, v []float32) {
	spread(len(p), func(lo, hi int) { k.update(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi]) })
}

// Steps returns the number of steps taken.
func (a *Adam) Steps() int { return a.steps }

// State returns a copy of the step count, m and v.
func (a *Adam) State() zoo.Weights {
	return a.state(a.steps, adamPrefixes, a.m, a.v)
}

// LoadState replaces the step count, m and v with those of ws, which must
// hold exactly the tensors State returns (but "step_hi" may be absent).
func (a *Adam) LoadState(ws zoo.Weights) error {
	if a.err != nil {
		return a.err
	}
	steps, err := a.checkState(ws, adamPrefixes)
	if err != nil {
		return fmt.Errorf("optim: Adam: load state: %w", err)
	}
	a.steps = steps
	for i, name := range a.names {
		copy(a.m[i], ws[expAvgPrefix+name].Data)
		copy(a.v[i], ws[expAvgSqPrefix+name].Data)
	}
	return nil
}
