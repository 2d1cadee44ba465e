package infer

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/zoo"
)

func TestParsePreprocess(t *testing.T) {
	for _, tc := range []struct {
		layout, scale, normalize string
		want                     Preprocess
		err                      string
	}{
		{"", "", "", Preprocess{}, ""},
		{"NHWC", "1/255", "0.1307,0.3081", Preprocess{Layout: NHWC, Scale: 1.0 / 255, Mean: 0.1307, Std: 0.3081}, ""},
		{"nchw", "2", " -1 , 2 ", Preprocess{Layout: NCHW, Scale: 2, Mean: -1, Std: 2}, ""},
		{"hwc", "", "", Preprocess{}, `layout "hwc": want nchw or nhwc`},
		{"", "0", "", Preprocess{}, `scale "0": want a positive number`},
		{"", "1/0", "", Preprocess{}, `scale "1/0"`},
		{"", "x", "", Preprocess{}, `scale "x"`},
		{"", "", "0.5", Preprocess{}, `normalize "0.5": want MEAN,STD`},
		{"", "", "0.5,0", Preprocess{}, `normalize "0.5,0"`},
		{"", "", "nan,1", Preprocess{}, `normalize "nan,1"`},
	} {
		got, err := ParsePreprocess(tc.layout, tc.scale, tc.normalize)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q %q %q: %v, want %q", tc.layout, tc.scale, tc.normalize, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q %q %q: %+v, %v", tc.layout, tc.scale, tc.normalize, got, err)
		}
	}
}

func TestDetectLayout(t *testing.T) {
	for _, tc := range []struct {
		shape []int
		want  Layout
		ok    bool
	}{
		{[]int{1, 28, 28}, NCHW, true}, {[]int{3, 32, 32}, NCHW, true},
		{[]int{28, 28, 1}, NHWC, true}, {[]int{224, 224, 3}, NHWC, true},
		{[]int{3, 32, 3}, "", false}, {[]int{8, 8, 8}, "", false}, {[]int{784}, "", false}, {[]int{28, 28}, "", false},
	} {
		if got, ok := DetectLayout(tc.shape); got != tc.want || ok != tc.ok {
			t.Errorf("DetectLayout(%v) = %q, %v", tc.shape, got, ok)
		}
	}
}

// TestPreprocessCheck checks which data a model takes in which layout, and
// that each mismatch names both shapes.
func TestPreprocessCheck(t *testing.T) {
	h := func(typ dataset.ElemType, dims ...int) dataset.Header { return dataset.Header{Type: typ, Dims: dims} }
	for _, tc := range []struct {
		name string
		p    Preprocess
		h    dataset.Header
		task zoo.Task
		in   []int
		perm bool
		want string
	}{
		{"mnist into nhwc", Preprocess{}, h(dataset.U8, 4, 28, 28), zoo.Classify, []int{28, 28, 1}, false, ""},
		{"cifar planes into nhwc", Preprocess{}, h(dataset.U8, 4, 3, 32, 32), zoo.Classify, []int{32, 32, 3}, true, ""},
		{"channels last into nchw", Preprocess{}, h(dataset.F32, 4, 32, 32, 3), zoo.Reconstruct, []int{3, 32, 32}, true, ""},
		{"layout given", Preprocess{Layout: NHWC}, h(dataset.U8, 4, 3, 16, 16), zoo.Classify, []int{16, 16, 3}, true, ""},
		{"layout given against the shapes", Preprocess{Layout: NCHW}, h(dataset.U8, 4, 3, 16, 16), zoo.Classify, []int{16, 16, 3}, false,
			"d.idx: images are 3x16x16 u8 with 768 values each, but the model takes 16x16x3 (768 values)"},
		{"same layout, other size", Preprocess{}, h(dataset.U8, 4, 3, 32, 32), zoo.Classify, []int{16, 16, 3}, false,
			"images are 3x32x32 u8 with 3072 values each, but the model takes 16x16x3 (768 values)"},
		{"ambiguous model", Preprocess{}, h(dataset.U8, 4, 3, 8, 3), zoo.Classify, []int{3, 3, 8}, false, "images are 3x8x3 u8"},
		{"decode takes none", Preprocess{Scale: 1}, h(dataset.F32, 4, 2), zoo.Decode, []int{2}, false,
			"d.idx: layout, scale and normalisation apply to images, not to the codes decode takes"},
		{"flat", Preprocess{Std: 1}, h(dataset.U8, 4, 784), zoo.Classify, []int{1, 28, 28}, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Check("d.idx", tc.h, tc.task, tc.in)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || err.Error() != tc.want && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Check = %v, want %q", err, tc.want)
			}
			if got := tc.p.plan(tc.h, tc.in).transposed(); tc.want == "" && got != tc.perm {
				t.Errorf("transposed %v, want %v", got, tc.perm)
			}
		})
	}
}

