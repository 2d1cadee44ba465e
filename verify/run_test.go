package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// runFolder writes a run folder of tiny-ae-2 with two checkpoints (steps 4
// and 8; the *.prev copies at step 4), as zoo train leaves it.
func runFolder(t *testing.T) string {
	t.Helper()
	m, err := zoo.Lookup("tiny-ae-2")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	info := &rundir.Info{Model: m.Name, Family: m.Family, Recipe: m.Recipe, Status: rundir.StatusRunning,
		Train:    rundir.Data{Name: "train.idx", N: 4 * m.Recipe.BatchSize},
		Started:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Versions: map[string]string{"zoo": zoo.Version}}
	for e := 1; e <= 2; e++ {
		info.Epoch, info.Step, info.BestEpoch = e, 4*e, e
		info.Epochs = append(info.Epochs, rundir.Epoch{Epoch: e, TrainLoss: 1, ValLoss: 1})
		st := rundir.State{Weights: m.InitWeights(uint64(e)),
			Optimizer: zoo.Weights{"step": {Shape: []int{1}, Data: []float32{float32(4 * e)}}}}
		if err := rundir.Save(dir, info, st, nil); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestVerifyRun damages run folders as TestIntegrity in rundir does:
// zoo verify RUN fails the check of the file at fault, and passes whole
// folders (those written before checksums with notes).
func TestVerifyRun(t *testing.T) {
	flip := func(name string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) { testutil.FlipFirstDataBit(t, filepath.Join(dir, name)) }
	}
	editRun := func(from, to string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			p := filepath.Join(dir, rundir.RunFile)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), from) {
				t.Fatalf("run.json has no %q", from)
			}
			if err := os.WriteFile(p, []byte(strings.Replace(string(b), from, to, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, dir string)
		// fail lists "FILE CHECK: words of its message" of each failed
		// check.
		fail []string
		note string
	}{
		{"whole", func(*testing.T, string) {}, nil, ""},
		{"a byte of model.safetensors flipped", flip(rundir.WeightsFile), []string{
			"model.safetensors checksum: " + "model.safetensors is damaged",
			". checkpoint: model.safetensors is damaged"}, ""},
		{"a byte of optimizer.prev.safetensors flipped", flip(rundir.PrevFile(rundir.OptimizerFile)), []string{
			"optimizer.prev.safetensors checksum: optimizer.prev.safetensors is damaged"}, ""},
		{"run.json: epoch +1", editRun(`"epoch": 2,`, `"epoch": 3,`), []string{
			"run.json run: run.json: epoch 3, but the metrics of 2 epochs are recorded",
			". checkpoint: run.json: epoch 3"}, ""},
		{"run.json: batch 99999", editRun(`"batch": 0,`, `"batch": 99999,`), []string{
			"run.json run: run.json: batch 99999 is outside", ". checkpoint: run.json: batch 99999"}, ""},
		{"model.safetensors replaced by model.prev.safetensors", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, rundir.PrevFile(rundir.WeightsFile)))
			if err := os.WriteFile(filepath.Join(dir, rundir.WeightsFile), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"model.safetensors checksum: model.safetensors does not match run.json",
			". checkpoint: model.safetensors is at step 4, but run.json names step 8"}, ""},
		{"run.json without checksums", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, rundir.RunFile))
			i := strings.Index(string(b), `  "checksums"`)
			if err := os.WriteFile(filepath.Join(dir, rundir.RunFile), []byte(strings.TrimSuffix(string(b[:i]), ",\n")+"\n}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, nil, "records no checksums"},
		{"stopped before its first checkpoint", func(t *testing.T, dir string) {
			info, _ := rundir.ReadInfo(dir)
			info.Epoch, info.Step, info.BestEpoch, info.Epochs, info.Checksums = 0, 0, 0, nil, nil
			if err := rundir.WriteInfo(dir, info); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{rundir.WeightsFile, rundir.OptimizerFile, rundir.PrevFile(rundir.WeightsFile), rundir.PrevFile(rundir.OptimizerFile), "best.safetensors", "best.prev.safetensors"} {
				os.Remove(filepath.Join(dir, f))
			}
		}, []string{". checkpoint: no checkpoint: the run was stopped before its first"}, ""},
		{"run.json deleted", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, rundir.RunFile)) },
			[]string{"run.json run: run folder "}, ""},
		{"run.json names an unknown model", editRun(`"model": "tiny-ae-2"`, `"model": "no-such-model"`),
			[]string{`run.json run: run.json names model "no-such-model"`}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := runFolder(t)
			tc.edit(t, dir)
			r, err := Dir(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range r.Failed() {
				got = append(got, c.File+" "+c.What+": "+c.Err)
			}
			if r.OK() != (len(tc.fail) == 0) || len(got) != len(tc.fail) {
				t.Fatalf("failures\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.fail, "\n"))
			}
			for i, want := range tc.fail {
				check, msg, _ := strings.Cut(want, ": ")
				if !strings.HasPrefix(got[i], check+": ") || !strings.Contains(got[i], msg) {
					t.Errorf("failure %q, want %q", got[i], want)
				}
			}
			var text strings.Builder
			if err := r.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if tc.note != "" && !strings.Contains(text.String(), tc.note) {
				t.Errorf("report without the note %q:\n%s", tc.note, text.String())
			}
		})
	}
}
