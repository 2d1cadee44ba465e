package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/safetensors"
)

// trainArgs are the arguments of a small, quick zoo train of model into
// out, with the run name given.
func trainArgs(model, out, name string, epochs int) []string {
	a := []string{"train", model, "--data", fixtureImages, "--val-split", "32", "--limit", "96", "--batch", "32",
		"--epochs", fmt.Sprint(epochs), "--out", out, "-q"}
	if name != "" {
		a = append(a, "--name", name)
	}
	return a
}

// signalWhen starts zoo with args (and env) and sends it sig as soon as
// ready reports true, failing the test when zoo exits or 60 s pass first.
// It returns zoo's result once it has exited.
func signalWhen(t *testing.T, sig syscall.Signal, ready func() bool, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(zooBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for !ready() {
		select {
		case err := <-exited:
			t.Fatalf("zoo %s exited (%v) before the moment to signal it; stderr: %s", strings.Join(args, " "), err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			err := <-exited
			t.Fatalf("zoo %s: the moment to signal it did not come within 60 s (%v)", strings.Join(args, " "), err)
		}
		time.Sleep(200 * time.Microsecond)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err := <-exited
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	}
	return result{code, stdout.String(), stderr.String()}
}

// leftovers returns the temporary files zoo's writers left in dir.
func leftovers(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	return m
}

// sameFile fails the test unless the files a and b hold the same bytes.
func sameFile(t *testing.T, a, b string) {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Errorf("%s and %s differ", a, b)
	}
}

// TestKillTrainFirst kills zoo train before its first complete checkpoint
// (in its first epoch, and inside the writing of its first checkpoint):
// both --resume and the same command again start the run over, saying so,
// and end with the weights of a run never killed, leaving no temporary file.
func TestKillTrainFirst(t *testing.T) {
	out := t.TempDir()
	// deep-ae: 11 MB of weights, so that a kill can land inside their write.
	straight := filepath.Join(out, "deep-ae", "straight")
	if r := run(t, nil, trainArgs("deep-ae", out, "straight", 1)...); r.code != 0 {
		t.Fatalf("train: %+v", r)
	}
	firstEpoch := func(dir string) func() bool {
		return func() bool {
			_, err := os.Stat(filepath.Join(dir, rundir.WeightsFile))
			return rundir.IsFolder(dir) && os.IsNotExist(err)
		}
	}
	firstCheckpoint := func(dir string) func() bool {
		return func() bool {
			_, err := os.Stat(filepath.Join(dir, rundir.WeightsFile))
			return os.IsNotExist(err) && writingTemp(dir, rundir.WeightsFile)
		}
	}
	for _, tc := range []struct {
		name   string
		when   func(dir string) func() bool
		resume bool
	}{
		{"killed in its first epoch, resumed", firstEpoch, true},
		{"killed in its first epoch, run again", firstEpoch, false},
		{"killed inside its first checkpoint, resumed", firstCheckpoint, true},
		{"killed inside its first checkpoint, run again", firstCheckpoint, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := strings.ReplaceAll(tc.name, " ", "-")
			dir := filepath.Join(out, "deep-ae", name)
			signalWhen(t, syscall.SIGKILL, tc.when(dir), nil, trainArgs("deep-ae", out, name, 1)...)
			args := trainArgs("deep-ae", out, name, 1)
			if tc.resume {
				args = []string{"train", "--resume", dir, "-q"}
			}
			r := run(t, nil, args...)
			if r.code != 0 || !strings.Contains(r.stderr, "starting it over") || !strings.Contains(r.stderr, dir) {
				t.Fatalf("after the kill: %+v; want it to start over, saying so", r)
			}
			sameFile(t, filepath.Join(straight, rundir.WeightsFile), filepath.Join(dir, rundir.WeightsFile))
			if l := leftovers(dir); len(l) > 0 {
				t.Errorf("temporary files left: %v", l)
			}
		})
	}
}

