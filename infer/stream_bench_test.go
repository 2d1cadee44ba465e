package infer

import (
	"context"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/zoo"
)

// The streaming benchmarks compare Stream, which reads and decodes u8 IDX
// images while onnxruntime runs and then measures the reconstruction error
// or counts the classes, with a bare loop of RunBatch over batches filled
// beforehand, on the same session. Their ratio is the overhead of streaming
// (bench/run.sh measures the same end to end against bench/ortloop):
//
//	go test -tags openblas ./infer -run '^$' -bench 'Stream|BareLoop' -cpuprofile cpu.out

const benchImages, benchBatch = 16384, 256

// benchModels are the models the streaming benchmarks run; ZOO_BENCH_MODELS
// (comma separated registry names) replaces them.
var benchModels = []string{"relu-ae-30", "cnn"}

func init() {
	if v := os.Getenv("ZOO_BENCH_MODELS"); v != "" {
		benchModels = strings.Split(v, ",")
	}
}

// benchSetup exports the registry model name with seeded weights and writes
// benchImages fixture images, repeated, as a raw u8 IDX file.
func benchSetup(b *testing.B, name string) (model, data string) {
	b.Helper()
	testenv.NeedORT(b)
	m, err := zoo.Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(b.TempDir(), name)
	if _, err := export.WriteDir(dir, m, m.InitWeights(0), export.DirOptions{Weights: "bench"}); err != nil {
		b.Fatal(err)
	}
	r, err := dataset.OpenIDX(fixtureImages)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	px := make([]byte, r.Remaining()*784)
	if _, err := r.ReadUint8(px); err != nil {
		b.Fatal(err)
	}
	buf := []byte{0, 0, 8, 3}
	for _, d := range []uint32{benchImages, 28, 28} {
		buf = binary.BigEndian.AppendUint32(buf, d)
	}
	for len(buf) < 16+benchImages*784 {
		buf = append(buf, px[:min(len(px), 16+benchImages*784-len(buf))]...)
	}
	data = filepath.Join(b.TempDir(), "images.idx")
	if err := os.WriteFile(data, buf, 0o644); err != nil {
		b.Fatal(err)
	}
	return filepath.Join(dir, "model.onnx"), data
}

func benchOpen(b *testing.B, model string) *Session {
	b.Helper()
	s, err := Open(model, Options{Threads: goruntime.NumCPU()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkStream(b *testing.B) {
	for _, name := range benchModels {
		b.Run(name, func(b *testing.B) {
			model, data := benchSetup(b, name)
			s := benchOpen(b, model)
			images := 0
			for b.Loop() {
				r, err := dataset.OpenIDX(data)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := s.Stream(context.Background(), r, StreamOptions{Task: s.Task(), Batch: benchBatch})
				r.Close()
				if err != nil {
					b.Fatal(err)
				}
				images += rep.Images
			}
			b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

func BenchmarkBareLoop(b *testing.B) {
	for _, name := range benchModels {
		b.Run(name, func(b *testing.B) {
			model, data := benchSetup(b, name)
			s := benchOpen(b, model)
			r, err := dataset.OpenIDX(data)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			batches := make([]*Batch, benchImages/benchBatch)
			for i := range batches {
				if batches[i], err = s.NewBatch(benchBatch); err != nil {
					b.Fatal(err)
				}
				defer batches[i].Close()
				if _, err := r.ReadFloat32(batches[i].In); err != nil {
					b.Fatal(err)
				}
			}
			images := 0
			for b.Loop() {
				for _, bt := range batches {
					if err := s.RunBatch(bt); err != nil {
						b.Fatal(err)
					}
				}
				images += benchImages
			}
			b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// TestSqDiff checks the unrolled sum of squared differences of Stream
// against a plain loop, on lengths around its unrolling.
func TestSqDiff(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 784, 3072} {
		y, x := make([]float32, n), make([]float32, n+3) // x may be longer
		for i := range y {
			y[i] = rng.Float32()
		}
		for i := range x {
			x[i] = rng.Float32()
		}
		want := 0.0
		for i := range y {
			d := float64(y[i]) - float64(x[i])
			want += d * d
		}
		if got := sqDiff(y, x); math.Abs(got-want) > 1e-12*max(1, want) {
			t.Errorf("n=%d: sqDiff %v, want %v", n, got, want)
		}
	}
}

func BenchmarkSqDiff(b *testing.B) {
	y, x := make([]float32, benchBatch*784), make([]float32, benchBatch*784)
	for i := range y {
		y[i], x[i] = float32(i%100)/100, float32(i%37)/37
	}
	var s float64
	for b.Loop() {
		for i := range benchBatch {
			s += sqDiff(y[i*784:(i+1)*784], x[i*784:(i+1)*784])
		}
	}
	if s < 0 {
		b.Fatal(s)
	}
}

// BenchmarkStreamVsBare alternates one Stream over the file with one bare
// pass over the same images in pre-filled batches, on one session, and
// reports the median of the ratios of their rates over the pairs: a
// figure that holds up on a busy machine, where load changes between
// separate benchmarks would swamp a difference of a few percent.
func BenchmarkStreamVsBare(b *testing.B) {
	for _, name := range benchModels {
		b.Run(name, func(b *testing.B) {
			model, data := benchSetup(b, name)
			s := benchOpen(b, model)
			r, err := dataset.OpenIDX(data)
			if err != nil {
				b.Fatal(err)
			}
			batches := make([]*Batch, benchImages/benchBatch)
			for i := range batches {
				if batches[i], err = s.NewBatch(benchBatch); err != nil {
					b.Fatal(err)
				}
				defer batches[i].Close()
				if _, err := r.ReadFloat32(batches[i].In); err != nil {
					b.Fatal(err)
				}
			}
			r.Close()
			var ratios, bares, streams []float64
			for b.Loop() {
				t0 := time.Now()
				for _, bt := range batches {
					if err := s.RunBatch(bt); err != nil {
						b.Fatal(err)
					}
				}
				bare := time.Since(t0)
				r, err := dataset.OpenIDX(data)
				if err != nil {
					b.Fatal(err)
				}
				t0 = time.Now()
				_, err = s.Stream(context.Background(), r, StreamOptions{Task: s.Task(), Batch: benchBatch})
				stream := time.Since(t0)
				r.Close()
				if err != nil {
					b.Fatal(err)
				}
				ratios = append(ratios, bare.Seconds()/stream.Seconds())
				bares, streams = append(bares, bare.Seconds()), append(streams, stream.Seconds())
			}
			median := func(x []float64) float64 { slices.Sort(x); return x[len(x)/2] }
			b.ReportMetric(median(ratios), "stream/bare")
			// The medians of the two times, to compare across session options.
			b.ReportMetric(median(bares)*1e3, "bare-ms")
			b.ReportMetric(median(streams)*1e3, "stream-ms")
		})
	}
}
