package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoo-ml/zoo/rundir"
)

// sweepArgs are the flags of a small sweep on the fixture: tiny-ae-2 and
// tiny-ae-4 over seeds 0 and 1, 400 training images, 112 held out.
func sweepArgs(out string, epochs string) []string {
	return []string{"sweep", "--models", "tiny-ae-2,tiny-ae-4", "--seeds", "0,1", "--epochs", epochs,
		"--data", clsImages, "--val-split", "112", "--out", out}
}

// TestSweep trains a sweep of two models over two seeds, two at a time,
// and checks its folder, its table, that running it again trains nothing,
// and the comparison's files and figure.
func TestSweep(t *testing.T) {
	out := t.TempDir()
	r := run(t, nil, append(sweepArgs(out, "2"), "--jobs", "2")...)
	dir := filepath.Join(out, "tiny-ae", "sweep-model")
	if r.code != 0 || !strings.Contains(r.stdout, "sweep "+dir+": 4 runs, 4 to train, 2 at a time") {
		t.Fatalf("sweep: %+v", r)
	}
	for _, want := range []string{
		"model=tiny-ae-4-seed=1: finished after 2 epochs",
		dir + ": 4 runs (4 finished); keys that differ: model, seed; metric: best validation loss",
		"best validation loss over seeds (finished runs):",
		"tiny-ae-2  2 of 2",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, f := range []string{"sweep.json", "model=tiny-ae-2-seed=0/run.json", "model=tiny-ae-4-seed=1/model.safetensors", "logs/model=tiny-ae-2-seed=1.log"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("sweep folder: %v", err)
		}
	}
	if info, err := rundir.ReadInfo(filepath.Join(dir, "model=tiny-ae-4-seed=1")); err != nil || info.Recipe.Seed != 1 || info.Recipe.Epochs != 2 || info.Model != "tiny-ae-4" {
		t.Errorf("run.json of tiny-ae-4 seed 1: %+v, %v", info, err)
	}
	if again := run(t, nil, sweepArgs(out, "2")...); again.code != 0 || !strings.Contains(again.stdout, "4 runs, 0 to train") {
		t.Errorf("the same sweep again: %+v", again)
	}
	if other := run(t, nil, sweepArgs(out, "3")...); other.code != 1 || !strings.Contains(other.stderr, "holds another sweep (runs differ)") {
		t.Errorf("another sweep in the same folder: %+v", other)
	}
	png, csv := filepath.Join(out, "cmp.png"), filepath.Join(out, "cmp.csv")
	c := run(t, nil, "runs", "compare", dir, "--figure", png, "--csv", csv, "--json", filepath.Join(out, "cmp.json"))
	if c.code != 0 || !strings.Contains(c.stdout, "keys that differ: model, seed") {
		t.Errorf("runs compare: %+v", c)
	}
	if b, err := os.ReadFile(png); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("figure: %v", err)
	}
	if b, err := os.ReadFile(csv); err != nil || strings.Count(string(b), "\n") != 5 {
		t.Errorf("CSV %s: %v", b, err)
	}
	if c := run(t, nil, "runs", "compare", dir, "--csv", csv); c.code != 1 || !strings.Contains(c.stderr, "exists") {
		t.Errorf("runs compare over an existing file: %+v", c)
	}
	if r := run(t, nil, "report", dir, "--out", filepath.Join(out, "report")); r.code != 0 || !strings.Contains(r.stdout, "sweep "+dir+" on 4 runs, 1 figures") {
		t.Errorf("report of the sweep: %+v", r)
	}
	if b, err := os.ReadFile(filepath.Join(out, "report", "report.html")); err != nil || !strings.Contains(string(b), "best validation loss over seeds") {
		t.Errorf("report.html: %v", err)
	}
	// Values with commas stay one --set; each study is one command.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sparse-ae", "--set", "sparsity=0.6e-6,1.5e-6,4e-6", "--seeds", "0,1,2"}, "9 of 9 runs as a Slurm array job (--array=0-8)"},
		{[]string{"denoise-ae", "--set", "noise=gaussian:0.3,gaussian:0.5,gaussian:0.8,gaussian:0.9"}, "4 of 4 runs"},
		{[]string{"relu-ae-30", "--set", "lr=1e-3,3e-4", "--set", "batch=64,256", "--seeds", "0,1"}, "8 of 8 runs"},
	} {
		r := run(t, nil, append(append([]string{"sweep"}, tc.args...), "--out", out, "--slurm")...)
		if r.code != 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%q --slurm: %+v, want %q", tc.args, r, tc.want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(out, "denoise-ae", "sweep-noise", "sweep.json")); err != nil || !strings.Contains(string(b), `"name": "noise=gaussian_0.9-seed=0"`) {
		t.Errorf("denoise-ae noise sweep: %v", err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep"}, "give MODEL, --models A,B,... or a sweep folder"},
		{[]string{"sweep", "tiny-ae-2", "--models", "tiny-ae-4"}, "give MODEL, --models A,B,... or a sweep folder"},
		{[]string{"sweep", "tiny-ae-2", "--set", "lr"}, "want KEY=VALUES"},
		{[]string{"sweep", "tiny-ae-2", "--set", "colour=red"}, `unknown recipe key "colour"`},
		{[]string{"sweep", "tiny-ae-2", "--seeds", "a"}, `"a" is not an integer`},
		{[]string{"sweep", dir, "--seeds", "3"}, "is a sweep folder, which keeps its own settings; --seeds cannot change them"},
		{[]string{"sweep", dir, "--index", "4"}, "run index 4: the sweep has runs 0 to 3"},
	} {
		if r := run(t, nil, tc.args...); r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%q: %+v, want exit 2 saying %q", tc.args, r, tc.want)
		}
	}
}

