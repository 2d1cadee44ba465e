package figure

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/zoo"
)

// TestLatentPCAGrid checks the codes latent-pca decodes against a direct
// computation: the 2x2 covariance of the blob model's codes (divisor n-1)
// and its eigen-decomposition in closed form.
func TestLatentPCAGrid(t *testing.T) {
	d := fixture(t, 200)
	m := blobModel()
	dec := m.Decoder.(*runnerFunc)
	if _, err := LatentPCA(m, d, Options{}); err != nil {
		t.Fatal(err)
	}
	z := make([]float64, 0, 2*d.N)
	for i := range d.N {
		c := blobEncode(d.row(i))
		z = append(z, float64(c[0]), float64(c[1]))
	}
	var mx, my float64
	for i := range d.N {
		mx += z[2*i] / float64(d.N)
		my += z[2*i+1] / float64(d.N)
	}
	var a, b, c float64 // covariance [[a b] [b c]]
	for i := range d.N {
		dx, dy := z[2*i]-mx, z[2*i+1]-my
		a += dx * dx / float64(d.N-1)
		b += dx * dy / float64(d.N-1)
		c += dy * dy / float64(d.N-1)
	}
	r := math.Sqrt((a-c)*(a-c)/4 + b*b)
	l1, l2 := (a+c)/2+r, (a+c)/2-r
	vec := func(l float64) [2]float64 { // eigenvector, unit, largest entry positive
		v := [2]float64{b, l - a}
		if math.Abs(b) < 1e-15 {
			v = [2]float64{1, 0}
			if l == l2 && a >= c || l == l1 && a < c {
				v = [2]float64{0, 1}
			}
		}
		n := math.Hypot(v[0], v[1])
		v[0], v[1] = v[0]/n, v[1]/n
		if math.Abs(v[1]) > math.Abs(v[0]) && v[1] < 0 || math.Abs(v[0]) >= math.Abs(v[1]) && v[0] < 0 {
			v[0], v[1] = -v[0], -v[1]
		}
		return v
	}
	q1, q2 := vec(l1), vec(l2)
	steps := linspace(-2, 2, 11)
	var want [][2]float64
	for _, i := range steps {
		for _, j := range steps {
			want = append(want, [2]float64{mx + i*math.Sqrt(l1)*q1[0] + j*math.Sqrt(l2)*q2[0], my + i*math.Sqrt(l1)*q1[1] + j*math.Sqrt(l2)*q2[1]})
		}
	}
	for k, q := range [][2]float64{q1, q2} {
		l := []float64{l1, l2}[k]
		for _, s := range steps {
			want = append(want, [2]float64{mx + s*math.Sqrt(l)*q[0], my + s*math.Sqrt(l)*q[1]})
		}
	}
	got := dec.seen
	if len(got) != 2*len(want) {
		t.Fatalf("decoded %d codes, want %d", len(got)/2, len(want))
	}
	scale := math.Sqrt(l1)
	for i, w := range want {
		for j := range 2 {
			if e := math.Abs(float64(got[2*i+j]) - w[j]); e > 1e-5*scale+1e-6 {
				t.Fatalf("code %d: got (%g, %g), want (%g, %g)", i, got[2*i], got[2*i+1], w[0], w[1])
			}
		}
	}
}

// TestInterpolateCodes checks that interpolate decodes (1-a) f(x) + a f(x').
func TestInterpolateCodes(t *testing.T) {
	d := fixture(t, 8)
	m := blobModel()
	if _, err := Interpolate(m, d, Options{Index: []int{5, 2}, Steps: 5}); err != nil {
		t.Fatal(err)
	}
	z0, z1 := blobEncode(d.row(5)), blobEncode(d.row(2))
	got := m.Decoder.(*runnerFunc).seen
	for k, a := range []float64{0, 0.25, 0.5, 0.75, 1} {
		for j := range 2 {
			w := (1-a)*float64(z0[j]) + a*float64(z1[j])
			if math.Abs(float64(got[2*k+j])-w) > 1e-6 {
				t.Errorf("step %d: code %v, want %g in dimension %d", k, got[2*k:2*k+2], w, j)
			}
		}
	}
}

