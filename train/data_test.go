package train

import (
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

const (
	dataImages = "../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"
	dataLabels = "../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz"
)

// lookup returns a fresh copy of a registry model.
func lookup(t *testing.T, name string) *zoo.Model {
	t.Helper()
	m, err := zoo.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestLoadDataFiles checks training on image files: validation by hold-out,
// labels from files, a limit.
func TestLoadDataFiles(t *testing.T) {
	ae := lookup(t, "relu-ae-30")
	spec := DataSpec{Data: dataImages}
	var se *SpecError
	if _, _, err := LoadData(&spec, ae, nil); !errors.As(err, &se) || se.Field != "val-data" {
		t.Errorf("no validation: %v", err)
	}
	ae.Recipe.ValSplit = 100
	tr, val, err := LoadData(&spec, ae, nil)
	if err != nil || val != nil || tr.N != 512 || tr.Len != 784 || tr.Name != dataImages || len(tr.SHA256) != 64 || tr.Labels != nil {
		t.Fatalf("hold-out: %+v, %v, %v", tr, val, err)
	}

	cls := lookup(t, "cnn")
	spec = DataSpec{Data: dataImages, ValData: dataImages}
	if _, _, err := LoadData(&spec, cls, nil); !errors.As(err, &se) || *se != (SpecError{Field: "labels", File: dataImages}) {
		t.Errorf("no labels: %v", err)
	}
	spec.Labels = dataLabels
	if _, _, err := LoadData(&spec, cls, nil); !errors.As(err, &se) || *se != (SpecError{Field: "val-labels", File: dataImages}) {
		t.Errorf("no validation labels: %v", err)
	}
	spec.ValLabels, spec.Limit = dataLabels, 100
	tr, val, err = LoadData(&spec, cls, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tr.N != 100 || len(tr.Labels) != 100 || tr.Name != dataImages+" (first 100)" || tr.LabelsName != dataLabels ||
		len(tr.LabelsSHA256) != 64 || val.N != 512 || len(val.Labels) != 512 {
		t.Errorf("labelled: train %+v, validation %+v", tr.Images, val.Images)
	}
}

// TestLoadDataFallback: a data set not on the search path falls back to
// mnist-mini for 28x28 models, with a notice and a hold-out, and not for
// others.
func TestLoadDataFallback(t *testing.T) {
	t.Setenv("ZOO_DATA", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var notices []dataset.Notice
	notice := func(n dataset.Notice) { notices = append(notices, n) }

	cls := lookup(t, "cnn")
	spec := DataSpec{Data: "kmnist"}
	tr, val, err := LoadData(&spec, cls, notice)
	if err != nil {
		t.Fatal(err)
	}
	if spec.Data != dataset.MiniName || cls.Recipe.ValSplit != 500 || cls.Recipe.SplitSeed != 1 || val != nil ||
		tr.N != 2000 || len(tr.Labels) != 2000 || tr.LabelsSHA256 != "embedded" || tr.SHA256 != "" {
		t.Errorf("fallback: spec %+v, recipe %+v, train %+v", spec, cls.Recipe, tr.Images)
	}
	if len(notices) != 1 || notices[0].Set != "kmnist" || notices[0].Role != dataset.TrainImages || !errors.Is(notices[0].Err, dataset.ErrNotFound) {
		t.Errorf("notices %+v", notices)
	}

	// mnist-mini named: the same, without a notice.
	notices = nil
	spec = DataSpec{Data: dataset.MiniName}
	if tr, _, err := LoadData(&spec, lookup(t, "relu-ae-30"), notice); err != nil || tr.N != 2000 || len(notices) != 0 {
		t.Errorf("mnist-mini: %v, %d notices", err, len(notices))
	}

	spec = DataSpec{Data: dataset.CIFARName}
	var md *MissingDataError
	if _, _, err := LoadData(&spec, lookup(t, "mlp-cifar"), notice); !errors.As(err, &md) || md.Set != dataset.CIFARName || !errors.Is(err, dataset.ErrNotFound) {
		t.Errorf("cifar-10 missing: %v", err)
	}
	spec = DataSpec{Data: "mnist:train"}
	if _, _, err := LoadData(&spec, cls, notice); err == nil || !strings.Contains(err.Error(), `unknown dataset "mnist:train"`) {
		t.Errorf("a split: %v", err)
	}
}

// TestDataSpecArgs: the spec survives run.json's args.
func TestDataSpecArgs(t *testing.T) {
	s := DataSpec{Data: "d", ValData: "v", Labels: "l", ValLabels: "vl", Limit: 7}
	args := s.Args()
	want := map[string]string{"data": "d", "val-data": "v", "limit": "7", "labels": "l", "val-labels": "vl"}
	if !maps.Equal(args, want) || SpecOf(args) != s {
		t.Errorf("Args %v, SpecOf %+v", args, SpecOf(args))
	}
}

// TestDataJSON: run.json records the data as before Data wrapped
// dataset.Images.
func TestDataJSON(t *testing.T) {
	d := &Data{Images: dataset.Images{Name: "n", SHA256: "s", N: 2, Shape: []int{1}, X: []float32{1, 2}, Labels: []uint8{1, 2},
		LabelsName: "l", LabelsSHA256: "ls"}, Len: 1}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"name":"n","sha256":"s","n":2,"labels":"l","labels_sha256":"ls"}`; string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
	var back Data
	if err := json.Unmarshal(b, &back); err != nil || back.Name != "n" || back.N != 2 || back.LabelsSHA256 != "ls" {
		t.Errorf("back %+v, %v", back, err)
	}
}

// TestResumeOptions: a run's model, recipe and data come back from its
// run.json, with mnist-mini recorded when it stands in; a recipe that no
// longer validates is an error naming the folder.
func TestResumeOptions(t *testing.T) {
	t.Setenv("ZOO_DATA", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	m := lookup(t, "tiny-ae-2")
	m.Recipe.Epochs = 3
	info := &rundir.Info{Model: m.Name, Recipe: m.Recipe,
		Args: DataSpec{Data: dataImages, ValData: dataImages, Limit: 100}.Args()}
	opt, err := ResumeOptions("runs/r", info, nil)
	if err != nil {
		t.Fatal(err)
	}
	if opt.Model.Name != m.Name || opt.Model.Recipe != m.Recipe || opt.Train.N != 100 || opt.Val.N != 512 ||
		opt.Dir != "runs/r" || !opt.Resume || !maps.Equal(opt.Args, info.Args) {
		t.Errorf("options %+v", opt)
	}

	var notices []dataset.Notice
	info.Args = DataSpec{Data: "mnist"}.Args()
	if opt, err = ResumeOptions("runs/r", info, func(n dataset.Notice) { notices = append(notices, n) }); err != nil {
		t.Fatal(err)
	}
	if opt.Args["data"] != dataset.MiniName || opt.Train.N != 2000 || len(notices) != 1 {
		t.Errorf("mnist-mini standing in: args %v, %d images, notices %v", opt.Args, opt.Train.N, notices)
	}

	info.Recipe.Epochs = 0
	if _, err := ResumeOptions("runs/r", info, nil); err == nil || !strings.HasPrefix(err.Error(), "resume runs/r: ") {
		t.Errorf("bad recipe: %v", err)
	}
	info.Model = "no-such-model"
	if _, err := ResumeOptions("runs/r", info, nil); err == nil || !strings.Contains(err.Error(), "no-such-model") {
		t.Errorf("unknown model: %v", err)
	}
}

// TestDescribe: the line zoo train starts with, with validation data or a
// hold-out.
func TestDescribe(t *testing.T) {
	m := lookup(t, "tiny-ae-2")
	m.Recipe.ValSplit = 64
	tr := &Data{Images: dataset.Images{Name: "train.idx", N: 448}}
	opt := Options{Model: m, Train: tr, Dir: "runs/tiny-ae-2/r"}
	if got, want := opt.Describe(), "training tiny-ae-2 on train.idx (448 images), validating on a hold-out of 64 (64 images); run folder runs/tiny-ae-2/r"; got != want {
		t.Errorf("hold-out: %q, want %q", got, want)
	}
	opt.Val = &Data{Images: dataset.Images{Name: "val.idx", N: 32}}
	if got, want := opt.Describe(), "training tiny-ae-2 on train.idx (448 images), validating on val.idx (32 images); run folder runs/tiny-ae-2/r"; got != want {
		t.Errorf("validation data: %q, want %q", got, want)
	}
}
