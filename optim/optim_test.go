package optim

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/zoo"
)

// fma32Exact returns x*y + z rounded once to float32, computed with
// math/big.
func fma32Exact(x, y, z float32) float32 {
	bx := new(big.Float).SetFloat64(float64(x))
	by := new(big.Float).SetFloat64(float64(y))
	bz := new(big.Float).SetFloat64(float64(z))
	// 600 bits hold any x*y + z of float32 values exactly.
	r := new(big.Float).SetPrec(600).Mul(bx, by)
	r.Add(r, bz)
	f, _ := r.Float32()
	if f == 0 {
		// big.Float has no signed zero sums; IEEE 754 gives -0 only for
		// -0 + -0 (and a product -0 plus -0).
		p := float64(x) * float64(y)
		if math.Signbit(p) && math.Signbit(float64(z)) {
			return float32(math.Copysign(0, -1))
		}
		return 0
	}
	return f
}

func TestFma32(t *testing.T) {
	one := float32(1)
	ulp := float32(0x1p-23)
	tests := []struct {
		name    string
		x, y, z float32
	}{
		// x*y = 2^-24 - 2^-70: the exact sum lies just below the tie
		// 1 + 3*2^-24, which float64 rounds to and float32 rounds up from.
		{"double rounding up", 0x1p-24 * (one + ulp), one - ulp, one + ulp},
		// The same just above the tie 1 + 2^-24, which rounds down to even.
		{"double rounding down", -0x1p-24 * (one + ulp), one - ulp, one + 0x1p-22},
		{"exact tie to even", 0x1p-24, 1, 1},
		{"exact tie to even up", 0x1p-24, 3, 1},
		{"subnormal result", 0x1p-70, 0x1p-70, 0x1p-149},
		{"subnormal tie", 0x1p-75, 0x1p-75, 0x1p-149},
		{"subnormal near tie", 0x1p-75 * (one + ulp), 0x1p-75, 0x1p-149},
		{"zero", 0, 5, 0},
		{"negative zero", float32(math.Copysign(0, -1)), 5, float32(math.Copysign(0, -1))},
		{"cancellation", 3, 1.0 / 3, -1},
		{"overflow", math.MaxFloat32, 2, 0},
		{"largest", math.MaxFloat32, 1, math.MaxFloat32 * 0x1p-25},
		{"infinity", float32(math.Inf(1)), 1, 1},
	}
	for _, tt := range tests {
		got, want := fma32(tt.x, tt.y, tt.z), fma32Exact(tt.x, tt.y, tt.z)
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Errorf("%s: fma32(%g, %g, %g) = %g, want %g", tt.name, tt.x, tt.y, tt.z, got, want)
		}
	}
	if got := fma32(float32(math.NaN()), 1, 1); !math.IsNaN(float64(got)) {
		t.Errorf("fma32(NaN, 1, 1) = %v, want NaN", got)
	}
	// The double-rounding case must really be one.
	tt := tests[0]
	if naive := float32(float64(tt.x)*float64(tt.y) + float64(tt.z)); naive == fma32Exact(tt.x, tt.y, tt.z) {
		t.Errorf("the double rounding case is no such case")
	}

	rng := rand.New(rand.NewPCG(3, 4))
	randFloat := func() float32 {
		// Random bits make values of every magnitude, subnormals included.
		for {
			f := math.Float32frombits(rng.Uint32())
			if !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) {
				return f
			}
		}
	}
	for i := range 200000 {
		var x, y, z float32
		if i%2 == 0 { // magnitudes that meet
			x, y, z = float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64())
		} else {
			x, y, z = randFloat(), randFloat(), randFloat()
		}
		got, want := fma32(x, y, z), fma32Exact(x, y, z)
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fma32(%g, %g, %g) = %g, want %g", x, y, z, got, want)
		}
	}
}

