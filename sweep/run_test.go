package sweep

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoo-ml/zoo/rundir"
)

// fakeTrain is a TrainFunc that writes the run.json of a run of epochs
// epochs, each of loss 1/(epoch+seed+lr) as validation loss, and records
// the jobs it was given. stopAt > 0 leaves the run running at that epoch,
// as a process killed then would.
type fakeTrain struct {
	jobs   []Job
	stopAt int
}

func (f *fakeTrain) train(_ context.Context, j Job) error {
	f.jobs = append(f.jobs, j)
	info := &rundir.Info{Model: j.Model.Name, Recipe: j.Model.Recipe, Status: rundir.StatusFinished}
	if j.Resume {
		old, err := rundir.ReadInfo(j.Dir)
		if err != nil {
			return err
		}
		info = old
		info.Status = rundir.StatusFinished
	} else if err := os.Mkdir(j.Dir, 0o755); err != nil {
		return err
	}
	for e := info.Epoch + 1; e <= j.Model.Recipe.Epochs; e++ {
		info.Epochs = append(info.Epochs, rundir.Epoch{Epoch: e, TrainLoss: 1, ValLoss: 1 / (float64(e) + float64(j.Model.Recipe.Seed) + j.Model.Recipe.LR), Seconds: 0.5})
		info.Epoch, info.Step = e, e*10
		if e == f.stopAt {
			info.Status = rundir.StatusRunning
			return rundir.WriteInfo(j.Dir, info)
		}
	}
	return rundir.WriteInfo(j.Dir, info)
}

