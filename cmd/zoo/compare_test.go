package main

import (
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/safetensors"
)

const (
	pcaImages  = "../../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"
	pcaLabels  = "../../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz"
	sklearnPCA = "../../fixtures/pca/sklearn.safetensors"
	pcaTrain   = 384 // fixtures/pca/make_sklearn.py fits to the first 384 images
)

// writeHead writes the first n items of the IDX file src, unchanged (u8),
// to a new file in dir.
func writeHead(t *testing.T, src string, n int, dir string) string {
	t.Helper()
	r, err := dataset.OpenIDX(src)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h := r.Header()
	buf := make([]byte, n*h.ItemLen())
	if got, err := r.ReadUint8(buf); err != nil || got != n {
		t.Fatalf("read %d items of %s: %d, %v", n, src, got, err)
	}
	base := strings.TrimSuffix(filepath.Base(src), ".gz")
	path := filepath.Join(dir, fmt.Sprintf("%s-head%d", base, n))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := dataset.NewWriter(f, dataset.U8, append([]int{n}, h.Dims[1:]...))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteUint8(buf); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// compareJSON is the part of compare-pca.json the tests read.
type compareJSON struct {
	Model struct {
		Name, File, Provider string
	}
	Train, Test struct {
		Images int
		Dims   []int
		Labels string
	}
	ClassCounts []int `json:"class_counts"`
	Autoencoder struct {
		MSE          float64
		ClassMSE     []*float64 `json:"class_mse"`
		SquaredError []float64  `json:"squared_error"`
	}
	PCA []struct {
		K                      int
		ExplainedVarianceRatio float64    `json:"explained_variance_ratio"`
		MSE                    float64    `json:"mse"`
		ClassMSE               []*float64 `json:"class_mse"`
		SquaredError           []float64  `json:"squared_error"`
	}
	Index       []int
	IndexLabels []int `json:"index_labels"`
	Files       map[string]string
}

// printedMSE returns the number after name at the start of a line of out.
func printedMSE(t *testing.T, out, name string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s+([0-9.]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no line %q in\n%s", name, out)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// TestComparePCA runs zoo compare pca as the notebook does (k = 30) on the
// fixture: the PCA is fitted to the first 384 images, all 512 are
// reconstructed. The PCA numbers are checked against scikit-learn's on the
// same split (fixtures/pca), the autoencoder's against zoo infer.
func TestComparePCA(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	dir := t.TempDir()
	train := writeHead(t, pcaImages, pcaTrain, dir)
	out := filepath.Join(dir, "out")
	r := run(t, nil, "compare", "pca", "--model", model, "--train", train, "--test", pcaImages,
		"--labels", pcaLabels, "--k", "30", "--index", "3,0-2", "--out", out)
	if r.code != 0 {
		t.Fatalf("compare: %+v", r)
	}
	want, _, err := safetensors.ReadFile(sklearnPCA)
	if err != nil {
		t.Fatal(err)
	}
	skMSE := float64(want["mse"].Data[0])
	if got := printedMSE(t, r.stdout, "PCA k=30"); math.Abs(got-skMSE) > 1e-6 {
		t.Errorf("printed PCA MSE %g, scikit-learn's %.6f", got, skMSE)
	}
	inf := run(t, nil, "infer", filepath.Join(model, "model.onnx"), pcaImages)
	if inf.code != 0 {
		t.Fatalf("infer: %+v", inf)
	}
	aeMSE := printedMSE(t, inf.stdout, "reconstruction MSE")
	if got := printedMSE(t, r.stdout, "autoencoder relu-ae-30"); got != aeMSE {
		t.Errorf("printed autoencoder MSE %g, zoo infer's %g", got, aeMSE)
	}
	for _, s := range []string{"MSE per pixel by class", "squared error of the chosen images", "wrote " + filepath.Join(out, "compare-pca.png")} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
		}
	}

	// The JSON, against scikit-learn's numbers and the labels.
	var rep compareJSON
	b, err := os.ReadFile(filepath.Join(out, "compare-pca.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	labels, err := dataset.ReadLabels(pcaLabels)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Model.Name != "relu-ae-30" || rep.Model.Provider != "CPUExecutionProvider" || rep.Train.Images != pcaTrain ||
		rep.Test.Images != 512 || fmt.Sprint(rep.Test.Dims) != "[28 28]" || rep.Test.Labels != pcaLabels ||
		fmt.Sprint(rep.Index) != "[3 0 1 2]" || fmt.Sprint(rep.IndexLabels) != fmt.Sprintf("%v", []uint8{labels[3], labels[0], labels[1], labels[2]}) {
		t.Errorf("report header %+v", rep)
	}
	if len(rep.PCA) != 1 || rep.PCA[0].K != 30 {
		t.Fatalf("pca %+v", rep.PCA)
	}
	p := rep.PCA[0]
	var ratio float64
	for _, v := range want["explained_variance_ratio"].Data {
		ratio += float64(v)
	}
	imageMSE := want["image_mse"].Data
	classSum, counts := make([]float64, 10), make([]int, 10)
	for i, l := range labels {
		classSum[l] += float64(imageMSE[i])
		counts[l]++
	}
	if math.Abs(p.MSE-skMSE) > 1e-6 || math.Abs(p.ExplainedVarianceRatio-ratio) > 1e-4 || math.Abs(rep.Autoencoder.MSE-aeMSE) > 1e-6 {
		t.Errorf("JSON MSE %g (scikit-learn %g), explained variance %g (%g), autoencoder MSE %g (zoo infer %g)",
			p.MSE, skMSE, p.ExplainedVarianceRatio, ratio, rep.Autoencoder.MSE, aeMSE)
	}
	if fmt.Sprint(rep.ClassCounts) != fmt.Sprint(counts) || len(p.ClassMSE) != 10 || len(rep.Autoencoder.ClassMSE) != 10 {
		t.Fatalf("class counts %v (want %v), class MSE %v", rep.ClassCounts, counts, p.ClassMSE)
	}
	for c := range 10 {
		if w := classSum[c] / float64(counts[c]); p.ClassMSE[c] == nil || math.Abs(*p.ClassMSE[c]-w) > 1e-6 {
			t.Errorf("class %d: PCA MSE %v, scikit-learn %g", c, p.ClassMSE[c], w)
		}
	}
	for j, i := range rep.Index {
		if w := float64(imageMSE[i]) * 784; math.Abs(p.SquaredError[j]-w) > 1e-4 {
			t.Errorf("image %d: PCA squared error %g, scikit-learn %g", i, p.SquaredError[j], w)
		}
		if rep.Autoencoder.SquaredError[j] <= 0 {
			t.Errorf("image %d: autoencoder squared error %g", i, rep.Autoencoder.SquaredError[j])
		}
	}

	// The figure: 3 rows (original, autoencoder, PCA) of 4 images; the first
	// cell shows image 3 pixel for pixel.
	f, err := os.Open(filepath.Join(out, "compare-pca.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if w, h := figure.RowsSize(3, 4, 28, 28); img.Bounds().Dx() != w || img.Bounds().Dy() != h {
		t.Errorf("figure is %v, want %dx%d", img.Bounds(), w, h)
	}
	_, x, err := dataset.ReadAllFloat32(pcaImages)
	if err != nil {
		t.Fatal(err)
	}
	cell := figure.RowsCell(0, 0, 28, 28)
	scale := cell.Dx() / 28
	for _, px := range [][2]int{{14, 14}, {10, 20}, {0, 0}} { // row, column of image 3
		g, _, _, _ := img.At(cell.Min.X+px[1]*scale+1, cell.Min.Y+px[0]*scale+1).RGBA()
		if want := math.Round(255 * float64(x[3*784+px[0]*28+px[1]])); float64(g>>8) != want {
			t.Errorf("figure pixel %v of image 3: %d, want %g", px, g>>8, want)
		}
	}

	// Existing outputs are kept without --force.
	before, _ := os.ReadFile(filepath.Join(out, "compare-pca.json"))
	r = run(t, nil, "compare", "pca", "--model", model, "--train", train, "--test", pcaImages, "--out", out)
	if r.code == 0 || !strings.Contains(r.stderr, "compare-pca.json already exists") {
		t.Errorf("without --force: %+v", r)
	}
	if after, _ := os.ReadFile(filepath.Join(out, "compare-pca.json")); string(after) != string(before) {
		t.Error("compare-pca.json replaced without --force")
	}
	noTemps(t, out)
}

// TestComparePCASweep: a sweep of k on a data set name (the embedded
// mnist-mini, with its labels) gives one PCA entry per k, in order, with an
// error that falls as k grows; the default index is the first ten images.
func TestComparePCASweep(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	out := t.TempDir()
	r := run(t, nil, "compare", "pca", "--model", filepath.Join(model, "model.onnx"), "--train", "mnist-mini:test",
		"--test", "mnist-mini", "--k", "30,2,8,30", "--out", out, "--force")
	if r.code != 0 {
		t.Fatalf("compare: %+v", r)
	}
	var rep compareJSON
	b, _ := os.ReadFile(filepath.Join(out, "compare-pca.json"))
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.PCA) != 3 || rep.PCA[0].K != 2 || rep.PCA[1].K != 8 || rep.PCA[2].K != 30 {
		t.Fatalf("pca entries %+v", rep.PCA)
	}
	for i := 1; i < 3; i++ {
		if rep.PCA[i].MSE >= rep.PCA[i-1].MSE || rep.PCA[i].ExplainedVarianceRatio <= rep.PCA[i-1].ExplainedVarianceRatio {
			t.Errorf("k=%d: MSE %g, explained %g; k=%d: MSE %g, explained %g", rep.PCA[i-1].K, rep.PCA[i-1].MSE,
				rep.PCA[i-1].ExplainedVarianceRatio, rep.PCA[i].K, rep.PCA[i].MSE, rep.PCA[i].ExplainedVarianceRatio)
		}
	}
	if rep.Test.Images != 2000 || fmt.Sprint(rep.Index) != "[0 1 2 3 4 5 6 7 8 9]" || len(rep.ClassCounts) != 10 || len(rep.PCA[2].ClassMSE) != 10 {
		t.Errorf("test %+v, index %v, class counts %v", rep.Test, rep.Index, rep.ClassCounts)
	}
	for _, s := range []string{"PCA k=2 ", "PCA k=8 ", "PCA k=30 "} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout lacks %q", s)
		}
	}
	f, err := os.Open(filepath.Join(out, "compare-pca.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if w, h := figure.RowsSize(5, 10, 28, 28); err != nil || cfg.Width != w || cfg.Height != h {
		t.Errorf("figure %+v, %v; want %dx%d", cfg, err, w, h)
	}
}

func TestComparePCAErrors(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	dir := t.TempDir()
	train := writeHead(t, pcaImages, 100, dir)
	base := []string{"compare", "pca", "--model", model, "--train", train, "--test", pcaImages}
	for _, tc := range []struct {
		name  string
		extra []string
		code  int
		want  []string
	}{
		{"index past the end", []string{"--index", "510-512"}, 2, []string{`--index "510-512"`, "512 is past the last of the 512 test images"}},
		{"index backwards", []string{"--index", "9-3"}, 2, []string{`range "9-3" ends before it starts`}},
		{"index not a number", []string{"--index", "1,x"}, 2, []string{`"x" is not a position or a range`}},
		{"k above the dimension", []string{"--k", "8,1000"}, 2, []string{"--k 1000", "dimension 784"}},
		{"k above the training images", []string{"--k", "101"}, 2, []string{"--k 101", "100 training images of " + train}},
		{"k zero", []string{"--k", "0"}, 2, []string{`"0" is not a positive number of components`}},
		{"missing test file", []string{"--test", filepath.Join(dir, "nope.idx")}, 1, []string{filepath.Join(dir, "nope.idx"), "no such file"}},
		{"labels of another size", []string{"--labels", writeHead(t, pcaLabels, 100, dir)}, 1, []string{"t10k-labels-idx1-ubyte-head100: 100 labels for the 512 images of " + pcaImages}},
		{"train not images", []string{"--train", "../../fixtures/bad/float1d.idx"}, 1, []string{"float1d.idx", "not images"}},
		{"missing model", []string{"--model", filepath.Join(dir, "none.onnx")}, 1, []string{"none.onnx"}},
		{"no model", []string{"--model", ""}, 2, []string{"--model is required"}},
		{"positional argument", []string{"extra"}, 2, []string{"want 0 arguments"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(tc.name, " ", "-"))
			r := run(t, nil, append(append(append([]string(nil), base...), tc.extra...), "--out", out)...)
			if r.code != tc.code {
				t.Errorf("exit code %d, want %d: %+v", r.code, tc.code, r)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q lacks %q", r.stderr, w)
				}
			}
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n"); lines > 0 {
				t.Errorf("stderr has %d lines: %q", lines+1, r.stderr)
			}
			ents, _ := os.ReadDir(out)
			if len(ents) != 0 {
				t.Errorf("left in --out: %v", ents)
			}
		})
	}
}