// TestFirstLayerGemm checks the Go first layer against gonum's matrix
// product with ReLU.
func TestFirstLayerGemm(t *testing.T) {
	d := fixture(t, 5)
	l := &Layer{Name: "w", Op: "Gemm", Shape: []int{7, 784}, Weight: make([]float32, 7*784), Bias: make([]float32, 7), Activation: "Relu"}
	for i := range l.Weight {
		l.Weight[i] = float32(math.Sin(float64(i))) / 10
	}
	for i := range l.Bias {
		l.Bias[i] = float32(i-3) / 4
	}
	got, shape, err := firstLayer(l, d.X, d.N, []int{784})
	if err != nil || len(shape) != 1 || shape[0] != 7 {
		t.Fatal(shape, err)
	}
	x := mat.NewDense(d.N, 784, f64(d.X))
	w := mat.NewDense(7, 784, f64(l.Weight))
	var y mat.Dense
	y.Mul(x, w.T())
	for i := range d.N {
		for k := range 7 {
			want := math.Max(0, y.At(i, k)+float64(l.Bias[k]))
			if math.Abs(float64(got[i*7+k])-want) > 1e-5 {
				t.Errorf("[%d,%d] = %g, want %g", i, k, got[i*7+k], want)
			}
		}
	}
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// TestFirstLayerConv checks a small strided, padded convolution against
// values worked out by hand.
func TestFirstLayerConv(t *testing.T) {
	// One 3x3 input 1..9, kernel [[1, 0], [0, -1]], bias 0.5, pad 1, stride 2:
	// output 2x2 at input offsets (-1,-1), (-1,1), (1,-1), (1,1).
	l := &Layer{Name: "k", Op: "Conv", Shape: []int{1, 1, 2, 2}, Weight: []float32{1, 0, 0, -1}, Bias: []float32{0.5}, Stride: 2, Pad: 1}
	x := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	got, shape, err := firstLayer(l, x, 1, []int{1, 3, 3})
	if err != nil {
		t.Fatal(err)
	}
	// (-1,-1): 1*0 - 1*x[0,0]=-1 -> -0.5; (-1,1): 0 - x[0,2]=-3 -> -2.5;
	// (1,-1): 0 - x[2,0]=-7 -> -6.5; (1,1): x[1,1] - x[2,2] = 5-9 -> -3.5.
	want := []float32{-0.5, -2.5, -6.5, -3.5}
	if len(shape) != 3 || shape[1] != 2 || shape[2] != 2 {
		t.Fatalf("shape %v", shape)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("output %v, want %v", got, want)
			break
		}
	}
}

// TestReadFirstLayer exports registry models and reads their first layers
// back from the ONNX initializers.
func TestReadFirstLayer(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		model, weight, op, act string
		shape                  []int
		stride, pad            int
	}{
		{"tiny-ae-2", "encoder.0.weight", "Gemm", "Relu", []int{50, 784}, 1, 0},
		{"cnn", "convBlock1.0.weight", "Conv", "", []int{16, 1, 5, 5}, 1, 2},
		{"conv-ae-cifar", "encoder.conv1.weight", "Conv", "Relu", []int{8, 3, 4, 4}, 2, 1},
	} {
		m, err := zoo.Lookup(tc.model)
		if err != nil {
			t.Fatal(err)
		}
		w := m.InitWeights(3)
		pb, err := export.Model(m, w, export.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := proto.Marshal(pb)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, tc.model+".onnx")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := ReadFirstLayer(path)
		if err != nil {
			t.Fatal(err)
		}
		if l.Name != tc.weight || l.Op != tc.op || l.Activation != tc.act || l.Stride != tc.stride || l.Pad != tc.pad || !equalInts(l.Shape, tc.shape) {
			t.Errorf("%s: layer %s %s %v act %q stride %d pad %d", tc.model, l.Name, l.Op, l.Shape, l.Activation, l.Stride, l.Pad)
		}
		want := w[tc.weight].Data
		bias := w[tc.weight[:len(tc.weight)-len("weight")]+"bias"].Data
		if len(l.Weight) != len(want) || len(l.Bias) != len(bias) {
			t.Fatalf("%s: %d weights %d biases, want %d %d", tc.model, len(l.Weight), len(l.Bias), len(want), len(bias))
		}
		for i := range want {
			if l.Weight[i] != want[i] {
				t.Fatalf("%s: weight %d = %g, want %g", tc.model, i, l.Weight[i], want[i])
			}
		}
	}
	if _, err := ReadFirstLayer(filepath.Join(dir, "missing.onnx")); err == nil {
		t.Error("missing file: no error")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFirstLayerErrors checks the errors of layers and inputs that do not
// fit.
func TestFirstLayerErrors(t *testing.T) {
	gemm := &Layer{Name: "w", Op: "Gemm", Shape: []int{2, 3}, Weight: make([]float32, 6)}
	conv := &Layer{Name: "k", Op: "Conv", Shape: []int{1, 1, 2, 3}, Weight: make([]float32, 6), Stride: 1}
	for _, tc := range []struct {
		name  string
		l     *Layer
		x     []float32
		input []int
		want  string
	}{
		{"gemm input", gemm, make([]float32, 8), []int{4}, "first layer w takes 3 values, inputs have 4"},
		{"conv channels", conv, make([]float32, 18), []int{2, 3, 3}, "first layer k takes 1 channels, inputs have shape [2 3 3]"},
		{"conv kernel", conv, make([]float32, 9), []int{1, 3, 3}, "kernel 2x3 is not square"},
		{"op", &Layer{Name: "p", Op: "MaxPool", Shape: []int{2}}, nil, []int{1}, `op "MaxPool" of shape [2]; want Gemm or Conv`},
	} {
		if _, _, err := firstLayer(tc.l, tc.x, 2, tc.input); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}
