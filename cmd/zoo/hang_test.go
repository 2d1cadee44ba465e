package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoo-ml/zoo/internal/testenv"
)

// TestSignalsEndEveryCommand sends SIGINT, SIGTERM and SIGHUP to each
// command while it works: it ends, well within the grace period after
// which it would be stopped at once, with a non-zero exit, no crash, and
// nothing partial in its output folder (no output but a training run's
// checkpoint, no temporary file).
func TestSignalsEndEveryCommand(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	big := bigIDX(t, 60000)
	parts := make([]string, 4)
	for i := range parts {
		parts[i] = bigIDX(t, 60000)
	}
	type command struct {
		name string
		args func(out string) []string
		// moment reports when the command is at work, given its output
		// folder; nil waits 700 ms.
		moment func(out string) bool
	}
	tempIn := func(out string) bool {
		m, _ := filepath.Glob(filepath.Join(out, ".*.tmp-*"))
		return len(m) > 0
	}
	commands := []command{
		{"infer", func(out string) []string {
			return []string{"infer", model, big, "--out", filepath.Join(out, "recon.idx"), "--json", filepath.Join(out, "m.json"), "--threads", "1", "--batch", "256"}
		}, tempIn},
		{"eval", func(out string) []string { return []string{"eval", model, big, "--out", out, "--threads", "1"} }, nil},
		{"compare pca", func(out string) []string {
			return []string{"compare", "pca", "--model", model, "--train", big, "--test", pcaImages, "--out", out, "--threads", "1"}
		}, nil},
		{"train", func(out string) []string {
			return []string{"train", "deep-ae", "--data", fixtureImages, "--val-split", "112", "--epochs", "1000", "--batch", "8", "--out", out, "--name", "r", "--quiet"}
		}, nil},
		{"merge", func(out string) []string { return append([]string{"merge", filepath.Join(out, "all.idx")}, parts...) }, tempIn},
		{"figure", func(out string) []string {
			return []string{"figure", "recon", "--model", model, "--data", big, "--limit", "60000", "--out", filepath.Join(out, "f.png"), "--threads", "1"}
		}, tempIn},
		{"report", func(out string) []string {
			return []string{"report", model, "--data", big, "--out", out, "--threads", "1"}
		}, nil},
	}
	for _, c := range commands {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
			t.Run(c.name+"/"+sig.String(), func(t *testing.T) {
				out := t.TempDir()
				cmd := exec.Command(zooBin, c.args(out)...)
				var stderr strings.Builder
				cmd.Stderr = &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				exited := make(chan error, 1)
				go func() { exited <- cmd.Wait() }()
				deadline := time.Now().Add(60 * time.Second)
				if c.moment == nil {
					time.Sleep(700 * time.Millisecond)
				}
				for c.moment != nil && !c.moment(out) {
					select {
					case err := <-exited:
						t.Fatalf("ended (%v) before the moment to signal it; stderr %q", err, stderr.String())
					default:
					}
					if time.Now().After(deadline) {
						_ = cmd.Process.Kill()
						t.Fatal("the moment to signal did not come within 60 s")
					}
					time.Sleep(2 * time.Millisecond)
				}
				sent := time.Now()
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				var err error
				select {
				case err = <-exited:
				case <-time.After(20 * time.Second):
					_ = cmd.Process.Kill()
					t.Fatalf("still running 20 s after %v; stderr %q", sig, stderr.String())
				}
				took := time.Since(sent)
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() == 0 || ee.ExitCode() == 2 {
					t.Errorf("exit %v after %v, want the end of an interrupted command; stderr %q", err, sig, stderr.String())
				}
				if s := stderr.String(); strings.Contains(s, "goroutine ") || strings.Contains(s, "SIGSEGV") {
					t.Errorf("crashed: %s", s)
				}
				t.Logf("ended %v after %v: exit %v, %q", took.Round(time.Millisecond), sig, err, lastLine(stderr.String()))
				checkNothingPartial(t, out, c.name == "train")
			})
		}
	}
}

// checkNothingPartial fails on any temporary file under dir, and on any
// file at all unless run (a training run keeps its checkpoint).
func checkNothingPartial(t *testing.T, dir string, run bool) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error { // a folder never made holds nothing partial
		if err != nil || p == dir {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") || strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", p)
		} else if !run && !d.IsDir() {
			t.Errorf("output of an interrupted command: %s", p)
		}
		return nil
	})
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestNonRegularInputs gives a named pipe, which blocks whoever opens it
// until a writer comes, as each input of each command: every one refuses
// it at once with one line naming it, instead of hanging.
func TestNonRegularInputs(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	cls := newTestClassifier(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	lib, err := filepath.Abs(ortLib(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
	}{
		{"infer DATA", nil, []string{"infer", model, fifo}},
		{"infer MODEL", nil, []string{"infer", fifo, "mnist-mini"}},
		{"infer --labels", nil, []string{"infer", cls.dir, pcaImages, "--out", filepath.Join(dir, "x.idx"), "--labels", fifo}},
		{"infer decode codes", nil, []string{"infer", model, fifo, "--task", "decode"}},
		{"eval DATA", nil, []string{"eval", model, fifo}},
		{"eval --labels", nil, []string{"eval", model, pcaImages, "--labels", fifo}},
		{"compare --train", nil, []string{"compare", "pca", "--model", model, "--train", fifo, "--test", pcaImages}},
		{"compare --test", nil, []string{"compare", "pca", "--model", model, "--train", pcaImages, "--test", fifo}},
		{"train --data", nil, []string{"train", "relu-ae-30", "--data", fifo, "--val-split", "10", "--out", dir}},
		{"train --labels", nil, []string{"train", "cnn", "--data", pcaImages, "--labels", fifo, "--val-split", "10", "--out", dir}},
		{"figure --data", nil, []string{"figure", "recon", "--model", model, "--data", fifo, "--out", filepath.Join(dir, "f.png")}},
		{"merge PART", nil, []string{"merge", filepath.Join(dir, "all.idx"), fifo}},
		{"ZOO_ORT_LIB", []string{"ZOO_ORT_LIB=" + fifo}, []string{"infer", model, "mnist-mini"}},
		{"ZOO_ORT_LIB ok", []string{"ZOO_ORT_LIB=" + lib}, []string{"infer", model, fifo}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, zooBin, tc.args...)
			cmd.Env = append(os.Environ(), tc.env...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("hung on the named pipe; stderr %q", stderr.String())
			}
			msg := strings.TrimSpace(stderr.String())
			if err == nil || strings.Contains(msg, "\n") || !strings.Contains(msg, fifo) ||
				!strings.Contains(msg, "named pipe (FIFO)") {
				t.Errorf("exit %v, stderr %q; want one line refusing %s as a named pipe", err, stderr.String(), fifo)
			}
		})
	}
}
