package optim

import (
	"fmt"
	"math"

	"github.com/zoo-ml/zoo/zoo"
)

// SGD is the optimizer of torch.optim.SGD in PyTorch 1.13, without
// dampening and weight decay. Without momentum each step updates every
// parameter element p with gradient g as p = p - lr*g. With momentum it
// keeps a buffer b per element, set to g on the first step and updated as
// b = momentum*b + g on later ones, and updates p = p - lr*d, with d = b,
// or d = g + momentum*b for Nesterov momentum.
//
// Its state tensors are "step", "step_hi" and, with momentum,
// "momentum_buffer.NAME" (b); see Optimizer. The buffers are zero before
// the first step, where PyTorch has none.
type SGD struct {
	lr, momentum float64
	nesterov     bool
	layout
	buf   [][]float32 // nil without momentum
	steps int
	err   error // from NewSGD; returned by Step and LoadState
}

// NewSGD returns an SGD optimizer with learning rate lr and the given
// momentum (0 for none), Nesterov's if nesterov is set, for parameters with
// the given names and sizes (numbers of elements), in the order Step takes
// them.
//
// NewSGD checks its arguments as PyTorch does: lr and momentum must be
// finite and not negative, Nesterov momentum needs a momentum, the names must be distinct
// and non-empty, the sizes non-negative and as many as the names. It does
// not fail: if an argument is invalid, Step and LoadState of the returned
// optimizer return the error. New returns it at once.
func NewSGD(lr, momentum float64, nesterov bool, names []string, sizes []int) *SGD {
	s := &SGD{lr: lr, momentum: momentum, nesterov: nesterov}
	switch {
	case !(lr >= 0) || math.IsInf(lr, 1):
		s.err = fmt.Errorf("optim: SGD: invalid learning rate %g", lr)
	case !(momentum >= 0) || math.IsInf(momentum, 1):
		s.err = fmt.Errorf("optim: SGD: invalid momentum %g", momentum)
	case nesterov && momentum == 0:
		s.err = fmt.Errorf("optim: SGD: Nesterov momentum needs a momentum")
	}
	if s.err != nil {
		return s
	}
	l, err := newLayout(names, sizes)
	if err != nil {
		s.err = fmt.Errorf("optim: SGD: %w", err)
		return s
	}
	s.layout = l
	if momentum != 0 {
		s.buf = l.buffers()
	}
	return s
}

// prefixes returns the prefixes of the state tensors of s.
func (s *SGD) prefixes() []string {
	if s.buf == nil {
		return nil
	}
	return []string{momentumPrefix}
}

// Step applies one SGD update to params from grads, in place.
func (s *SGD) Step(params, grads [][]float32) error {
	if s.err != nil {
		return s.err
	}
	if err := s.checkStep(params, grads); err != nil {
		return fmt.Errorf("optim: SGD step %d: %w", s.steps+1, err)
	}
	for i, p := range params {
		var b []float32
		if s.buf != nil {
			b = s.buf[i]
		}
		if len(p) < 2*grain {
			s.update(p, grads[i], b)
			continue
		}
		s.spreadUpdate(p, grads[i], b)
	}
	s.steps++
	return nil
}

// update updates p and its momentum buffer b (nil without momentum) from
// g. Each line rounds as the PyTorch CPU kernel it mirrors: the buffer
// update buf.mul_(momentum).add_(grad) rounds the product and the sum,
// while grad.add(buf, alpha=momentum) and param.add_(d, alpha=-lr) are
// fused multiply-adds.
func (s *SGD) update(p, g, b []float32) {
	g = g[:len(p)]
	negLR, mom, nesterov := float32(-s.lr), float32(s.momentum), s.nesterov
	if b == nil {
		for j, gj := range g {
			pj, ok := fma32Fast(gj, negLR, p[j])
			if !ok {
				pj = fma32Slow(gj, negLR, p[j])
			}
			p[j] = pj
		}
		return
	}
	b = b[:len(p)]
	first := s.steps == 0
	if n := len(p) &^ 15; haveAdam16 && n > 0 {
		sgd16(&p[0], &g[0], &b[0], n, negLR, mom, first, nesterov)
		p, g, b = p[n:], g[n:], b[n:]
	}
	if first {
		copy(b, g) // PyTorch's buf = torch.clone(grad)
	}
	for j, gj := range g {
		bj := b[j]
		if !first {
			bj = float32(bj*mom) + gj
			b[j] = bj
		}
		d := bj
		if nesterov {
			var ok bool
			if d, ok = fma32Fast(bj, mom, gj); !ok {
				d = fma32Slow(bj, mom, gj)
			}
		}
		pj, ok := fma32Fast(d, negLR, p[j])
		if !ok {
			pj = fma32Slow(d, negLR, p[j])
		}
		p[j] = pj
	}
}

// spreadUpdate is update spread over goroutines with spread, for large
// parameters.
func (s *SGD) spreadUpdate(p, g, b []float32) {
	spread(len(p), func(lo, hi int) {
		var bc []float32
		if b != nil {
			bc = b[lo:hi]
		}
		s.update(p[lo:hi], g[lo:hi], bc)
	})
}

// Steps returns the number of steps taken.
func (s *SGD) Steps() int { return s.steps }

// State returns a copy of the step count and, with momentum, the momentum
// buffers.
func (s *SGD) State() zoo.Weights {
	return s.state(s.steps, s.prefixes(), s.buf)
}

// LoadState replaces the step count and the momentum buffers with those of
// ws, which must hold exactly the tensors State returns (but "step_hi" may
// be absent). With a step count of 0 the buffers are ignored: the first
// step sets them to the gradients.
func (s *SGD) LoadState(ws zoo.Weights) error {
	if s.err != nil {
		return s.err
	}
	steps, err := s.checkState(ws, s.prefixes())
	if err != nil {
		return fmt.Errorf("optim: SGD: load state: %w", err)
	}
	s.steps = steps
	for i, name := range s.names {
		if s.buf != nil {
			copy(s.buf[i], ws[momentumPrefix+name].Data)
		}
	}
	return nil
}
