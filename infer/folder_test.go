package infer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/zoo"
)

// writeBare writes the part of m (zoo.WholeModel for the whole) to path as
// an ONNX file without zoo's metadata, as a model exported by another tool
// would come.
func writeBare(t *testing.T, m *zoo.Model, part, path string) string {
	t.Helper()
	mp, err := export.Model(m, m.InitWeights(1), export.Options{Part: part})
	if err != nil {
		t.Fatal(err)
	}
	mp.MetadataProps = nil
	b, err := proto.Marshal(mp)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestInferTask checks the one task rule: metadata, else the file's role,
// else the shapes.
func TestInferTask(t *testing.T) {
	testenv.NeedORT(t)
	ae, _ := zoo.Lookup("tiny-ae-2")
	cls := linearClassifier("test-classifier", []int{1, 28, 28}, 10)
	exported := exportModel(t, ae, ae.InitWeights(1))
	dir := t.TempDir()
	for _, tc := range []struct {
		name, path string
		want       zoo.Task
	}{
		{"metadata: whole", filepath.Join(exported, zoo.ModelFile), zoo.Reconstruct},
		{"metadata: encoder", filepath.Join(exported, zoo.Encode.File()), zoo.Encode},
		{"metadata: decoder", filepath.Join(exported, zoo.Decode.File()), zoo.Decode},
		{"metadata: classifier", filepath.Join(exportModel(t, cls, cls.InitWeights(1)), zoo.ModelFile), zoo.Classify},
		{"role: encoder.onnx", writeBare(t, ae, zoo.PartEncoder, filepath.Join(dir, "a", zoo.Encode.File())), zoo.Encode},
		{"role: decoder.onnx", writeBare(t, ae, zoo.PartDecoder, filepath.Join(dir, "a", zoo.Decode.File())), zoo.Decode},
		{"shape: output like the input", writeBare(t, ae, zoo.WholeModel, filepath.Join(dir, "ae.onnx")), zoo.Reconstruct},
		{"shape: a vector of logits", writeBare(t, cls, zoo.WholeModel, filepath.Join(dir, "cls.onnx")), zoo.Classify},
		{"shape: neither", writeBare(t, ae, zoo.PartDecoder, filepath.Join(dir, "dec.onnx")), zoo.Reconstruct},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := open(t, tc.path).InferTask(); got != tc.want {
				t.Errorf("InferTask(%s) = %s, want %s", tc.path, got, tc.want)
			}
		})
	}
}

func TestModelFile(t *testing.T) {
	ae, _ := zoo.Lookup("tiny-ae-2")
	cls := linearClassifier("test-classifier", []int{784}, 10)
	aeDir, clsDir := exportModel(t, ae, ae.InitWeights(1)), exportModel(t, cls, cls.InitWeights(1))
	for _, tc := range []struct {
		path string
		task zoo.Task
		want string
	}{
		{aeDir, "", filepath.Join(aeDir, zoo.ModelFile)},
		{aeDir, zoo.Reconstruct, filepath.Join(aeDir, zoo.ModelFile)},
		{aeDir, zoo.Encode, filepath.Join(aeDir, zoo.Encode.File())},
		{aeDir, zoo.Decode, filepath.Join(aeDir, zoo.Decode.File())},
		{clsDir, zoo.Encode, filepath.Join(clsDir, zoo.ModelFile)}, // its model.onnx says it classifies
		{filepath.Join(aeDir, zoo.Decode.File()), zoo.Encode, filepath.Join(aeDir, zoo.Decode.File())},
		{"missing.onnx", "", "missing.onnx"},
	} {
		if got := ModelFile(tc.path, tc.task); got != tc.want {
			t.Errorf("ModelFile(%s, %q) = %s, want %s", tc.path, tc.task, got, tc.want)
		}
	}
}

