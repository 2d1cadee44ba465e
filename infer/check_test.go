package infer

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/zoo"
)

func TestCheckInput(t *testing.T) {
	h := func(typ dataset.ElemType, dims ...int) dataset.Header { return dataset.Header{Type: typ, Dims: dims} }
	for _, tc := range []struct {
		name string
		h    dataset.Header
		task zoo.Task
		in   []int
		want string // "" for no error
	}{
		{"mnist into mlp", h(dataset.U8, 10, 28, 28), zoo.Reconstruct, []int{784}, ""},
		{"mnist into conv", h(dataset.U8, 10, 28, 28), zoo.Classify, []int{1, 28, 28}, ""},
		{"flat f32 into conv", h(dataset.F32, 10, 784), zoo.Reconstruct, []int{1, 28, 28}, ""},
		{"f64 images", h(dataset.F64, 3, 1, 28, 28), zoo.Encode, []int{784}, ""},
		{"cifar into cifar", h(dataset.U8, 5, 3, 32, 32), zoo.Classify, []int{3, 32, 32}, ""},
		{"codes", h(dataset.F32, 4, 2), zoo.Decode, []int{2}, ""},
		{"one code per item", h(dataset.F32, 4), zoo.Decode, []int{1}, ""},
		{"cifar into mnist", h(dataset.U8, 5, 3, 32, 32), zoo.Classify, []int{1, 28, 28},
			"d.idx: images are 3x32x32 u8 with 3072 values each, but the model takes 1x28x28 (784 values)"},
		{"same count, other shape", h(dataset.U8, 5, 14, 56), zoo.Reconstruct, []int{1, 28, 28},
			"images are 14x56 u8 with 784 values each, but the model takes 1x28x28"},
		{"channels differ", h(dataset.F32, 5, 3, 16, 16), zoo.Reconstruct, []int{1, 48, 16}, "images are 3x16x16 f32"},
		{"codes too long", h(dataset.F32, 4, 30), zoo.Decode, []int{2}, "d.idx: examples are 30 f32 with 30 values each, but the model takes 2 values"},
		{"u8 codes", h(dataset.U8, 4, 2), zoo.Decode, []int{2}, "holds u8 values; decode takes float codes"},
		{"i32 images", h(dataset.I32, 4, 28, 28), zoo.Reconstruct, []int{784}, "holds i32 values; reconstruct takes images as u8"},
		{"i8 images", h(dataset.I8, 4, 28, 28), zoo.Classify, []int{784}, "holds i8 values"},
		{"empty", h(dataset.U8, 0, 28, 28), zoo.Reconstruct, []int{784}, "d.idx holds no examples (header 0x28x28 u8)"},
		{"no dims", h(dataset.F32), zoo.Decode, []int{2}, "holds no examples"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckInput("d.idx", tc.h, tc.task, tc.in)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// writeF32 writes an IDX f32 file of n examples of 784 values.
func writeF32(t *testing.T, path string, x []float32, n int) {
	t.Helper()
	b := binary.BigEndian.AppendUint32(nil, 0x0D02)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	b = binary.BigEndian.AppendUint32(b, 784)
	for _, v := range x {
		b = binary.BigEndian.AppendUint32(b, math.Float32bits(v))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStreamNaN streams a float file whose example 37 holds a NaN: an
// error naming it without AllowNaN, every example run with it.
func TestStreamNaN(t *testing.T) {
	testenv.NeedORT(t)
	m, _ := zoo.Lookup("tiny-ae-2")
	s := open(t, filepath.Join(exportModel(t, m, m.InitWeights(1)), zoo.ModelFile))
	const n = 50
	x := images(t, n)
	x[37*784+400] = float32(math.NaN())
	path := filepath.Join(t.TempDir(), "nan.idx")
	writeF32(t, path, x, n)
	for _, allow := range []bool{false, true} {
		r, err := dataset.OpenIDX(path)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.Stream(context.Background(), r, StreamOptions{Task: zoo.Reconstruct, Batch: 16, AllowNaN: allow})
		r.Close()
		var nf *dataset.NonFiniteError
		switch {
		case !allow && (!errors.As(err, &nf) || nf.Index != 37 || nf.Value != 400 || nf.File != path):
			t.Errorf("without AllowNaN: got %v, want example 37 value 400 of %s", err, path)
		case allow && (err != nil || rep.Images != n):
			t.Errorf("with AllowNaN: %v, %+v", err, rep)
		}
	}
}
