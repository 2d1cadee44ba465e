package lossplot

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != 800 || b.Dy() != 500 {
		t.Errorf("%s is %dx%d, want 800x500", path, b.Dx(), b.Dy())
	}
}

// checkOnly fails unless dir holds exactly the named files.
func checkOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Fatalf("%s holds %q, want %q", dir, got, names)
	}
	for i := range got {
		if got[i] != names[i] {
			t.Fatalf("%s holds %q, want %q", dir, got, names)
		}
	}
}

func curves(n int, start float64) (train, val Series) {
	train, val = Series{Name: "train"}, Series{Name: "validation"}
	for i := 1; i <= n; i++ {
		x := float64(i)
		train.X, train.Y = append(train.X, x), append(train.Y, start/x)
		val.X, val.Y = append(val.X, x), append(val.Y, 1.1*start/x+0.001)
	}
	return train, val
}

func TestWritePNG(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "loss.png")

	// Linear axis.
	train, val := curves(10, 0.05)
	if err := WritePNG(path, "shallow-ae-128", "MSE", train, val); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path)

	// Replacing it: log axis, many points, NaN and Inf skipped.
	train, val = curves(100, 1)
	train.Y[3], val.Y[7], val.X[8] = math.NaN(), math.Inf(1), math.Inf(-1)
	if err := WritePNG(path, "tiny-ae-2", "loss", train, val); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path)

	// One point per series, and values of any sign.
	one := Series{Name: "train", X: []float64{1}, Y: []float64{-0.5}}
	two := Series{Name: "val", X: []float64{1, 2}, Y: []float64{0, math.NaN()}}
	if err := WritePNG(path, "one epoch", "loss", one, two); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path)
	checkOnly(t, dir, "loss.png")
}

func TestWritePNGErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "loss.png")
	train, _ := curves(5, 1)
	for name, series := range map[string][]Series{
		"none":       nil,
		"mismatched": {train, {Name: "val", X: []float64{1, 2}, Y: []float64{1}}},
		"no finite":  {train, {Name: "val", X: []float64{1, 2}, Y: []float64{math.NaN(), math.Inf(-1)}}},
	} {
		if err := WritePNG(path, "t", "loss", series...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	checkOnly(t, dir)

	// A failed write leaves an existing file as it was.
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WritePNG(path, "t", "loss", Series{Name: "bad", X: []float64{1}}); err == nil {
		t.Error("mismatched: no error")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "old" {
		t.Errorf("after a failed write: %q, %v", b, err)
	}
	if err := WritePNG(filepath.Join(dir, "missing", "loss.png"), "t", "loss", train); err == nil {
		t.Error("missing directory: no error")
	}
	checkOnly(t, dir, "loss.png")
}

func TestLogTicks(t *testing.T) {
	labels := map[string]bool{}
	for _, tk := range (logTicks{}).Ticks(0.015, 0.5) {
		labels[tk.Label] = true
	}
	for _, want := range []string{"0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1"} {
		if !labels[want] {
			t.Errorf("no tick labelled %s in %v", want, labels)
		}
	}
}
