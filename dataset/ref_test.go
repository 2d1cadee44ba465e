package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	fixtureImages = "../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"
	fixtureLabels = "../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz"
)

// TestResolve checks the one rule for data strings: paths, data set names
// with an optional split, and what each knows about its labels.
func TestResolve(t *testing.T) {
	dir := t.TempDir()
	cifar := writeCIFARDir(t, filepath.Join(dir, "c"), []int{2, 2, 2, 2, 2, 3})
	for _, tt := range []struct {
		arg, role string
		want      Ref
		labelRole string
		name      string
	}{
		{fixtureImages, TestImages, Ref{Arg: fixtureImages, Path: fixtureImages, Role: TestImages}, TestLabels, "t10k-images-idx3-ubyte.gz"},
		{fixtureImages, TrainImages, Ref{Arg: fixtureImages, Path: fixtureImages, Role: TrainImages}, TrainLabels, "t10k-images-idx3-ubyte.gz"},
		{"no/such/file.idx", TestImages, Ref{Arg: "no/such/file.idx", Path: "no/such/file.idx", Role: TestImages}, TestLabels, "file.idx"},
		{cifar, TrainImages, Ref{Arg: cifar, Path: cifar, Set: CIFARName, Role: TrainImages}, TrainLabels, CIFARName},
		{"mnist", TestImages, Ref{Arg: "mnist", Set: "mnist", Role: TestImages}, TestLabels, "mnist"},
		{"mnist", TrainImages, Ref{Arg: "mnist", Set: "mnist", Role: TrainImages}, TrainLabels, "mnist"},
		{"fashion-mnist:train", TestImages, Ref{Arg: "fashion-mnist:train", Set: "fashion-mnist", Role: TrainImages}, TrainLabels, "fashion-mnist"},
		{"kmnist:test", TrainImages, Ref{Arg: "kmnist:test", Set: "kmnist", Role: TestImages}, TestLabels, "kmnist"},
	} {
		got, err := Resolve(tt.arg, tt.role)
		if err != nil || got != tt.want {
			t.Errorf("Resolve(%q, %s) = %+v, %v; want %+v", tt.arg, tt.role, got, err, tt.want)
			continue
		}
		if got.LabelRole() != tt.labelRole || got.Name() != tt.name || got.IsFile() != (tt.want.Path != "") {
			t.Errorf("Resolve(%q): label role %s, name %s, file %v", tt.arg, got.LabelRole(), got.Name(), got.IsFile())
		}
	}

	var se *SplitError
	if _, err := Resolve("mnist:validation", TestImages); !errors.As(err, &se) || se.Split != "validation" ||
		err.Error() != `data "mnist:validation": split "validation" is not train or test` {
		t.Errorf("bad split: %v", err)
	}
	if _, err := Resolve("nope", TestImages); err == nil || !strings.Contains(err.Error(), `data "nope" is neither a file nor a data set: unknown dataset "nope"`) {
		t.Errorf("unknown set: %v", err)
	}
	if _, err := Resolve("mnist", TestLabels); err == nil {
		t.Error("Resolve accepts a labels role")
	}
	if names := (Ref{Set: "fashion-mnist"}).ClassNames(); len(names) != 10 || names[0] != "T-shirt/top" {
		t.Errorf("fashion-mnist class names %v", names)
	}
	if names := (Ref{Path: fixtureImages}).ClassNames(); names != nil {
		t.Errorf("class names of an IDX file: %v", names)
	}
}

