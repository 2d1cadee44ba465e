package rundir

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/safetensors"
)

// TestIntegrity damages a run folder of two checkpoints (run.json at step
// 8, epoch 2; the *.prev copies at step 4) in the ways a user or a disk
// might: resume (Load) and export (Weights) must refuse each one with an
// error naming the file at fault, and CheckFiles must fail the file whose
// data is wrong. A run written before checksums still loads, unchecked.
func TestIntegrity(t *testing.T) {
	m := tinyAE(t)
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, dir string)
		// load and export are what Load and Weights must fail with ("":
		// they succeed); file is the file CheckFiles must fail ("": none).
		load, export, file string
	}{
		{"whole", func(*testing.T, string) {}, "", "", ""},
		{"a byte of model.safetensors' data flipped", flipData(WeightsFile),
			WeightsFile + " is damaged: its tensor data has SHA-256", WeightsFile + " is damaged", WeightsFile},
		{"a byte of optimizer.safetensors' data flipped", flipData(OptimizerFile),
			OptimizerFile + " is damaged", "", OptimizerFile},
		{"a byte of best.safetensors' data flipped", flipData(BestFile), BestFile + " is damaged", "", BestFile},
		{"a byte of model.prev.safetensors' data flipped", flipData(PrevFile(WeightsFile)), "", "", PrevFile(WeightsFile)},
		{"a byte of the *.prev copy flipped, after a checkpoint cut short", func(t *testing.T, dir string) {
			three := checkpointAt(t, 3, true)
			for _, step := range saveSteps(dir, three.info, three.state, nil)[:2] { // keep, then model.safetensors
				if err := step(); err != nil {
					t.Fatal(err)
				}
			}
			flipData(PrevFile(WeightsFile))(t, dir)
		}, PrevFile(WeightsFile) + " is damaged", PrevFile(WeightsFile) + " is damaged", PrevFile(WeightsFile)},
		{"run.json: epoch +1", editRun(func(r map[string]any) { r["epoch"] = 3.0 }),
			"run.json: epoch 3, but the metrics of 2 epochs are recorded", "run.json: epoch 3", ""},
		{"run.json: epoch -1", editRun(func(r map[string]any) { r["epoch"] = 1.0 }),
			"run.json: epoch 1, but the metrics of 2 epochs are recorded", "run.json: epoch 1,", ""},
		{"run.json: epoch -5", editRun(func(r map[string]any) { r["epoch"] = -3.0 }),
			"run.json: epoch -3 is outside the recipe's 0 to 800 epochs", "run.json: epoch -3", ""},
		{"run.json: epoch 1e9", editRun(func(r map[string]any) { r["epoch"] = 1e9 }),
			"run.json: epoch 1000000000 is outside", "run.json: epoch 1000000000", ""},
		{"run.json: batch 99999", editRun(func(r map[string]any) { r["batch"] = 99999.0 }),
			"run.json: batch 99999 is outside an epoch's 4 batches", "run.json: batch 99999", ""},
		{"run.json: step +1", editRun(func(r map[string]any) { r["step"] = 9.0 }),
			"run.json: step 9, but epoch 2 and batch 0 make step 8", "run.json: step 9", ""},
		{"run.json: batch size halved", editRun(func(r map[string]any) { r["recipe"].(map[string]any)["batch_size"] = 4096.0 }),
			"run.json: step 8, but epoch 2 and batch 0 make step 16", "run.json: step 8", ""},
		{"run.json: a whole epoch more, consistently", editRun(func(r map[string]any) {
			r["epoch"], r["step"] = 3.0, 12.0
			r["epochs"] = append(r["epochs"].([]any), map[string]any{"epoch": 3.0, "train_loss": 0.1, "val_loss": 0.1})
		}), WeightsFile + " is at step 8, but run.json names step 12", WeightsFile + " is at step 8", ""},
		{"run.json: another checksum recorded", editRun(func(r map[string]any) {
			r["checksums"].(map[string]any)[WeightsFile].(map[string]any)["sha256"] = strings.Repeat("0", 64)
		}), WeightsFile + " does not match run.json", WeightsFile + " does not match run.json", WeightsFile},
		{"model.safetensors replaced by model.prev.safetensors", func(t *testing.T, dir string) {
			copyFile(t, filepath.Join(dir, PrevFile(WeightsFile)), filepath.Join(dir, WeightsFile))
		}, WeightsFile + " is at step 4, but run.json names step 8", WeightsFile + " is at step 4", WeightsFile},
		{"model.safetensors rewritten without its checksum", rewrite(WeightsFile, func(meta map[string]string) { delete(meta, metaSHA256) }),
			WeightsFile + " carries no checksum, but run.json records one", WeightsFile + " carries no checksum", ""},
		{"model.safetensors' metadata: another checksum", rewrite(WeightsFile, func(meta map[string]string) { meta[metaSHA256] = strings.Repeat("0", 64) }),
			WeightsFile + " is damaged", WeightsFile + " is damaged", WeightsFile},
		{"written before checksums", func(t *testing.T, dir string) {
			editRun(func(r map[string]any) { delete(r, "checksums") })(t, dir)
			for _, f := range checkpointFiles {
				rewrite(f, func(meta map[string]string) { delete(meta, metaSHA256) })(t, dir)
				rewrite(PrevFile(f), func(meta map[string]string) { delete(meta, metaSHA256) })(t, dir)
			}
		}, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, p := range []point{checkpointAt(t, 1, true), checkpointAt(t, 2, true)} {
				p.info.Status = StatusRunning
				if err := Save(dir, p.info, p.state, nil); err != nil {
					t.Fatal(err)
				}
			}
			tc.edit(t, dir)
			info, err := ReadInfo(dir)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Load(dir, info, m)
			if fails(t, "Load", err, tc.load) {
				if c.Unchecked == info.Checked() {
					t.Errorf("Unchecked %v in a run whose run.json records checksums: %v", c.Unchecked, info.Checked())
				}
			}
			_, _, src, err := Weights(dir)
			if fails(t, "Weights", err, tc.export) {
				if unchecked := strings.Contains(src, "unchecked"); unchecked == info.Checked() {
					t.Errorf("provenance %q of a run with checksums: %v", src, info.Checked())
				}
			}
			for _, fc := range CheckFiles(dir, info) {
				if (fc.Err != nil) != (fc.Name == tc.file) {
					t.Errorf("CheckFiles: %s: %v, %q; want it to fail: %v", fc.Name, fc.Err, fc.Note, fc.Name == tc.file)
				}
				if fc.Err != nil && !strings.Contains(fc.Err.Error(), fc.Name) {
					t.Errorf("CheckFiles: %s: %v does not name the file", fc.Name, fc.Err)
				}
				if !info.Checked() && fc.Note == "" {
					t.Errorf("CheckFiles: %s of a run without checksums has no note", fc.Name)
				}
			}
		})
	}
}

