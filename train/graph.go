package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/zoo-ml/zoo/internal/openblas"
	"github.com/zoo-ml/zoo/train/spatial"
	"github.com/zoo-ml/zoo/zoo"
)

// The matrix products of every graph run on package openblas's BLAS:
// OpenBLAS when zoo is built with the openblas tag, gonum's otherwise.
func init() { G.Use(openblas.Implementation()) }

// BLAS names the BLAS that training runs on, for run records.
func BLAS() string { return openblas.Name() }

// Config says what graph to build.
type Config struct {
	// Batch is the number of examples the graph takes.
	Batch int
	// Loss is the loss to build; "" builds a forward-only graph.
	Loss zoo.Loss
	// Sparsity adds Sparsity * sum|h| over the batch, h the output of the
	// part SparsityOn, to the loss.
	Sparsity   float64
	SparsityOn string
	// Grad makes the graph compute the gradients of the loss with respect
	// to every parameter.
	Grad bool
	// Training builds the graph in training mode, as PyTorch's
	// model.train(): Dropout drops (with masks from Net.SetSeed) and
	// BatchNorm normalises with the batch's statistics and updates its
	// running statistics in the weights. Otherwise the graph evaluates, as
	// model.eval(): Dropout passes through and BatchNorm uses the running
	// statistics.
	Training bool
	// Float64 builds the graph in float64 on copies of the weights, for
	// gradient checks. Float32 graphs use the weights' memory directly, so
	// an optimizer that updates the weights in place updates the graph.
	Float64 bool
}

// A Net is a gorgonia graph of a model for a fixed batch size.
//
// The convolutional layers lower to the ops of package spatial. A
// MaxUnpool2d takes the indices node of the MaxPool2d it names, which has
// no gradient. In training mode every Dropout multiplies its input by a
// mask input node that Run fills, before computing, with 0 and 1/(1-p)
// drawn from the Net's generator (see SetSeed).
type Net struct {
	Model *zoo.Model
	cfg   Config
	g     *G.ExprGraph
	vm    G.VM

	x, target *G.Node
	xBuf      any // []float32 or []float64 backing x
	tBuf      any
	out       *G.Node
	loss      *G.Node // nil for forward-only graphs
	data      *G.Node // the loss before the sparsity penalty
	params    []*G.Node
	names     []string
	// trainable and trainNames are the parameters that are not buffers, in
	// the order of Model.Trainable(): those with gradients. grads are their
	// gradient nodes, whose values a Run computes afresh (no dual values
	// to zero and accumulate into).
	trainable  []*G.Node
	trainNames []string
	grads      G.Nodes

	masks []dropoutMask
	rng   *rand.Rand

	// serialBLAS says the graph has convolutions, whose ops spread their
	// work over goroutines and call OpenBLAS single-threaded: Run makes
	// every matrix product of the graph single-threaded, as OpenBLAS's
	// idle threads would otherwise spin, after a multi-threaded product,
	// on the cores the convolutions' goroutines need.
	serialBLAS bool
}

// dropoutMask is the mask input of one Dropout in training mode.
type dropoutMask struct {
	p   float64
	buf any // []float32 or []float64
}

// dropoutStream is the second word of the PCG state of the dropout
// generator; SetSeed gives the first.
const dropoutStream = 0x64726f706f7574 // "dropout"

