package main

import (
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/zoo-ml/zoo/analysis/figure"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// figureModels exports, once per test binary, the small models the figure
// tests draw: tiny-ae-2 (2-D code), shallow-ae-64 (64-D code), cnn
// (classifier) and conv-ae-cifar (colour), with seeded weights.
var figureModels = sync.OnceValues(func() (string, error) {
	dir := filepath.Join(filepath.Dir(zooBin), "figure-models") // removed by TestMain
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for _, m := range []string{"tiny-ae-2", "shallow-ae-64", "cnn", "conv-ae-cifar"} {
		out, err := runPlain("export", m, "--init", "--seed", "0", "--out", dir)
		if err != nil {
			return "", fmt.Errorf("export %s: %w\n%s", m, err, out)
		}
	}
	return dir, nil
})

func runPlain(args ...string) (string, error) {
	cmd := exec.Command(zooBin, args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// writeRGB writes n random 3x32x32 float32 images as IDX to dir.
func writeRGB(t *testing.T, dir string, n int) string {
	t.Helper()
	path := filepath.Join(dir, "rgb.idx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := dataset.NewWriter(f, dataset.F32, []int{n, 3, 32, 32})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, n*3*32*32)
	for i := range x {
		x[i] = rng.Float32()
	}
	if err := w.WriteFloat32(x); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

var wroteRE = regexp.MustCompile(`wrote (\S+) \((\d+)x(\d+)\)`)

// TestFigureCommands runs every zoo figure on exported fixture models and
// checks that each writes a PNG that decodes to the size it reports, and
// that plot figures have their fixed sizes.
func TestFigureCommands(t *testing.T) {
	testenv.NeedORT(t)
	models, err := figureModels()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	m := func(name string) string { return filepath.Join(models, name) }
	data := []string{"--data", pcaImages, "--labels", pcaLabels, "--limit", "200"}
	run1 := filepath.Join(dir, "run1")
	if err := os.MkdirAll(run1, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run1, "metrics.csv"), []byte("epoch,train_loss,val_loss,seconds,images_per_second\n1,0.1,0.12,1,100\n2,0.05,0.07,1,100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rgb := writeRGB(t, dir, 16)
	tests := []struct {
		name string
		args []string
		w, h int // 0: any (grid figures; the package tests check their layout)
		rgb  bool
	}{
		{"recon", append([]string{"--model", m("tiny-ae-2"), "--index", "0-15"}, data...), 0, 0, false},
		{"recon", []string{"--model", m("conv-ae-cifar"), "--data", rgb}, 0, 0, true},
		{"montage", append([]string{"--model", m("tiny-ae-2"), "--model", m("shallow-ae-64")}, data...), 0, 0, false},
		{"latent-scatter", append([]string{"--model", m("shallow-ae-64")}, data...), 900, 800, false},
		{"latent-grid", []string{"--model", m("tiny-ae-2"), "--range", "-1,1", "--n", "8"}, 900, 800, false},
		{"class-map", append([]string{"--model", m("tiny-ae-2"), "--classifier", m("cnn"), "--n", "16"}, data...), 900, 800, false},
		{"interpolate", append([]string{"--model", m("shallow-ae-64"), "--index", "3,2", "--n", "5"}, data...), 0, 0, false},
		{"latent-pca", append([]string{"--model", m("shallow-ae-64")}, data...), 0, 0, false},
		{"class-means", append([]string{"--model", m("tiny-ae-2")}, data...), 0, 0, false},
		{"sample", append([]string{"--model", m("tiny-ae-2"), "--n", "16", "--seed", "3"}, data...), 0, 0, false},
		{"decode", []string{"--model", m("tiny-ae-2"), "--z", "12,4;2,40"}, 0, 0, false},
		{"filters", []string{"--model", m("shallow-ae-64"), "--n", "16"}, 0, 0, false},
		{"filters", []string{"--model", m("conv-ae-cifar")}, 0, 0, true},
		{"activations", append([]string{"--model", m("shallow-ae-64")}, data...), 0, 0, false},
		{"activations", append([]string{"--model", m("cnn")}, data...), 0, 0, false},
		{"noise", append([]string{"--model", m("shallow-ae-64"), "--levels", "0.3,0.6"}, data...), 0, 0, false},
		{"ood", append([]string{"--model", m("tiny-ae-2"), "--other", rgb}, data...), 0, 0, false},
		{"ood", append([]string{"--model", m("tiny-ae-2")}, data...), 0, 0, false},
		{"sweep", []string{"--run", sweepRun(t, dir)}, 1600, 500, true},
		{"curves", []string{"--run", run1}, 800, 500, false},
	}
	seen := map[string]bool{}
	for i, tc := range tests {
		seen[tc.name] = true
		t.Run(fmt.Sprintf("%s-%d", tc.name, i), func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprintf("%s-%d.png", tc.name, i))
			r := run(t, nil, append([]string{"figure", tc.name, "--out", out}, tc.args...)...)
			if tc.name == "ood" && strings.Contains(strings.Join(tc.args, " "), "rgb.idx") {
				// 3x32x32 images through a 784-input model: a clear error.
				if r.code != 1 || !strings.Contains(r.stderr, "takes inputs of shape [784]") {
					t.Fatalf("ood with CIFAR-shaped data: %+v", r)
				}
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Errorf("failed figure left %s: %v", out, err)
				}
				return
			}
			if r.code != 0 {
				t.Fatalf("%+v", r)
			}
			img := decodePNG(t, out)
			mm := wroteRE.FindStringSubmatch(r.stdout)
			if mm == nil || mm[1] != out {
				t.Fatalf("stdout does not say what it wrote: %q", r.stdout)
			}
			w, _ := strconv.Atoi(mm[2])
			h, _ := strconv.Atoi(mm[3])
			if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
				t.Errorf("PNG is %dx%d, stdout says %dx%d", b.Dx(), b.Dy(), w, h)
			}
			if tc.w != 0 && (w != tc.w || h != tc.h) {
				t.Errorf("size %dx%d, want %dx%d", w, h, tc.w, tc.h)
			}
			if got := hasColour(img); got != tc.rgb && tc.name != "class-map" && tc.name != "latent-scatter" && tc.name != "curves" {
				t.Errorf("colour pixels: %v, want %v", got, tc.rgb)
			}
			if i > 1 {
				return
			}
			// Refuses to overwrite without --force; replaces with it.
			again := run(t, nil, append([]string{"figure", tc.name, "--out", out}, tc.args...)...)
			if again.code == 0 || !strings.Contains(again.stderr, "already exists") {
				t.Errorf("second run without --force: %+v", again)
			}
			if err := os.WriteFile(out, []byte("not a png"), 0o644); err != nil {
				t.Fatal(err)
			}
			if forced := run(t, nil, append([]string{"figure", tc.name, "--out", out, "--force"}, tc.args...)...); forced.code != 0 {
				t.Fatalf("--force: %+v", forced)
			}
			decodePNG(t, out)
		})
	}
	for _, s := range figure.Specs() {
		if !seen[s.Name] {
			t.Errorf("figure %s is not tested", s.Name)
		}
	}
}

// TestFigureErrors checks the errors users see.
func TestFigureErrors(t *testing.T) {
	testenv.NeedORT(t)
	models, err := figureModels()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "x.png")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"latent-grid", "--model", filepath.Join(models, "shallow-ae-64"), "--out", out}, 1, "64-D code, latent-grid needs a 2-D one (latent-scatter projects"},
		{[]string{"recon", "--model", filepath.Join(models, "tiny-ae-2"), "--data", pcaImages}, 2, "--out FILE.png is required"},
		{[]string{"decode", "--model", filepath.Join(models, "tiny-ae-2"), "--z", "1,x", "--out", out}, 2, `"x" is not a number`},
		{[]string{"decode", "--model", filepath.Join(models, "tiny-ae-2"), "--z", "1,2,3", "--out", out}, 1, "code 1 has 3 values, model tiny-ae-2 takes 2"},
		{[]string{"class-map", "--model", filepath.Join(models, "tiny-ae-2"), "--out", out}, 2, "--classifier is required"},
		{[]string{"latent-grid", "--model", filepath.Join(models, "tiny-ae-2"), "--range", "1,-1", "--out", out}, 2, "want LO,HI with LO < HI"},
		{[]string{"recon", "--model", filepath.Join(models, "cnn"), "--data", pcaImages, "--out", out}, 1, "is a classifier"},
		{[]string{"recon", "--model", filepath.Join(dir, "nope"), "--data", pcaImages, "--out", out}, 1, "nope"},
		{[]string{"recon", "--model", filepath.Join(models, "tiny-ae-2"), "--data", pcaImages, "--index", "600", "--out", out}, 2, "600 is past the last"},
		{[]string{"curves", "--run", filepath.Join(dir, "missing"), "--out", out}, 1, "missing"},
	} {
		r := run(t, nil, append([]string{"figure"}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("zoo figure %v: exit %d, stderr %q; want exit %d saying %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("zoo figure %v left %s", tc.args, out)
		}
	}
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s does not decode as PNG: %v", path, err)
	}
	return img
}

// hasColour reports whether any pixel has clearly unequal channels.
func hasColour(img image.Image) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if max(r, g, bl)-min(r, g, bl) > 0x2000 {
				return true
			}
		}
	}
	return false
}

// sweepRun writes a run folder of two epochs of tiny-ae-2, run.json and
// all, for the sweep figure, and returns it.
func sweepRun(t *testing.T, dir string) string {
	t.Helper()
	run := filepath.Join(dir, "run2")
	m, err := zoo.Lookup("tiny-ae-2")
	if err != nil {
		t.Fatal(err)
	}
	info := &rundir.Info{Model: m.Name, Recipe: m.Recipe, Status: rundir.StatusFinished, Epoch: 2,
		Epochs: []rundir.Epoch{{Epoch: 1, TrainLoss: 0.1, ValLoss: 0.12}, {Epoch: 2, TrainLoss: 0.05, ValLoss: 0.07}}}
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := rundir.WriteInfo(run, info); err != nil {
		t.Fatal(err)
	}
	return run
}
