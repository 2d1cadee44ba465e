package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/interrupt"
	"github.com/zoo-ml/zoo/internal/testenv"
)

var zooBin string

// TestMain builds the zoo binary once; the tests run it as a user would.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "zoo-cmd-test-")
	if err != nil {
		panic(err)
	}
	zooBin = filepath.Join(dir, "zoo")
	if out, err := exec.Command("go", "build", "-o", zooBin, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(zooBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// exported exports relu-ae-30 with seeded weights into a fresh folder.
func exported(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if r := run(t, nil, "export", "relu-ae-30", "--init", "--seed", "0", "--out", dir); r.code != 0 {
		t.Fatalf("export: %+v", r)
	}
	return filepath.Join(dir, "relu-ae-30")
}

func TestExportAndInfer(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	out := t.TempDir()
	recon, metrics := filepath.Join(out, "recon.idx"), filepath.Join(out, "metrics.json")
	r := run(t, nil, "infer", filepath.Join(model, "model.onnx"), "../../fixtures/mnist-512/t10k-images-idx3-ubyte.gz",
		"--task", "reconstruct", "--out", recon, "--batch", "100", "--json", metrics, "--per-image")
	if r.code != 0 {
		t.Fatalf("infer: %+v", r)
	}
	if !strings.Contains(r.stdout, "reconstructed 512 examples") || !strings.Contains(r.stdout, "reconstruction MSE") {
		t.Errorf("stdout %q", r.stdout)
	}
	fi, err := os.Stat(recon)
	if err != nil || fi.Size() != 16+512*784*4 {
		t.Errorf("recon.idx: %v, %v", fi, err)
	}
	var rep struct {
		Images   int       `json:"images"`
		Provider string    `json:"provider"`
		MSE      float64   `json:"mse"`
		PerImage []float64 `json:"per_image_mse"`
		PerSec   float64   `json:"images_per_second"`
	}
	b, _ := os.ReadFile(metrics)
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Images != 512 || rep.Provider != "CPUExecutionProvider" || rep.MSE <= 0 || len(rep.PerImage) != 512 || rep.PerSec <= 0 {
		t.Errorf("metrics %+v", rep)
	}

	// encode then decode through the export folder, to NumPy and IDX
	codes, images := filepath.Join(out, "codes.idx"), filepath.Join(out, "images.npy")
	if r := run(t, nil, "infer", model, "../../fixtures/mnist-512/t10k-images-idx3-ubyte.gz", "--task", "encode", "--out", codes); r.code != 0 {
		t.Fatalf("encode: %+v", r)
	}
	if fi, _ := os.Stat(codes); fi == nil || fi.Size() != 12+512*30*4 {
		t.Errorf("codes.idx size %v", fi)
	}
	if r := run(t, nil, "infer", model, codes, "--task", "decode", "--out", images); r.code != 0 {
		t.Fatalf("decode: %+v", r)
	}
	if fi, _ := os.Stat(images); fi == nil || fi.Size() != 128+512*784*4 {
		t.Errorf("images.npy size %v", fi)
	}

	// An existing output is not replaced without --force.
	before, _ := os.ReadFile(recon)
	r = run(t, nil, "infer", filepath.Join(model, "model.onnx"), "mnist-mini", "--out", recon)
	if r.code == 0 || !strings.Contains(r.stderr, recon) || !strings.Contains(r.stderr, "--force") {
		t.Errorf("overwrite without --force: %+v", r)
	}
	if after, _ := os.ReadFile(recon); !slices.Equal(before, after) {
		t.Error("output replaced without --force")
	}
	if r := run(t, nil, "infer", filepath.Join(model, "model.onnx"), "mnist-mini", "--out", recon, "--force"); r.code != 0 {
		t.Errorf("--force: %+v", r)
	}
	if fi, _ := os.Stat(recon); fi == nil || fi.Size() != 16+2000*784*4 {
		t.Errorf("forced output size %v", fi)
	}
	noTemps(t, out)
}

// TestFallbackToMini: a data set that is not on the search path falls back
// to the embedded set, and says so.
func TestFallbackToMini(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	empty := t.TempDir()
	env := []string{"ZOO_DATA=" + empty, "XDG_CACHE_HOME=" + empty, "HOME=" + empty}
	lib, _ := filepath.Abs(ortLib(t))
	env = append(env, "ZOO_ORT_LIB="+lib)
	r := run(t, env, "infer", model, "kmnist")
	if r.code != 0 || !strings.Contains(r.stderr, "using the embedded mnist-mini set") || !strings.Contains(r.stdout, "2000 examples") {
		t.Errorf("fallback: %+v", r)
	}
}

// ortLib returns the library the tests use, as the binary would find it.
func ortLib(t *testing.T) string {
	if p := os.Getenv("ZOO_ORT_LIB"); p != "" {
		return p
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "zoo", "onnxruntime", "1.24.1", "libonnxruntime.so.1")
}

// TestBadInput: each bad input gives a one-line error naming the file and
// the problem, a non-zero exit code, and no output file.
func TestBadInput(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.onnx")
	if err := os.WriteFile(garbage, []byte("<html>not a model</html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "32x32.idx")
	hdr := []byte{0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 32, 0, 0, 0, 32}
	if err := os.WriteFile(big, append(hdr, make([]byte, 2*32*32)...), 0o644); err != nil {
		t.Fatal(err)
	}
	onnx := filepath.Join(model, "model.onnx")
	bad := "../../fixtures/bad/"
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		path string // the path the error must name
		want string
		code int
	}{
		{"truncated", nil, []string{onnx, bad + "truncated.idx"}, bad + "truncated.idx", "file has 1234", 1},
		{"truncated gz", nil, []string{onnx, bad + "short-content.idx.gz"}, bad + "short-content.idx.gz", "gzip content has 1234 after the 16-byte header (6606 bytes missing", 1},
		{"wrong magic", nil, []string{onnx, bad + "wrong-magic.idx"}, bad + "wrong-magic.idx", "not an IDX file", 1},
		{"dims exceed file", nil, []string{onnx, bad + "dims-exceed.idx"}, bad + "dims-exceed.idx", "header claims 60000x28x28", 1},
		{"html page", nil, []string{onnx, bad + "html.gz"}, bad + "html.gz", "an HTML page, not data", 1},
		{"empty", nil, []string{onnx, bad + "empty.idx"}, bad + "empty.idx", "empty", 1},
		{"image size", nil, []string{onnx, big}, big, "32x32 u8 with 1024 values each, but", 1},
		{"unreadable onnx", nil, []string{garbage, "mnist-mini"}, garbage, "not a model onnxruntime can load", 1},
		{"missing onnx", nil, []string{filepath.Join(dir, "nope.onnx"), "mnist-mini"}, filepath.Join(dir, "nope.onnx"), "no such file", 1},
		{"missing library", []string{"ZOO_ORT_LIB=" + filepath.Join(dir, "libonnxruntime.so")}, []string{onnx, "mnist-mini"}, filepath.Join(dir, "libonnxruntime.so"), "no such file", 1},
		{"bad device", nil, []string{onnx, "mnist-mini", "--device", "tpu"}, "", `unknown device "tpu"`, 2},
		{"bad batch", nil, []string{onnx, "mnist-mini", "--batch", "0"}, "", "--batch 0", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outDir := t.TempDir()
			out := filepath.Join(outDir, "out.idx")
			r := run(t, tc.env, append([]string{"infer"}, append(tc.args, "--out", out, "--json", filepath.Join(outDir, "m.json"))...)...)
			if r.code != tc.code {
				t.Errorf("exit code %d, want %d (%+v)", r.code, tc.code, r)
			}
			msg := strings.TrimSuffix(r.stderr, "\n")
			if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "zoo: ") {
				t.Errorf("want one line starting with 'zoo: ', got %q", r.stderr)
			}
			if !strings.Contains(msg, tc.path) || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q lacks the path %q or %q", msg, tc.path, tc.want)
			}
			if ents, _ := os.ReadDir(outDir); len(ents) != 0 {
				t.Errorf("files left behind: %v", ents)
			}
		})
	}
}

