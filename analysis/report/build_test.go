package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/analysis"
	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/reference"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

const (
	fixtureImages = "../../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"
	fixtureLabels = "../../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz"
)

// forward runs a zoo model (or one of its parts) with package reference:
// a figure.Runner without an engine.
type forward struct {
	m *zoo.Model
	w zoo.Weights
}

func (f forward) Run(x []float32, n int) ([]float32, error) {
	y, _, err := reference.Forward(f.m, f.w, x, n)
	return y, err
}

// part returns the runner of part p of m with weights w.
func part(t *testing.T, m *zoo.Model, w zoo.Weights, p string) forward {
	t.Helper()
	sub, err := m.Sub(p)
	if err != nil {
		t.Fatal(err)
	}
	sw := zoo.Weights{}
	for _, q := range sub.Params() {
		sw[q.Name] = w[q.Name]
	}
	return forward{sub, sw}
}

// seededExport exports tiny-ae-2 with seeded weights into a temporary
// folder and returns the folder, the model for the figures (run by package
// reference) and the first 64 images of the MNIST fixture.
func seededExport(t *testing.T) (string, *figure.Model, *figure.Data) {
	t.Helper()
	m, err := zoo.Lookup("tiny-ae-2")
	if err != nil {
		t.Fatal(err)
	}
	w := m.InitWeights(1)
	dir := filepath.Join(t.TempDir(), m.Name)
	if _, err := export.WriteDir(dir, m, w, export.DirOptions{Weights: "init seed 1"}); err != nil {
		t.Fatal(err)
	}
	first, err := figure.ReadFirstLayer(filepath.Join(dir, zoo.ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	fm := &figure.Model{Name: m.Name, Task: zoo.Reconstruct, Input: m.Input, Whole: forward{m, w},
		Encoder: part(t, m, w, "encoder"), Decoder: part(t, m, w, "decoder"), Code: 2, First: first}
	r, err := dataset.OpenIDX(fixtureImages)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	const n = 64
	x := make([]float32, n*784)
	if got, err := r.ReadFloat32(x); got != n {
		t.Fatalf("read %d images: %v", got, err)
	}
	labels, err := dataset.ReadLabels(fixtureLabels)
	if err != nil {
		t.Fatal(err)
	}
	return dir, fm, &figure.Data{Name: "mnist-512", X: x, N: n, Shape: []int{28, 28}, Labels: labels[:n]}
}

// writeRun writes a run folder of two epochs of tiny-ae-2 and returns it.
func writeRun(t *testing.T) string {
	t.Helper()
	run := filepath.Join(t.TempDir(), "tiny-ae-2", "r1")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	epochs := []rundir.Epoch{{Epoch: 1, TrainLoss: 0.2, ValLoss: 0.25, Seconds: 1.5, PerSecond: 300}, {Epoch: 2, TrainLoss: 0.1, ValLoss: 0.15, Seconds: 1.25, PerSecond: 320}}
	info := &rundir.Info{Model: "tiny-ae-2", Train: rundir.Data{Name: "mnist-512", N: 448}, Val: rundir.Data{Name: "mnist-512", N: 64},
		Status: rundir.StatusFinished, Epoch: 2, Epochs: epochs}
	if err := rundir.WriteInfo(run, info); err != nil {
		t.Fatal(err)
	}
	if err := rundir.WriteMetrics(run, epochs, false); err != nil {
		t.Fatal(err)
	}
	return run
}

// autoencoderInputs returns the steps of a report of the seeded export:
// the evaluation and the comparison with PCA are computed with package
// analysis on the reference model's reconstructions.
func autoencoderInputs(t *testing.T) (Inputs, *bool) {
	dir, m, d := seededExport(t)
	recon, err := m.Whole.Run(d.X, d.N)
	if err != nil {
		t.Fatal(err)
	}
	run := writeRun(t)
	closed := new(bool)
	in := Inputs{Dir: dir, Run: run,
		Evaluate: func(context.Context) (*Evaluation, error) {
			ev, err := analysis.EvalReconstruction(d.X, recon, 784, d.Labels, 4)
			if err != nil {
				return nil, err
			}
			worst, err := figure.Worst(d, recon, ev.Worst, m.Name)
			if err != nil {
				return nil, err
			}
			return &Evaluation{Model: m.Name, Data: d.Name, Task: zoo.Reconstruct, Images: d.N,
				Text: fmt.Sprintf("reconstruction MSE %.6f\n", ev.MSE), Figures: []*figure.Figure{worst}, Set: d}, nil
		},
		ComparePCA: func(context.Context) (*PCA, error) {
			cmp, err := analysis.ComparePCA(analysis.PCAInput{Train: d.X, Test: d.X, Autoencoder: recon, D: 784,
				Labels: d.Labels, Ks: []int{2, 8}, Index: []int{0, 1, 2, 3}})
			if err != nil {
				return nil, err
			}
			f, err := figure.ComparePCA(d.X, d.Shape, cmp)
			return &PCA{PCAComparison: cmp, Train: d.Name, Test: d.Name, TrainImages: d.N, TestImages: d.N, Figure: f}, err
		},
		Figures: func(ev *Evaluation) (*Figures, error) {
			return &Figures{Model: m, Data: ev.Set, Close: func() { *closed = true }}, nil
		},
	}
	return in, closed
}

// TestBuild builds the report of a seeded tiny-ae-2 export and checks its
// sections, tables and images, and the figures drawn and skipped.
func TestBuild(t *testing.T) {
	in, closed := autoencoderInputs(t)
	rep, err := Build(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	p := rep.Page
	var ids []string
	for _, s := range p.Sections {
		ids = append(ids, s.ID)
	}
	if want := []string{"card", "training", "eval", "pca", "figures"}; !slices.Equal(ids, want) {
		t.Errorf("sections %v, want %v", ids, want)
	}
	if p.Title != "zoo report: tiny-ae-2" || len(p.Lines) != 2 ||
		!strings.HasPrefix(p.Lines[0], "model tiny-ae-2 (reconstruct), data mnist-512 (64 images), written by zoo ") ||
		!strings.HasPrefix(p.Lines[1], "made in ") || !strings.Contains(p.Lines[1], fmt.Sprintf(", %d figures ", rep.Figures)) {
		t.Errorf("title %q, lines %q", p.Title, p.Lines)
	}
	tr := p.Section("training", "")
	if len(tr.Text) != 1 || !strings.Contains(tr.Text[0], ": tiny-ae-2 on mnist-512 (448 images), validated on mnist-512 (64 images); status finished after 2 epochs.") ||
		len(tr.Tables) != 1 || len(tr.Tables[0].Rows) != 2 || !slices.Equal(tr.Tables[0].Rows[1], []string{"2", "0.100000", "0.150000", "1.2", "320"}) {
		t.Errorf("training section %q %+v", tr.Text, tr.Tables)
	}
	if card := p.Section("card", ""); !strings.Contains(card.Markdown, "tiny-ae-2") || card.Pre != "" {
		t.Errorf("card %q does not name the model, or is preformatted (%q)", card.Markdown, card.Pre)
	}
	if len(tr.Images) != 1 || tr.Images[0].ID != "figure-curves" || !tr.Beside {
		t.Errorf("training section: images %+v beside %v, want the loss curves beside the table", tr.Images, tr.Beside)
	}
	if ev := p.Section("eval", ""); !strings.HasPrefix(ev.Pre, "reconstruction MSE ") || len(ev.Images) != 1 || ev.Images[0].ID != "eval-worst" {
		t.Errorf("evaluation section %q with %d images", ev.Pre, len(ev.Images))
	}
	pca := p.Section("pca", "")
	if len(pca.Tables) != 2 || len(pca.Tables[0].Rows) != 3 || pca.Tables[0].Rows[2][0] != "PCA k=8" ||
		!slices.Equal(pca.Tables[1].Head, []string{"class", "images", "autoencoder", "PCA k=2", "PCA k=8"}) {
		t.Errorf("PCA tables %+v", pca.Tables)
	}
	if len(pca.Images) != 1 || pca.Images[0].ID != "pca-figure" || pca.Images[0].Width != figureWidth(4) {
		t.Errorf("PCA images %+v", pca.Images)
	}
	// tiny-ae-2 has a 2-D code: every figure applies but class-map (no
	// classifier) and decode (no codes); montage and class-means read the
	// labels, curves the run.
	if rep.Figures != len(figure.Names())-2 || len(rep.Skipped) != 2 ||
		!strings.HasPrefix(rep.Skipped[0], "class-map: no classifier given") || !strings.HasPrefix(rep.Skipped[1], "decode: no codes given") {
		t.Errorf("%d figures, skipped %q", rep.Figures, rep.Skipped)
	}
	figs := p.Section("figures", "")
	if len(figs.Images) != rep.Figures-1 || slices.ContainsFunc(figs.Images, func(im *Image) bool { return im.ID == "figure-curves" }) ||
		figs.Pre != strings.Join(rep.Skipped, "\n") {
		t.Errorf("figures section: %d images, pre %q", len(figs.Images), figs.Pre)
	}
	if !*closed {
		t.Error("the figures' models were not closed")
	}
	var b bytes.Buffer
	if err := p.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
}

// figureWidth is the width of the PCA figure of n 28x28 images.
func figureWidth(n int) int {
	w, _ := figure.RowsSize(4, n, 28, 28)
	return w
}

// TestBuildSteps checks the steps that are left out or fail.
func TestBuildSteps(t *testing.T) {
	in, _ := autoencoderInputs(t)
	in.ComparePCA, in.Run = nil, ""
	rep, err := Build(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Page.Section("pca", ""); len(s.Text) != 1 || !strings.Contains(s.Text[0], "Not run: give --train") {
		t.Errorf("PCA section without training images: %q", s.Text)
	}
	if slices.ContainsFunc(rep.Page.Sections, func(s *Section) bool { return s.ID == "training" }) {
		t.Error("a training section without a run")
	}
	if !slices.ContainsFunc(rep.Skipped, func(s string) bool { return strings.HasPrefix(s, "curves: no runs given") }) {
		t.Errorf("skipped %q lacks curves", rep.Skipped)
	}

	// A classifier gets no PCA section, even with training images.
	cls, _ := autoencoderInputs(t)
	evaluate := cls.Evaluate
	cls.Evaluate = func(ctx context.Context) (*Evaluation, error) {
		ev, err := evaluate(ctx)
		if ev != nil {
			ev.Task = zoo.Classify
		}
		return ev, err
	}
	cls.ComparePCA = func(context.Context) (*PCA, error) { t.Error("PCA of a classifier"); return nil, nil }
	if rep, err := Build(context.Background(), cls); err != nil || slices.ContainsFunc(rep.Page.Sections, func(s *Section) bool { return s.ID == "pca" }) {
		t.Errorf("classifier: %v", err)
	}

	// Errors of the steps stop the report; what was opened is closed.
	boom := errors.New("boom")
	closed := false
	for name, fail := range map[string]func(*Inputs){
		"training": func(in *Inputs) { in.Run = filepath.Join(t.TempDir(), "no-run") },
		"evaluate": func(in *Inputs) { in.Evaluate = func(context.Context) (*Evaluation, error) { return nil, boom } },
		"pca":      func(in *Inputs) { in.ComparePCA = func(context.Context) (*PCA, error) { return nil, boom } },
		"figures": func(in *Inputs) {
			in.Figures = func(*Evaluation) (*Figures, error) { return &Figures{Close: func() { closed = true }}, boom }
		},
	} {
		in, _ := autoencoderInputs(t)
		fail(&in)
		if _, err := Build(context.Background(), in); !errors.Is(err, boom) && (name != "training" || !errors.Is(err, fs.ErrNotExist)) {
			t.Errorf("%s fails: Build error %v", name, err)
		}
	}
	if !closed {
		t.Error("the figures' models were not closed when opening them failed")
	}
}

// TestEvalBars: the evaluation section draws the per-class results as a
// bar chart, first: a classifier's recall, an autoencoder's MSE per class
// (named by its test set's classes); none without per-class results.
func TestEvalBars(t *testing.T) {
	recall := func(v float64) *float64 { return &v }
	cls := &analysis.Summary{Examples: 30, Accuracy: recall(0.5), Classes: []string{"cat", "dog"},
		PerClass: []analysis.ClassStats{{Class: 0, Support: 10, Recall: recall(0.8)}, {Class: 1, Support: 20, Recall: recall(0.35)}}}
	ae := &analysis.ReconstructionEval{Images: 30, MSE: 0.02, ClassCounts: []int{10, 20}, ClassMSE: []*float64{recall(0.01), recall(0.025)}}
	for _, tc := range []struct {
		name  string
		ev    Evaluation
		title string // of the first image; "" for no bar chart
	}{
		{"classifier", Evaluation{Task: zoo.Classify, Classification: cls}, "accuracy per class (recall) on 30 examples; overall 50.00%"},
		{"autoencoder", Evaluation{Task: zoo.Reconstruct, Reconstruction: ae, Set: &figure.Data{ClassNames: []string{"cat", "dog"}}},
			"reconstruction error per class on 30 images; overall MSE 0.02000"},
		{"autoencoder without labels", Evaluation{Task: zoo.Reconstruct, Reconstruction: &analysis.ReconstructionEval{Images: 30, MSE: 0.02}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Section{}
			if err := evalSection(s, &tc.ev); err != nil {
				t.Fatal(err)
			}
			if tc.title == "" {
				if len(s.Images) != 0 {
					t.Errorf("%d images, want none", len(s.Images))
				}
				return
			}
			if len(s.Images) != 1 || s.Images[0].ID != "eval-class-bars" || s.Images[0].Title != tc.title {
				t.Fatalf("images %+v, want the bar chart %q", s.Images, tc.title)
			}
			if w, h := s.Images[0].Width, s.Images[0].Height; w < 400 || h < 100 {
				t.Errorf("bar chart %dx%d", w, h)
			}
			if s.PreFold == "" || s.Pre != tc.ev.Text {
				t.Errorf("the numbers are not folded: %q %q", s.PreFold, s.Pre)
			}
		})
	}
}