// TestPrepApply checks the arithmetic and the transposition of the values
// read.
func TestPrepApply(t *testing.T) {
	u8 := dataset.Header{Type: dataset.U8, Dims: []int{2, 3, 1, 2}}
	f32 := dataset.Header{Type: dataset.F32, Dims: []int{2, 3, 1, 2}}
	read := func(v ...float32) []float32 { // as ReadFloat32 gives u8 values
		out := make([]float32, len(v))
		for i, x := range v {
			out[i] = x / 255
		}
		return out
	}
	for _, tc := range []struct {
		name string
		p    Preprocess
		h    dataset.Header
		in   []int
		x    []float32
		want []float32
	}{
		{"u8 by default", Preprocess{}, u8, []int{3, 1, 2}, read(0, 255, 51, 1, 2, 3), read(0, 255, 51, 1, 2, 3)},
		{"u8 as given", Preprocess{Scale: 1}, u8, []int{3, 1, 2}, read(0, 255, 51, 1, 2, 3), []float32{0, 255, 51, 1, 2, 3}},
		{"u8 to [-1, 1]", Preprocess{Scale: 1.0 / 255, Mean: 0.5, Std: 0.5}, u8, []int{3, 1, 2}, read(0, 255, 51, 1, 2, 3),
			[]float32{-1, 1, float32((51.0/255 - 0.5) / 0.5), float32((1.0/255 - 0.5) / 0.5), float32((2.0/255 - 0.5) / 0.5), float32((3.0/255 - 0.5) / 0.5)}},
		{"float scaled", Preprocess{Scale: 0.5}, f32, []int{3, 1, 2}, []float32{2, 4, 6, 8, 10, 12}, []float32{1, 2, 3, 4, 5, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pr := tc.p.plan(tc.h, tc.in)
			x := append(append([]float32{}, tc.x...), tc.x...) // two examples
			pr.apply(x, 2, 6)
			want := append(append([]float32{}, tc.want...), tc.want...)
			if !slices.EqualFunc(x, want, func(a, b float32) bool { return math.Abs(float64(a-b)) <= 1e-6*math.Abs(float64(b)) }) {
				t.Errorf("got %v, want %v", x, want)
			}
		})
	}
	// Planes [C=3, H=2, W=2] into a channels-last model, and back.
	planes := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	last := []float32{1, 5, 9, 2, 6, 10, 3, 7, 11, 4, 8, 12}
	x := slices.Clone(planes)
	Preprocess{}.plan(dataset.Header{Type: dataset.F32, Dims: []int{1, 3, 2, 2}}, []int{2, 2, 3}).apply(x, 1, 12)
	if !slices.Equal(x, last) {
		t.Errorf("planes to channels last: %v", x)
	}
	Preprocess{}.plan(dataset.Header{Type: dataset.F32, Dims: []int{1, 2, 2, 3}}, []int{3, 2, 2}).apply(x, 1, 12)
	if !slices.Equal(x, planes) {
		t.Errorf("channels last to planes: %v", x)
	}
}

func TestReadClassNames(t *testing.T) {
	p := filepath.Join(t.TempDir(), "names.txt")
	for _, tc := range []struct {
		content string
		k       int
		want    []string
		err     string
	}{
		{"cat\ndog\n", 2, []string{"cat", "dog"}, ""},
		{"cat\r\n dog \r\n\n\n", 2, []string{"cat", "dog"}, ""},
		{"cat\n\ndog", 3, []string{"cat", "", "dog"}, ""},
		{"cat\ndog\n", 3, nil, "2 names, one a line, for the model's 3 classes"},
	} {
		if err := os.WriteFile(p, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadClassNames(p, tc.k)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v", tc.content, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%q: %q, %v", tc.content, got, err)
		}
	}
	if _, err := ReadClassNames(filepath.Join(t.TempDir(), "absent"), 2); err == nil {
		t.Error("absent file: no error")
	}
}

// TestFixedBatch runs the batch-1 fixture (the classifier of
// torch-classifier exported without a dynamic batch) over 8 images, in a
// stream and in memory: every batch has one example, and the outputs are
// PyTorch's.
func TestFixedBatch(t *testing.T) {
	testenv.NeedORT(t)
	s, err := Open(filepath.Join(foreign, "torch-batch1", "model.onnx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.FixedBatch() != 1 || !slices.Equal(s.InputShape(), []int{1, 28, 28}) || s.InferTask() != zoo.Classify {
		t.Fatalf("batch %d, input %v, task %s", s.FixedBatch(), s.InputShape(), s.InferTask())
	}
	if _, err := s.NewBatch(8); err == nil || !strings.Contains(err.Error(), "takes batches of exactly 1 (input [1 1 28 28])") {
		t.Errorf("NewBatch(8): %v", err)
	}
	want := readValue(t, filepath.Join(foreign, "torch-classifier", "test_data_set_0", "output_0.pb")).Float32s()
	x := images(t, 8)
	got, err := s.RunAll(context.Background(), x, 8, 3)
	if err != nil {
		t.Fatal(err)
	}
	if d := testutil.MaxAbsDiff(got, want); d > 1e-5 {
		t.Errorf("RunAll: max |diff| %g", d)
	}
	r, err := dataset.OpenIDX(fixtureImages)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Range(0, 8); err != nil {
		t.Fatal(err)
	}
	logits := filepath.Join(t.TempDir(), "logits.idx")
	o, err := CreateOutput(logits, FormatIDX, 8, []int{10}, false)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Stream(context.Background(), r, StreamOptions{Task: zoo.Classify, Batch: 3, Output: o})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	_, streamed, err := dataset.ReadAllFloat32(logits)
	if err != nil || rep.Images != 8 {
		t.Fatalf("%d images, %v", rep.Images, err)
	}
	if d := testutil.MaxAbsDiff(streamed, want); d > 1e-5 {
		t.Errorf("Stream: max |diff| %g", d)
	}
}

func TestClassesVector(t *testing.T) {
	for _, tc := range []struct {
		out  []int
		want int
	}{{[]int{10}, 10}, {[]int{10, 1, 1}, 10}, {[]int{1, 10}, 10}, {[]int{1}, 0}, {[]int{2, 5}, 0}, {[]int{1, 28, 28}, 0}} {
		s := &Session{outShape: tc.out}
		if got := s.Classes(); got != tc.want {
			t.Errorf("Classes of %v = %d, want %d", tc.out, got, tc.want)
		}
	}
}