func TestExportWeights(t *testing.T) {
	torch := "../../fixtures/torch/"
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"pytorch weights", []string{"manifold-ae", "--weights", torch + "manifold-ae.safetensors"}, 0, "weights: manifold-ae.safetensors (sha256 "},
		{"misshapen", []string{"manifold-ae", "--weights", torch + "manifold-ae-misshapen.safetensors"}, 1, `"decoder.0.weight" has shape [8 64], want [64 8]`},
		{"missing tensor", []string{"manifold-ae", "--weights", torch + "manifold-ae-missing.safetensors"}, 1, `"encoder.2.bias" is missing`},
		{"other model", []string{"tiny-ae-2", "--weights", torch + "manifold-ae.safetensors"}, 1, "tiny-ae-2"},
		{"no weights", []string{"manifold-ae"}, 2, "--weights FILE or --init"},
		{"both", []string{"manifold-ae", "--init", "--weights", "x"}, 2, "not both"},
		{"unknown model", []string{"nope", "--init"}, 1, `no model "nope"`},
		{"int8", []string{"manifold-ae", "--init", "--quantize", "int8"}, 0, "manifold-ae/model.int8.onnx"},
		{"int4", []string{"manifold-ae", "--init", "--quantize", "int4"}, 2, `--quantize "int4": want int8 (or float32 for none)`},
		{"int8, default data missing", []string{"cnn-cifar", "--init", "--quantize", "int8"}, 0, "zoo: the cost of quantization is not measured: dataset cifar-10: test-images"},
		{"int8, named data missing", []string{"cnn-cifar", "--init", "--quantize", "int8", "--eval-data", "cifar-10"}, 1, "measure model.int8.onnx: dataset cifar-10: test-images"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			r := run(t, nil, append([]string{"export", "--out", out}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stdout+r.stderr, tc.want) {
				t.Errorf("exit %d (want %d), output %q lacks %q", r.code, tc.code, r.stdout+r.stderr, tc.want)
			}
			ents, _ := os.ReadDir(out)
			if tc.code == 0 && len(ents) != 1 || tc.code != 0 && len(ents) != 0 {
				t.Errorf("export folder holds %v", ents)
			}
		})
	}
}