// NewNet builds the graph of m with weights w.
func NewNet(m *zoo.Model, w zoo.Weights, cfg Config) (*Net, error) {
	if err := m.CheckWeights(w); err != nil {
		return nil, err
	}
	if cfg.Batch <= 0 {
		return nil, fmt.Errorf("model %s: batch size %d must be positive", m.Name, cfg.Batch)
	}
	if cfg.Grad && cfg.Loss == "" {
		return nil, fmt.Errorf("model %s: gradients need a loss", m.Name)
	}
	steps, err := m.Steps()
	if err != nil {
		return nil, err
	}
	dt := tensor.Float32
	if cfg.Float64 {
		dt = tensor.Float64
	}
	n := &Net{Model: m, cfg: cfg, g: G.NewGraph(), rng: rand.New(rand.NewPCG(0, dropoutStream))}
	inShape := append([]int{cfg.Batch}, m.Input...)
	n.x, n.xBuf = n.input("input", dt, inShape)

	// Parameters, in state_dict order, sharing the weights' memory in float32.
	byName := map[string]*G.Node{}
	for _, p := range m.Params() {
		t := w[p.Name]
		var backing any = t.Data
		if cfg.Float64 {
			d := make([]float64, len(t.Data))
			for i, v := range t.Data {
				d[i] = float64(v)
			}
			backing = d
		}
		val := tensor.New(tensor.WithShape(p.Shape...), tensor.WithBacking(backing))
		node := G.NewTensor(n.g, dt, len(p.Shape), G.WithShape(p.Shape...), G.WithName(p.Name), G.WithValue(val))
		n.params = append(n.params, node)
		n.names = append(n.names, p.Name)
		if !p.Buffer {
			n.trainable = append(n.trainable, node)
			n.trainNames = append(n.trainNames, p.Name)
		}
		byName[p.Name] = node
	}

	cur := n.x
	partOut := map[string]*G.Node{}
	lw := &lowering{net: n, dt: dt, params: byName, indices: map[string]*G.Node{}, input: map[*G.Node]bool{}}
	for i := 0; i < len(steps); i++ {
		s := steps[i]
		// A convolution or a Linear layer followed by a ReLU in the same
		// part is one op, which applies the ReLU as it writes its output.
		lw.relu = i+1 < len(steps) && steps[i+1].Part == s.Part && isReLU(steps[i+1].Layer) && isConv(s.Layer)
		if cur, err = lw.lower(s, cur); err != nil {
			return nil, fmt.Errorf("model %s: layer %s: %w", m.Name, s.Prefix, err)
		}
		if lw.relu {
			i++
		}
		partOut[s.Part] = cur
	}
	n.out = cur

	if cfg.Loss != "" {
		outShape := []int(cur.Shape())
		n.target, n.tBuf = n.input("target", dt, outShape)
		if n.data, err = lossNode(cfg.Loss, cur, n.target, cfg.Batch); err != nil {
			return nil, fmt.Errorf("model %s: %w", m.Name, err)
		}
		n.loss = n.data
		if cfg.Sparsity > 0 {
			h, ok := partOut[cfg.SparsityOn]
			if !ok {
				return nil, fmt.Errorf("model %s: sparsity on unknown part %q", m.Name, cfg.SparsityOn)
			}
			pen, err := spatial.L1(h, cfg.Sparsity)
			if err != nil {
				return nil, fmt.Errorf("model %s: sparsity: %w", m.Name, err)
			}
			if n.loss, err = G.Add(n.data, pen); err != nil {
				return nil, fmt.Errorf("model %s: sparsity: %w", m.Name, err)
			}
		}
	}
	if cfg.Grad {
		if len(n.trainable) == 0 {
			return nil, fmt.Errorf("model %s: gradients: no trainable parameters", m.Name)
		}
		if n.grads, err = G.Grad(n.loss, n.trainable...); err != nil {
			return nil, fmt.Errorf("model %s: gradients: %w", m.Name, err)
		}
	}
	n.vm = G.NewTapeMachine(n.g)
	return n, nil
}

// input makes an input node of the given shape backed by a slice of ours.
func (n *Net) input(name string, dt tensor.Dtype, shape []int) (*G.Node, any) {
	size := zoo.Numel(shape)
	var backing any
	if dt == tensor.Float64 {
		backing = make([]float64, size)
	} else {
		backing = make([]float32, size)
	}
	val := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(backing))
	return G.NewTensor(n.g, dt, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(val)), backing
}

// lowering holds what lowering a model's layers needs besides the layer.
type lowering struct {
	net     *Net
	dt      tensor.Dtype
	params  map[string]*G.Node
	indices map[string]*G.Node // MaxPool2d indices by state_dict prefix
	relu    bool               // the convolution or Linear being lowered applies the next layer, a ReLU
	input   map[*G.Node]bool   // reshapes of the network's input
}

// inputOnly says whether x is the network's input or a reshape of it,
// which needs no gradient.
func (lw *lowering) inputOnly(x *G.Node) bool { return x == lw.net.x || lw.input[x] }