// TestTrainLeftovers: the temporary files that killed runs left in a run
// folder are gone after the next run in it, and a run folder trained by
// another process is refused.
func TestTrainLeftovers(t *testing.T) {
	out := t.TempDir()
	dir := filepath.Join(out, "deep-ae", "k")
	weights := filepath.Join(dir, rundir.WeightsFile)
	killWhen(t, func() bool {
		_, err := os.Stat(weights)
		return err == nil && writingTemp(dir, rundir.OptimizerFile)
	}, trainArgs("deep-ae", out, "k", 3)...)
	if len(leftovers(dir)) == 0 {
		t.Fatal("the kill left no temporary file to clear")
	}
	// While a resume trains (its first step is slow enough to see), a
	// second one is refused.
	cmd := exec.Command(zooBin, "train", "--resume", dir, "-q")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(leftovers(dir)) > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	second := run(t, nil, "train", "--resume", dir, "-q")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("resume: %v; %s", err, stderr.String())
	}
	if l := leftovers(dir); len(l) > 0 {
		t.Errorf("temporary files left after the next run: %v", l)
	}
	if second.code == 0 {
		// The first resume may have finished before the second started.
		if !strings.Contains(second.stderr, "nothing to resume") {
			t.Logf("second resume ran after the first: %+v", second)
		}
	} else if !strings.Contains(second.stderr, "is being trained by another process") && !strings.Contains(second.stderr, "nothing to resume") {
		t.Errorf("second resume: %+v", second)
	}
}

// TestTrainNames: --name is one folder name, refused otherwise with one
// line before anything is read or written; runs without --name started
// together get a folder each.
func TestTrainNames(t *testing.T) {
	out := t.TempDir()
	for _, name := range []string{"../../escape", "a/b", "..", ".", "/abs", strings.Repeat("n", 256)} {
		r := run(t, nil, trainArgs("relu-ae-30", out, name, 1)...)
		if r.code != 2 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "--name: run name") ||
			!strings.Contains(r.stderr, "a run name is one folder name") {
			t.Errorf("--name %.20q: %+v", name, r)
		}
	}
	if es, _ := os.ReadDir(out); len(es) != 0 {
		t.Errorf("refused names left %d entries in %s", len(es), out)
	}
	if es, _ := os.ReadDir(filepath.Dir(out)); len(es) != 1 {
		t.Errorf("refused names wrote beside %s", out)
	}

	// Three runs of one seed at once, without --name.
	var wg sync.WaitGroup
	results := make([]result, 3)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = run(t, nil, append(trainArgs("relu-ae-30", out, "", 1), "--seed", "3")...)
		}()
	}
	wg.Wait()
	folders := map[string]bool{}
	for _, r := range results {
		if r.code != 0 {
			t.Errorf("concurrent run: %+v", r)
		}
		_, after, _ := strings.Cut(r.stdout, "run folder ")
		folder, _, _ := strings.Cut(after, ";")
		folders[folder] = true
	}
	es, _ := os.ReadDir(filepath.Join(out, "relu-ae-30"))
	if len(folders) != 3 || len(es) != 3 {
		t.Errorf("3 runs at once: folders %v, %d in %s", folders, len(es), out)
	}
}

