package figure

import (
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

// decline returns a series of n epochs whose losses fall from start.
func decline(name string, n int, start float64) Series {
	s := Series{Name: name}
	for i := 1; i <= n; i++ {
		x := float64(i)
		s.Epoch = append(s.Epoch, x)
		s.TrainLoss, s.ValLoss = append(s.TrainLoss, start/x), append(s.ValLoss, 1.1*start/x+0.001)
	}
	return s
}

// TestCurvesOf draws the loss curves of in-memory series, as zoo train
// does for loss.png, and checks the size and the notes.
func TestCurvesOf(t *testing.T) {
	withAcc := decline("cnn/r", 5, 2)
	withAcc.TrainAccuracy, withAcc.ValAccuracy = []float64{0.5, 0.6, 0.7, 0.8, 0.9}, []float64{0.4, 0.5, math.NaN(), 0.7, 0.8}
	nanAcc := decline("ae/r", 3, 0.1)
	nanAcc.TrainAccuracy, nanAcc.ValAccuracy = []float64{math.NaN(), math.NaN(), math.NaN()}, []float64{math.NaN(), math.NaN(), math.NaN()}
	many := decline("", 100, 1)
	many.TrainLoss[3], many.ValLoss[7], many.Epoch[8] = math.NaN(), math.Inf(1), math.Inf(-1)
	for _, tc := range []struct {
		name   string
		series []Series
		w      int
		notes  []string
	}{
		{"linear", []Series{decline("", 10, 0.05)}, curveW, nil},
		{"log, many points, NaN and Inf", []Series{many}, curveW, nil},
		{"one point, any sign", []Series{{Epoch: []float64{1}, TrainLoss: []float64{-0.5}, ValLoss: []float64{0}}}, curveW, nil},
		{"accuracy", []Series{withAcc}, 2 * curveW, []string{"cnn/r: 5 epochs, last train loss 0.4, validation loss 0.441"}},
		{"accuracy not recorded", []Series{nanAcc}, curveW, []string{"ae/r: 3 epochs, last train loss 0.0333333, validation loss 0.0376667"}},
		{"two runs", []Series{withAcc, nanAcc}, 2 * curveW, []string{"cnn/r: 5 epochs, last train loss 0.4, validation loss 0.441",
			"ae/r: 3 epochs, last train loss 0.0333333, validation loss 0.0376667"}},
	} {
		f, err := CurvesOf("tiny-ae-2 on mnist", "mse loss", tc.series...)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if b := f.Image.Bounds(); b.Dx() != tc.w || b.Dy() != curveH {
			t.Errorf("%s: %dx%d, want %dx%d", tc.name, b.Dx(), b.Dy(), tc.w, curveH)
		}
		if f.Name != "curves" || f.Title != "tiny-ae-2 on mnist" || strings.Join(f.Notes, "\n") != strings.Join(tc.notes, "\n") {
			t.Errorf("%s: %s %q, notes %q", tc.name, f.Name, f.Title, f.Notes)
		}
	}

	// As zoo train writes loss.png: replacing the file.
	path := filepath.Join(t.TempDir(), "loss.png")
	for range 2 {
		f, err := CurvesOf("t", "loss", decline("", 3, 1))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.WritePNG(path, true); err != nil {
			t.Fatal(err)
		}
	}
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if img, err := png.Decode(r); err != nil || img.Bounds().Dx() != curveW || img.Bounds().Dy() != curveH {
		t.Errorf("loss.png: %v", err)
	}
}

func TestCurvesOfErrors(t *testing.T) {
	short := decline("short", 3, 1)
	short.ValLoss = short.ValLoss[:2]
	badAcc := decline("acc", 3, 1)
	badAcc.TrainAccuracy = []float64{1}
	if _, err := CurvesOf("t", "loss"); !errors.Is(err, ErrNotApplicable) {
		t.Errorf("no series: %v", err)
	}
	for _, s := range []Series{short, badAcc} {
		if _, err := CurvesOf("t", "loss", s); err == nil || !strings.Contains(err.Error(), `series "`+s.Name+`" has 3 epochs`) {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
}

// TestLossAxis: logarithmic when every loss is positive and they span more
// than a factor 20, with 1-2-5 labels.
func TestLossAxis(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		log    bool
	}{
		{0.015, 0.5, true}, {1, 20.01, true}, {0.09, 0.1, false}, {1, 20, false}, {0, 30, false}, {-0.5, 100, false},
		{math.Inf(1), math.Inf(-1), false}, // no finite loss
	} {
		p := plot.New()
		p.Y.Label.Text = "mse loss"
		lossAxis(&p.Y, tc.lo, tc.hi)
		_, log := p.Y.Scale.(plot.LogScale)
		if log != tc.log || (p.Y.Label.Text == "mse loss (log scale)") != tc.log {
			t.Errorf("losses %g to %g: log scale %v, label %q", tc.lo, tc.hi, log, p.Y.Label.Text)
		}
	}
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

// TestCurvesRuns: Curves reads run folders or their metrics.csv through
// package rundir and says which file is wrong.
func TestCurvesRuns(t *testing.T) {
	dir := t.TempDir()
	write := func(run, text string) string {
		p := filepath.Join(dir, run)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "metrics.csv"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("m/good", "epoch,train_loss,val_loss\n1,0.5,0.6\n2,0.25,0.3\n")
	f, err := Curves(Options{Runs: []string{good}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Title != "m/good: loss per epoch" || len(f.Notes) != 1 || f.Image.Bounds().Dx() != curveW {
		t.Errorf("one run: %q, %q, %v", f.Title, f.Notes, f.Image.Bounds())
	}
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "missing"), "curves: open " + filepath.Join(dir, "missing")},
		{write("m/empty", "epoch,train_loss\n"), "curves: " + filepath.Join(dir, "m/empty/metrics.csv") + " has no epochs"},
		{filepath.Join(write("m/bad", "epoch,loss\n1,2\n"), "metrics.csv"), `has no column "train_loss"`},
	} {
		if _, err := Curves(Options{Runs: []string{good, tc.path}}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %s", tc.path, err, tc.want)
		}
	}
}
