package infer

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/zoo"
)

// TestIOBinding: batches run through an IoBinding give bit for bit the
// outputs of plain runs, for an MLP and a convolutional model, streamed
// with a short last batch and run once, and the report says so.
func TestIOBinding(t *testing.T) {
	testenv.NeedORT(t)
	for _, name := range []string{"relu-ae-30", "cnn"} {
		t.Run(name, func(t *testing.T) {
			m, _ := zoo.Lookup(name)
			path := writeModel(t, m, parityWeights(m, 3), "")
			plain := open(t, path)
			bound, err := Open(path, Options{Threads: 1, IOBinding: true})
			if err != nil {
				t.Fatal(err)
			}
			defer bound.Close()
			if !bound.IOBinding() || plain.IOBinding() {
				t.Fatalf("IOBinding() = %v, %v", bound.IOBinding(), plain.IOBinding())
			}
			const n = 100
			x := modelInput(t, m, n)
			want, err := plain.Run(x, n)
			if err != nil {
				t.Fatal(err)
			}
			got, err := bound.Run(x, n)
			if err != nil {
				t.Fatal(err)
			}
			if d := testutil.MaxAbsDiff(got, want); d != 0 {
				t.Errorf("one run: bound outputs differ by %g", d)
			}

			task := zoo.Reconstruct
			if m.Task == zoo.Classify {
				task = zoo.Classify
			}
			outPath := filepath.Join(t.TempDir(), "out.idx")
			out, err := CreateOutput(outPath, FormatIDX, 512, bound.OutputShape(), false)
			if err != nil {
				t.Fatal(err)
			}
			r, err := dataset.OpenIDX(fixtureImages)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rep, err := bound.Stream(context.Background(), r, StreamOptions{Task: task, Batch: 96, Output: out})
			if err != nil {
				out.Abort()
				t.Fatal(err)
			}
			if err := out.Commit(); err != nil {
				t.Fatal(err)
			}
			if !rep.IOBinding || rep.Images != 512 || rep.DeviceID != nil || rep.ProviderOptions != nil {
				t.Errorf("report: io_binding %v, %d images, device %v, options %v", rep.IOBinding, rep.Images, rep.DeviceID, rep.ProviderOptions)
			}
			all := images(t, 512)
			want512, err := plain.Run(all, 512)
			if err != nil {
				t.Fatal(err)
			}
			streamed := readIDXFloats(t, outPath)
			if d := testutil.MaxAbsDiff(streamed, want512); d != 0 {
				t.Errorf("streamed with binding: outputs differ from a plain run by %g", d)
			}
		})
	}
}

func readIDXFloats(t *testing.T, path string) []float32 {
	t.Helper()
	r, err := dataset.OpenIDX(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	x := make([]float32, r.Remaining()*r.Header().ItemLen())
	if _, err := r.ReadFloat32(x); err != nil {
		t.Fatal(err)
	}
	return x
}

// TestAbortOn: once the context given to AbortOn is done, runs fail with
// an error that wraps the context's error and its cause; a stream ends
// with such an error; stop before cancelling leaves runs alone.
func TestAbortOn(t *testing.T) {
	testenv.NeedORT(t)
	m, _ := zoo.Lookup("relu-ae-30")
	s := open(t, filepath.Join(exportModel(t, m, m.InitWeights(1)), zoo.ModelFile))
	x := images(t, 8)

	ctx, cancel := context.WithCancel(context.Background())
	stop := s.AbortOn(ctx)
	if _, err := s.Run(x, 8); err != nil {
		t.Fatalf("before cancel: %v", err)
	}
	stop()
	cancel()
	if _, err := s.Run(x, 8); err != nil {
		t.Fatalf("cancelled after stop: %v", err)
	}

	s2 := open(t, filepath.Join(exportModel(t, m, m.InitWeights(1)), zoo.ModelFile))
	cause := errors.New("interrupt signal received")
	ctx2, cancel2 := context.WithCancelCause(context.Background())
	defer s2.AbortOn(ctx2)()
	cancel2(cause)
	_, err := s2.Run(x, 8)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, cause) || !strings.Contains(err.Error(), s2.Path()) {
		t.Errorf("run after abort: %v", err)
	}
	r, err := dataset.OpenIDX(fixtureImages)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := s2.Stream(context.Background(), r, StreamOptions{Task: zoo.Reconstruct, Batch: 64}); !errors.Is(err, context.Canceled) {
		t.Errorf("stream after abort: %v", err)
	}
}

// TestAbortMidRun: cancelling the context during a long run makes
// onnxruntime end the run early (its terminate flag), with an error that
// wraps the context's error; the run would otherwise succeed.
func TestAbortMidRun(t *testing.T) {
	testenv.NeedORT(t)
	m, _ := zoo.Lookup("relu-ae-30")
	s := open(t, writeModel(t, m, parityWeights(m, 1), ""))
	// About a second of work on one thread, in 8 Gemm nodes; onnxruntime
	// looks at the flag between nodes.
	const n = 16384
	b, err := s.NewBatch(n)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { b.Close() }()
	for wait := 100 * time.Millisecond; ; wait *= 2 {
		ctx, cancel := context.WithCancel(context.Background())
		stop := s.AbortOn(ctx)
		done := make(chan error, 1)
		go func() { done <- s.RunBatch(b) }()
		time.Sleep(wait)
		cancel()
		err := <-done
		stop()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("run: %v", err)
		}
		if strings.Contains(err.Error(), "terminate") {
			return
		}
		if wait > time.Second {
			t.Fatalf("the run never started before the cancel: %v", err)
		}
		// Cancelled before the run started; the run was still refused.
		// A new session has a fresh terminate flag.
		s = open(t, writeModel(t, m, parityWeights(m, 1), ""))
		b.Close()
		if b, err = s.NewBatch(n); err != nil {
			t.Fatal(err)
		}
	}
}