// TestRefOpen reads images and labels of files and data sets, with and
// without the mnist-mini fallback.
func TestRefOpen(t *testing.T) {
	isolate(t)
	var notices []Notice
	notice := func(n Notice) { notices = append(notices, n) }

	// An IDX file: no labels unless given.
	ref, _ := Resolve(fixtureImages, TestImages)
	im, err := ref.Read(100)
	if err != nil || im.N != 100 || !slices.Equal(im.Shape, []int{28, 28}) || len(im.X) != 100*784 || im.Name != "t10k-images-idx3-ubyte.gz" {
		t.Fatalf("Read(100) = %+v, %v", im, err)
	}
	if lr, err := ref.OpenLabels("", notice); lr != nil || err != nil {
		t.Errorf("labels of an IDX file: %v, %v", lr, err)
	}
	lr, err := ref.OpenLabels(fixtureLabels, notice)
	if err != nil {
		t.Fatal(err)
	}
	if err := im.ReadLabels(lr); err == nil || err.Error() != "labels "+fixtureLabels+": 512 labels for the 100 images of t10k-images-idx3-ubyte.gz" {
		t.Errorf("100 images, 512 labels: %v", err)
	}
	lr.Close()
	all, err := ref.Read(0)
	if err != nil || all.N != 512 || !slices.Equal(all.X[:100*784], im.X) {
		t.Fatalf("Read(0) = %d images, %v", all.N, err)
	}
	lr, _ = ref.OpenLabels(fixtureLabels, notice)
	if err := all.ReadLabels(lr); err != nil || len(all.Labels) != 512 || all.LabelsName != fixtureLabels {
		t.Errorf("ReadLabels = %v (%d labels from %q)", err, len(all.Labels), all.LabelsName)
	}
	lr.Close()

	// A data set on the search path: no fallback, its own labels.
	ref, _ = Resolve(MiniName, TestImages)
	r, used, err := ref.OpenOrMini(notice)
	if err != nil || used != ref || r.Remaining() != 2000 {
		t.Fatalf("OpenOrMini(mnist-mini) = %+v, %v", used, err)
	}
	r.Close()

	// A data set that is not: mnist-mini stands in, with a notice, for its
	// test images, but not for its training images; its labels are
	// missing, with a notice.
	ref, _ = Resolve("kmnist", TestImages)
	if _, err := ref.Open(); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open(missing kmnist) = %v", err)
	}
	if lr, err := ref.OpenLabels("", notice); lr != nil || err != nil {
		t.Errorf("missing labels: %v, %v", lr, err)
	}
	r, used, err = ref.OpenOrMini(notice)
	if err != nil || used.Set != MiniName || used.Arg != "kmnist" || used.Missing == nil || r.Remaining() != 2000 {
		t.Fatalf("OpenOrMini(kmnist) = %+v, %v", used, err)
	}
	r.Close()
	var nf *NotFoundError
	if len(notices) != 2 || notices[0].Role != TestLabels || notices[0].N != 0 || !errors.As(notices[0].Err, &nf) ||
		notices[1] != (Notice{Data: "kmnist", Set: "kmnist", Role: TestImages, Err: notices[1].Err, N: 2000}) || !errors.As(notices[1].Err, &nf) || nf.Set != "kmnist" {
		t.Errorf("notices %+v", notices)
	}
	lr, err = used.OpenLabels("", nil)
	if err != nil || lr.Remaining() != 2000 {
		t.Fatalf("labels of mnist-mini standing in: %v", err)
	}
	lr.Close()
	ref, _ = Resolve("kmnist:train", TestImages)
	if _, _, err := ref.OpenOrMini(notice); err == nil || !strings.Contains(err.Error(), "the embedded mnist-mini set has no train-images") {
		t.Errorf("OpenOrMini(kmnist:train) = %v", err)
	}
	ref, _ = Resolve(CIFARName, TestImages)
	if _, _, err := ref.OpenOrMini(notice); err == nil || !strings.Contains(err.Error(), "has [3 32 32]") {
		t.Errorf("OpenOrMini(cifar-10) = %v", err)
	}
}