func TestPowInt(t *testing.T) {
	pow := func(x float64, n int) float64 {
		r := new(big.Float).SetPrec(400).SetFloat64(1)
		b := new(big.Float).SetPrec(400).SetFloat64(x)
		for ; n > 0; n >>= 1 {
			if n&1 == 1 {
				r.Mul(r, b)
			}
			b.Mul(b, b)
		}
		f, _ := r.Float64()
		return f
	}
	ns := []int{1 << 20, 1<<24 - 1, 1 << 24}
	for n := 1; n <= 3000; n++ {
		ns = append(ns, n)
	}
	for _, x := range []float64{0.9, 0.999, 0.8, 0.99, 0.5, 0.95, 0.9999, 0, 0.3} {
		for _, n := range ns {
			want := pow(x, n)
			if want < 0x1p-960 {
				continue // where the double-double loses bits, and 1-x^n is 1 anyway
			}
			if got := powInt(x, n); got != want {
				t.Errorf("powInt(%v, %d) = %v, want %v", x, n, got, want)
			}
		}
	}
	// Values of the C library's pow, through Python's 0.9**3 and so on.
	for _, tt := range []struct {
		x    float64
		n    int
		want float64
	}{
		{0.9, 3, 0.7290000000000001},
		{0.999, 1000, 0.36769542477096373},
		{0.8, 5, 0.3276800000000001},
	} {
		if got := powInt(tt.x, tt.n); got != tt.want {
			t.Errorf("powInt(%v, %d) = %v, want %v", tt.x, tt.n, got, tt.want)
		}
	}
}

// TestAdamFirstStep checks the first Adam step against its closed form.
// With m = (1-beta1)*g and v = (1-beta2)*g*g after one step, the bias
// corrections cancel and p -= lr * g/(|g| + eps).
func TestAdamFirstStep(t *testing.T) {
	const lr, eps = 1e-3, 1e-8
	p0 := []float32{1, -2, 0.5, 0, 3, -1, 1e-3, 7}
	g := []float32{0.5, -4, 1e-8, 0, 1e-3, 1e6, -3e-9, 1}
	p := slices.Clone(p0)
	a := NewAdam(lr, DefaultBeta1, DefaultBeta2, eps, []string{"w"}, []int{len(p)})
	if err := a.Step([][]float32{p}, [][]float32{g}); err != nil {
		t.Fatal(err)
	}
	for j := range p {
		gj := float64(g[j])
		want := float64(p0[j]) - lr*gj/(math.Abs(gj)+eps)
		// float32 rounding of p, and a few ulps of the update
		tol := 2*math.Abs(want)*0x1p-24 + 4*lr*0x1p-24
		if d := math.Abs(float64(p[j]) - want); d > tol {
			t.Errorf("p[%d] = %v, want %v (diff %g > %g)", j, p[j], want, d, tol)
		}
		if g[j] == 0 && p[j] != p0[j] {
			t.Errorf("p[%d] moved with a zero gradient", j)
		}
	}
	st := a.State()
	for j := range g {
		wantM := float32(1-DefaultBeta1) * g[j]
		wantV := float32(1-DefaultBeta2) * g[j] * g[j]
		if m := st["exp_avg.w"].Data[j]; math.Abs(float64(m-wantM)) > math.Abs(float64(wantM))*0x1p-22 {
			t.Errorf("exp_avg.w[%d] = %v, want %v", j, m, wantM)
		}
		if v := st["exp_avg_sq.w"].Data[j]; math.Abs(float64(v-wantV)) > math.Abs(float64(wantV))*0x1p-21 {
			t.Errorf("exp_avg_sq.w[%d] = %v, want %v", j, v, wantV)
		}
	}
	if st["step"].Data[0] != 1 || st["step_hi"].Data[0] != 0 {
		t.Errorf("step %v, step_hi %v, want 1 and 0", st["step"].Data, st["step_hi"].Data)
	}
}

// TestSGDHand checks two SGD steps against values worked out by hand.
func TestSGDHand(t *testing.T) {
	tests := []struct {
		momentum float64
		nesterov bool
		want     [2]float64 // p after each step, from p = 1 with g = 1 and then g = 2
	}{
		{0, false, [2]float64{0.9, 0.7}},               // p -= 0.1*g
		{0.9, false, [2]float64{0.9, 0.61}},            // buf = 1, then 0.9*1+2 = 2.9
		{0.9, true, [2]float64{0.81, 0.81 - 0.1*4.61}}, // d = 1+0.9*1, then 2+0.9*2.9
	}
	for _, tt := range tests {
		s := NewSGD(0.1, tt.momentum, tt.nesterov, []string{"w"}, []int{1})
		p := []float32{1}
		for i, g := range []float32{1, 2} {
			if err := s.Step([][]float32{p}, [][]float32{{g}}); err != nil {
				t.Fatal(err)
			}
			if d := math.Abs(float64(p[0]) - tt.want[i]); d > 1e-7 {
				t.Errorf("momentum %v nesterov %v: step %d: p = %v, want %v", tt.momentum, tt.nesterov, i+1, p[0], tt.want[i])
			}
		}
		if s.Steps() != 2 {
			t.Errorf("Steps() = %d, want 2", s.Steps())
		}
	}
}