// TestSweepKilledRun kills the process training one run of a sweep after
// its first epoch (SIGKILL, as a node lost or scancel --signal=KILL does):
// the comparison then reports the run as failed, not as missing; the
// Slurm script lists only that run; running the sweep again resumes it, and
// its weights are those of a sweep that was never killed, bit for bit.
func TestSweepKilledRun(t *testing.T) {
	out := t.TempDir()
	args := sweepArgs(out, "80")
	if r := run(t, nil, append(args, "--slurm")...); r.code != 0 || !strings.HasSuffix(strings.TrimSpace(r.stdout), "sweep.sbatch") ||
		!strings.Contains(r.stderr, "4 of 4 runs as a Slurm array job (--array=0-3)") {
		t.Fatalf("--slurm: %+v", r)
	}
	dir := filepath.Join(out, "tiny-ae", "sweep-model")
	runDir := filepath.Join(dir, "model=tiny-ae-2-seed=1")
	cmd := exec.Command(zooBin, "sweep", dir, "--index", "1", "--quiet")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		info, err := rundir.ReadInfo(runDir)
		if err == nil && info.Epoch >= 1 {
			if info.Epoch >= 80 {
				t.Fatal("the run finished before it could be killed")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the run wrote no checkpoint")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // killed
	c := run(t, nil, "runs", "compare", dir)
	if c.code != 0 || !strings.Contains(c.stdout, "1 failed, 3 missing") || !strings.Contains(c.stdout, "failed: its process died at epoch") {
		t.Errorf("runs compare after the kill: %+v", c)
	}
	if r := run(t, nil, "sweep", dir, "--slurm"); r.code != 0 || !strings.Contains(r.stderr, "4 of 4 runs") {
		t.Errorf("--slurm after the kill: %+v", r)
	}
	if r := run(t, nil, "sweep", dir, "--jobs", "2"); r.code != 0 || !strings.Contains(r.stdout, "4 runs (4 finished)") {
		t.Fatalf("the sweep again: %+v", r)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "logs", "model=tiny-ae-2-seed=1.log"))
	if !strings.Contains(string(log), "run 1, model=tiny-ae-2-seed=1: resumed from its last checkpoint") || strings.Contains(string(log), "epoch 1/80 ") {
		t.Errorf("the killed run was not resumed:\n%s", log)
	}
	if r := run(t, nil, "sweep", dir, "--slurm"); r.code != 0 || !strings.Contains(r.stderr, "every run of "+dir+" has finished") {
		t.Errorf("--slurm of a finished sweep: %+v", r)
	}
	fresh := t.TempDir()
	if r := run(t, nil, append(sweepArgs(fresh, "80"), "--index", "1", "--quiet")...); r.code != 0 {
		t.Fatalf("the run without a kill: %+v", r)
	}
	a, _ := os.ReadFile(filepath.Join(runDir, rundir.WeightsFile))
	b, _ := os.ReadFile(filepath.Join(fresh, "tiny-ae", "sweep-model", "model=tiny-ae-2-seed=1", rundir.WeightsFile))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("the resumed run's weights (%d bytes) differ from those of a run never killed (%d bytes)", len(a), len(b))
	}
}