func isReLU(l zoo.Layer) bool {
	_, ok := l.(zoo.ReLU)
	return ok
}

func isConv(l zoo.Layer) bool {
	switch l.(type) {
	case zoo.Conv2d, zoo.ConvTranspose2d, zoo.Linear:
		return true
	}
	return false
}

// lower appends the nodes of one layer, taking x, to the graph.
func (lw *lowering) lower(s zoo.Step, x *G.Node) (*G.Node, error) {
	batch := lw.net.cfg.Batch
	param := func(name string) *G.Node { return lw.params[s.Prefix+"."+name] }
	switch l := s.Layer.(type) {
	case zoo.Linear:
		if lw.relu {
			return spatial.LinearReLU(x, param("weight"), param("bias"), lw.inputOnly(x))
		}
		return spatial.Linear(x, param("weight"), param("bias"), lw.inputOnly(x))
	case zoo.Conv2d:
		lw.net.serialBLAS = true
		return spatial.Conv2d(x, param("weight"), param("bias"),
			spatial.ConvParams{Stride: l.StrideOr1(), Padding: l.Padding, NoInputGrad: lw.inputOnly(x), ReLU: lw.relu})
	case zoo.ConvTranspose2d:
		lw.net.serialBLAS = true
		return spatial.ConvTranspose2d(x, param("weight"), param("bias"),
			spatial.ConvParams{Stride: l.StrideOr1(), Padding: l.Padding, NoInputGrad: lw.inputOnly(x), ReLU: lw.relu})
	case zoo.MaxPool2d:
		y, idx, err := spatial.MaxPool2d(x, l.Kernel, l.StrideOrKernel())
		if err != nil {
			return nil, err
		}
		if l.Indices {
			lw.indices[s.Prefix] = idx
		}
		return y, nil
	case zoo.MaxUnpool2d:
		idx, ok := lw.indices[l.Pool]
		if !ok {
			return nil, fmt.Errorf("%s: no earlier MaxPool2d %q that keeps its indices", l, l.Pool)
		}
		return spatial.MaxUnpool2d(x, idx, s.Out[1], s.Out[2])
	case zoo.BatchNorm2d:
		return spatial.BatchNorm2d(x, param("weight"), param("bias"), param("running_mean"), param("running_var"),
			spatial.BatchNormParams{Training: lw.net.cfg.Training, Momentum: zoo.BatchNormMomentum, Eps: zoo.BatchNormEps})
	case zoo.Dropout:
		if !lw.net.cfg.Training || l.P == 0 {
			return x, nil
		}
		mask, buf := lw.net.input(fmt.Sprintf("%s.mask", s.Prefix), lw.dt, x.Shape().Clone())
		lw.net.masks = append(lw.net.masks, dropoutMask{p: l.P, buf: buf})
		return spatial.Mask(x, mask)
	case zoo.ReLU:
		return spatial.ReLU(x)
	case zoo.Tanh:
		return spatial.Tanh(x)
	case zoo.Sigmoid:
		return spatial.Sigmoid(x)
	case zoo.Identity:
		return x, nil
	case zoo.Flatten, zoo.Unflatten:
		y, err := G.Reshape(x, append(tensor.Shape{batch}, s.Out...))
		if err == nil && lw.inputOnly(x) {
			lw.input[y] = true
		}
		return y, err
	default:
		return nil, fmt.Errorf("no gorgonia lowering of %s", s.Layer.Kind())
	}
}

// lossNode returns the loss of output y against target t.
func lossNode(kind zoo.Loss, y, t *G.Node, batch int) (*G.Node, error) {
	switch kind {
	case zoo.LossMSE:
		return spatial.SquaredError(y, t, 1/float64(y.Shape().TotalSize()))
	case zoo.LossMSESum:
		return spatial.SquaredError(y, t, 1/float64(batch))
	case zoo.LossCrossEntropy:
		if y.Dims() != 2 {
			return nil, fmt.Errorf("cross-entropy needs logits [N, classes], got %v", y.Shape())
		}
		return spatial.CrossEntropy(y, t, 1/float64(batch))
	default:
		return nil, fmt.Errorf("unknown loss %q", kind)
	}
}