// TestOpenFolder opens export folders and single files and checks where
// each session goes.
func TestOpenFolder(t *testing.T) {
	testenv.NeedORT(t)
	ae, _ := zoo.Lookup("tiny-ae-2")
	wide, _ := zoo.Lookup("relu-ae-30")
	cls := linearClassifier("test-classifier", []int{1, 28, 28}, 10)
	aeDir := exportModel(t, ae, ae.InitWeights(1))
	dir := t.TempDir()
	parts := filepath.Join(dir, "parts")
	for _, f := range []string{zoo.Encode.File(), zoo.Decode.File()} {
		b, _ := os.ReadFile(filepath.Join(aeDir, f))
		if err := os.MkdirAll(parts, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(parts, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	decOnly := filepath.Join(dir, "decoder-only")
	b, _ := os.ReadFile(filepath.Join(aeDir, zoo.Decode.File()))
	if err := os.MkdirAll(decOnly, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(decOnly, zoo.Decode.File()), b, 0o644); err != nil {
		t.Fatal(err)
	}
	clsDir, bare := exportModel(t, cls, cls.InitWeights(1)), writeBare(t, ae, zoo.WholeModel, filepath.Join(dir, "bare.onnx"))
	type want struct {
		name                    string
		task                    zoo.Task
		whole, encoder, decoder bool
		input                   []int
		code                    int
		weights                 string
	}
	for _, tc := range []struct {
		path string
		want want
	}{
		{aeDir, want{"tiny-ae-2", zoo.Reconstruct, true, true, true, []int{784}, 2, filepath.Join(aeDir, zoo.ModelFile)}},
		{clsDir, want{"test-classifier", zoo.Classify, true, false, false, []int{1, 28, 28}, 0, filepath.Join(clsDir, zoo.ModelFile)}},
		{parts, want{"tiny-ae-2", zoo.Reconstruct, false, true, true, []int{784}, 2, filepath.Join(parts, zoo.Encode.File())}},
		{decOnly, want{"tiny-ae-2", zoo.Reconstruct, false, false, true, []int{784}, 2, ""}},
		{filepath.Join(aeDir, zoo.Decode.File()), want{"tiny-ae-2", "", false, false, true, []int{784}, 2, filepath.Join(aeDir, zoo.Decode.File())}},
		{bare, want{"bare", zoo.Reconstruct, true, false, false, []int{784}, 0, bare}},
	} {
		f, err := OpenFolder(tc.path, Options{Threads: 1})
		if err != nil {
			t.Errorf("OpenFolder(%s): %v", tc.path, err)
			continue
		}
		got := want{f.Name, f.Task, f.Whole != nil, f.Encoder != nil, f.Decoder != nil, f.InputShape(), f.CodeLen(), f.WeightsFile()}
		if got.name != tc.want.name || got.task != tc.want.task || got.whole != tc.want.whole || got.encoder != tc.want.encoder ||
			got.decoder != tc.want.decoder || !slices.Equal(got.input, tc.want.input) || got.code != tc.want.code || got.weights != tc.want.weights {
			t.Errorf("OpenFolder(%s) = %+v, want %+v", tc.path, got, tc.want)
		}
		if err := f.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}

	mixed := filepath.Join(dir, "mixed")
	if err := os.MkdirAll(mixed, 0o755); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(filepath.Join(aeDir, zoo.Encode.File()))
	if err := os.WriteFile(filepath.Join(mixed, zoo.Encode.File()), b, 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(filepath.Join(exportModel(t, wide, wide.InitWeights(1)), zoo.Decode.File()))
	if err := os.WriteFile(filepath.Join(mixed, zoo.Decode.File()), b, 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	bareDecoder := writeBare(t, ae, zoo.PartDecoder, filepath.Join(dir, "dec.onnx"))
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "nope"), "model " + filepath.Join(dir, "nope") + ": stat"},
		{empty, "folder holds none of model.onnx, encoder.onnx, decoder.onnx"},
		{mixed, "encoder gives 2 values, decoder takes 30"},
		{bareDecoder, "model " + bareDecoder + ": no zoo.task metadata and input [2] differs from output [784]; give an export folder"},
	} {
		if _, err := OpenFolder(tc.path, Options{Threads: 1}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("OpenFolder(%s) = %v, want %q", tc.path, err, tc.want)
		}
	}
}

// TestRunAll checks batched runs over a slice against one run of all, with
// a short last batch, and that a cancelled context stops it.
func TestRunAll(t *testing.T) {
	testenv.NeedORT(t)
	m, _ := zoo.Lookup("tiny-ae-2")
	s := open(t, filepath.Join(exportModel(t, m, m.InitWeights(1)), zoo.Encode.File()))
	const n = 10
	x := images(t, n)
	want, err := s.Run(x, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, batch := range []int{1, 3, 10, 64} {
		got, err := s.RunAll(context.Background(), x, n, batch)
		if err != nil || len(got) != n*2 || testutil.MaxAbsDiff(got, want) > 1e-6 {
			t.Errorf("batch %d: %v, max diff %g", batch, err, testutil.MaxAbsDiff(got, want))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.RunAll(ctx, x, n, 3); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := s.RunAll(context.Background(), x[:100], n, 3); err == nil {
		t.Error("RunAll with a short input")
	}
	if _, err := s.RunAll(context.Background(), x, n, 0); err == nil {
		t.Error("RunAll with batch 0")
	}
}
