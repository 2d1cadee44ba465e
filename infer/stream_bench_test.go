package infer

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	goruntime "runtime"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/export"
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

var benchModels = []string{"relu-ae-30", "cnn"}

// benchSetup exports the registry model name with seeded weights and writes
// benchImages fixture images, repeated, as a raw u8 IDX file.
func benchSetup(b *testing.B, name string) (model, data string) {
	b.Helper()
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
