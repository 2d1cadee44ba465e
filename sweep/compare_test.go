package sweep

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCompare compares a sweep of two models over two seeds whose runs
// finished, died and were never started, and the runs of two sweeps.
func TestCompare(t *testing.T) {
	p := newTestPlan(t)
	ctx := context.Background()
	f := &fakeTrain{}
	for _, i := range []int{0, 1, 2} {
		if _, err := p.Run(ctx, i, f.train); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Compare(p.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Keys, []string{"model", "seed"}) || c.Metric != MetricLoss || c.Higher {
		t.Errorf("keys %v, metric %s", c.Keys, c.Metric)
	}
	if len(c.Runs) != 4 || c.Runs[3].Status.State != Missing || c.Runs[3].Values["model"] != "tiny-ae-4" || c.Runs[3].Values["seed"] != "1" || !math.IsNaN(c.Runs[3].Best) {
		t.Fatalf("runs %+v", c.Runs)
	}
	// Run 1 (seed 1) has validation losses 1/(e+1+0.001): best at epoch 3.
	r := c.Runs[1]
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-12 }
	if !near(r.Best, 1/(3+1+0.001)) || r.BestEpoch != 3 || r.Epochs != 3 || r.Seconds != 1.5 || len(r.Curve) != 3 {
		t.Errorf("run 1: %+v", r)
	}
	if len(c.Groups) != 2 || c.Groups[0].Label != "model=tiny-ae-2" || c.Groups[0].N != 2 || c.Groups[1].N != 1 || !slices.Equal(c.Groups[1].Runs, []int{2, 3}) {
		t.Fatalf("groups %+v", c.Groups)
	}
	a, b := 1/(3+0+0.001), 1/(3+1+0.001)
	g := c.Groups[0]
	if !near(g.Mean, (a+b)/2) || !near(g.Std, math.Abs(a-b)/math.Sqrt2) || !near(g.Min, b) || !near(g.Max, a) {
		t.Errorf("group 0: %+v", g)
	}
	if g := c.Groups[1]; g.Std != 0 || !near(g.Mean, a) {
		t.Errorf("group 1: %+v", g)
	}
	if s := c.Sorted(); !slices.Equal(s, []int{0, 1}) && !slices.Equal(s, []int{1, 0}) {
		t.Errorf("sorted %v", s)
	}
	if ls := c.Lines("model"); len(ls) != 1 || !slices.Equal(ls[0].Values, []string{"tiny-ae-2", "tiny-ae-4"}) || ls[0].Label != "" {
		t.Errorf("lines %+v", ls)
	}

	var text bytes.Buffer
	if err := c.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		p.Dir() + ": 4 runs (3 finished, 1 missing); keys that differ: model, seed; metric: best validation loss",
		"model=tiny-ae-4-seed=1  tiny-ae-4  1     missing",
		"model=tiny-ae-2-seed=1  tiny-ae-2  1     finished after 3 epochs  0.249938",
		"tiny-ae-2  2 of 2  0.291580  0.058891  0.249938  0.333222",
		"tiny-ae-4  1 of 2  0.333222  0.000000",
		"best: model=tiny-ae-2 (mean 0.291580 over 2 runs)",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	var cb bytes.Buffer
	if err := c.WriteCSV(&cb); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&cb).ReadAll()
	if err != nil || len(rows) != 5 || strings.Join(rows[0], ",") != "run,dir,model,seed,state,reason,best_validation_loss,best_epoch,epochs,seconds" ||
		rows[1][4] != "finished" || rows[4][4] != "missing" || rows[4][6] != "" {
		t.Errorf("CSV %q, %v", rows, err)
	}
	var jb bytes.Buffer
	if err := c.WriteJSON(&jb); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Keys []string
		Runs []struct {
			Name   string
			Best   *float64
			Status struct{ State string }
		}
		Groups []struct {
			Mean *float64
			N    int
		}
	}
	if err := json.Unmarshal(jb.Bytes(), &j); err != nil || len(j.Runs) != 4 || j.Runs[3].Best != nil || !near(*j.Runs[1].Best, b) || j.Runs[3].Status.State != "missing" || !near(*j.Groups[0].Mean, c.Groups[0].Mean) || j.Groups[0].N != 2 {
		t.Errorf("JSON %s: %v", jb.String(), err)
	}

	// Two sweeps, by their parent folder: lr differs too.
	q := newTestPlan(t)
	q.Grid.Fixed = append(q.Grid.Fixed, Setting{"lr", "0.01"})
	out := filepath.Join(filepath.Dir(filepath.Dir(p.Dir())))
	q2, err := NewPlan(out, "lr", q.Grid, q.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := q2.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := q2.Run(ctx, 0, f.train); err != nil {
		t.Fatal(err)
	}
	both, err := Compare(filepath.Join(out, "tiny-ae"))
	if err != nil {
		t.Fatal(err)
	}
	if len(both.Runs) != 8 || !slices.Equal(both.Keys, []string{"model", "lr", "seed"}) || len(both.Groups) != 4 {
		t.Errorf("two sweeps: %d runs, keys %v, %d groups", len(both.Runs), both.Keys, len(both.Groups))
	}
	if ls := both.Lines("lr"); len(ls) != 2 || ls[0].Label != "model=tiny-ae-2" || !slices.Equal(slices.Sorted(slices.Values(ls[0].Values)), []string{"0.001", "0.01"}) {
		t.Errorf("lines along lr: %+v", ls)
	}
	// One run folder alone, and folders holding nothing.
	one, err := Compare(p.RunDir(0))
	if err != nil || len(one.Runs) != 1 || len(one.Keys) != 0 || one.Runs[0].Name != "sweep-model/model=tiny-ae-2-seed=0" {
		t.Errorf("one run: %+v, %v", one, err)
	}
	empty := t.TempDir()
	if _, err := Compare(empty); err == nil || !strings.Contains(err.Error(), "neither a run folder") {
		t.Errorf("an empty folder: %v", err)
	}
	if _, err := Compare(filepath.Join(empty, "nothing")); err == nil {
		t.Error("a missing folder compared")
	}
}

// TestScript checks the Slurm script of a sweep: the array of the runs not
// finished, the output folder, and the command of each task.
func TestScript(t *testing.T) {
	p := newTestPlan(t)
	f := &fakeTrain{}
	if _, err := p.Run(context.Background(), 1, f.train); err != nil {
		t.Fatal(err)
	}
	path, runs, err := p.WriteScript("/opt/zoo bin/zoo")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		"#!/bin/sh\n",
		"#SBATCH --job-name=sweep-model\n",
		"#SBATCH --array=0,2-3\n",
		"#SBATCH --output=" + filepath.Join(p.Dir(), "logs", "slurm-%A_%a.out") + "\n",
		"export OPENBLAS_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"\n",
		"exec '/opt/zoo bin/zoo' sweep " + p.Dir() + " --index \"$SLURM_ARRAY_TASK_ID\"\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	if !slices.Equal(runs, []int{0, 2, 3}) || filepath.Base(path) != ScriptFile {
		t.Errorf("runs %v, path %s", runs, path)
	}
	if fi, err := os.Stat(filepath.Join(p.Dir(), LogDir)); err != nil || !fi.IsDir() {
		t.Errorf("no output folder: %v", err)
	}
	for _, i := range []int{0, 2, 3} {
		if _, err := p.Run(context.Background(), i, f.train); err != nil {
			t.Fatal(err)
		}
	}
	if path, runs, err := p.WriteScript("zoo"); path != "" || runs != nil || err != nil {
		t.Errorf("a finished sweep's script: %s, %v, %v", path, runs, err)
	}
}
