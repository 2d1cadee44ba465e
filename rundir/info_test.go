package rundir

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/zoo-ml/zoo/zoo"
)

// sampleInfo returns a run.json of model at the given progress, with 4
// batches an epoch.
func sampleInfo(t *testing.T, model string, epoch, step int) *Info {
	t.Helper()
	m, err := zoo.Lookup(model)
	if err != nil {
		t.Fatal(err)
	}
	info := &Info{Model: m.Name, Family: m.Family, Recipe: m.Recipe, Status: StatusRunning,
		Train:    Data{Name: "train.idx", SHA256: "ab", N: 4 * m.Recipe.BatchSize}, // 4 batches an epoch
		Val:      Data{Name: "val.idx", N: 128, LabelsName: "val-labels.idx", LabelsSHA256: "cd"},
		Started:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Versions: map[string]string{"zoo": zoo.Version}, Epoch: epoch, Step: step}
	for e := 1; e <= epoch; e++ {
		info.Epochs = append(info.Epochs, Epoch{Epoch: e, TrainLoss: 1 / float64(e), ValLoss: 1.5 / float64(e), Seconds: 2, PerSecond: 192})
	}
	return info
}

func TestInfoRoundTrip(t *testing.T) {
	dir := t.TempDir()
	info := sampleInfo(t, "tiny-ae-2", 2, 8)
	info.Args = map[string]string{"data": "mnist"}
	before := time.Now().UTC()
	if err := WriteInfo(dir, info); err != nil {
		t.Fatal(err)
	}
	if info.Updated.Before(before) {
		t.Errorf("Updated %v, before the write (%v)", info.Updated, before)
	}
	got, err := ReadInfo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, info) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, info)
	}
	b, err := os.ReadFile(filepath.Join(dir, RunFile))
	if err != nil || !strings.HasSuffix(string(b), "}\n") {
		t.Errorf("run.json does not end in a newline: %v", err)
	}
	if !IsFolder(dir) || IsFolder(t.TempDir()) {
		t.Error("IsFolder does not tell a run folder by its run.json")
	}
}

// TestInfoSchema pins the JSON names of run.json, which resumes and
// readers of old runs depend on.
func TestInfoSchema(t *testing.T) {
	info := sampleInfo(t, "cnn", 1, 4)
	info.Error, info.Args = "boom", map[string]string{"a": "b"}
	info.Batch, info.PartialLoss, info.PartialN, info.PartialCorrect = 1, 0.5, 100, 90
	info.BestEpoch, info.BestVal, info.Bad = 1, 1.5, 1
	info.Epochs[0].TrainAccuracy, info.Epochs[0].ValAccuracy = 0.9, 0.8
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	want := []string{"args", "batch", "best_epoch", "best_val_loss", "epoch", "epochs", "epochs_without_improvement", "error",
		"family", "model", "partial_correct", "partial_loss", "partial_n", "recipe", "started", "status", "step",
		"train_data", "updated", "val_data", "versions"}
	if !sameSet(keys, want) {
		t.Errorf("run.json keys %v, want %v", keys, want)
	}
	ep := raw["epochs"].([]any)[0].(map[string]any)
	if k := mapKeys(ep); !sameSet(k, []string{"epoch", "train_loss", "val_loss", "seconds", "images_per_second", "train_accuracy", "val_accuracy"}) {
		t.Errorf("epoch keys %v", k)
	}
	if k := mapKeys(raw["val_data"].(map[string]any)); !sameSet(k, []string{"name", "n", "labels", "labels_sha256"}) {
		t.Errorf("data keys %v", k)
	}
	if raw["status"] != "running" {
		t.Errorf("status %v", raw["status"])
	}
}

func mapKeys(m map[string]any) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	return k
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	in := map[string]bool{}
	for _, s := range a {
		in[s] = true
	}
	for _, s := range b {
		if !in[s] {
			return false
		}
	}
	return true
}

func TestReadInfoErrors(t *testing.T) {
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, RunFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir, want string
	}{
		{"missing", filepath.Join(t.TempDir(), "nope"), "nope"},
		{"not JSON", bad, "run.json: unexpected end of JSON input"},
	} {
		if _, err := ReadInfo(tc.dir); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "run folder "+tc.dir) {
			t.Errorf("%s: %v, want run folder %s ... %s", tc.name, err, tc.dir, tc.want)
		}
	}
}

func TestStatusDone(t *testing.T) {
	for s, want := range map[Status]bool{StatusRunning: false, StatusInterrupted: false, StatusFailed: false,
		StatusFinished: true, StatusEarlyStopped: true} {
		if s.Done() != want {
			t.Errorf("%s.Done() = %v", s, !want)
		}
	}
}

// TestSummary: the line zoo train ends with, with the validation accuracy
// of classifiers.
func TestSummary(t *testing.T) {
	info := sampleInfo(t, "tiny-ae-2", 2, 8)
	info.Status, info.BestEpoch = StatusFinished, 1
	if got, want := info.Summary(zoo.Reconstruct), "tiny-ae-2: finished after 2 epochs, train loss 0.500000, validation loss 0.750000 (best epoch 1)"; got != want {
		t.Errorf("autoencoder: %q, want %q", got, want)
	}
	info.Epochs[1].ValAccuracy = 0.5
	if got, want := info.Summary(zoo.Classify), "tiny-ae-2: finished after 2 epochs, train loss 0.500000, validation loss 0.750000, validation accuracy 50.00% (best epoch 1)"; got != want {
		t.Errorf("classifier: %q, want %q", got, want)
	}
}