// problem is a set of parameters and per-step gradients.
type problem struct {
	names  []string
	sizes  []int
	params [][]float32
	grads  [][][]float32 // grads[step]
}

// newProblem returns random parameters of the given sizes and gradients
// for steps steps.
func newProblem(sizes []int, steps int) problem {
	rng := rand.New(rand.NewPCG(5, 6))
	pr := problem{sizes: sizes}
	for i, n := range sizes {
		pr.names = append(pr.names, fmt.Sprintf("layer.%d.weight", i))
		p := make([]float32, n)
		for j := range p {
			p[j] = float32(rng.NormFloat64())
		}
		pr.params = append(pr.params, p)
	}
	for range steps {
		var gs [][]float32
		for _, n := range sizes {
			g := make([]float32, n)
			for j := range g {
				g[j] = float32(rng.NormFloat64() * 0.1)
			}
			gs = append(gs, g)
		}
		pr.grads = append(pr.grads, gs)
	}
	return pr
}

// cloneParams returns a deep copy of params.
func cloneParams(params [][]float32) [][]float32 {
	out := make([][]float32, len(params))
	for i, p := range params {
		out[i] = slices.Clone(p)
	}
	return out
}

// optimizers are the configurations the state tests run.
var optimizers = []struct {
	name string
	make func(names []string, sizes []int) Optimizer
	keys []string // state tensor prefixes
}{
	{"adam", func(n []string, s []int) Optimizer { return NewAdam(1e-2, 0.9, 0.999, 1e-8, n, s) }, []string{"exp_avg.", "exp_avg_sq."}},
	{"sgd", func(n []string, s []int) Optimizer { return NewSGD(0.1, 0, false, n, s) }, nil},
	{"sgd-momentum", func(n []string, s []int) Optimizer { return NewSGD(0.1, 0.9, false, n, s) }, []string{"momentum_buffer."}},
	{"sgd-nesterov", func(n []string, s []int) Optimizer { return NewSGD(0.1, 0.9, true, n, s) }, []string{"momentum_buffer."}},
}

// TestStateRoundTrip checks that 3 steps, a checkpoint through package
// safetensors, a fresh optimizer and 2 more steps give the parameters of 5
// steps straight, to the bit.
func TestStateRoundTrip(t *testing.T) {
	sizes := []int{12, 0, 4, 1000}
	pr := newProblem(sizes, 5)
	for _, tt := range optimizers {
		t.Run(tt.name, func(t *testing.T) {
			straight := cloneParams(pr.params)
			opt := tt.make(pr.names, sizes)
			for s := range 5 {
				if err := opt.Step(straight, pr.grads[s]); err != nil {
					t.Fatal(err)
				}
			}

			resumed := cloneParams(pr.params)
			opt = tt.make(pr.names, sizes)
			for s := range 3 {
				if err := opt.Step(resumed, pr.grads[s]); err != nil {
					t.Fatal(err)
				}
			}
			st := opt.State()
			wantKeys := []string{"step", "step_hi"}
			for _, prefix := range tt.keys {
				for _, name := range pr.names {
					wantKeys = append(wantKeys, prefix+name)
				}
			}
			slices.Sort(wantKeys)
			if got := st.Names(); !slices.Equal(got, wantKeys) {
				t.Fatalf("State() has tensors %q, want %q", got, wantKeys)
			}
			var buf bytes.Buffer
			if err := safetensors.Write(&buf, st, nil); err != nil {
				t.Fatal(err)
			}
			// State must be a copy: stepping on must not change st.
			before := st["step"].Data[0]
			if err := opt.Step(cloneParams(resumed), pr.grads[3]); err != nil {
				t.Fatal(err)
			}
			if st["step"].Data[0] != before {
				t.Fatal("State() aliases the optimizer's step count")
			}
			for _, prefix := range tt.keys {
				if name := prefix + pr.names[0]; slices.Equal(st[name].Data, opt.State()[name].Data) {
					t.Fatalf("State() tensor %s aliases the optimizer's", name)
				}
			}

			ws, _, err := safetensors.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "state")
			if err != nil {
				t.Fatal(err)
			}
			opt = tt.make(pr.names, sizes)
			if err := opt.LoadState(ws); err != nil {
				t.Fatal(err)
			}
			if opt.Steps() != 3 {
				t.Fatalf("Steps() = %d after loading, want 3", opt.Steps())
			}
			for s := 3; s < 5; s++ {
				if err := opt.Step(resumed, pr.grads[s]); err != nil {
					t.Fatal(err)
				}
			}
			for i := range straight {
				for j := range straight[i] {
					if math.Float32bits(resumed[i][j]) != math.Float32bits(straight[i][j]) {
						t.Fatalf("param %d[%d]: %v resumed, %v straight", i, j, resumed[i][j], straight[i][j])
					}
				}
			}
		})
	}
}

