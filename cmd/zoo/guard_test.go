package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/testenv"
)

// oneLine checks that r failed with code (any non-zero when 0) and one line
// on stderr saying want.
func oneLine(t *testing.T, r result, code int, want string) {
	t.Helper()
	msg := strings.TrimSuffix(r.stderr, "\n")
	switch {
	case r.code == 0 || code != 0 && r.code != code:
		t.Errorf("exit %d, want %d; stderr %q", r.code, code, r.stderr)
	case strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "zoo: "):
		t.Errorf("want one line, got %q", r.stderr)
	case !strings.Contains(msg, want):
		t.Errorf("stderr %q does not say %q", r.stderr, want)
	}
}

// TestFlagChecks: zoo infer needs its DATA; --threads is 0 or 1 to four
// per CPU; --limit is not negative; --set values are finite and in range
// and the loss fits the model: each is refused with one line and exit 2
// before anything is created.
func TestFlagChecks(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	out := t.TempDir()
	runs := filepath.Join(out, "runs")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"infer without DATA", []string{"infer", model}, "infer: want 2 arguments, got 1"},
		{"infer --threads -1", []string{"infer", model, "mnist-mini", "--threads", "-1"}, "--threads -1: want 1 to"},
		{"infer --threads 10000", []string{"infer", model, "mnist-mini", "--threads", "10000"}, "--threads 10000: want 1 to"},
		{"eval --threads 10000", []string{"eval", model, "mnist-mini", "--threads", "10000"}, "--threads 10000: want 1 to"},
		{"compare --threads -1", []string{"compare", "pca", "--model", model, "--train", pcaImages, "--test", pcaImages, "--threads", "-1"}, "--threads -1"},
		{"figure --threads 10000", []string{"figure", "recon", "--model", model, "--data", pcaImages, "--out", filepath.Join(out, "f.png"), "--threads", "10000"}, "--threads 10000"},
		{"report --threads -5", []string{"report", model, "--data", pcaImages, "--out", out, "--threads", "-5"}, "--threads -5"},
		{"train --limit -1", []string{"train", "relu-ae-30", "--data", pcaImages, "--val-split", "10", "--limit", "-1", "--out", runs}, "--limit -1: want a positive number of images (0 for all)"},
		{"momentum NaN", []string{"train", "relu-ae-30", "--set", "optimizer=sgd", "--set", "momentum=NaN", "--out", runs}, "recipe momentum=NaN: recipe: momentum NaN is not a finite number"},
		{"noise NaN", []string{"train", "denoise-ae", "--set", "noise=gaussian:NaN", "--out", runs}, "gaussian noise level NaN is not a finite number"},
		{"noise Inf", []string{"train", "denoise-ae", "--set", "noise=salt-and-pepper:Inf", "--out", runs}, "not a finite number"},
		{"lr 0", []string{"train", "relu-ae-30", "--set", "lr=0", "--out", runs}, "learning rate 0 must be positive"},
		{"lr -1", []string{"train", "relu-ae-30", "--set", "lr=-1", "--out", runs}, "learning rate -1 must be positive"},
		{"lr Inf", []string{"train", "relu-ae-30", "--set", "lr=Inf", "--out", runs}, "learning rate +Inf is not a finite number"},
		{"sparsity NaN", []string{"train", "sparse-ae", "--set", "sparsity=NaN", "--out", runs}, "sparsity NaN is not a finite number"},
		{"cross-entropy on an autoencoder", []string{"train", "relu-ae-30", "--set", "loss=cross-entropy", "--out", runs},
			"model relu-ae-30 is an autoencoder (task reconstruct): loss cross-entropy is for classifiers"},
		{"mse on a classifier", []string{"train", "cnn", "--set", "loss=mse", "--out", runs}, "model cnn is a classifier: loss mse is for autoencoders"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oneLine(t, run(t, nil, tc.args...), 2, tc.want)
			if ents, _ := os.ReadDir(out); len(ents) != 0 {
				t.Errorf("created before the check: %v", ents)
			}
		})
	}
}