func TestListShowData(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"list"}, []string{"relu-ae-30", "reconstruct", "[N, 784]", "808494", "pca-vs-autoencoder", "tiny-ae-4"}},
		{[]string{"show", "relu-ae-30"}, []string{"encoder.6", "Linear(in_features=128, out_features=30)", "[N, 30]", "3870", "total", "808494", `"lr":0.0003`}},
		{[]string{"show", "--params", "tiny-ae-2"}, []string{"encoder.0.weight", "[50 784]", "glorot-uniform"}},
		{[]string{"data", "list"}, []string{"mnist", "fashion-mnist", "kmnist", "mnist-mini", "embedded"}},
		{[]string{"data", "path"}, []string{"/usr/share/datasets"}},
		{[]string{"data", "verify", "mnist-mini"}, []string{"embedded"}},
	} {
		r := run(t, nil, tc.args...)
		if r.code != 0 {
			t.Errorf("zoo %v: %+v", tc.args, r)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("zoo %v: output lacks %q:\n%s", tc.args, w, r.stdout)
			}
		}
	}
	if r := run(t, nil, "show", "nope"); r.code != 1 || !strings.Contains(r.stderr, "relu-ae-30") {
		t.Errorf("show nope: %+v", r)
	}
}

// TestHelpHasExamples: every command's help shows an example.
func TestHelpHasExamples(t *testing.T) {
	var walk func(prefix []string, cmds []*cli.Command)
	walk = func(prefix []string, cmds []*cli.Command) {
		for _, c := range cmds {
			path := append(slices.Clone(prefix), c.Name)
			if c.Name == "help" {
				continue
			}
			r := run(t, nil, append(path, "--help")...)
			if r.code != 0 || !strings.Contains(r.stdout, "Example") {
				t.Errorf("zoo %s --help has no example (exit %d):\n%s", strings.Join(path, " "), r.code, r.stdout)
			}
			walk(path, c.Subcommands)
		}
	}
	walk(nil, newApp().Commands)
}

func noTemps(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// TestDataFetchHint: the error of a data set file not on the search path
// says how to fetch it, once, wherever it is wrapped.
func TestDataFetchHint(t *testing.T) {
	t.Setenv("ZOO_DATA", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	_, err := dataset.Locate("kmnist", dataset.TestImages)
	if !errors.Is(err, dataset.ErrNotFound) {
		t.Fatalf("Locate = %v, want ErrNotFound", err)
	}
	wrapped := interrupt.ExitError{Err: fmt.Errorf("open: %w; more", err), Code: 3}
	got := withHints(wrapped)
	want := "open: " + err.Error() + "; run `zoo data fetch kmnist`; more"
	if got.Error() != want || !strings.Contains(got.Error(), "zoo data fetch kmnist") {
		t.Errorf("withHints = %q, want %q", got, want)
	}
	if again := withHints(got); again.Error() != want {
		t.Errorf("withHints twice = %q", again)
	}
	var ee interrupt.ExitError
	if !errors.As(got, &ee) || ee.ExitCode() != 3 || !errors.Is(got, dataset.ErrNotFound) {
		t.Errorf("withHints loses the error's kinds: %#v", got)
	}
	if other := errors.New("x"); withHints(other) != other { //nolint:errorlint // the very same error must come back
		t.Error("withHints changes an error without hints")
	}
}

// TestExportQuantizeCard: --quantize int8 measures both files on
// --eval-data and the card says so; --eval-data none skips it.
func TestExportQuantizeCard(t *testing.T) {
	testenv.NeedORT(t)
	for _, tc := range []struct {
		data string
		want bool
	}{{"mnist-mini", true}, {"none", false}} {
		out := t.TempDir()
		if r := run(t, nil, "export", "manifold-ae", "--init", "--quantize", "int8", "--eval-data", tc.data, "--out", out); r.code != 0 {
			t.Fatalf("--eval-data %s: exit %d: %s", tc.data, r.code, r.stderr)
		}
		card, err := os.ReadFile(filepath.Join(out, "manifold-ae", "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Contains(string(card), "model.int8.onnx against model.onnx: reconstruction MSE ")
		if got != tc.want {
			t.Errorf("--eval-data %s: card states the quantization cost: %v, want %v", tc.data, got, tc.want)
		}
	}
}