// Batch returns the batch size of the graph.
func (n *Net) Batch() int { return n.cfg.Batch }

// Input returns the float32 input buffer, [Batch, input...]; fill it before Run.
func (n *Net) Input() []float32 { return n.xBuf.([]float32) }

// Target returns the float32 target buffer of a graph with a loss.
func (n *Net) Target() []float32 { return n.tBuf.([]float32) }

// SetSeed reseeds the generator of the dropout masks. Each Run of a
// training-mode graph with Dropout layers draws new masks from it, so the
// masks of a Run depend only on the seed last set and the number of Runs
// since. A new Net starts as if SetSeed(0) had been called.
func (n *Net) SetSeed(seed uint64) { n.rng = rand.New(rand.NewPCG(seed, dropoutStream)) }

// drawMasks fills the dropout masks: each element is kept with probability
// 1-p and then scaled by 1/(1-p), as nn.Dropout.
func (n *Net) drawMasks() {
	for _, m := range n.masks {
		keep := 1 / (1 - m.p)
		switch d := m.buf.(type) {
		case []float32:
			for i := range d {
				d[i] = 0
				if n.rng.Float64() >= m.p {
					d[i] = float32(keep)
				}
			}
		case []float64:
			for i := range d {
				d[i] = 0
				if n.rng.Float64() >= m.p {
					d[i] = keep
				}
			}
		}
	}
}

// Run computes the graph on the current input (and target): the output,
// and for graphs with a loss the loss and, with Config.Grad, the gradients.
// It returns the loss (0 without one) and the data term of the loss, before
// the sparsity penalty. In training mode it first draws the dropout masks,
// and BatchNorm layers update their running statistics in the weights.
func (n *Net) Run() (loss, data float64, err error) {
	defer n.vm.Reset()
	if threads := openblas.Threads(); n.serialBLAS && threads > 1 {
		openblas.SetThreads(1)
		defer openblas.SetThreads(threads)
	}
	n.drawMasks()
	if err := n.vm.RunAll(); err != nil {
		return 0, 0, fmt.Errorf("model %s: run: %w", n.Model.Name, err)
	}
	if n.loss == nil {
		return 0, 0, nil
	}
	return scalarOf(n.loss.Value()), scalarOf(n.data.Value()), nil
}

func scalarOf(v G.Value) float64 {
	switch x := v.Data().(type) {
	case float32:
		return float64(x)
	case float64:
		return x
	case []float32:
		return float64(x[0])
	case []float64:
		return x[0]
	}
	return math.NaN()
}

// Output returns the output of the last Run as float32 values,
// [Batch, output...]. The slice is the graph's own memory: copy it to keep it.
func (n *Net) Output() []float32 {
	switch d := n.out.Value().Data().(type) {
	case []float32:
		return d
	case []float64:
		o := make([]float32, len(d))
		for i, v := range d {
			o[i] = float32(v)
		}
		return o
	}
	return nil
}

// Grads returns the gradient of each trainable parameter after a Run, in
// the order of Model.Trainable(): buffers, such as BatchNorm's running
// statistics, have none. The slices are the graph's own memory, valid
// until the next Run.
func (n *Net) Grads() ([][]float32, error) {
	gs := make([][]float32, len(n.grads))
	for i := range n.grads {
		g, err := n.gradValue(i)
		if err != nil {
			return nil, err
		}
		d, ok := g.Data().([]float32)
		if !ok {
			return nil, fmt.Errorf("gradient of %s is %T, want []float32", n.trainNames[i], g.Data())
		}
		gs[i] = d
	}
	return gs, nil
}

// gradValue returns the gradient of the i-th trainable parameter after a
// Run, in the graph's dtype.
func (n *Net) gradValue(i int) (G.Value, error) {
	if i >= len(n.grads) {
		return nil, fmt.Errorf("model %s: the graph computes no gradients", n.Model.Name)
	}
	v := n.grads[i].Value()
	if v == nil {
		return nil, fmt.Errorf("gradient of %s: not computed (no Run yet)", n.trainNames[i])
	}
	return v, nil
}

// Close releases the graph's machine.
func (n *Net) Close() error { return n.vm.Close() }