// fails reports whether err is nil, as want "" asks, and else checks that
// it says want.
func fails(t *testing.T, what string, err error, want string) bool {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: %v", what, err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("%s: %v, want an error saying %q", what, err, want)
	}
	return err == nil
}

// flipData flips the lowest bit of the first data byte of a file of dir.
func flipData(name string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		testutil.FlipFirstDataBit(t, filepath.Join(dir, name))
	}
}

// editRun changes run.json with f, as a user with an editor would.
func editRun(f func(r map[string]any)) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		p := filepath.Join(dir, RunFile)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var r map[string]any
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		f(r)
		if b, err = json.Marshal(r); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// rewrite writes a file of dir again with its metadata changed by f.
func rewrite(name string, f func(meta map[string]string)) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		p := filepath.Join(dir, name)
		w, meta, err := safetensors.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f(meta)
		if err := safetensors.WriteFile(p, w, meta); err != nil {
			t.Fatal(err)
		}
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReadInfoNotInt: an epoch written as 1e9 is not an integer; the error
// names run.json.
func TestReadInfoNotInt(t *testing.T) {
	dir := t.TempDir()
	writeRun(t, dir, sampleInfo(t, "tiny-ae-2", 1, 4))
	p := filepath.Join(dir, RunFile)
	b, _ := os.ReadFile(p)
	b = []byte(strings.Replace(string(b), `"epoch": 1,`, `"epoch": 1e9,`, 1))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadInfo(dir); err == nil || !strings.Contains(err.Error(), RunFile+": json: cannot unmarshal number 1e9") {
		t.Errorf("ReadInfo: %v", err)
	}
}
