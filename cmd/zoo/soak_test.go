package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/safetensors"
)

// TestSoakTrain kills zoo train with SIGKILL at random moments, ZOO_SOAK
// times (at least 50 for the record; scripts/soak_train.sh runs it), each
// time continuing the run as a user would: --resume once it has a
// checkpoint, else --resume or the same command again, in turn. After
// every kill the folder must pass rundir.CheckFiles; at the end the
// weights, optimizer state and per-epoch losses must be bit-identical to
// those of a run never killed. A run that finishes before all kills are
// spent is compared and a new one started. It logs where the kills
// landed. It does not run without ZOO_SOAK: it takes minutes.
func TestSoakTrain(t *testing.T) {
	kills, _ := strconv.Atoi(os.Getenv("ZOO_SOAK"))
	if kills <= 0 {
		t.Skip("set ZOO_SOAK=N to kill zoo train N times (scripts/soak_train.sh)")
	}
	seed, _ := strconv.ParseUint(os.Getenv("ZOO_SOAK_SEED"), 10, 64)
	rng := rand.New(rand.NewPCG(seed, 19))
	out := t.TempDir()
	// deep-ae: 11 MB of weights and 22 MB of optimizer state written at
	// every epoch's checkpoint (3 batches), so that kills land inside them.
	const epochs = 30
	args := func(name string) []string {
		return []string{"train", "deep-ae", "--data", fixtureImages, "--val-split", "32", "--limit", "96", "--batch", "32",
			"--epochs", strconv.Itoa(epochs), "--out", out, "--name", name, "-q"}
	}
	start := time.Now()
	if r := run(t, nil, args("straight")...); r.code != 0 {
		t.Fatalf("the run never killed: %+v", r)
	}
	straight := filepath.Join(out, "deep-ae", "straight")
	straightTime := time.Since(start)
	// Kill moments: from the start of a process to about 3 epochs in.
	maxDelay := 3*straightTime/epochs + 500*time.Millisecond

	var landed = map[string]int{}
	round, name := 1, "soak-1"
	resumeNext := false
	soakStart := time.Now()
	for k := 0; k < kills; {
		dir := filepath.Join(out, "deep-ae", name)
		info, err := rundir.ReadInfo(dir)
		a := args(name)
		switch {
		case err == nil && info.Status.Done():
			compareRuns(t, straight, dir)
			round++
			name = fmt.Sprintf("soak-%d", round)
			continue
		case err == nil && (info.HasCheckpoint() || resumeNext):
			a = []string{"train", "--resume", dir, "-q"}
		}
		if err == nil && !info.HasCheckpoint() {
			resumeNext = !resumeNext // the same command and --resume in turn
		}
		before := shared(dir)
		cmd := exec.Command(zooBin, a...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("zoo %s: %v; %s", strings.Join(a, " "), err, stderr.String())
			}
			continue // it finished first; the next loop compares
		case <-time.After(time.Duration(rng.Int64N(int64(maxDelay)))):
		}
		serr := cmd.Process.Signal(syscall.SIGKILL)
		var ee *exec.ExitError
		if err := <-exited; serr != nil || err == nil {
			continue // it finished first; the next loop compares
		} else if !errors.As(err, &ee) || !ee.ProcessState.Sys().(syscall.WaitStatus).Signaled() {
			t.Fatalf("zoo %s: %v; %s", strings.Join(a, " "), err, stderr.String())
		}
		k++
		where := landing(dir, cmd.Process.Pid, before)
		landed[where]++
		if info, err := rundir.ReadInfo(dir); err == nil {
			for _, fc := range rundir.CheckFiles(dir, info) {
				if fc.Err != nil {
					t.Fatalf("kill %d (%s): %s: %v", k, where, fc.Name, fc.Err)
				}
			}
		}
	}
	dir := filepath.Join(out, "deep-ae", name)
	for range 3 { // what is left of the last round, uninterrupted
		info, err := rundir.ReadInfo(dir)
		a := []string{"train", "--resume", dir, "-q"}
		if err != nil || !info.HasCheckpoint() {
			a = args(name)
		} else if info.Status.Done() {
			break
		}
		if r := run(t, nil, a...); r.code != 0 {
			t.Fatalf("zoo %s: %+v", strings.Join(a, " "), r)
		}
	}
	compareRuns(t, straight, dir)
	t.Logf("soak: %d SIGKILLs, each 0 to %.1f s after a start, over %d runs of %d epochs (deep-ae, 96 images, batch 32) in %.0f s; the run never killed took %.1f s",
		kills, maxDelay.Seconds(), round, epochs, time.Since(soakStart).Seconds(), straightTime.Seconds())
	var keys []string
	for k := range landed {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.Logf("  %3d kills %s", landed[k], k)
	}
	t.Logf("final weights, optimizer state and losses of each run: bit-identical to the run never killed")
}

// shared reports whether the run folder's model.safetensors and its
// *.prev copy are one file (hard links): a checkpoint kept its files and
// has not written the new ones yet, or a resume repaired the folder.
func shared(dir string) bool {
	a, err1 := os.Stat(filepath.Join(dir, rundir.WeightsFile))
	b, err2 := os.Stat(filepath.Join(dir, rundir.PrevFile(rundir.WeightsFile)))
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// landing says where a kill of the process pid landed, from what it left
// in the run folder dir; before is shared(dir) before it started.
func landing(dir string, pid int, before bool) string {
	info, err := rundir.ReadInfo(dir)
	if err != nil {
		return "before run.json was written"
	}
	if m, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf(".*.tmp-%d-*", pid))); len(m) > 0 {
		return "inside a checkpoint write (a file half written)"
	}
	for _, f := range []string{rundir.WeightsFile, rundir.OptimizerFile} {
		if _, meta, err := safetensors.ReadFile(filepath.Join(dir, f)); err == nil && meta["step"] != strconv.Itoa(info.Step) {
			return "inside a checkpoint write (files renamed, run.json not yet)"
		}
	}
	if shared(dir) && !before {
		return "inside a checkpoint write (previous files kept, new ones not yet)"
	}
	if !info.HasCheckpoint() {
		return "before the first checkpoint"
	}
	return "between checkpoints (starting, training or validating)"
}

// compareRuns checks that the run folder dir ended as the run never killed:
// the same weights and optimizer state, byte for byte, and the same losses.
func compareRuns(t *testing.T, straight, dir string) {
	t.Helper()
	for _, f := range []string{rundir.WeightsFile, rundir.OptimizerFile} {
		sameFile(t, filepath.Join(straight, f), filepath.Join(dir, f))
	}
	a, err := rundir.ReadInfo(straight)
	if err != nil {
		t.Fatal(err)
	}
	b, err := rundir.ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Epochs) != len(b.Epochs) || a.Step != b.Step || a.Status != b.Status {
		t.Fatalf("%s: %d epochs, step %d, %s; the run never killed: %d, %d, %s", dir, len(b.Epochs), b.Step, b.Status, len(a.Epochs), a.Step, a.Status)
	}
	for i := range a.Epochs {
		if a.Epochs[i].TrainLoss != b.Epochs[i].TrainLoss || a.Epochs[i].ValLoss != b.Epochs[i].ValLoss {
			t.Errorf("%s: epoch %d losses %v/%v, the run never killed %v/%v", dir, i+1,
				b.Epochs[i].TrainLoss, b.Epochs[i].ValLoss, a.Epochs[i].TrainLoss, a.Epochs[i].ValLoss)
		}
	}
}