// TestDamagedRuns: resume and export of a run folder whose files or
// run.json were damaged fail with one line naming the file at fault, and
// zoo verify RUN fails the same files.
func TestDamagedRuns(t *testing.T) {
	out := t.TempDir()
	if r := run(t, nil, trainArgs("relu-ae-30", out, "a", 2)...); r.code != 0 {
		t.Fatalf("train: %+v", r)
	}
	good := filepath.Join(out, "relu-ae-30", "a")
	// copyRun copies the run folder, marks it running (as if stopped), and
	// changes its copy with edit.
	copyRun := func(t *testing.T, edit func(dir string, info map[string]any)) string {
		dir := filepath.Join(t.TempDir(), "run")
		if err := os.CopyFS(dir, os.DirFS(good)); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, rundir.RunFile)
		b, _ := os.ReadFile(p)
		var info map[string]any
		if err := json.Unmarshal(b, &info); err != nil {
			t.Fatal(err)
		}
		info["status"] = string(rundir.StatusInterrupted)
		info["recipe"].(map[string]any)["epochs"] = 3.0
		edit(dir, info)
		b, _ = json.Marshal(info)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	flip := func(name string) func(string, map[string]any) {
		return func(dir string, _ map[string]any) {
			p := filepath.Join(dir, name)
			b, _ := os.ReadFile(p)
			b[8+binary.LittleEndian.Uint64(b)+100] ^= 0x10
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	set := func(key string, v any) func(string, map[string]any) {
		return func(_ string, info map[string]any) { info[key] = v }
	}
	for _, tc := range []struct {
		name           string
		edit           func(dir string, info map[string]any)
		resume, export string // what the errors say ("": it works)
	}{
		{"intact", func(string, map[string]any) {}, "", ""},
		{"a byte of model.safetensors flipped", flip(rundir.WeightsFile),
			rundir.WeightsFile + " is damaged: its tensor data has SHA-256", rundir.WeightsFile + " is damaged"},
		{"a byte of optimizer.safetensors flipped", flip(rundir.OptimizerFile), rundir.OptimizerFile + " is damaged", ""},
		{"run.json: epoch +1", set("epoch", 3.0), "run.json: epoch 3, but the metrics of 2 epochs are recorded", "run.json: epoch 3"},
		{"run.json: epoch -1", set("epoch", 1.0), "run.json: epoch 1, but the metrics of 2 epochs", "run.json: epoch 1"},
		{"run.json: epoch -5", set("epoch", -3.0), "run.json: epoch -3 is outside", "run.json: epoch -3"},
		{"run.json: epoch 1e9", set("epoch", 1e9), "run.json: epoch 1000000000 is outside", "run.json: epoch 1000000000"},
		{"run.json: batch 99999", set("batch", 99999.0), "run.json: batch 99999 is outside", "run.json: batch 99999"},
		{"model.safetensors replaced by model.prev.safetensors", func(dir string, _ map[string]any) {
			b, _ := os.ReadFile(filepath.Join(dir, rundir.PrevFile(rundir.WeightsFile)))
			if err := os.WriteFile(filepath.Join(dir, rundir.WeightsFile), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, rundir.WeightsFile + " is at step 2, but run.json names step 4", rundir.WeightsFile + " is at step 2"},
		{"run.json: an unknown model", set("model", "no-such-model"), `run.json names model "no-such-model"`, `run.json: no model "no-such-model"`},
		{"run.json: a missing data file", func(_ string, info map[string]any) {
			info["args"].(map[string]any)["data"] = "/no/such/images.idx"
		}, "the data run.json names: stat /no/such/images.idx: no such file", ""},
		{"run.json deleted", func(dir string, _ map[string]any) {
			defer os.Remove(filepath.Join(dir, rundir.RunFile)) // after the edit is written
		}, "run.json: no such file", "has no run.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyRun(t, tc.edit)
			if tc.name == "run.json deleted" {
				os.Remove(filepath.Join(dir, rundir.RunFile))
			}
			exp := run(t, nil, "export", dir, "--out", t.TempDir())
			res := run(t, nil, "train", "--resume", dir, "-q")
			for _, c := range []struct {
				what string
				r    result
				want string
			}{{"resume", res, tc.resume}, {"export", exp, tc.export}} {
				switch {
				case c.want == "" && c.r.code != 0:
					t.Errorf("%s: %+v", c.what, c.r)
				case c.want != "" && (c.r.code == 0 || !strings.Contains(c.r.stderr, c.want) || strings.Count(c.r.stderr, "\n") != 1):
					t.Errorf("%s: exit %d, stderr %q; want one line saying %q", c.what, c.r.code, c.r.stderr, c.want)
				}
			}
		})
	}
}

// TestNaNFirstEpoch: a loss that diverges before the first checkpoint does
// not claim that a checkpoint is kept.
func TestNaNFirstEpoch(t *testing.T) {
	out := t.TempDir()
	r := run(t, nil, append(trainArgs("manifold-ae", out, "nan", 1), "--set", "lr=1e30")...)
	if r.code == 0 || strings.Contains(r.stderr, "last checkpoint") || !strings.Contains(r.stderr, "before the first checkpoint") {
		t.Fatalf("diverging first epoch: %+v", r)
	}
}

// TestExportForceKill kills zoo export --force while it writes the new
// folder: the old one is intact, and the next export clears what the kill
// left. An export cut short between the renames of its fallback (where
// the system cannot exchange two folders atomically) is restored by the
// next zoo command that reads the folder.
func TestExportForceKill(t *testing.T) {
	testenv.NeedORT(t)
	out := t.TempDir()
	dir := filepath.Join(out, "deep-ae")
	if r := run(t, nil, "export", "deep-ae", "--init", "--seed", "1", "--out", out); r.code != 0 {
		t.Fatalf("export: %+v", r)
	}
	card, _ := os.ReadFile(filepath.Join(dir, "README.md"))
	killWhen(t, func() bool {
		m, _ := filepath.Glob(filepath.Join(out, ".deep-ae.tmp-*", "*.onnx"))
		return len(m) > 0
	}, "export", "deep-ae", "--init", "--seed", "2", "--out", out, "--force")
	if now, _ := os.ReadFile(filepath.Join(dir, "README.md")); !bytes.Equal(now, card) {
		t.Fatal("the previous export folder changed")
	}
	if len(leftovers(out)) == 0 {
		t.Fatal("the kill left no temporary folder")
	}
	if r := run(t, nil, "export", "deep-ae", "--init", "--seed", "2", "--out", out, "--force"); r.code != 0 {
		t.Fatalf("export again: %+v", r)
	}
	if l := leftovers(out); len(l) > 0 {
		t.Errorf("left after the next export: %v", l)
	}

	// The fallback cut short: the folder moved aside by a process now dead.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	aside := filepath.Join(out, fmt.Sprintf(".deep-ae.tmp-%d-1.old", dead.Process.Pid))
	if err := os.Rename(dir, aside); err != nil {
		t.Fatal(err)
	}
	if r := run(t, nil, "verify", dir); r.code != 0 {
		t.Fatalf("verify of the folder moved aside: %+v", r)
	}
	if _, err := os.Stat(aside); !os.IsNotExist(err) {
		t.Errorf("%s still there: %v", aside, err)
	}
}

// TestReportScratch stops zoo report of a run folder while its scratch
// export exists: SIGINT and SIGTERM remove it on the way out; after a
// SIGKILL, the next zoo report removes it.
func TestReportScratch(t *testing.T) {
	testenv.NeedORT(t)
	out := t.TempDir()
	if r := run(t, nil, trainArgs("relu-ae-30", out, "r", 1)...); r.code != 0 {
		t.Fatalf("train: %+v", r)
	}
	runDir := filepath.Join(out, "relu-ae-30", "r")
	tmp := t.TempDir()
	env := []string{"TMPDIR=" + tmp}
	scratch := func() []string {
		m, _ := filepath.Glob(filepath.Join(tmp, "zoo-report.tmp-*"))
		return m
	}
	args := []string{"report", runDir, "--data", fixtureImages, "--out", filepath.Join(out, "report"), "--force"}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			r := signalWhen(t, sig, func() bool { return len(scratch()) > 0 }, env, args...)
			if sig == syscall.SIGKILL {
				if len(scratch()) != 1 {
					t.Fatalf("after SIGKILL: scratch folders %v", scratch())
				}
				if r := run(t, env, args...); r.code != 0 {
					t.Fatalf("the next report: %+v", r)
				}
			} else if r.code == 0 {
				t.Logf("the report finished before the signal: %+v", r)
			}
			if s := scratch(); len(s) > 0 {
				t.Errorf("scratch folders left: %v", s)
			}
		})
	}
}

