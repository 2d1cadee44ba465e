package zoo

import (
	"errors"
	"strings"
	"testing"
)

func TestPartKeys(t *testing.T) {
	base := &Model{Name: "k", Task: Classify, Input: []int{4}, Recipe: adam(1e-3, 2, 1),
		Parts: []Part{part("classifier", cat(one("fc1", Linear{In: 4, Out: 3}), one("relu1", ReLU{}), one("logits", Linear{In: 3, Out: 2}))...)}}
	base.Recipe.Loss = LossCrossEntropy
	if err := base.Validate(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range base.Params() {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "fc1.weight fc1.bias logits.weight logits.bias" {
		t.Errorf("params %s", got)
	}
	for _, tc := range []struct {
		name string
		keys []string
		want string
	}{
		{"count", []string{"fc1", "relu1"}, "has 2 keys for 3 layers"},
		{"repeated", []string{"fc1", "relu1", "fc1"}, `repeated state_dict prefix "fc1"`},
		{"empty", []string{"fc1", "", "logits"}, `prefix ""`},
		{"dot", []string{"fc1", "relu.", "logits"}, `prefix "relu."`},
	} {
		m := base.Clone()
		m.Parts[0].Keys = tc.keys
		if err := m.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestAdoptWeights(t *testing.T) {
	strip := func(w Weights, pre ...string) Weights {
		out := Weights{}
		for k, v := range w {
			for _, p := range pre {
				k = strings.TrimPrefix(k, p)
			}
			out[k] = v
		}
		return out
	}
	cifar, _ := Lookup("conv-ae-cifar")
	cnn, _ := Lookup("cnn")
	mlp, _ := Lookup("mlp-cifar")
	relu, _ := Lookup("relu-ae-30")
	old := Weights{}
	for k, v := range mlp.InitWeights(1) {
		k = strings.NewReplacer("input_layer", "classifier.1", "hidden_layer", "classifier.4", "output_layer", "classifier.7").Replace(k)
		old[k] = v
	}
	for _, tc := range []struct {
		name string
		m    *Model
		w    Weights
		note string // "" for the model's own names
		err  string
	}{
		{"own", cnn, cnn.InitWeights(1), "", ""},
		{"own with counters", cnn, cnn.WithCounters(cnn.InitWeights(1), 4), "", ""},
		{"parts' own", cifar, strip(cifar.InitWeights(1), "encoder.", "decoder."), "the encoder and decoder classes' own state_dicts", ""},
		{"zoo 0.1.0", mlp, old, "zoo 0.1.0's names (such as classifier.1.weight)", ""},
		{"no parts layout for MLPs", relu, strip(relu.InitWeights(1), "encoder.", "decoder."), "", `tensor "encoder.0.weight" is missing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, note, err := tc.m.AdoptWeights(tc.w)
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("err %v, want %q", err, tc.err)
				}
			case err != nil:
				t.Fatal(err)
			case !strings.Contains(note, tc.note) || (tc.note == "") != (note == ""):
				t.Errorf("note %q, want %q", note, tc.note)
			default:
				if err := tc.m.CheckWeights(w); err != nil {
					t.Error(err)
				}
			}
		})
	}
	bad := cnn.InitWeights(1)
	bad["convBlock1.2.num_batches_tracked"] = NewTensor(2)
	if err := cnn.CheckWeights(bad); err == nil || !strings.Contains(err.Error(), "want a scalar") {
		t.Errorf("a counter of shape [2]: %v", err)
	}
}

func TestCheckFormer(t *testing.T) {
	var fe *FormerNetworkError
	for _, tc := range []struct {
		model, version string
		refused        bool
	}{
		{"deep-ae", "0.1.0", true},
		{"deep-ae", "", true},
		{"deep-ae", Version, false},
		{"cnn", "0.1.0", false},
		{"conv-ae-unpool", "0.1.0", true},
	} {
		err := CheckFormer(tc.model, tc.version)
		if got := errors.As(err, &fe); got != tc.refused {
			t.Errorf("%s of zoo %q: %v", tc.model, tc.version, err)
		}
	}
}
