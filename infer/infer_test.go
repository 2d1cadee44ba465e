package infer

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/reference"
	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/zoo"
)

const fixtureImages = "../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"

func TestMain(m *testing.M) {
	testenv.LoadORT(Init)
	os.Exit(m.Run())
}

// images returns the first n fixture images as [n, 784] in [0, 1].
func images(t *testing.T, n int) []float32 {
	t.Helper()
	r, err := dataset.OpenIDX(fixtureImages)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	x := make([]float32, n*784)
	if got, err := r.ReadFloat32(x); err != nil || got != n {
		t.Fatalf("read %d images: got %d, %v", n, got, err)
	}
	return x
}

// exportModel writes the export folder of m with weights w and returns it.
func exportModel(t *testing.T, m *zoo.Model, w zoo.Weights) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), m.Name)
	if _, err := export.WriteDir(dir, m, w, export.DirOptions{Weights: "test"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func open(t *testing.T, path string) *Session {
	t.Helper()
	s, err := Open(path, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestParityWithReference runs every registry model, and its encoder and
// decoder where they are exported on their own, through onnxruntime and
// through the plain-Go reference forward pass on the same weights (with
// non-trivial BatchNorm statistics) and fixture batch.
func TestParityWithReference(t *testing.T) {
	testenv.NeedORT(t)
	const n = 64
	for _, m := range zoo.All() {
		t.Run(m.Name, func(t *testing.T) {
			w := parityWeights(m, 7)
			dir := exportModel(t, m, w)
			in := modelInput(t, m, n)
			parts, _ := export.Parts(m)
			for _, part := range append([]string{zoo.WholeModel}, parts...) {
				sub, sw := subModel(t, m, w, part)
				file := zoo.PartFile(part) // zoo.ModelFile for the whole model
				want, _, err := reference.Forward(sub, sw, in, n)
				if err != nil {
					t.Fatal(err)
				}
				got, err := open(t, filepath.Join(dir, file)).Run(in, n)
				if err != nil {
					t.Fatal(err)
				}
				d := testutil.MaxAbsDiff(got, want)
				t.Logf("%s %s: max |ORT - reference| = %.3g", m.Name, file, d)
				if d > 1e-5 {
					t.Errorf("%s: max abs diff %g > 1e-5", file, d)
				}
				if part == m.PartNames()[0] {
					in = want // the decoder runs on the encoder's codes
				}
			}
		})
	}
}

// TestTorchFixtures checks onnxruntime and the reference forward pass
// against outputs PyTorch computed for weights PyTorch wrote
// (fixtures/torch, made by make_fixtures.py).
func TestTorchFixtures(t *testing.T) {
	testenv.NeedORT(t)
	for _, name := range []string{"manifold-ae", "tiny-ae-2"} {
		t.Run(name, func(t *testing.T) {
			m, err := zoo.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			w, _, err := safetensors.ReadFile("../fixtures/torch/" + name + ".safetensors")
			if err != nil {
				t.Fatal(err)
			}
			exp, _, err := safetensors.ReadFile("../fixtures/torch/" + name + ".expected.safetensors")
			if err != nil {
				t.Fatal(err)
			}
			in, want := exp["input"], exp["output"]
			n := in.Shape[0]
			got, err := open(t, filepath.Join(exportModel(t, m, w), zoo.ModelFile)).Run(in.Data, n)
			if err != nil {
				t.Fatal(err)
			}
			ref, _, err := reference.Forward(m, w, in.Data, n)
			if err != nil {
				t.Fatal(err)
			}
			dOrt, dRef := testutil.MaxAbsDiff(got, want.Data), testutil.MaxAbsDiff(ref, want.Data)
			t.Logf("%s: max |ORT - PyTorch| = %.3g, max |reference - PyTorch| = %.3g", name, dOrt, dRef)
			if dOrt > 1e-5 || dRef > 1e-5 {
				t.Errorf("differences from PyTorch: ORT %g, reference %g (> 1e-5)", dOrt, dRef)
			}
		})
	}
}

// TestStream checks that streaming in batches that do not divide the file,
// with double buffering and a short last batch, gives what one Run gives,
// that the MSE is the mean of the per-image MSEs, and that IDX and NPY
// outputs hold the outputs.
func TestStream(t *testing.T) {
	testenv.NeedORT(t)
	m, _ := zoo.Lookup("manifold-ae")
	dir := exportModel(t, m, m.InitWeights(1))
	s := open(t, filepath.Join(dir, zoo.ModelFile))
	const n = 512
	x := images(t, n)
	want, err := s.Run(x, n)
	if err != nil {
		t.Fatal(err)
	}
	var wantMSE float64
	for i := range want {
		d := float64(want[i]) - float64(x[i])
		wantMSE += d * d
	}
	wantMSE /= float64(len(want))

	for _, tc := range []struct {
		batch  int
		format string
	}{{100, FormatIDX}, {512, FormatNPY}, {4096, FormatIDX}, {1, FormatNPY}, {7, FormatIDX}} {
		t.Run(fmt.Sprintf("batch%d-%s", tc.batch, tc.format), func(t *testing.T) {
			r, err := dataset.OpenIDX(fixtureImages)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			path := filepath.Join(t.TempDir(), "out."+tc.format)
			out, err := CreateOutput(path, tc.format, n, []int{28, 28}, false)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.Stream(context.Background(), r, StreamOptions{Task: zoo.Reconstruct, Batch: tc.batch, PerImage: true, Output: out})
			if err != nil {
				out.Abort()
				t.Fatal(err)
			}
			if err := out.Commit(); err != nil {
				t.Fatal(err)
			}
			if rep.Images != n || len(rep.PerImage) != n {
				t.Fatalf("report has %d images, %d per-image MSEs; want %d", rep.Images, len(rep.PerImage), n)
			}
			if math.Abs(*rep.MSE-wantMSE) > 1e-9 {
				t.Errorf("MSE %v, want %v", *rep.MSE, wantMSE)
			}
			mean := 0.0
			for _, v := range rep.PerImage {
				mean += v / n
			}
			if math.Abs(mean-wantMSE) > 1e-9 {
				t.Errorf("mean per-image MSE %v, want %v", mean, wantMSE)
			}
			got := readOutput(t, path, tc.format, n)
			if d := testutil.MaxAbsDiff(got, want); d != 0 {
				t.Errorf("streamed output differs from one Run by %g", d)
			}
		})
	}
}

// readOutput reads back a float32 output file of n 28x28 examples.
func readOutput(t *testing.T, path, format string, n int) []float32 {
	t.Helper()
	if format == FormatIDX {
		h, v, err := dataset.ReadAllFloat32(path)
		if err != nil {
			t.Fatal(err)
		}
		if h.Type != dataset.F32 || fmt.Sprint(h.Dims) != fmt.Sprint([]int{n, 28, 28}) {
			t.Fatalf("IDX header %v", h)
		}
		return v
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hdr := npyHeader([]int{n, 28, 28})
	if string(b[:len(hdr)]) != string(hdr) || len(hdr)%64 != 0 {
		t.Fatalf("NPY header %q", b[:len(hdr)])
	}
	v := make([]float32, n*784)
	for i := range v {
		o := len(hdr) + 4*i
		v[i] = math.Float32frombits(uint32(b[o]) | uint32(b[o+1])<<8 | uint32(b[o+2])<<16 | uint32(b[o+3])<<24)
	}
	return v
}

func TestStreamErrors(t *testing.T) {
	testenv.NeedORT(t)
	m, _ := zoo.Lookup("tiny-ae-2")
	dir := exportModel(t, m, m.InitWeights(1))
	model := open(t, filepath.Join(dir, zoo.ModelFile))
	decoder := open(t, filepath.Join(dir, "decoder.onnx"))
	for _, tc := range []struct {
		name string
		s    *Session
		task zoo.Task
		data string
		want string
	}{
		{"wrong task", model, zoo.Encode, fixtureImages, `performs "reconstruct", not "encode"`},
		{"decode images", decoder, zoo.Decode, fixtureImages, "takes [2]"},
		{"classify an autoencoder", model, zoo.Classify, fixtureImages, `performs "reconstruct", not "classify": it is not a classifier`},
		{"unknown task", model, "segment", fixtureImages, "unknown task"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := dataset.OpenIDX(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			_, err = tc.s.Stream(context.Background(), r, StreamOptions{Task: tc.task, Batch: 16})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestStreamCancel(t *testing.T) {
	testenv.NeedORT(t)
	m, _ := zoo.Lookup("tiny-ae-2")
	s := open(t, filepath.Join(exportModel(t, m, m.InitWeights(1)), zoo.ModelFile))
	r, err := dataset.OpenIDX(fixtureImages)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Stream(ctx, r, StreamOptions{Task: zoo.Reconstruct, Batch: 8}); err == nil {
		t.Fatal("cancelled stream returned no error")
	}
}

func TestOpenErrors(t *testing.T) {
	testenv.NeedORT(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.onnx")
	if err := os.WriteFile(garbage, []byte("this is not a protobuf"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.onnx"), "no such file"},
		{garbage, "not a model onnxruntime can load"},
	} {
		_, err := Open(tc.path, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%s): got %v, want an error with the path and %q", tc.path, err, tc.want)
		}
	}
}

func TestLibraryPath(t *testing.T) {
	t.Setenv(LibEnv, "/nonexistent/libonnxruntime.so")
	if _, err := LibraryPath(); err == nil || !strings.Contains(err.Error(), "/nonexistent/libonnxruntime.so") {
		t.Errorf("missing %s: got %v", LibEnv, err)
	}
	t.Setenv(LibEnv, "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	if p, err := LibraryPath(); err == nil {
		// a system-wide library is fine; otherwise the error says what to do
		t.Logf("found system library %s", p)
	} else if !strings.Contains(err.Error(), "setup.sh") {
		t.Errorf("error does not say how to install: %v", err)
	}
}

func TestParseDevice(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Device
		ok   bool
	}{
		{"cpu", Device{Kind: "cpu"}, true}, {"", Device{Kind: "cpu"}, true}, {"auto", Device{Kind: "auto"}, true},
		{"cuda", Device{Kind: "cuda"}, true}, {"cuda:3", Device{Kind: "cuda", ID: 3}, true},
		{"cuda:-1", Device{}, false}, {"cuda:x", Device{}, false}, {"tpu", Device{}, false},
	} {
		got, err := ParseDevice(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseDevice(%q) = %v, %v", tc.in, got, err)
		}
	}
}

// TestDeviceFallback: the CPU-only library has no CUDA provider; cuda must
// fail with a clear error and auto must fall back to the CPU and say so.
func TestDeviceFallback(t *testing.T) {
	testenv.NeedORT(t)
	m, _ := zoo.Lookup("tiny-ae-2")
	path := filepath.Join(exportModel(t, m, m.InitWeights(1)), zoo.ModelFile)
	if s, err := Open(path, Options{Device: Device{Kind: "cuda"}}); err == nil {
		defer s.Close()
		if s.Provider() != CUDAProvider {
			t.Errorf("cuda: provider %s", s.Provider())
		}
		return // a GPU build of onnxruntime: nothing falls back
	} else if !strings.Contains(err.Error(), "CUDA execution provider unavailable") {
		t.Errorf("cuda: got %v", err)
	}
	var warn strings.Builder
	s, err := Open(path, Options{Device: Device{Kind: "auto"}, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Provider() != CPUProvider || !strings.Contains(warn.String(), "using the CPU") {
		t.Errorf("auto: provider %s, notice %q", s.Provider(), warn.String())
	}
}
