package main

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"

	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/safetensors"
)

// killWhen starts zoo with args and kills it with SIGKILL as soon as ready
// reports true (polled continuously), failing the test when zoo exits or
// the deadline passes first. It returns what zoo wrote to stderr.
func killWhen(t *testing.T, ready func() bool, args ...string) string {
	t.Helper()
	r := signalWhen(t, syscall.SIGKILL, ready, nil, args...)
	if r.code == 0 { // a process killed by a signal has no exit code (-1)
		t.Fatal("zoo finished before it was killed")
	}
	return r.stderr
}

// temps returns the temporary files that zoo's atomic writers left in dir
// for the file named base (".base.tmp-*").
func temps(dir, base string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "."+base+".tmp-*"))
	return m
}

// writingTemp reports whether a temporary file of dir/base exists and has
// data in it: the write is under way.
func writingTemp(dir, base string) bool {
	for _, p := range temps(dir, base) {
		if fi, err := os.Stat(p); err == nil && fi.Size() > 0 {
			return true
		}
	}
	return false
}

// TestKillInfer kills zoo infer with SIGKILL while it writes a large output
// over an existing one (--force): the old file must be there, unchanged,
// and no partial file under the final name.
func TestKillInfer(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t) // relu-ae-30
	dir := t.TempDir()
	const n, size = 8000, 784
	data := filepath.Join(dir, "images.idx")
	b := []byte{0, 0, 0x08, 3}
	for _, d := range []int{n, 28, 28} {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for range n * size {
		b = append(b, byte(rng.IntN(256)))
	}
	if err := os.WriteFile(data, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "recon.idx")
	old := []byte("the previous output\n")
	if err := os.WriteFile(out, old, 0o644); err != nil {
		t.Fatal(err)
	}
	killWhen(t, func() bool { return writingTemp(dir, "recon.idx") },
		"infer", model, data, "--task", "reconstruct", "--out", out, "--batch", "64", "--threads", "1", "--force")
	got, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(got, old) {
		t.Fatalf("%s after the kill: %q, %v; want the previous output untouched", out, got, err)
	}
	if tmp := temps(dir, "recon.idx"); len(tmp) != 1 {
		t.Errorf("temporary files %v; want the one cut short", tmp)
	}

	// The same without an existing output: nothing under the final name.
	if err := os.Remove(out); err != nil {
		t.Fatal(err)
	}
	first := temps(dir, "recon.idx")
	killWhen(t, func() bool {
		// The new write under way: a temporary file other than the one cut
		// short (which this run may remove, its owner being dead).
		return writingTemp(dir, "recon.idx") && !slices.Equal(temps(dir, "recon.idx"), first)
	},
		"infer", model, data, "--task", "reconstruct", "--out", out, "--batch", "64", "--threads", "1")
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("%s exists after the kill (%v)", out, err)
	}
}

// TestKillTrain kills zoo train with SIGKILL while it writes the weights of
// its second or a later checkpoint: every file under its final name must
// read, and --resume must continue from the previous checkpoint and finish.
func TestKillTrain(t *testing.T) {
	out := t.TempDir()
	runDir := filepath.Join(out, "deep-ae", "k")
	weights := filepath.Join(runDir, rundir.WeightsFile)
	// deep-ae: 11 MB of weights and 22 MB of optimizer state per checkpoint.
	killWhen(t, func() bool {
		if _, err := os.Stat(weights); err != nil {
			return false // the first checkpoint is not written yet
		}
		return writingTemp(runDir, rundir.WeightsFile)
	}, "train", "deep-ae", "--data", "../../fixtures/mnist-512/t10k-images-idx3-ubyte.gz", "--val-split", "32",
		"--limit", "96", "--batch", "32", "--epochs", "3", "--out", out, "--name", "k", "-q")

	info, err := rundir.ReadInfo(runDir)
	if err != nil {
		t.Fatalf("run.json after the kill: %v", err)
	}
	if info.Status != rundir.StatusRunning || info.Epoch < 1 {
		t.Fatalf("run.json after the kill: status %q, epoch %d", info.Status, info.Epoch)
	}
	for _, f := range []string{rundir.WeightsFile, rundir.OptimizerFile} {
		if _, meta, err := safetensors.ReadFile(filepath.Join(runDir, f)); err != nil {
			t.Fatalf("%s after the kill: %v", f, err)
		} else if meta["epoch"] != strconv.Itoa(info.Epoch) {
			t.Errorf("%s is at epoch %s, run.json at %d", f, meta["epoch"], info.Epoch)
		}
	}
	r := run(t, nil, "train", "--resume", runDir, "-q")
	if r.code != 0 {
		t.Fatalf("resume after the kill: %+v", r)
	}
	if info, err = rundir.ReadInfo(runDir); err != nil || info.Status != rundir.StatusFinished || info.Epoch != 3 {
		t.Fatalf("after resume: %+v, %v", info, err)
	}
}
