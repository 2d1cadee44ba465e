package train

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/rundir"
)

// onDisk loads the 512 fixture images (and labels, for a classifier) on
// disk, as LoadData does for a data set larger than MemoryLimit, in chunks
// of 16 images and windows of 3 chunks, so that an epoch spans 11 windows.
func onDisk(t *testing.T, labels bool) *Data {
	t.Helper()
	spec := DataSpec{Data: dataImages, ValData: dataImages, Stream: true}
	m := lookup(t, "tiny-ae-2")
	if labels {
		m = digits()
		spec.Labels, spec.ValLabels = dataLabels, dataLabels
	}
	tr, val, err := LoadData(&spec, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close(); val.Close() })
	if tr.Table == nil || tr.X != nil || val.Table != nil || tr.N != 512 || !spec.Stream || spec.Args()["stream"] != "true" {
		t.Fatalf("train %+v on disk %v, validation on disk %v, spec %+v", tr.Images, tr.Table != nil, val.Table != nil, spec)
	}
	tr.chunk, tr.window = 16, 3
	return tr
}

// TestDiskEpoch: every epoch of data on disk visits each training example
// once, in an order that depends on the seed and the epoch; an order
// started in the middle (a resume) goes on as the whole one does; a
// hold-out is left out; without shuffling the order is the file's.
func TestDiskEpoch(t *testing.T) {
	d := onDisk(t, true)
	mem, err := ReadData(mustOpen(t, dataImages), dataImages)
	if err != nil {
		t.Fatal(err)
	}
	// Which example an image is: its position in the file.
	index := map[string]int{}
	for i := range mem.N {
		index[string(f32bytes(mem.X[i*784:(i+1)*784]))] = i
	}
	visit := func(d *Data, seed int64, shuffle bool, e, start, n int) []int {
		t.Helper()
		o, err := newDiskEpoch(d, seed, shuffle, e, start)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		x := make([]float32, 7*784)
		y := make([]uint8, 7)
		for len(got) < n {
			k := min(7, n-len(got))
			if err := o.next(x[:k*784], y[:k]); err != nil {
				t.Fatal(err)
			}
			for i := range k {
				j, ok := index[string(f32bytes(x[i*784:(i+1)*784]))]
				if !ok || d.Labels[j] != y[i] {
					t.Fatalf("example %d: not an image of the file, or label %d", len(got), y[i])
				}
				got = append(got, j)
			}
		}
		return got
	}
	e1 := visit(d, 5, true, 1, 0, 512)
	if s := slices.Sorted(slices.Values(e1)); !slices.Equal(s, seq(512)) {
		t.Fatalf("epoch 1 is not a permutation of the 512 examples")
	}
	if slices.Equal(e1, seq(512)) {
		t.Error("epoch 1 is not shuffled")
	}
	if e2 := visit(d, 5, true, 2, 0, 512); slices.Equal(e1, e2) {
		t.Error("epochs 1 and 2 in the same order")
	}
	if again := visit(d, 5, true, 1, 0, 512); !slices.Equal(e1, again) {
		t.Error("epoch 1 drawn twice differs")
	}
	if other := visit(d, 6, true, 1, 0, 512); slices.Equal(e1, other) {
		t.Error("seeds 5 and 6 give the same order")
	}
	for _, start := range []int{1, 47, 48, 100, 511} {
		if got := visit(d, 5, true, 1, start, 512-start); !slices.Equal(got, e1[start:]) {
			t.Errorf("started at %d: not the rest of the epoch", start)
		}
	}
	if plain := visit(d, 5, false, 1, 0, 512); !slices.Equal(plain, seq(512)) {
		t.Error("unshuffled order is not the file's")
	}

	tr, val, err := d.Split(100, 9)
	if err != nil {
		t.Fatal(err)
	}
	if tr.N != 412 || val.N != 100 || val.Table != nil || len(val.X) != 100*784 || tr.Table != d.Table {
		t.Fatalf("split: train %d on disk %v, validation %d in memory %v", tr.N, tr.Table != nil, val.N, val.X != nil)
	}
	heldOut := map[int]bool{}
	for i := range val.N {
		j := index[string(f32bytes(val.X[i*784:(i+1)*784]))]
		if heldOut[j] || val.Labels[i] != d.Labels[j] {
			t.Fatalf("hold-out example %d: repeated, or label %d for %d", i, val.Labels[i], d.Labels[j])
		}
		heldOut[j] = true
	}
	got := visit(tr, 5, true, 3, 0, 412)
	for _, j := range got {
		if heldOut[j] {
			t.Fatalf("held-out example %d trains", j)
		}
	}
	if s := slices.Sorted(slices.Values(got)); len(slices.Compact(s)) != 412 {
		t.Error("an example visited twice")
	}
	for _, start := range []int{5, 137, 400} {
		if rest := visit(tr, 5, true, 3, start, 412-start); !slices.Equal(rest, got[start:]) {
			t.Errorf("split, started at %d: not the rest of the epoch", start)
		}
	}
}

