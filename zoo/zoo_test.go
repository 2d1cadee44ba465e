package zoo

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params int
		code   []int
	}{
		// counts computed by hand: sum over Linear layers of in*out + out
		{"deep-ae", 784*1000 + 1000 + 1000*500 + 500 + 500*250 + 250 + 250*2 + 2 + 2*250 + 250 + 250*500 + 500 + 500*1000 + 1000 + 1000*784 + 784, []int{2}},
		{"mlp-ae", 784*512 + 512 + 512*512 + 512 + 512*10 + 10 + 10*512 + 512 + 512*512 + 512 + 512*784 + 784, []int{10}},
		{"relu-ae-30", 808494, []int{30}},
		{"shallow-ae-64", 784*64 + 64 + 64*784 + 784, []int{64}},
		{"shallow-ae-128", 784*128 + 128 + 128*784 + 784, []int{128}},
		{"shallow-ae-256", 784*256 + 256 + 256*784 + 784, []int{256}},
		{"sparse-ae", 784*1156 + 1156 + 1156*784 + 784, []int{1156}},
		{"denoise-ae", 784*256 + 256 + 256*784 + 784, []int{256}},
		{"manifold-ae", 784*64 + 64 + 64*8 + 8 + 8*64 + 64 + 64*784 + 784, []int{8}},
		{"tiny-ae-2", 784*50 + 50 + 50*2 + 2 + 2*784 + 784, []int{2}},
		{"tiny-ae-4", 784*50 + 50 + 50*4 + 4 + 4*784 + 784, []int{4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Lookup(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.NumParams(); got != tc.params {
				t.Errorf("params %d, want %d", got, tc.params)
			}
			enc, err := m.Sub("encoder")
			if err != nil {
				t.Fatal(err)
			}
			if out, _ := enc.OutShape(); !slices.Equal(out, tc.code) {
				t.Errorf("code shape %v, want %v", out, tc.code)
			}
			dec, err := m.Sub("decoder")
			if err != nil {
				t.Fatal(err)
			}
			if out, _ := dec.OutShape(); !slices.Equal(dec.Input, tc.code) || !slices.Equal(out, []int{784}) {
				t.Errorf("decoder %v -> %v", dec.Input, out)
			}
			if enc.NumParams()+dec.NumParams() != m.NumParams() {
				t.Errorf("parts hold %d+%d params of %d", enc.NumParams(), dec.NumParams(), m.NumParams())
			}
		})
	}
	if len(Names()) != 19 {
		t.Errorf("%d models registered: %v", len(Names()), Names())
	}
}

func TestLookupReturnsCopy(t *testing.T) {
	m, _ := Lookup("relu-ae-30")
	m.Recipe.LR = 1
	m.Parts[0].Layers[0] = Identity{}
	again, _ := Lookup("relu-ae-30")
	if again.Recipe.LR != 3e-4 || again.Parts[0].Layers[0].Kind() != "Linear" {
		t.Fatal("changing a looked-up model changed the registry")
	}
	if _, err := Lookup("nope"); err == nil || !strings.Contains(err.Error(), "relu-ae-30") {
		t.Errorf("unknown model error %v does not list the known ones", err)
	}
}

func TestStateDictNames(t *testing.T) {
	m, _ := Lookup("manifold-ae")
	var got []string
	for _, p := range m.Params() {
		got = append(got, p.Name)
	}
	want := []string{"encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias",
		"decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias"}
	if !slices.Equal(got, want) {
		t.Errorf("params %v, want %v", got, want)
	}
	if p := m.Params()[0]; !slices.Equal(p.Shape, []int{64, 784}) {
		t.Errorf("Linear weight shape %v, want [out, in] = [64, 784]", p.Shape)
	}
}

