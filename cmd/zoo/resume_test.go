package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/rundir"
)

// TestResumeOtherModel resumes run folders whose files belong to another
// model: each must fail with one message naming the file, before training.
// shallow-ae-256 and denoise-ae share their architecture (784-256-784), so
// only the files' own record of their model tells them apart.
func TestResumeOtherModel(t *testing.T) {
	const images = "../../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"
	out := t.TempDir()
	trainRun := func(model, name string) string {
		r := run(t, nil, "train", model, "--data", images, "--val-split", "32", "--limit", "64", "--batch", "32",
			"--epochs", "1", "--out", out, "--name", name, "-q")
		if r.code != 0 {
			t.Fatalf("train %s: %+v", model, r)
		}
		return filepath.Join(out, model, name)
	}
	shallow, relu := trainRun("shallow-ae-256", "a"), trainRun("relu-ae-30", "b")

	// edit copies the run folder src and changes its run.json with f.
	edit := func(src string, f func(info map[string]any)) string {
		dst := filepath.Join(t.TempDir(), "run")
		if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dst, rundir.RunFile))
		if err != nil {
			t.Fatal(err)
		}
		var info map[string]any
		if err := json.Unmarshal(b, &info); err != nil {
			t.Fatal(err)
		}
		info["status"] = rundir.StatusRunning // as if it had been stopped
		f(info)
		if b, err = json.Marshal(info); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, rundir.RunFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	copyFile := func(dst, src string) {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	tampered := edit(shallow, func(info map[string]any) { info["model"] = "denoise-ae" })
	otherWeights := edit(shallow, func(map[string]any) {})
	copyFile(filepath.Join(otherWeights, rundir.WeightsFile), filepath.Join(relu, rundir.WeightsFile))
	otherOptimizer := edit(shallow, func(map[string]any) {})
	copyFile(filepath.Join(otherOptimizer, rundir.OptimizerFile), filepath.Join(relu, rundir.OptimizerFile))
	cutShort := edit(shallow, func(info map[string]any) { info["step"] = 7 })
	unknown := edit(shallow, func(info map[string]any) { info["model"] = "no-such-model" })

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"run.json names a look-alike model", []string{"--resume", tampered},
			filepath.Join(tampered, rundir.WeightsFile) + ` holds weights of model "shallow-ae-256", but the run (run.json) trains denoise-ae`},
		{"weights of another model", []string{"--resume", otherWeights},
			filepath.Join(otherWeights, rundir.WeightsFile) + ` holds weights of model "relu-ae-30", but the run (run.json) trains shallow-ae-256`},
		{"optimizer state of another model", []string{"--resume", otherOptimizer},
			rundir.OptimizerFile + ` holds the optimizer state of model "relu-ae-30", but the run (run.json) trains shallow-ae-256`},
		{"weights of another step", []string{"--resume", cutShort}, "run.json: step 7, but epoch 1 and batch 0 make step 1"},
		{"unknown model", []string{"--resume", unknown}, "no-such-model"},
		{"another model on the command line", []string{"relu-ae-30", "--resume", shallow}, "continues shallow-ae-256; give no other model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, nil, append([]string{"train", "-q"}, tc.args...)...)
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want a failure saying %q", r.code, r.stderr, tc.want)
			}
		})
	}
}