// TestDamagedORTLibrary: a truncated or foreign onnxruntime library gives
// one line saying so, not a crash of the process that loads it.
func TestDamagedORTLibrary(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	b, err := os.ReadFile(ortLib(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated to half", b[:len(b)/2], "truncated or corrupt"},
		{"truncated by a byte", b[:len(b)-1], "truncated or corrupt"},
		{"an HTML page", []byte("<html>404</html>"), "not an ELF file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lib := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".so")
			if err := os.WriteFile(lib, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			r := run(t, []string{"ZOO_ORT_LIB=" + lib}, "infer", model, "mnist-mini")
			oneLine(t, r, 1, "onnxruntime library "+lib+" is damaged or not onnxruntime: ")
			if !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, "SIGSEGV") {
				t.Errorf("stderr %q", r.stderr)
			}
		})
	}
}

// TestOutputIsInput: an output that is an input, through any path to it,
// or two outputs that are one file, are refused before any work, with one
// line; the input is left as it was and nothing is written.
func TestOutputIsInput(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	cls := newTestClassifier(t)
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	data, err := os.ReadFile(pcaImages)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p("in.idx.gz"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(p("in.idx.gz"), p("link.idx.gz")); err != nil {
		t.Fatal(err)
	}
	for i, part := range []string{"0/2", "1/2"} {
		if r := run(t, nil, "infer", model, p("in.idx.gz"), "--shard", part, "--out", p("part-"+string(rune('0'+i))+".idx")); r.code != 0 {
			t.Fatalf("infer --shard: %+v", r)
		}
	}
	part0, err := os.ReadFile(p("part-0.idx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(p("evalout"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"eval.json", "compare-pca.json"} {
		if err := os.Link(p("in.idx.gz"), p("evalout/"+name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"infer --out INPUT --force", []string{"infer", model, p("in.idx.gz"), "--out", p("in.idx.gz"), "--force"}, "output " + p("in.idx.gz") + " is the same file as data " + p("in.idx.gz")},
		{"infer --out another path to INPUT", []string{"infer", model, p("in.idx.gz"), "--out", dir + "/./in.idx.gz", "--force"}, "is the same file as data"},
		{"infer --out a link to INPUT", []string{"infer", model, p("in.idx.gz"), "--out", p("link.idx.gz"), "--force"}, "is the same file as data"},
		{"infer --json INPUT", []string{"infer", model, p("in.idx.gz"), "--json", p("in.idx.gz"), "--force"}, "JSON report " + p("in.idx.gz") + " is the same file as data"},
		{"infer --out MODEL", []string{"infer", model, p("in.idx.gz"), "--out", filepath.Join(model, "model.onnx"), "--force"}, "is the same file as model"},
		{"infer --out and --probs one file", []string{"infer", cls.dir, p("in.idx.gz"), "--labels", clsLabels, "--out", p("c.idx"), "--probs", p("c.idx")}, "probabilities " + p("c.idx") + " are the same file"},
		{"infer --out and --json one file", []string{"infer", model, p("in.idx.gz"), "--out", p("o.idx"), "--json", dir + "/./o.idx"}, "are the same file: each output needs a file of its own"},
		{"merge OUT among the parts", []string{"merge", p("part-0.idx"), p("part-0.idx"), p("part-1.idx"), "--force"}, "merged file " + p("part-0.idx") + " is the same file as part " + p("part-0.idx")},
		{"eval --out with an input in it", []string{"eval", model, p("in.idx.gz"), "--out", p("evalout"), "--force"}, "output " + p("evalout/eval.json") + " is the same file as data"},
		{"compare --out with an input in it", []string{"compare", "pca", "--model", model, "--train", p("in.idx.gz"), "--test", pcaImages, "--out", p("evalout"), "--force"},
			"is the same file as training data"},
		{"figure --out INPUT", []string{"figure", "recon", "--model", model, "--data", p("in.idx.gz"), "--out", p("in.idx.gz"), "--force"}, "--out " + p("in.idx.gz") + " is the same file as --data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadDir(dir)
			oneLine(t, run(t, nil, tc.args...), 1, tc.want)
			if got, _ := os.ReadFile(p("in.idx.gz")); !bytes.Equal(got, data) {
				t.Error("the input changed")
			}
			if got, _ := os.ReadFile(p("part-0.idx")); !bytes.Equal(got, part0) {
				t.Error("a part changed")
			}
			if after, _ := os.ReadDir(dir); len(after) != len(before) {
				t.Errorf("files before %d, after %d: %v", len(before), len(after), after)
			}
		})
	}
}

// TestDataSetNames: a folder ./fashion-mnist/ in the working directory
// does not shadow the data set (./fashion-mnist names the folder); and the
// test images of a data set in ZOO_DATA, reordered, whose labels are found
// only in another folder of the search path, are refused, not scored
// against those labels.
func TestDataSetNames(t *testing.T) {
	testenv.NeedORT(t)
	cls := newTestClassifier(t)
	zooData, cache := t.TempDir(), t.TempDir()
	lib, err := filepath.Abs(ortLib(t))
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"ZOO_DATA=" + zooData, "XDG_CACHE_HOME=" + cache, "HOME=" + cache, "ZOO_ORT_LIB=" + lib}
	clsDir, err := filepath.Abs(cls.dir)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	if err := os.MkdirAll(filepath.Join(work, "fashion-mnist"), 0o755); err != nil {
		t.Fatal(err)
	}
	inWork := func(args ...string) result {
		cmd := exec.Command(zooBin, args...)
		cmd.Dir, cmd.Env = work, append(os.Environ(), env...)
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		return result{code, out.String(), errb.String()}
	}
	// The data set name means the data set (found on the search path, or
	// mnist-mini standing in for it), whatever ./fashion-mnist/ holds.
	if r := inWork("infer", clsDir, "fashion-mnist"); r.code != 0 || !strings.Contains(r.stdout+r.stderr, "fashion-mnist") || strings.Contains(r.stderr, "CIFAR") {
		t.Errorf("the data set name with ./fashion-mnist/ present: %+v", r)
	}
	if r := inWork("infer", clsDir, "./fashion-mnist"); r.code == 0 || !strings.Contains(r.stderr, "fashion-mnist") {
		t.Errorf("./fashion-mnist, an empty folder: %+v", r)
	}

	// The test images, reordered, in ZOO_DATA; the labels only in the cache.
	images := writeHead(t, clsImages, 512, t.TempDir())
	b, err := os.ReadFile(images)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 256 { // swap the halves
		a, c := b[16+i*784:16+(i+1)*784], b[16+(i+256)*784:16+(i+257)*784]
		tmp := bytes.Clone(a)
		copy(a, c)
		copy(c, tmp)
	}
	mkdirWrite(t, filepath.Join(zooData, "fashion-mnist", "t10k-images-idx3-ubyte"), b)
	labels, err := os.ReadFile(clsLabels)
	if err != nil {
		t.Fatal(err)
	}
	mkdirWrite(t, filepath.Join(cache, "zoo", "datasets", "fashion-mnist", "t10k-labels-idx1-ubyte.gz"), labels)
	for _, args := range [][]string{{"infer", clsDir, "fashion-mnist"}, {"eval", clsDir, "fashion-mnist"}} {
		r := inWork(args...)
		oneLine(t, r, 1, "are in different folders of the search path, and they are not both the catalogue's files")
		if strings.Contains(r.stdout, "accuracy") {
			t.Errorf("%s scored: %s", args[0], r.stdout)
		}
	}
	// Beside the images, the labels are theirs.
	mkdirWrite(t, filepath.Join(zooData, "fashion-mnist", "t10k-labels-idx1-ubyte.gz"), labels)
	if r := inWork("infer", clsDir, "fashion-mnist"); r.code != 0 || !strings.Contains(r.stdout, "accuracy") {
		t.Errorf("labels beside the images: %+v", r)
	}
}

func mkdirWrite(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOneInputRule: every command that reads images refuses the element
// types that zoo infer refuses (i8, and a u8 file whose type byte was
// flipped to i8) and names the file and the example of a NaN or Inf, with
// one line; and reads a gzip file of several members as gzip does.
func TestOneInputRule(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	x := make([]float32, 20*784)
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	x[13*784+5] = float32(math.NaN())
	writeIDX(t, p("nan.idx"), 0x0D, []int{20, 28, 28}, x)
	i8 := append([]byte{0, 0, 0x09, 3, 0, 0, 0, 20, 0, 0, 0, 28, 0, 0, 0, 28}, make([]byte, 20*784)...)
	if err := os.WriteFile(p("i8.idx"), i8, 0o644); err != nil {
		t.Fatal(err)
	}
	head := writeHead(t, pcaImages, 512, dir)
	flipped, err := os.ReadFile(head)
	if err != nil {
		t.Fatal(err)
	}
	flipped[2] = 0x09
	if err := os.WriteFile(p("flipped.idx"), flipped, 0o644); err != nil {
		t.Fatal(err)
	}
	nanMsg := p("nan.idx") + ": example 13 holds NaN (value 5 of the example)"
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"train NaN", []string{"train", "relu-ae-30", "--data", p("nan.idx"), "--val-split", "5", "--out", p("runs")}, nanMsg},
		{"eval NaN", []string{"eval", model, p("nan.idx")}, nanMsg},
		{"compare --test NaN", []string{"compare", "pca", "--model", model, "--train", pcaImages, "--test", p("nan.idx")}, nanMsg},
		{"compare --train NaN", []string{"compare", "pca", "--model", model, "--train", p("nan.idx"), "--test", pcaImages, "--k", "2"}, nanMsg},
		{"figure NaN", []string{"figure", "recon", "--model", model, "--data", p("nan.idx"), "--out", p("f.png")}, nanMsg},
		{"infer NaN", []string{"infer", model, p("nan.idx")}, nanMsg},
		{"train i8", []string{"train", "relu-ae-30", "--data", p("i8.idx"), "--val-split", "5", "--out", p("runs")}, p("i8.idx") + " holds i8 values"},
		{"eval i8", []string{"eval", model, p("i8.idx")}, p("i8.idx") + " holds i8 values"},
		{"compare i8", []string{"compare", "pca", "--model", model, "--train", p("i8.idx"), "--test", pcaImages}, p("i8.idx") + " holds i8 values"},
		{"infer i8", []string{"infer", model, p("i8.idx")}, p("i8.idx") + " holds i8 values"},
		{"train flipped type byte", []string{"train", "relu-ae-30", "--data", p("flipped.idx"), "--val-split", "5", "--out", p("runs")}, p("flipped.idx") + " holds i8 values"},
		{"eval flipped type byte", []string{"eval", model, p("flipped.idx")}, p("flipped.idx") + " holds i8 values"},
		{"compare flipped type byte", []string{"compare", "pca", "--model", model, "--train", pcaImages, "--test", p("flipped.idx")}, p("flipped.idx") + " holds i8 values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oneLine(t, run(t, nil, tc.args...), 1, tc.want)
			if _, err := os.Stat(p("runs")); err == nil {
				t.Error("a run folder was created")
			}
		})
	}

	// Two gzip members, as `cat a.gz b.gz` makes: the same as one.
	raw, err := os.ReadFile(head)
	if err != nil {
		t.Fatal(err)
	}
	var cat []byte
	for _, part := range [][]byte{raw[:1000], raw[1000:]} {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		if _, err := w.Write(part); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		cat = append(cat, b.Bytes()...)
	}
	if err := os.WriteFile(p("two.idx.gz"), cat, 0o644); err != nil {
		t.Fatal(err)
	}
	one := run(t, nil, "infer", model, head)
	two := run(t, nil, "infer", model, p("two.idx.gz"))
	if two.code != 0 || one.code != 0 || lastLine(strings.ReplaceAll(two.stdout, p("two.idx.gz"), "X")) != lastLine(strings.ReplaceAll(one.stdout, head, "X")) {
		t.Errorf("two members: %+v\none: %+v", two, one)
	}
}