func TestCheckWeights(t *testing.T) {
	m, _ := Lookup("manifold-ae")
	for _, tc := range []struct {
		name   string
		change func(Weights)
		want   string
	}{
		{"ok", func(Weights) {}, ""},
		{"missing", func(w Weights) { delete(w, "encoder.2.bias") }, `"encoder.2.bias" is missing`},
		{"misshapen", func(w Weights) { w["decoder.0.weight"] = NewTensor(8, 64) }, `"decoder.0.weight" has shape [8 64], want [64 8]`},
		{"short data", func(w Weights) { w["decoder.0.bias"] = &Tensor{Shape: []int{64}, Data: make([]float32, 3)} }, `"decoder.0.bias" holds 3 values`},
		{"extra", func(w Weights) { w["encoder.9.weight"] = NewTensor(1) }, `unexpected tensor "encoder.9.weight"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := m.InitWeights(0)
			tc.change(w)
			err := m.CheckWeights(w)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestInitWeights(t *testing.T) {
	m, _ := Lookup("tiny-ae-2")
	a, b, c := m.InitWeights(5), m.InitWeights(5), m.InitWeights(6)
	for _, name := range a.Names() {
		if !slices.Equal(a[name].Data, b[name].Data) {
			t.Fatalf("%s differs between two inits with the same seed", name)
		}
	}
	if slices.Equal(a["encoder.0.weight"].Data, c["encoder.0.weight"].Data) {
		t.Fatal("seeds 5 and 6 give the same weights")
	}
	// Glorot: |w| <= sqrt(6/(in+out)), spread close to the uniform's; biases zero.
	check := func(name string, bound float64) {
		t.Helper()
		var maxAbs, sumSq float64
		for _, v := range a[name].Data {
			maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
			sumSq += float64(v) * float64(v)
		}
		std, want := math.Sqrt(sumSq/float64(len(a[name].Data))), bound/math.Sqrt(3)
		if maxAbs > bound || maxAbs < 0.9*bound || math.Abs(std-want) > 0.05*want {
			t.Errorf("%s: max |w| %g, std %g; want bound %g, std %g", name, maxAbs, std, bound, want)
		}
	}
	check("encoder.0.weight", math.Sqrt(6.0/(784+50)))
	for _, v := range a["encoder.0.bias"].Data {
		if v != 0 {
			t.Fatal("Glorot bias not zero")
		}
	}
	// PyTorch default: weights and biases U(-1/sqrt(in), 1/sqrt(in)).
	m, _ = Lookup("shallow-ae-256")
	a = m.InitWeights(0)
	check("encoder.0.weight", 1/math.Sqrt(784))
	check("decoder.0.weight", 1/math.Sqrt(256))
	check("decoder.0.bias", 1/math.Sqrt(256))
}

func TestValidate(t *testing.T) {
	good := func() *Model { m, _ := Lookup("manifold-ae"); return m }
	for _, tc := range []struct {
		name   string
		change func(*Model)
		want   string
	}{
		{"chain", func(m *Model) { m.Parts[1].Layers[0] = Linear{In: 9, Out: 64} }, "needs input [9]"},
		{"reconstruct size", func(m *Model) { m.Parts[1].Layers[2] = Linear{In: 64, Out: 10} }, "reconstruct model outputs [10]"},
		{"part names", func(m *Model) { m.Parts[1].Name = "encoder" }, "repeated"},
		{"optimizer", func(m *Model) { m.Recipe.Optimizer = "rmsprop" }, "unknown optimizer"},
		{"nesterov", func(m *Model) { m.Recipe.Optimizer, m.Recipe.Nesterov = "sgd", true }, "nesterov needs a momentum"},
		{"noise", func(m *Model) { m.Recipe.Noise = Noise{Kind: "salt-and-pepper", Level: 2} }, "outside [0, 1]"},
		{"unflatten", func(m *Model) { m.Parts[1].Layers = append(m.Parts[1].Layers, Unflatten{Shape: []int{1, 28, 28}}) }, ""},
		// Issue 19: the loss must train the model's task.
		{"cross-entropy on an autoencoder", func(m *Model) { m.Recipe.Loss = LossCrossEntropy },
			"model manifold-ae is an autoencoder (task reconstruct): loss cross-entropy is for classifiers; an autoencoder trains with mse or mse-sum"},
		{"mse-sum on an autoencoder", func(m *Model) { m.Recipe.Loss = LossMSESum }, ""},
		{"momentum NaN", func(m *Model) { m.Recipe.Optimizer, m.Recipe.Momentum = SGD, math.NaN() }, "momentum NaN is not a finite number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := good()
			tc.change(m)
			err := m.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestLossOfTask: every model of the registry trains with a loss of its
// task, and a classifier refuses the losses of autoencoders.
func TestLossOfTask(t *testing.T) {
	for _, m := range All() {
		if err := m.Validate(); err != nil {
			t.Errorf("%s: %v", m.Name, err)
		}
	}
	m, _ := Lookup("cnn")
	for _, l := range []Loss{LossMSE, LossMSESum} {
		m.Recipe.Loss = l
		if err := m.Validate(); err == nil || !strings.Contains(err.Error(), "model cnn is a classifier: loss "+string(l)+" is for autoencoders; a classifier trains with cross-entropy") {
			t.Errorf("loss %s on a classifier: %v", l, err)
		}
	}
}

func TestParseNoise(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Noise
		ok   bool
	}{
		{"gaussian:0.5", Noise{"gaussian", 0.5}, true},
		{"salt-and-pepper:0.1", Noise{"salt-and-pepper", 0.1}, true},
		{"none", Noise{}, true},
		{"gaussian", Noise{}, false},
		{"gaussian:x", Noise{}, false},
		{"pink:0.1", Noise{}, false},
	} {
		got, err := ParseNoise(tc.in)
		if (err == nil) != tc.ok || tc.ok && got != tc.want {
			t.Errorf("ParseNoise(%q) = %v, %v", tc.in, got, err)
		}
		if tc.ok && tc.in != "none" && got.String() != tc.in {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
}

func TestRecipeSet(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		check      func(Recipe) bool
		err        string
	}{
		{"lr", "1e-3", func(r Recipe) bool { return r.LR == 1e-3 }, ""},
		{"sparsity", "4e-6", func(r Recipe) bool { return r.Sparsity == 4e-6 }, ""},
		{"noise", "gaussian:0.5", func(r Recipe) bool { return r.Noise == Noise{"gaussian", 0.5} }, ""},
		{"noise", "salt-and-pepper:0.1", func(r Recipe) bool { return r.Noise.Kind == "salt-and-pepper" }, ""},
		{"epochs", "3", func(r Recipe) bool { return r.Epochs == 3 }, ""},
		{"batch", "0", nil, "batch size 0 must be positive"},
		{"lr", "fast", nil, "recipe lr=fast"},
		{"noise", "pink:1", nil, "unknown noise kind"},
		{"colour", "red", nil, "unknown recipe key"},
		{"optimizer", "sgd", func(r Recipe) bool { return r.Optimizer == "sgd" }, ""},
		// Issue 19: values that are not finite, or out of range, are
		// refused when set, before anything is created.
		{"momentum", "NaN", nil, "recipe momentum=NaN: recipe: momentum NaN is not a finite number"},
		{"momentum", "1", nil, "momentum 1 outside [0, 1)"},
		{"momentum", "-0.5", nil, "momentum -0.5 outside [0, 1)"},
		{"noise", "gaussian:NaN", nil, "gaussian noise level NaN is not a finite number"},
		{"noise", "gaussian:+Inf", nil, "gaussian noise level +Inf is not a finite number"},
		{"noise", "gaussian:-0.1", nil, "is negative"},
		{"noise", "salt-and-pepper:NaN", nil, "not a finite number"},
		{"lr", "0", nil, "learning rate 0 must be positive"},
		{"lr", "-1e-3", nil, "learning rate -0.001 must be positive"},
		{"lr", "NaN", nil, "learning rate NaN is not a finite number"},
		{"lr", "Inf", nil, "learning rate +Inf is not a finite number"},
		{"sparsity", "-Inf", nil, "sparsity -Inf is not a finite number"},
		{"sparsity", "-1", nil, "sparsity -1 is negative"},
		{"epochs", "-2", nil, "epochs -2 must be positive"},
		{"patience", "-1", nil, "must not be negative"},
		{"val-split", "-5", nil, "must not be negative"},
		{"momentum", "0.9", func(r Recipe) bool { return r.Momentum == 0.9 }, ""},
	} {
		m, _ := Lookup("sparse-ae")
		r := m.Recipe
		err := r.Set(tc.key, tc.value)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("Set(%s, %s): got %v, want %q", tc.key, tc.value, err, tc.err)
		case tc.err != "" && r != m.Recipe:
			t.Errorf("Set(%s, %s) failed but changed the recipe", tc.key, tc.value)
		case tc.err == "" && (err != nil || !tc.check(r)):
			t.Errorf("Set(%s, %s): %v, %+v", tc.key, tc.value, err, r)
		}
	}
}

// TestRecipeValue checks that Value gives every key in the form Set takes
// back unchanged, on recipes of every registry model, and refuses unknown
// keys.
func TestRecipeValue(t *testing.T) {
	for _, name := range Names() {
		m, _ := Lookup(name)
		for _, tc := range []struct {
			key, set string
		}{{"", ""}, {"noise", "salt-and-pepper:0.25"}, {"lr", "3e-4"}, {"optimizer", "sgd"}} {
			r := m.Recipe
			if tc.key != "" {
				if err := r.Set(tc.key, tc.set); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			for _, key := range RecipeKeys() {
				v, err := r.Value(key)
				if err != nil {
					t.Fatalf("%s: Value(%s): %v", name, key, err)
				}
				c := r
				if err := c.Set(key, v); err != nil || c != r {
					t.Errorf("%s: Set(%s, Value = %q) = %v, changed %+v to %+v", name, key, v, err, r, c)
				}
			}
			if v, _ := r.Value(tc.key); tc.key != "" && v != tc.set && tc.key != "lr" {
				t.Errorf("%s: Value(%s) = %q after Set(%q)", name, tc.key, v, tc.set)
			}
		}
	}
	m, _ := Lookup("sparse-ae")
	if v, _ := m.Recipe.Value("sparsity"); v != "1.5e-06" {
		t.Errorf("sparse-ae sparsity = %q", v)
	}
	if _, err := m.Recipe.Value("colour"); err == nil || !strings.Contains(err.Error(), "unknown recipe key") {
		t.Errorf("Value(colour) = %v", err)
	}
}