// TestRefCIFARFile reads the images and labels a CIFAR-10 folder carries,
// of the split the role asks for.
func TestRefCIFARFile(t *testing.T) {
	dir := writeCIFARDir(t, filepath.Join(t.TempDir(), "c"), []int{2, 2, 2, 2, 2, 3})
	for _, tt := range []struct {
		role string
		n    int
	}{{TrainImages, 10}, {TestImages, 3}} {
		ref, err := Resolve(dir, tt.role)
		if err != nil {
			t.Fatal(err)
		}
		im, err := ref.Read(0)
		if err != nil || im.N != tt.n || !slices.Equal(im.Shape, []int{3, 32, 32}) || len(im.ClassNames) != 10 {
			t.Fatalf("%s: Read = %+v, %v", tt.role, im, err)
		}
		lr, err := ref.OpenLabels("", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := im.ReadLabels(lr); err != nil {
			t.Errorf("%s: labels: %v", tt.role, err)
		}
		lr.Close()
	}
}

// TestReadImagesErrors: data that is not images, or no images, is an error
// naming the file.
func TestReadImagesErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.idx")
	if err := os.WriteFile(empty, idxHeader(U8, 0, 28, 28), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, want string }{
		{fixtureLabels, fixtureLabels + " holds 512 u8, not images"},
		{empty, empty + " holds no images"},
	} {
		ref, _ := Resolve(tt.path, TestImages)
		if _, err := ref.Read(0); err == nil || err.Error() != tt.want {
			t.Errorf("Read(%s) = %v, want %q", tt.path, err, tt.want)
		}
	}
	r, err := OpenIDX(fixtureImages)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.ReadAllLabels(); err == nil || !strings.Contains(err.Error(), "want 1-D u8 labels") {
		t.Errorf("ReadAllLabels of images: %v", err)
	}
}

// TestImagesLimit keeps the first examples and labels.
func TestImagesLimit(t *testing.T) {
	d := &Images{Name: "d", N: 3, Shape: []int{2}, X: []float32{0, 1, 2, 3, 4, 5}, Labels: []uint8{7, 8, 9}}
	d.Limit(5)
	if d.N != 3 {
		t.Errorf("Limit(5) of 3: %+v", d)
	}
	d.Limit(2)
	if d.N != 2 || !slices.Equal(d.X, []float32{0, 1, 2, 3}) || !slices.Equal(d.Labels, []uint8{7, 8}) || d.Name != "d (first 2)" {
		t.Errorf("Limit(2): %+v", d)
	}
	if err := d.SetLabels([]uint8{1}, "l.idx", ""); err == nil || err.Error() != "labels l.idx: 1 labels for the 2 images of d (first 2)" {
		t.Errorf("SetLabels: %v", err)
	}
}

// TestReadLabelled checks images read whole with their labels: from a
// file given, limited, from a data set (mnist-mini standing in, with a
// notice), and none for an IDX file alone.
func TestReadLabelled(t *testing.T) {
	isolate(t)
	ref, err := Resolve(fixtureImages, TestImages)
	if err != nil {
		t.Fatal(err)
	}
	im, err := ref.ReadLabelled(fixtureLabels, 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	lr, err := OpenIDX(fixtureLabels)
	if err != nil {
		t.Fatal(err)
	}
	defer lr.Close()
	all, err := lr.ReadAllLabels()
	if err != nil {
		t.Fatal(err)
	}
	if im.N != 100 || len(im.X) != 100*784 || im.Name != "t10k-images-idx3-ubyte.gz" || !slices.Equal(im.Labels, all[:100]) || im.ClassNames != nil {
		t.Errorf("file with labels: %d images %q, labels %v", im.N, im.Name, im.Labels[:5])
	}
	if im, err := ref.ReadLabelled("", 0, nil); err != nil || im.N != 512 || im.Labels != nil {
		t.Errorf("file alone: %v, %v", im, err)
	}

	ref, err = Resolve("mnist", TestImages)
	if err != nil {
		t.Fatal(err)
	}
	var notices []Notice
	im, err = ref.ReadLabelled("", 10, func(n Notice) { notices = append(notices, n) })
	if err != nil {
		t.Fatal(err)
	}
	if im.N != 10 || im.Name != MiniName || len(im.Labels) != 10 || len(im.ClassNames) != 10 || len(notices) != 1 || notices[0].N == 0 {
		t.Errorf("mnist standing in: %d images %q, %d labels, notices %+v", im.N, im.Name, len(im.Labels), notices)
	}
}