// TestStreamResume trains on data on disk: the same seed gives
// bit-identical weights, and so does a run interrupted in the middle of an
// epoch (inside a later window) and resumed; a classifier with a hold-out
// trains too.
func TestStreamResume(t *testing.T) {
	d := onDisk(t, false)
	tr, val, err := d.Split(128, 9)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, name := range []string{"a", "b"} {
		if _, err := Run(context.Background(), Options{Model: small(t, "denoise-ae", 3), Train: tr, Val: val, Dir: filepath.Join(root, name)}); err != nil {
			t.Fatal(err)
		}
	}
	testutil.SameWeights(t, weights(t, filepath.Join(root, "a")), weights(t, filepath.Join(root, "b")))

	// Interrupted after 7 batches: epoch 2, batch 3 of 4, example 300 of
	// the epoch, in its 7th window.
	cut := filepath.Join(root, "cut")
	ctx := &stopAfter{Context: context.Background()}
	ctx.n.Store(7)
	if _, err := Run(ctx, Options{Model: small(t, "denoise-ae", 3), Train: tr, Val: val, Dir: cut}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	if info, _ := rundir.ReadInfo(cut); info.Epoch != 1 || info.Batch != 3 {
		t.Fatalf("after the interrupt: epoch %d, batch %d", info.Epoch, info.Batch)
	}
	if _, err := Run(context.Background(), Options{Model: small(t, "denoise-ae", 3), Train: tr, Val: val, Dir: cut, Resume: true}); err != nil {
		t.Fatal(err)
	}
	testutil.SameWeights(t, weights(t, filepath.Join(root, "a")), weights(t, cut))

	cls := onDisk(t, true)
	m := digits()
	m.Recipe.Epochs, m.Recipe.ValSplit, m.Recipe.SplitSeed = 2, 64, 3
	info, err := Run(context.Background(), Options{Model: m, Train: cls, Dir: filepath.Join(root, "cls")})
	if err != nil {
		t.Fatal(err)
	}
	if info.Train.N != 448 || info.Val.N != 64 || !(info.Epochs[1].TrainAccuracy > 0.3) {
		t.Errorf("classifier on disk: train %d, validation %d, epochs %+v", info.Train.N, info.Val.N, info.Epochs)
	}
}

// TestLoadDataLimit: with a limit, LoadData reads the first images (and
// labels) only: a NaN and a cut after them go unseen, which without the
// limit stop it naming the file and the example; labels of another count
// are refused whatever the limit; a negative limit is refused.
func TestLoadDataLimit(t *testing.T) {
	dir := t.TempDir()
	const n = 300
	x := make([]float32, n*784)
	for i := range x {
		x[i] = float32(i%255) / 255
	}
	x[250*784+17] = float32(math.NaN())
	images := filepath.Join(dir, "nan.idx")
	writeF32IDX(t, images, x, n)
	labels := filepath.Join(dir, "labels.idx")
	writeLabels(t, labels, n)
	short := filepath.Join(dir, "short.idx")
	writeLabels(t, short, n-1)

	ae := lookup(t, "relu-ae-30")
	ae.Recipe.ValSplit = 20
	spec := DataSpec{Data: images, Limit: 100}
	tr, _, err := LoadData(&spec, ae, nil)
	if err != nil || tr.N != 100 || len(tr.X) != 100*784 || tr.Name != images+" (first 100)" || spec.Stream {
		t.Fatalf("limited: %+v, %v", tr, err)
	}
	// The digest is of the part read: the header and the first 100 images.
	b, err := os.ReadFile(images)
	if err != nil {
		t.Fatal(err)
	}
	part := sha256.Sum256(b[:16+100*784*4])
	if tr.SHA256 != hex.EncodeToString(part[:]) {
		t.Errorf("digest %s, want that of the first 100 images", tr.SHA256)
	}
	// A run recorded with the digest of the whole file resumes.
	whole := sha256.Sum256(b)
	info := &rundir.Info{Model: ae.Name, Recipe: ae.Recipe, Args: spec.Args(), Train: rundir.Data{SHA256: hex.EncodeToString(whole[:])}}
	if opt, err := ResumeOptions("runs/r", info, nil); err != nil || opt.Train.SHA256 != info.Train.SHA256 {
		t.Errorf("resume of a run with the whole file's digest: %v", err)
	}
	spec.Limit = 0
	var nf *dataset.NonFiniteError
	if _, _, err := LoadData(&spec, ae, nil); !errors.As(err, &nf) || nf.Index != 250 || nf.Value != 17 || nf.File != images {
		t.Errorf("unlimited: %v, want example 250 value 17 of %s", err, images)
	}

	cls := lookup(t, "cnn")
	cls.Recipe.ValSplit = 20
	spec = DataSpec{Data: images, Labels: labels, Limit: 100}
	tr, _, err = LoadData(&spec, cls, nil)
	if err != nil || len(tr.Labels) != 100 || tr.Labels[99] != 99%10 {
		t.Fatalf("limited labels: %v", err)
	}
	spec.Labels = short
	if _, _, err := LoadData(&spec, cls, nil); err == nil || !strings.Contains(err.Error(), "299 labels for the 300 images of "+images) {
		t.Errorf("labels of another count: %v", err)
	}

	var se *SpecError
	spec = DataSpec{Data: images, Limit: -1}
	if _, _, err := LoadData(&spec, ae, nil); !errors.As(err, &se) || se.Field != "limit" || !strings.Contains(err.Error(), "limit -1") {
		t.Errorf("negative limit: %v", err)
	}
}

// TestStreamsAbove: the training images stay on disk above MemoryLimit.
func TestStreamsAbove(t *testing.T) {
	for _, tc := range []struct {
		n, itemLen int
		disk       bool
	}{
		{60000, 784, false},  // MNIST
		{50000, 3072, false}, // CIFAR-10
		{5000000, 784, true}, // the 5,000,000-image file of issue 19
		{684000, 784, false}, // 2,145 MB: just below
		{685000, 784, true},  // 2,148 MB: just above
		{2048, 784, false},   // zoo train --limit 2048 of that file
	} {
		if got := streams(tc.n, tc.itemLen); got != tc.disk {
			t.Errorf("%d examples of %d values: on disk %v, want %v", tc.n, tc.itemLen, got, tc.disk)
		}
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func f32bytes(x []float32) []byte {
	b := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func mustOpen(t *testing.T, path string) *dataset.Reader {
	t.Helper()
	r, err := dataset.OpenIDX(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// writeF32IDX writes n examples of 784 float32 values as an IDX file.
func writeF32IDX(t *testing.T, path string, x []float32, n int) {
	t.Helper()
	b := binary.BigEndian.AppendUint32(nil, 0x0D03)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	b = binary.BigEndian.AppendUint32(b, 28)
	b = binary.BigEndian.AppendUint32(b, 28)
	for _, v := range x {
		b = binary.BigEndian.AppendUint32(b, math.Float32bits(v))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeLabels writes n labels i%10 as an IDX u8 file.
func writeLabels(t *testing.T, path string, n int) {
	t.Helper()
	b := binary.BigEndian.AppendUint32(nil, 0x0801)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	for i := range n {
		b = append(b, byte(i%10))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