func TestStepAllocs(t *testing.T) {
	sizes := []int{1000, 100}
	pr := newProblem(sizes, 1)
	for _, tt := range optimizers {
		opt := tt.make(pr.names, sizes)
		allocs := testing.AllocsPerRun(20, func() {
			if err := opt.Step(pr.params, pr.grads[0]); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: Step allocates %v times", tt.name, allocs)
		}
	}
}

// TestStepCount checks the step count beyond float32's exact integers,
// through step_hi, and that Adam then computes its bias corrections with
// 2^24, as PyTorch's float32 count stops there.
func TestStepCount(t *testing.T) {
	names, sizes := []string{"w"}, []int{2}
	a := NewAdam(1e-3, 0.9, 0.999, 1e-8, names, sizes)
	st := a.State()
	st["step"].Data[0] = 7
	st["step_hi"].Data[0] = 3
	if err := a.LoadState(st); err != nil {
		t.Fatal(err)
	}
	if want := 3<<24 + 7; a.Steps() != want {
		t.Fatalf("Steps() = %d, want %d", a.Steps(), want)
	}
	if err := a.Step([][]float32{{1, 2}}, [][]float32{{1, 1}}); err != nil {
		t.Fatal(err)
	}
	st = a.State()
	if st["step"].Data[0] != 8 || st["step_hi"].Data[0] != 3 {
		t.Errorf("step %v, step_hi %v, want 8 and 3", st["step"].Data, st["step_hi"].Data)
	}
	if k, want := a.kernel(min(a.steps, 1<<24)), a.kernel(1<<24); k != want {
		t.Errorf("kernel at step %d is %+v, want %+v", a.steps, k, want)
	}

	// step_hi may be left out.
	delete(st, "step_hi")
	if err := a.LoadState(st); err != nil {
		t.Fatal(err)
	}
	if a.Steps() != 8 {
		t.Errorf("Steps() = %d without step_hi, want 8", a.Steps())
	}
}

func TestNew(t *testing.T) {
	names, sizes := []string{"a", "b"}, []int{3, 4}
	opt, err := New(zoo.Recipe{Optimizer: "adam", LR: 0.01, Momentum: 0.5}, names, sizes)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := opt.(*Adam); !ok || a.lr != 0.01 || a.beta1 != DefaultBeta1 || a.beta2 != DefaultBeta2 || a.eps != DefaultEps {
		t.Errorf("New(adam) = %#v", opt)
	}
	opt, err = New(zoo.Recipe{Optimizer: "sgd", LR: 0.1, Momentum: 0.9, Nesterov: true}, names, sizes)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := opt.(*SGD); !ok || s.lr != 0.1 || s.momentum != 0.9 || !s.nesterov {
		t.Errorf("New(sgd) = %#v", opt)
	}
}

func TestNewErrors(t *testing.T) {
	names, sizes := []string{"a", "b"}, []int{3, 4}
	nan := math.NaN()
	tests := []struct {
		name    string
		r       zoo.Recipe
		adam    []float64 // lr, beta1, beta2, eps; nil for SGD
		names   []string
		sizes   []int
		wantErr string
	}{
		{"unknown", zoo.Recipe{Optimizer: "rmsprop", LR: 1}, nil, names, sizes, `unknown optimizer "rmsprop"`},
		{"sgd lr", zoo.Recipe{Optimizer: "sgd", LR: -1}, nil, names, sizes, "invalid learning rate -1"},
		{"sgd nan lr", zoo.Recipe{Optimizer: "sgd", LR: nan}, nil, names, sizes, "invalid learning rate NaN"},
		{"momentum", zoo.Recipe{Optimizer: "sgd", LR: 1, Momentum: -0.5}, nil, names, sizes, "invalid momentum -0.5"},
		{"nesterov", zoo.Recipe{Optimizer: "sgd", LR: 1, Nesterov: true}, nil, names, sizes, "Nesterov momentum needs a momentum"},
		{"adam lr", zoo.Recipe{Optimizer: "adam", LR: math.Inf(1)}, []float64{math.Inf(1), 0.9, 0.999, 1e-8}, names, sizes, "invalid learning rate +Inf"},
		{"beta1", zoo.Recipe{}, []float64{1, 1, 0.999, 1e-8}, names, sizes, "invalid beta1 1"},
		{"beta2", zoo.Recipe{}, []float64{1, 0.9, -0.1, 1e-8}, names, sizes, "invalid beta2 -0.1"},
		{"eps", zoo.Recipe{}, []float64{1, 0.9, 0.999, -1}, names, sizes, "invalid eps -1"},
		{"counts", zoo.Recipe{Optimizer: "adam", LR: 1}, nil, names, sizes[:1], "2 parameter names but 1 sizes"},
		{"empty name", zoo.Recipe{Optimizer: "sgd", LR: 1}, nil, []string{"a", ""}, sizes, "parameter 1 has an empty name"},
		{"twice", zoo.Recipe{Optimizer: "adam", LR: 1}, nil, []string{"a", "a"}, sizes, `parameter "a" is named twice`},
		{"negative size", zoo.Recipe{Optimizer: "sgd", LR: 1}, nil, names, []int{3, -4}, `parameter "b" has negative size -4`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opt Optimizer
			switch {
			case tt.adam != nil:
				opt = NewAdam(tt.adam[0], tt.adam[1], tt.adam[2], tt.adam[3], tt.names, tt.sizes)
			case tt.r.Optimizer == "adam":
				opt = NewAdam(tt.r.LR, 0.9, 0.999, 1e-8, tt.names, tt.sizes)
			case tt.r.Optimizer == "sgd":
				opt = NewSGD(tt.r.LR, tt.r.Momentum, tt.r.Nesterov, tt.names, tt.sizes)
			}
			if tt.r.Optimizer != "" {
				_, err := New(tt.r, tt.names, tt.sizes)
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("New: error %v, want one containing %q", err, tt.wantErr)
				}
			}
			if opt == nil {
				return
			}
			// The constructors do not fail; the error comes with use.
			params := [][]float32{make([]float32, 3), make([]float32, 4)}
			if err := opt.Step(params, params); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Step: error %v, want one containing %q", err, tt.wantErr)
			}
			if err := opt.LoadState(zoo.Weights{}); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("LoadState: error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestStepErrors(t *testing.T) {
	names, sizes := []string{"a", "b"}, []int{3, 4}
	p := func(n ...int) [][]float32 {
		out := make([][]float32, len(n))
		for i, k := range n {
			out[i] = make([]float32, k)
			for j := range out[i] {
				out[i][j] = 1
			}
		}
		return out
	}
	tests := []struct {
		name          string
		params, grads [][]float32
		wantErr       string
	}{
		{"too few", p(3), p(3), "got 1 parameters and 1 gradients, want 2 of each"},
		{"too many gradients", p(3, 4), p(3, 4, 5), "got 2 parameters and 3 gradients, want 2 of each"},
		{"short parameter", p(3, 3), p(3, 4), `parameter "b": got 3 values and 4 gradients, want 4 of each`},
		{"long gradient", p(3, 4), p(5, 4), `parameter "a": got 3 values and 5 gradients, want 3 of each`},
	}
	for _, opt := range optimizers {
		for _, tt := range tests {
			o := opt.make(names, sizes)
			err := o.Step(tt.params, tt.grads)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "step 1") {
				t.Errorf("%s: %s: error %v, want one containing %q", opt.name, tt.name, err, tt.wantErr)
			}
			if o.Steps() != 0 {
				t.Errorf("%s: %s: failed Step counted", opt.name, tt.name)
			}
			for _, v := range slices.Concat(tt.params...) {
				if v != 1 {
					t.Fatalf("%s: %s: failed Step changed the parameters", opt.name, tt.name)
				}
			}
		}
	}
}

func TestLoadStateErrors(t *testing.T) {
	names, sizes := []string{"a", "b"}, []int{3, 4}
	pr := newProblem(sizes, 1)
	tests := []struct {
		name    string
		edit    func(ws zoo.Weights, key string) // key is the first per-parameter tensor
		wantErr string                           // %s is replaced by key
	}{
		{"step missing", func(ws zoo.Weights, _ string) { delete(ws, "step") }, `tensor "step" is missing`},
		{"step shape", func(ws zoo.Weights, _ string) { ws["step"] = &zoo.Tensor{Shape: []int{2}, Data: []float32{1, 1}} }, `tensor "step" has shape [2] with 2 values, want [1]`},
		{"step scalar", func(ws zoo.Weights, _ string) { ws["step"] = &zoo.Tensor{Shape: []int{}, Data: []float32{1}} }, `tensor "step" has shape [] with 1 values, want [1]`},
		{"step negative", func(ws zoo.Weights, _ string) { ws["step"].Data[0] = -1 }, `tensor "step" holds -1, want an integer in [0, 16777216)`},
		{"step fraction", func(ws zoo.Weights, _ string) { ws["step"].Data[0] = 1.5 }, `tensor "step" holds 1.5`},
		{"step NaN", func(ws zoo.Weights, _ string) { ws["step"].Data[0] = float32(math.NaN()) }, `tensor "step" holds NaN`},
		{"step big", func(ws zoo.Weights, _ string) { ws["step"].Data[0] = 1 << 24 }, `tensor "step" holds 1.6777216e+07`},
		{"step_hi", func(ws zoo.Weights, _ string) { ws["step_hi"].Data[0] = float32(math.Inf(1)) }, `tensor "step_hi" holds +Inf`},
		{"step_hi nil", func(ws zoo.Weights, _ string) { ws["step_hi"] = nil }, `tensor "step_hi" is missing`},
		{"buffer missing", func(ws zoo.Weights, key string) { delete(ws, key) }, `tensor "%s" is missing`},
		{"buffer nil", func(ws zoo.Weights, key string) { ws[key] = nil }, `tensor "%s" is missing`},
		{"buffer misshapen", func(ws zoo.Weights, key string) {
			ws[key] = &zoo.Tensor{Shape: []int{1, 3}, Data: make([]float32, 3)}
		}, `tensor "%s" has shape [1 3], want [3]`},
		{"buffer short", func(ws zoo.Weights, key string) { ws[key].Data = ws[key].Data[:2] }, `tensor "%s" holds 2 values, its shape [3] needs 3`},
		{"unexpected", func(ws zoo.Weights, _ string) { ws["exp_avg.c"] = zoo.NewTensor(1) }, `unexpected tensor "exp_avg.c"`},
	}
	for _, opt := range optimizers {
		for _, tt := range tests {
			key := ""
			if opt.keys != nil {
				key = opt.keys[0] + "a"
			} else if strings.Contains(tt.wantErr, "%s") {
				continue // no buffers
			}
			o := opt.make(names, sizes)
			if err := o.Step(cloneParams(pr.params), pr.grads[0]); err != nil {
				t.Fatal(err)
			}
			good := o.State()
			ws := o.State()
			tt.edit(ws, key)
			err := o.LoadState(ws)
			want := strings.ReplaceAll(tt.wantErr, "%s", key)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %s: error %v, want one containing %q", opt.name, tt.name, err, want)
			}
			// A failed LoadState changes nothing.
			after := o.State()
			for _, name := range good.Names() {
				if !slices.Equal(after[name].Data, good[name].Data) {
					t.Errorf("%s: %s: failed LoadState changed %s", opt.name, tt.name, name)
				}
			}
		}
	}
}
