package infer

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/zoo"
)

// TestStreamSerial: with onnxruntime's threads on every CPU, Stream runs
// in one goroutine while runs are short, and hands over to the pipeline
// after two long ones. Every way (serial to the end, serial then the
// pipeline, the pipeline alone with one thread) gives the same MSE,
// per-image errors and outputs, or the same classes and logits, with a
// short last batch and a last batch of one.
func TestStreamSerial(t *testing.T) {
	testenv.NeedORT(t)
	all := goruntime.NumCPU()
	for _, name := range []string{"manifold-ae", "cnn"} {
		m, _ := zoo.Lookup(name)
		path := writeModel(t, m, parityWeights(m, 4), "")
		one := open(t, path)
		every, err := Open(path, Options{Threads: all})
		if err != nil {
			t.Fatal(err)
		}
		defer every.Close()
		task := zoo.Reconstruct
		if m.Task == zoo.Classify {
			task = zoo.Classify
		}
		data := writeU8IDX(t, m.Input, 301)
		for _, batch := range []int{100, 64, 512} {
			base, _ := streamOnce(t, one, data, StreamOptions{Task: task, Batch: batch, PerImage: true}, true)
			for _, tc := range []struct {
				name  string
				limit time.Duration
			}{{"serial", time.Hour}, {"serial then pipeline", time.Nanosecond}} {
				t.Run(fmt.Sprintf("%s/batch%d/%s", name, batch, tc.name), func(t *testing.T) {
					got, _ := streamOnce(t, every, data, StreamOptions{Task: task, Batch: batch, PerImage: true, serialRun: tc.limit}, true)
					if got.rep.Images != 301 {
						t.Fatalf("%d images, want 301", got.rep.Images)
					}
					if d := maxRelDiff(got.out, base.out, 1e-3); d > 1e-6 {
						t.Errorf("outputs differ from one thread's by %g relative", d)
					}
					if task == zoo.Classify {
						if fmt.Sprint(got.rep.PredictedCounts) != fmt.Sprint(base.rep.PredictedCounts) {
							t.Errorf("predicted counts %v, with one thread %v", got.rep.PredictedCounts, base.rep.PredictedCounts)
						}
						return
					}
					if d := relDiff(*got.rep.MSE, *base.rep.MSE); d > 1e-6 {
						t.Errorf("MSE %g, with one thread %g", *got.rep.MSE, *base.rep.MSE)
					}
					for i := range base.rep.PerImage {
						if d := relDiff(got.rep.PerImage[i], base.rep.PerImage[i]); d > 1e-6 || math.IsNaN(d) {
							t.Fatalf("image %d: MSE %g, with one thread %g", i, got.rep.PerImage[i], base.rep.PerImage[i])
						}
					}
				})
			}
		}
	}
}

// TestStreamSerialCancel: a stream in the serial loop stops at a cancelled
// context with its error.
func TestStreamSerialCancel(t *testing.T) {
	testenv.NeedORT(t)
	m, _ := zoo.Lookup("tiny-ae-2")
	s, err := Open(writeModel(t, m, m.InitWeights(1), ""), Options{Threads: goruntime.NumCPU()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = s.Stream(ctx, openIDX(t, writeU8IDX(t, m.Input, 100)), StreamOptions{Task: zoo.Reconstruct, Batch: 10, serialRun: time.Hour})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled stream: %v, want context.Canceled", err)
	}
}

// streamOnce streams data through s with opt, writing the outputs to an
// IDX file when withOutput, and returns the report and the outputs.
func streamOnce(t *testing.T, s *Session, data string, opt StreamOptions, withOutput bool) (streamed, string) {
	t.Helper()
	var path string
	if withOutput {
		path = filepath.Join(t.TempDir(), "out.idx")
		out, err := CreateOutput(path, FormatIDX, openIDX(t, data).Remaining(), s.OutputShape(), false)
		if err != nil {
			t.Fatal(err)
		}
		opt.Output = out
	}
	rep, err := s.Stream(context.Background(), openIDX(t, data), opt)
	if err != nil {
		if opt.Output != nil {
			opt.Output.Abort()
		}
		t.Fatal(err)
	}
	st := streamed{rep: rep}
	if opt.Output != nil {
		if err := opt.Output.Commit(); err != nil {
			t.Fatal(err)
		}
		st.out = readIDXFloats(t, path)
	}
	return st, path
}

// streamed is what one Stream gave: its report and the outputs it wrote.
type streamed struct {
	rep *Report
	out []float32
}

// writeU8IDX writes n u8 examples shaped item to a new IDX file: the
// fixture images for 28x28 items, seeded random bytes for others.
func writeU8IDX(t *testing.T, item []int, n int) string {
	t.Helper()
	var b bytes.Buffer
	b.Write([]byte{0, 0, 0x08, byte(1 + len(item))})
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(n)))
	for _, d := range item {
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(d)))
	}
	if zoo.Numel(item) == 784 {
		for _, v := range images(t, n) {
			b.WriteByte(byte(math.Round(float64(v) * 255)))
		}
	} else {
		rng := rand.New(rand.NewPCG(5, uint64(zoo.Numel(item))))
		for range n * zoo.Numel(item) {
			b.WriteByte(byte(rng.IntN(256)))
		}
	}
	p := filepath.Join(t.TempDir(), "images.idx")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// relDiff returns |a-b| / max(|a|, |b|), 0 when both are 0.
func relDiff(a, b float64) float64 {
	d := math.Abs(a - b)
	if d == 0 {
		return 0
	}
	return d / max(math.Abs(a), math.Abs(b))
}

// maxRelDiff returns the largest relDiff of the elements of a and b, with
// |values| below floor taken as floor (outputs near 0 compare absolutely).
func maxRelDiff(a, b []float32, floor float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		m = max(m, d/max(math.Abs(float64(a[i])), math.Abs(float64(b[i])), floor))
	}
	return m
}