// newTestPlan saves the plan of tiny-ae-2 and tiny-ae-4 over seeds 0 and 1,
// 3 epochs, in a new runs folder.
func newTestPlan(t *testing.T) *Plan {
	t.Helper()
	g := Grid{Models: []string{"tiny-ae-2", "tiny-ae-4"}, Seeds: []int64{0, 1}, Fixed: []Setting{{"epochs", "3"}}}
	p, err := NewPlan(t.TempDir(), "", g, map[string]string{"data": "mnist"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlanSave checks the folder of a plan, that saving the same plan again
// is fine, and that another grid or other data in the same folder is
// refused.
func TestPlanSave(t *testing.T) {
	p := newTestPlan(t)
	if filepath.Base(p.Dir()) != "sweep-model" || filepath.Base(filepath.Dir(p.Dir())) != "tiny-ae" {
		t.Errorf("sweep folder %s", p.Dir())
	}
	out := filepath.Dir(filepath.Dir(p.Dir()))
	again, _ := NewPlan(out, "", p.Grid, map[string]string{"data": "mnist"})
	if err := again.Save(); err != nil {
		t.Errorf("saving the same plan again: %v", err)
	}
	read, err := Open(p.Dir())
	if err != nil || len(read.Runs) != 4 || read.Runs[3].Name != "model=tiny-ae-4-seed=1" || read.Data["data"] != "mnist" {
		t.Fatalf("Open = %+v, %v", read, err)
	}
	for _, tc := range []struct {
		grid Grid
		data string
		what string
	}{
		{Grid{Models: []string{"tiny-ae-2", "tiny-ae-4"}, Seeds: []int64{0, 1, 2}, Fixed: []Setting{{"epochs", "3"}}}, "mnist", "runs"},
		{Grid{Models: []string{"tiny-ae-2", "tiny-ae-4"}, Seeds: []int64{0, 1}, Fixed: []Setting{{"epochs", "4"}}}, "mnist", "runs"},
		{p.Grid, "fashion-mnist", "data"},
	} {
		other, err := NewPlan(out, "", tc.grid, map[string]string{"data": tc.data})
		if err != nil {
			t.Fatal(err)
		}
		var me *MismatchError
		if err := other.Save(); !errors.As(err, &me) || me.What != tc.what || !strings.Contains(err.Error(), "holds another sweep") {
			t.Errorf("saving another plan (%s differ): %v", tc.what, err)
		}
	}
	if _, err := NewPlan(out, "../x", p.Grid, nil); err == nil {
		t.Error("a sweep name with a slash was taken")
	}
	// A damaged plan is refused.
	if err := os.WriteFile(filepath.Join(p.Dir(), PlanFile), []byte(`{"runs":[{"index":0,"name":"../../x"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(p.Dir()); err == nil || !strings.Contains(err.Error(), "is not a run of this plan") {
		t.Errorf("Open of a plan naming ../../x: %v", err)
	}
}

// TestRun trains runs one at a time with a fake trainer: each starts once,
// a finished run is skipped, a run left running is resumed, and an index
// outside the sweep is refused.
func TestRun(t *testing.T) {
	p := newTestPlan(t)
	f := &fakeTrain{}
	ctx := context.Background()
	for i := range p.Runs {
		if act, err := p.Run(ctx, i, f.train); err != nil || act != Started {
			t.Fatalf("run %d: %s, %v", i, act, err)
		}
	}
	if act, err := p.Run(ctx, 2, f.train); err != nil || act != Skipped || len(f.jobs) != 4 {
		t.Errorf("a finished run again: %s, %v, %d jobs", act, err, len(f.jobs))
	}
	if j := f.jobs[3]; j.Model.Name != "tiny-ae-4" || j.Model.Recipe.Seed != 1 || j.Model.Recipe.Epochs != 3 || j.Resume || j.Data["data"] != "mnist" {
		t.Errorf("job 3: %+v", j)
	}
	var ie *IndexError
	if _, err := p.Run(ctx, 4, f.train); !errors.As(err, &ie) || !strings.Contains(err.Error(), "runs 0 to 3") {
		t.Errorf("run 4: %v", err)
	}
	if len(p.Pending()) != 0 {
		t.Errorf("pending %v", p.Pending())
	}

	// A run whose process died after its first checkpoint is resumed; one
	// that died before it starts again.
	q := newTestPlan(t)
	stop := &fakeTrain{stopAt: 2}
	if _, err := q.Run(ctx, 0, stop.train); err != nil {
		t.Fatal(err)
	}
	if st := StatusOf(q.RunDir(0)); st.State != Failed || !st.Killed || !strings.Contains(st.String(), "died at epoch 3, batch 0") {
		t.Errorf("status of a run left running: %+v %s", st, st)
	}
	if act, err := q.Run(ctx, 0, f.train); err != nil || act != Resumed || !f.jobs[len(f.jobs)-1].Resume {
		t.Errorf("a run left running: %s, %v", act, err)
	}
	if st := StatusOf(q.RunDir(0)); st.State != Finished || st.Info.Epoch != 3 || len(st.Info.Epochs) != 3 {
		t.Errorf("after resuming: %+v", st)
	}
	if err := os.MkdirAll(q.RunDir(1), 0o755); err != nil { // died before run.json
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(q.RunDir(1), "junk"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if act, err := q.Run(ctx, 1, f.train); err != nil || act != Started {
		t.Errorf("a run folder without run.json: %s, %v", act, err)
	}
	if _, err := os.Stat(filepath.Join(q.RunDir(1), "junk")); err == nil {
		t.Error("a restarted run kept the files of the one before")
	}
	if got := q.Pending(); !slices.Equal(got, []int{2, 3}) {
		t.Errorf("pending %v", got)
	}
}

// TestLockHeldByKilledProcess holds the lock of a run in another process
// (this test binary), which writes run.json as a training process does and
// is then killed: while it lives the run is running and busy, once it is
// dead the run is failed and killed, and the lock can be taken again.
func TestLockHeldByKilledProcess(t *testing.T) {
	if dir := os.Getenv("ZOO_SWEEP_TEST_HOLD"); dir != "" {
		if _, err := Lock(dir); err != nil {
			os.Exit(3)
		}
		if os.Mkdir(dir, 0o755) != nil || rundir.WriteInfo(dir, &rundir.Info{Model: "tiny-ae-2", Status: rundir.StatusRunning, Epoch: 1, Batch: 7, Step: 30}) != nil {
			os.Exit(4)
		}
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	if !locksWork {
		t.Skip("no flock(2) on this system")
	}
	dir := filepath.Join(t.TempDir(), "sweep-x", "seed=0")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHeldByKilledProcess$")
	cmd.Env = append(os.Environ(), "ZOO_SWEEP_TEST_HOLD="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	deadline := time.Now().Add(30 * time.Second)
	for !rundir.IsFolder(dir) {
		if time.Now().After(deadline) {
			t.Fatal("the holding process wrote no run.json")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := StatusOf(dir); st.State != Running {
		t.Errorf("while its process lives: %+v", st)
	}
	var be *BusyError
	if _, err := Lock(dir); !errors.As(err, &be) {
		t.Errorf("Lock while another process holds it: %v", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // killed
	st := StatusOf(dir)
	if st.State != Failed || !st.Killed || st.String() != "failed: its process died at epoch 2, batch 7" {
		t.Errorf("after a kill: %+v %q", st, st)
	}
	unlock, err := Lock(dir)
	if err != nil {
		t.Fatalf("Lock after the kill: %v", err)
	}
	if st := StatusOf(dir); st.State != Running {
		t.Errorf("while this process holds the lock: %+v", st)
	}
	unlock()
}

// TestStatusOf reads the states a run folder can be in.
func TestStatusOf(t *testing.T) {
	root := t.TempDir()
	write := func(name string, info *rundir.Info) string {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if info != nil {
			if err := rundir.WriteInfo(dir, info); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	for _, tc := range []struct {
		dir   string
		state State
		text  string
	}{
		{filepath.Join(root, "none"), Missing, "missing"},
		{write("finished", &rundir.Info{Status: rundir.StatusFinished, Epoch: 2}), Finished, "finished after 2 epochs"},
		{write("early", &rundir.Info{Status: rundir.StatusEarlyStopped, Epoch: 5}), Finished, "early-stopped after 5 epochs"},
		{write("interrupted", &rundir.Info{Status: rundir.StatusInterrupted, Epoch: 1}), Interrupted, "interrupted, 1 of 0 epochs done"},
		{write("nan", &rundir.Info{Status: rundir.StatusFailed, Error: "loss is NaN at epoch 2, batch 3"}), Failed, "failed: loss is NaN at epoch 2, batch 3"},
		// Trained without a lock (zoo train): as run.json says.
		{write("unlocked", &rundir.Info{Status: rundir.StatusRunning, Epoch: 1}), Running, "running, 1 of 0 epochs done"},
	} {
		st := StatusOf(tc.dir)
		if st.State != tc.state || st.String() != tc.text {
			t.Errorf("%s: %+v, %q; want %s, %q", filepath.Base(tc.dir), st, st, tc.state, tc.text)
		}
	}
}
