package main

import (
	"encoding/binary"
	"encoding/json"
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

// bigIDX writes n 28x28 u8 images (a repeating pattern) as a raw IDX file,
// enough for seconds of inference on one thread.
func bigIDX(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, 16+n*784)
	binary.BigEndian.PutUint32(b[0:], 0x00000803)
	binary.BigEndian.PutUint32(b[4:], uint32(n))
	binary.BigEndian.PutUint32(b[8:], 28)
	binary.BigEndian.PutUint32(b[12:], 28)
	for i := range b[16:] {
		b[16+i] = byte(i * 7 % 251)
	}
	path := filepath.Join(t.TempDir(), "big-idx3-ubyte")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestInferInterrupted sends SIGINT, then SIGTERM, to zoo infer while it
// streams: it stops with the signal's exit code (130, 143) and a message,
// and leaves neither the output nor the --json file nor a temporary file.
func TestInferInterrupted(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	data := bigIDX(t, 100000)
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
		name string
	}{{syscall.SIGINT, 130, "SIGINT"}, {syscall.SIGTERM, 143, "SIGTERM"}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, metrics := filepath.Join(dir, "recon.idx"), filepath.Join(dir, "metrics.json")
			cmd := exec.Command(zooBin, "infer", model, data, "--out", out, "--json", metrics, "--threads", "1", "--batch", "512")
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// The output's temporary file is made just before streaming.
			deadline := time.Now().Add(30 * time.Second)
			for {
				if m, _ := filepath.Glob(filepath.Join(dir, ".recon.idx.tmp-*")); len(m) > 0 {
					break
				}
				if time.Now().After(deadline) {
					if err := cmd.Process.Kill(); err != nil {
						t.Fatal(err)
					}
					t.Fatalf("no temporary output after 30 s; stderr %q", stderr.String())
				}
				time.Sleep(2 * time.Millisecond)
			}
			time.Sleep(50 * time.Millisecond)
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			code := 0
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				code = ee.ExitCode()
			}
			if code != tc.code || !strings.Contains(stderr.String(), "interrupted by "+tc.name+"; no output was written") {
				t.Errorf("exit %d (want %d), stdout %q, stderr %q", code, tc.code, stdout.String(), stderr.String())
			}
			if strings.Contains(stderr.String(), "SA_ONSTACK") || strings.Contains(stderr.String(), "goroutine ") {
				t.Errorf("crashed: %s", stderr.String())
			}
			for _, p := range []string{out, metrics} {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("%s written by an interrupted run", p)
				}
			}
			noTemps(t, dir)
		})
	}
}

// TestInferDevice: --cuda-opt is checked before any work; cuda:N with the
// CPU-only library fails naming the missing provider and writes nothing;
// auto falls back with a notice, takes the CPU's default batch, and the
// --json file says where the run went.
func TestInferDevice(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--cuda-opt", "gpu_mem_limit=1GiB"}, "--cuda-opt needs --device cuda"},
		{[]string{"--device", "cuda", "--cuda-opt", "cudnn_conv_algo_search=FAST"}, "want one of EXHAUSTIVE, HEURISTIC, DEFAULT"},
		{[]string{"--device", "cuda", "--cuda-opt", "gpu_mem_limit"}, "want key=value"},
		{[]string{"--device", "cuda:x"}, "bad CUDA device number"},
		{[]string{"--device", "gpu"}, "unknown device"},
		{[]string{"--batch", "0"}, "--batch 0 must be positive"},
	} {
		args := append([]string{"infer", model, "mnist-mini", "--out", filepath.Join(dir, "x.idx")}, tc.args...)
		if r := run(t, nil, args...); r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}

	out := filepath.Join(dir, "recon.idx")
	r := run(t, nil, "infer", model, "mnist-mini", "--device", "cuda:1", "--cuda-opt", "gpu_mem_limit=1GiB", "--out", out)
	if r.code == 0 { // a GPU build of onnxruntime on a machine with two GPUs
		if !strings.Contains(r.stdout, "CUDAExecutionProvider") {
			t.Errorf("cuda:1: %+v", r)
		}
		return
	}
	if r.code != 1 || !strings.Contains(r.stderr, "CUDA execution provider unavailable (device 1)") || !strings.Contains(r.stderr, "ZOO_ORT_LIB") {
		t.Errorf("cuda:1: %+v", r)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("cuda:1 wrote an output")
	}

	metrics := filepath.Join(dir, "metrics.json")
	r = run(t, nil, "infer", model, "mnist-mini", "--device", "auto", "--cuda-opt", "use_tf32=0", "--out", out, "--json", metrics, "-v")
	if r.code != 0 || !strings.Contains(r.stderr, "using the CPU") || !strings.Contains(r.stderr, "provider CPUExecutionProvider, batch 256") {
		t.Fatalf("auto: %+v", r)
	}
	var rep map[string]any
	b, _ := os.ReadFile(metrics)
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep["provider"] != "CPUExecutionProvider" || rep["batch"] != 256.0 || rep["onnxruntime"] == "" || rep["device_id"] != nil || rep["provider_options"] != nil {
		t.Errorf("auto: report %v", rep)
	}
	noTemps(t, dir)
}
