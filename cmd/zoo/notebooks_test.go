package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/internal/testfixture/torch"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/zoo"
)

// torchDir holds the fixtures made from the notebooks' own classes
// (fixtures/torch/notebooks.py).
const torchDir = "../../fixtures/torch"

// entries returns the state_dict entries of a weights file, sorted by name.
func entries(ws zoo.Weights) []string {
	var es []string
	for _, name := range ws.Names() {
		t := ws[name]
		dt := "float32"
		if t.Int64 {
			dt = "int64"
		}
		es = append(es, torch.Entry{Name: name, Shape: t.Shape, DType: dt}.String())
	}
	return es
}

// sorted returns the entries as strings, sorted.
func sorted(es []torch.Entry) []string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.String()
	}
	slices.Sort(s)
	return s
}

// TestNotebookWeightsIn loads, for every registry model, a state_dict with
// the names of the notebook's own class (its BatchNorm counters included)
// through zoo export --weights, and checks that onnxruntime computes what
// PyTorch computed with the notebook's class on the same weights.
func TestNotebookWeightsIn(t *testing.T) {
	testenv.NeedORT(t)
	for _, name := range torch.Models() {
		t.Run(name, func(t *testing.T) {
			f, err := torch.Load(torchDir, name)
			if err != nil {
				t.Fatal(err)
			}
			if f.StateDict != nil {
				want, _ := torch.StateDict(f.Model)
				if got := sorted(f.StateDict); !slices.Equal(got, sorted(want)) {
					t.Fatalf("the notebook class %s has the state_dict\n%s\nzoo's %s has\n%s", f.Class,
						strings.Join(got, "\n"), name, strings.Join(sorted(want), "\n"))
				}
			}
			dir := t.TempDir()
			file := filepath.Join(dir, "notebook.safetensors")
			if err := safetensors.WriteFile(file, f.Model.WithCounters(f.Weights, 7), map[string]string{"format": "pt"}); err != nil {
				t.Fatal(err)
			}
			if r := run(t, nil, "export", name, "--weights", file, "--out", dir); r.code != 0 || r.stderr != "" {
				t.Fatalf("export --weights: %+v", r)
			}
			s, err := infer.Open(filepath.Join(dir, name, zoo.ModelFile), infer.Options{Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			in, want := f.Expected["input"], f.Expected["output"]
			got, err := s.Run(in.Data, in.Shape[0])
			if err != nil {
				t.Fatal(err)
			}
			if d := testutil.MaxAbsDiff(got, want.Data); d > 1e-6 {
				t.Errorf("onnxruntime differs from PyTorch's %s by %g", f.Class, d)
			}
		})
	}
}

// TestNotebookWeightsOut trains every registry model for a few steps and
// checks that the model.safetensors zoo writes holds exactly the state_dict
// of the notebook's class: the names, shapes and dtypes that
// load_state_dict(strict=True) requires (scripts/ci.d/40-notebook-classes.sh
// loads them into the classes with PyTorch itself).
func TestNotebookWeightsOut(t *testing.T) {
	dir := t.TempDir()
	cifar := filepath.Join(dir, "data_batch_1.bin")
	writeCIFAR(t, cifar, 40, 3)
	for _, name := range torch.Models() {
		t.Run(name, func(t *testing.T) {
			f, err := torch.Load(torchDir, name)
			if err != nil {
				t.Fatal(err)
			}
			data := fixtureImages
			if strings.HasSuffix(name, "cifar") {
				data = cifar
			}
			args := []string{"train", name, "--data", data, "--limit", "40", "--val-split", "8", "--batch", "16",
				"--epochs", "1", "--out", dir, "--name", name, "--quiet"}
			if data == fixtureImages && f.Model.Task == zoo.Classify {
				args = append(args, "--labels", "../../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz")
			}
			r := run(t, nil, args...)
			if r.code != 0 {
				t.Fatalf("train: %+v", r)
			}
			w, _, err := safetensors.ReadFile(filepath.Join(dir, name, name, rundir.WeightsFile))
			if err != nil {
				t.Fatal(err)
			}
			want := sorted(f.StateDict)
			if f.StateDict == nil { // tiny-ae-2, manifold-ae: the file is the class's state_dict
				want = entries(f.Weights)
			}
			if got := entries(w); !slices.Equal(got, want) {
				t.Errorf("model.safetensors holds\n%s\nthe notebook's %s has\n%s", strings.Join(got, "\n"), f.Class, strings.Join(want, "\n"))
			}
			for _, c := range f.Model.Counters() {
				if v := w[c].Data[0]; v != 2 { // 32 training images in batches of 16
					t.Errorf("%s = %v, want 2 (the training steps)", c, v)
				}
			}
		})
	}
}

// TestNotebookLayouts checks the other layouts zoo export --weights reads:
// the CIFAR-10 autoencoder's Encoder and Decoder saved as two classes, and
// zoo 0.1.0's names of a model whose network has not changed, each with a
// notice; and zoo 0.1.0's weights of a network it built differently, refused.
func TestNotebookLayouts(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, w zoo.Weights, meta map[string]string) string {
		t.Helper()
		p := filepath.Join(dir, name+".safetensors")
		if err := safetensors.WriteFile(p, w, meta); err != nil {
			t.Fatal(err)
		}
		return p
	}
	strip := func(w zoo.Weights, prefixes ...string) zoo.Weights {
		out := zoo.Weights{}
		for k, v := range w {
			for _, p := range prefixes {
				k = strings.TrimPrefix(k, p)
			}
			out[k] = v
		}
		return out
	}
	rename := func(w zoo.Weights, from, to string) zoo.Weights {
		out := zoo.Weights{}
		for k, v := range w {
			out[strings.Replace(k, from, to, 1)] = v
		}
		return out
	}
	cifarAE, _ := zoo.Lookup("conv-ae-cifar")
	cnn, _ := zoo.Lookup("cnn")
	deconv, _ := zoo.Lookup("conv-ae-deconv")
	cnnOld := rename(rename(rename(rename(rename(cnn.WithCounters(cnn.InitWeights(1), 3),
		"convBlock1.0", "features.0"), "convBlock1.2", "features.2"), "convBlock2.0", "features.4"), "convBlock2.2", "features.6"),
		"linearBlock.0", "classifier.1")
	for _, tc := range []struct {
		name, model, file string
		code              int
		stderr            string
	}{
		{"two classes", "conv-ae-cifar", write("two", strip(cifarAE.InitWeights(1), "encoder.", "decoder."), nil), 0,
			"holds the encoder and decoder classes' own state_dicts (keys without \"encoder.\" or \"decoder.\"), renamed"},
		{"wrapper", "conv-ae-cifar", write("wrapper", cifarAE.InitWeights(1), nil), 0, ""},
		{"zoo 0.1.0 names", "cnn", write("cnn-old", cnnOld, nil), 0,
			"holds zoo 0.1.0's names (such as classifier.1.weight), renamed to the notebook's"},
		{"zoo 0.1.0 network", "conv-ae-deconv", write("deconv-old", deconv.InitWeights(1), map[string]string{zoo.MetaModel: "conv-ae-deconv"}), 1,
			"zoo 0.1.0's conv-ae-deconv, which had a Sigmoid output, not a ReLU"},
		{"missing", "cnn", write("cnn-missing", strip(cnn.InitWeights(1), "convBlock1."), nil), 1,
			`tensor "convBlock1.0.weight" is missing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, nil, "export", tc.model, "--weights", tc.file, "--out", filepath.Join(dir, tc.name))
			if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("export %s --weights %s: %+v, want exit %d and %q", tc.model, filepath.Base(tc.file), r, tc.code, tc.stderr)
			}
			if tc.code == 0 && tc.stderr == "" && r.stderr != "" {
				t.Errorf("notice for the model's own layout: %q", r.stderr)
			}
		})
	}
}

// TestFormerExports checks that export folders written by zoo 0.1.0, before
// the registry followed the notebooks' names and networks, still verify and
// run: cnn with its former names, conv-ae-unpool with its former network
// (fixtures/zoo-0.1.0, written by zoo 0.1.0's zoo export --init --seed 3).
func TestFormerExports(t *testing.T) {
	testenv.NeedORT(t)
	for _, m := range []string{"cnn", "conv-ae-unpool"} {
		dir := filepath.Join("../../fixtures/zoo-0.1.0", m)
		if r := run(t, nil, "verify", dir); r.code != 0 || !strings.Contains(r.stdout, "all 1 folders verified") {
			t.Errorf("verify %s: %+v", dir, r)
		}
		if r := run(t, nil, "infer", dir, fixtureImages); r.code != 0 || !strings.Contains(r.stdout, "512 examples") {
			t.Errorf("infer %s: %+v", dir, r)
		}
	}
}

// TestFormerRuns checks run folders of zoo 0.1.0: one whose network has not
// changed but whose names have exports with its names renamed, and says so;
// neither it nor one whose network has changed can be resumed, and the
// latter cannot be exported either, each with an error that says why.
func TestFormerRuns(t *testing.T) {
	dir := t.TempDir()
	former := func(model string, rename map[string]string, extra ...string) string {
		t.Helper()
		args := append([]string{"train", model, "--data", fixtureImages, "--limit", "40", "--val-split", "8", "--batch", "16",
			"--epochs", "2", "--out", dir, "--name", "old", "--quiet"}, extra...)
		if r := run(t, nil, args...); r.code != 0 {
			t.Fatalf("train %s: %+v", model, r)
		}
		run := filepath.Join(dir, model, "old")
		info, err := rundir.ReadInfo(run)
		if err != nil {
			t.Fatal(err)
		}
		info.Versions["zoo"], info.Status, info.Epochs = zoo.FormerVersion, rundir.StatusInterrupted, info.Epochs[:1]
		info.Epoch, info.Step = 1, 2
		info.Checksums = nil // zoo 0.1.0 recorded none
		if err := rundir.WriteInfo(run, info); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{rundir.WeightsFile, rundir.PrevFile(rundir.WeightsFile)} {
			path := filepath.Join(run, f)
			w, meta, err := safetensors.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			old := zoo.Weights{}
			for k, v := range w {
				if strings.HasSuffix(k, zoo.CounterSuffix) {
					continue // zoo 0.1.0 kept no counters
				}
				for from, to := range rename {
					if strings.HasPrefix(k, from+".") {
						k = to + strings.TrimPrefix(k, from)
					}
				}
				old[k] = v
			}
			delete(meta, zoo.MetaVersion)
			delete(meta, "sha256") // zoo 0.1.0 recorded none
			meta["step"] = "2"
			if err := safetensors.WriteFile(path, old, meta); err != nil {
				t.Fatal(err)
			}
		}
		return run
	}
	cnn := former("cnn", map[string]string{"convBlock1.0": "features.0", "convBlock1.2": "features.2",
		"convBlock2.0": "features.4", "convBlock2.2": "features.6", "linearBlock.0": "classifier.1"},
		"--labels", "../../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz")
	r := run(t, nil, "export", cnn, "--out", filepath.Join(dir, "models"))
	if r.code != 0 || !strings.Contains(r.stdout, "names: zoo 0.1.0's names (such as classifier.1.weight), renamed to the notebook's") {
		t.Errorf("export of zoo 0.1.0's cnn run: %+v", r)
	}
	if r := run(t, nil, "train", "cnn", "--resume", cnn); r.code == 0 || !strings.Contains(r.stderr, "cannot be resumed") {
		t.Errorf("resume of zoo 0.1.0's cnn run: %+v", r)
	}
	deep := former("deep-ae", nil)
	want := "zoo 0.1.0's deep-ae, which had no Tanh on its 2-D code"
	if r := run(t, nil, "export", deep, "--out", filepath.Join(dir, "models")); r.code == 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("export of zoo 0.1.0's deep-ae run: %+v, want %q", r, want)
	}
	if r := run(t, nil, "train", "deep-ae", "--resume", deep); r.code == 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("resume of zoo 0.1.0's deep-ae run: %+v, want %q", r, want)
	}
}
