package main

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/cpu"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/reference"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/train"
	"github.com/zoo-ml/zoo/zoo"
)

const fixtureImages = "../../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"

// TestTrainExportInfer trains a small model for a few batches on the
// fixture, exports the run and runs it; the gorgonia forward pass, the
// plain-Go forward pass and onnxruntime agree on the trained weights.
func TestTrainExportInfer(t *testing.T) {
	testenv.NeedORT(t)
	dir := t.TempDir()
	r := run(t, nil, "train", "manifold-ae", "--data", fixtureImages, "--val-split", "112", "--epochs", "2",
		"--batch", "100", "--out", dir, "--name", "r", "--quiet")
	if r.code != 0 || !strings.Contains(r.stdout, "finished after 2 epochs") {
		t.Fatalf("train: %+v", r)
	}
	runDir := filepath.Join(dir, "manifold-ae", "r")
	info, err := rundir.ReadInfo(runDir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Recipe.BatchSize != 100 || info.Train.N != 400 || info.Val.N != 112 || info.Step != 8 {
		t.Errorf("run.json: batch %d, %d/%d images, %d steps", info.Recipe.BatchSize, info.Train.N, info.Val.N, info.Step)
	}
	models := filepath.Join(dir, "models")
	if r := run(t, nil, "export", runDir, "--out", models); r.code != 0 || !strings.Contains(r.stdout, "trained by zoo") {
		t.Fatalf("export: %+v", r)
	}
	if r := run(t, nil, "infer", filepath.Join(models, "manifold-ae"), fixtureImages, "--out", filepath.Join(dir, "x.npy")); r.code != 0 {
		t.Fatalf("infer: %+v", r)
	}

	m, _ := zoo.Lookup("manifold-ae")
	w, _, err := safetensors.ReadFile(filepath.Join(runDir, rundir.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	const n = 32
	rd, err := dataset.OpenIDX(fixtureImages)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	x := make([]float32, n*784)
	if _, err := rd.ReadFloat32(x); err != nil {
		t.Fatal(err)
	}
	ref, _, err := reference.Forward(m, w, x, n)
	if err != nil {
		t.Fatal(err)
	}
	net, err := train.NewNet(m, w, train.Config{Batch: n})
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	copy(net.Input(), x)
	if _, _, err := net.Run(); err != nil {
		t.Fatal(err)
	}
	sess, err := infer.Open(filepath.Join(models, "manifold-ae", "model.onnx"), infer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	ort, err := sess.Run(x, n)
	if err != nil {
		t.Fatal(err)
	}
	var dg, do float64
	for i := range ref {
		dg = math.Max(dg, math.Abs(float64(net.Output()[i]-ref[i])))
		do = math.Max(do, math.Abs(float64(ort[i]-ref[i])))
	}
	t.Logf("trained manifold-ae: max |gorgonia - reference| = %.3g, max |onnxruntime - reference| = %.3g", dg, do)
	if dg > 1e-5 || do > 1e-5 {
		t.Errorf("forward passes disagree: gorgonia %g, onnxruntime %g", dg, do)
	}
}

// TestTrainInterrupt: SIGINT finishes the batch, saves a checkpoint, exits
// non-zero saying how to resume; the resumed run finishes.
func TestTrainInterrupt(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(zooBin, "train", "deep-ae", "--data", fixtureImages, "--val-split", "112",
		"--epochs", "1000", "--batch", "8", "--out", dir, "--name", "r", "--quiet")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	runDir := filepath.Join(dir, "deep-ae", "r")
	// wait until the first epoch's checkpoint exists, then interrupt
	deadline := time.Now().Add(60 * time.Second)
	for {
		if info, err := rundir.ReadInfo(runDir); err == nil && info.Epoch >= 1 {
			break
		}
		if time.Now().After(deadline) {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			t.Fatal("no checkpoint after 60 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, stderr %q", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted at epoch") || !strings.Contains(stderr.String(), "--resume "+runDir) {
		t.Errorf("stderr %q does not say how to resume", stderr.String())
	}
	info, err := rundir.ReadInfo(runDir)
	if err != nil || info.Status != rundir.StatusInterrupted {
		t.Fatalf("run.json: %+v, %v", info, err)
	}
	if _, _, err := safetensors.ReadFile(filepath.Join(runDir, rundir.WeightsFile)); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(runDir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	// resuming with a changed setting is refused; the run's settings are kept
	if r := run(t, nil, "train", "--resume", runDir, "--epochs", "3"); r.code != 2 {
		t.Errorf("resume with --epochs: %+v", r)
	}
	// shorten the run so that the resumed run ends quickly
	b, _ := os.ReadFile(filepath.Join(runDir, rundir.RunFile))
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	raw["recipe"].(map[string]any)["epochs"] = info.Epoch + 1
	b, _ = json.Marshal(raw)
	if err := os.WriteFile(filepath.Join(runDir, rundir.RunFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "train", "--resume", runDir, "--quiet")
	if r.code != 0 || !strings.Contains(r.stdout, "finished") {
		t.Errorf("resume: %+v", r)
	}
}

func TestTrainErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"train", "relu-ae-30", "--set", "lr"}, 2, "want KEY=VALUE"},
		{[]string{"train", "relu-ae-30", "--set", "colour=red"}, 2, "unknown recipe key"},
		{[]string{"train", "relu-ae-30", "--set", "noise=pink:1"}, 2, "unknown noise kind"},
		{[]string{"train", "relu-ae-30", "--data", fixtureImages}, 2, "--val-data FILE or --val-split N"},
		{[]string{"train", "relu-ae-30", "--data", "../../fixtures/bad/truncated.idx", "--val-split", "2"}, 1, "truncated.idx"},
		{[]string{"train", "--resume", filepath.Join(dir, "nope")}, 1, "nope"},
	} {
		r := run(t, nil, append(tc.args, "--out", dir, "--quiet")...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("zoo %v: exit %d (want %d), stderr %q lacks %q", tc.args, r.code, tc.code, r.stderr, tc.want)
		}
	}
}

// TestTrainInitFrom: --init-from starts from the weights of a PyTorch
// state_dict, checked as export --weights checks them; a bad file, another
// model's weights, a missing or misshapen tensor is one line naming the
// file and the tensor, and leaves no run folder.
func TestTrainInitFrom(t *testing.T) {
	torch := "../../fixtures/torch/"
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"pytorch weights", []string{"manifold-ae", "--init-from", torch + "manifold-ae.safetensors"}, 0,
			[]string{"starting from the weights of manifold-ae.safetensors (sha256 "}},
		{"bad file", []string{"manifold-ae", "--init-from", "../../fixtures/bad/truncated.idx"}, 1, []string{"truncated.idx"}},
		{"no file", []string{"manifold-ae", "--init-from", "nope.safetensors"}, 1, []string{"nope.safetensors"}},
		{"other model", []string{"tiny-ae-2", "--init-from", torch + "manifold-ae.safetensors"}, 1,
			[]string{"manifold-ae.safetensors", "model tiny-ae-2", `"encoder.0.weight" has shape [64 784], want [50 784]`}},
		{"missing tensor", []string{"manifold-ae", "--init-from", torch + "manifold-ae-missing.safetensors"}, 1,
			[]string{"manifold-ae-missing.safetensors", `"encoder.2.bias" is missing`}},
		{"misshapen", []string{"manifold-ae", "--init-from", torch + "manifold-ae-misshapen.safetensors"}, 1,
			[]string{"manifold-ae-misshapen.safetensors", `"decoder.0.weight" has shape [8 64], want [64 8]`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			r := run(t, nil, append([]string{"train", "--data", fixtureImages, "--val-split", "112", "--epochs", "1", "--batch", "100",
				"--set", "lr=1e-9", "--out", out, "--name", "r"}, tc.args...)...)
			msg := r.stdout + r.stderr
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tc.code, msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("output %q lacks %q", msg, w)
				}
			}
			ents, _ := os.ReadDir(out)
			if tc.code != 0 {
				if len(ents) != 0 {
					t.Errorf("left behind: %v", ents)
				}
				if strings.Count(strings.TrimSuffix(r.stderr, "\n"), "\n") != 0 {
					t.Errorf("want one line, got %q", r.stderr)
				}
				return
			}
			// With a learning rate of 1e-9, 4 steps leave the weights the file's.
			dir := filepath.Join(out, "manifold-ae", "r")
			info, err := rundir.ReadInfo(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(info.InitFrom, "manifold-ae.safetensors (sha256 ") {
				t.Errorf("run.json init_from %q", info.InitFrom)
			}
			got, _, err := safetensors.ReadFile(filepath.Join(dir, rundir.WeightsFile))
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := safetensors.ReadFile(torch + "manifold-ae.safetensors")
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range want.Names() {
				if d := testutil.MaxAbsDiff(got[k].Data, want[k].Data); d > 1e-6 {
					t.Errorf("%s moved %g from the file's", k, d)
				}
			}
			r = run(t, nil, "train", "--resume", dir, "--init-from", torch+"manifold-ae.safetensors")
			if r.code != 2 || !strings.Contains(r.stderr, "--init-from cannot change them") {
				t.Errorf("resume with --init-from: %+v", r)
			}
		})
	}
}

// TestTrainOpenBLASKernel trains with OPENBLAS_CORETYPE unset, as on a
// user's machine: on a CPU with AVX2 and FMA the kernel run.json records
// is never OpenBLAS's SSE3 fallback, whether OpenBLAS knew the CPU or zoo
// started again with the kernel the CPU allows; with OPENBLAS_CORETYPE
// set, zoo keeps it. (A gonum build records "gonum".)
func TestTrainOpenBLASKernel(t *testing.T) {
	for _, pinned := range []string{"", "Prescott"} {
		dir := t.TempDir()
		cmd := exec.Command(zooBin, "train", "manifold-ae", "--data", fixtureImages, "--val-split", "112", "--limit", "312", "--epochs", "1",
			"--batch", "100", "--out", dir, "--name", "r", "--quiet")
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "OPENBLAS_CORETYPE=") && !strings.HasPrefix(kv, "ZOO_OPENBLAS_DETECTED=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		if pinned != "" {
			cmd.Env = append(cmd.Env, "OPENBLAS_CORETYPE="+pinned)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("train with OPENBLAS_CORETYPE=%q: %v\n%s", pinned, err, out)
		}
		info, err := rundir.ReadInfo(filepath.Join(dir, "manifold-ae", "r"))
		if err != nil {
			t.Fatal(err)
		}
		blas := info.Versions["blas"]
		t.Logf("OPENBLAS_CORETYPE=%q: %s", pinned, blas)
		if !strings.HasPrefix(blas, "openblas") {
			continue
		}
		prescott := strings.Contains(blas, "; kernel Prescott")
		switch {
		case pinned == "" && prescott && cpu.X86.HasAVX2 && cpu.X86.HasFMA:
			t.Errorf("OPENBLAS_CORETYPE unset on a CPU with AVX2: %s", blas)
		case pinned != "" && (!prescott || strings.Contains(blas, "chosen by zoo")):
			t.Errorf("OPENBLAS_CORETYPE=%s not kept: %s", pinned, blas)
		}
	}
}