// TestResumeUnchecked: a run written before checksums resumes and exports,
// saying that its files are unchecked.
func TestResumeUnchecked(t *testing.T) {
	out := t.TempDir()
	if r := run(t, nil, trainArgs("relu-ae-30", out, "old", 1)...); r.code != 0 {
		t.Fatalf("train: %+v", r)
	}
	dir := filepath.Join(out, "relu-ae-30", "old")
	// As an older zoo wrote it: no checksums in run.json or the files.
	p := filepath.Join(dir, rundir.RunFile)
	b, _ := os.ReadFile(p)
	var info map[string]any
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	delete(info, "checksums")
	info["status"] = string(rundir.StatusInterrupted)
	info["recipe"].(map[string]any)["epochs"] = 2.0
	b, _ = json.Marshal(info)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{rundir.WeightsFile, rundir.OptimizerFile} {
		w, meta, err := safetensors.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		delete(meta, "sha256")
		if err := safetensors.WriteFile(filepath.Join(dir, f), w, meta); err != nil {
			t.Fatal(err)
		}
	}
	exp := run(t, nil, "export", dir, "--out", t.TempDir())
	if exp.code != 0 || !strings.Contains(exp.stdout, "unchecked: its run.json records no checksums") {
		t.Errorf("export: %+v", exp)
	}
	r := run(t, nil, "train", "--resume", dir, "-q")
	if r.code != 0 || !strings.Contains(r.stderr, "records no checksums") || !strings.Contains(r.stderr, "unchecked") {
		t.Errorf("resume: %+v", r)
	}
	if v := run(t, nil, "verify", dir); v.code != 0 {
		t.Errorf("verify after the resume: %+v", v)
	}
}
