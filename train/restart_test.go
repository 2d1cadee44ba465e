package train

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/rundir"
)

// killedAt runs a new run into dir and stops it dead after the given
// number of steps, as a kill would: no checkpoint, no status written.
func killedAt(t *testing.T, opt Options, steps int) {
	t.Helper()
	n := 0
	opt.OnStep = func(Step) {
		if n++; n == steps {
			panic("killed")
		}
	}
	killed := func() (killed bool) {
		defer func() {
			r := recover()
			if killed = r == "killed"; r != nil && !killed {
				panic(r)
			}
		}()
		_, err := Run(context.Background(), opt)
		t.Logf("the run ended: %v", err)
		return false
	}()
	if !killed {
		t.Fatal("the run was not killed")
	}
}

// TestRestart: a run killed before its first checkpoint starts over,
// saying so, whether resumed or started again with the same command, and
// ends with the weights of a run never killed.
func TestRestart(t *testing.T) {
	tr, val := fixture(t)
	root := t.TempDir()
	straight := filepath.Join(root, "straight")
	if _, err := Run(context.Background(), Options{Model: small(t, "sparse-ae", 2), Train: tr, Val: val, Dir: straight}); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(root, "other") // another seed's first checkpoint
	m := small(t, "sparse-ae", 1)
	m.Recipe.Seed = 9
	if _, err := Run(context.Background(), Options{Model: m, Train: tr, Val: val, Dir: other}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		kill   func(t *testing.T, dir string)
		resume bool
	}{
		{"killed in its first epoch, resumed", func(t *testing.T, dir string) {
			killedAt(t, Options{Model: small(t, "sparse-ae", 2), Train: tr, Val: val, Dir: dir}, 2)
		}, true},
		{"killed in its first epoch, started again", func(t *testing.T, dir string) {
			killedAt(t, Options{Model: small(t, "sparse-ae", 2), Train: tr, Val: val, Dir: dir}, 2)
		}, false},
		{"killed inside its first checkpoint, resumed", func(t *testing.T, dir string) {
			killedAt(t, Options{Model: small(t, "sparse-ae", 2), Train: tr, Val: val, Dir: dir}, 3)
			for _, f := range []string{rundir.WeightsFile, rundir.OptimizerFile, rundir.MetricsFile} {
				b, err := os.ReadFile(filepath.Join(other, f))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}, true},
		{"failed on a NaN before its first checkpoint, started again", func(t *testing.T, dir string) {
			m := small(t, "sparse-ae", 2)
			m.Recipe.LR = 1e30
			_, err := Run(context.Background(), Options{Model: m, Train: tr, Val: val, Dir: dir})
			if err == nil || strings.Contains(err.Error(), "last checkpoint") || !strings.Contains(err.Error(), "before the first checkpoint, so "+dir+" holds none") {
				t.Fatalf("a NaN in the first epoch: %v", err)
			}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			tc.kill(t, dir)
			info, err := rundir.ReadInfo(dir)
			if err != nil || info.HasCheckpoint() {
				t.Fatalf("after the kill: %+v, %v", info, err)
			}
			var notices []string
			opt := Options{Model: small(t, "sparse-ae", 2), Train: tr, Val: val, Dir: dir, Resume: tc.resume,
				OnNotice: func(s string) { notices = append(notices, s) }}
			if _, err := Run(context.Background(), opt); err != nil {
				t.Fatal(err)
			}
			if len(notices) != 1 || !strings.Contains(notices[0], "starting it over") || !strings.Contains(notices[0], dir) {
				t.Errorf("notices %q; want one saying %s starts over", notices, dir)
			}
			testutil.SameWeights(t, weights(t, straight), weights(t, dir))
			if _, err := os.Stat(filepath.Join(dir, rundir.PrevFile(rundir.WeightsFile))); err != nil {
				t.Errorf("no previous checkpoint kept: %v", err)
			}
			if _, _, _, err := rundir.Weights(dir); err != nil {
				t.Errorf("the run does not export: %v", err)
			}
		})
	}
}

// TestRunFolders: a default name taken gets a suffix, with a notice; a run
// folder held by another process is refused; a NaN after a checkpoint keeps
// it.
func TestRunFolders(t *testing.T) {
	tr, val := fixture(t)
	dir := filepath.Join(t.TempDir(), "sparse-ae", "20260102-030405")
	var notices []string
	opt := Options{Model: small(t, "sparse-ae", 1), Train: tr, Val: val, Dir: dir, Unique: true,
		OnNotice: func(s string) { notices = append(notices, s) }}
	for _, want := range []string{dir, dir + "-2"} {
		info, err := Run(context.Background(), opt)
		if err != nil {
			t.Fatal(err)
		}
		if info.Dir != want || !rundir.IsFolder(want) {
			t.Errorf("run folder %s, want %s", info.Dir, want)
		}
	}
	if len(notices) != 1 || notices[0] != "run folder "+dir+" exists: this run is "+dir+"-2" {
		t.Errorf("notices %q", notices)
	}

	lock, err := rundir.Hold(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	info, _ := rundir.ReadInfo(dir)
	info.Status, info.Recipe.Epochs = rundir.StatusInterrupted, 2
	rewriteInfo(t, dir, info)
	opt = Options{Model: small(t, "sparse-ae", 2), Train: tr, Val: val, Dir: dir, Resume: true}
	var busy *rundir.BusyError
	if _, err := Run(context.Background(), opt); !errors.As(err, &busy) || err.Error() != "run folder "+dir+" is being trained by another process" {
		t.Errorf("resume of a held run: %v", err)
	}
	lock.Release()
	if _, err := Run(context.Background(), opt); err != nil {
		t.Errorf("resume once released: %v", err)
	}
}
