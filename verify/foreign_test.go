package verify

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/onnxpb"
	"github.com/zoo-ml/zoo/zoo"
)

// foreign is the folder of the fixtures zoo did not write.
const foreign = "../fixtures/onnx"

// summary lists a report's checks as "what file: ok|FAIL|n/a".
func summary(r *Report) []string {
	var s []string
	for _, c := range r.Checks {
		st := "ok"
		switch {
		case !c.OK():
			st = "FAIL"
		case c.Skipped != "":
			st = "n/a"
		}
		s = append(s, c.What+" "+c.File+": "+st)
	}
	return s
}

// TestForeignFixtures verifies every fixture folder zoo did not write:
// those onnxruntime runs pass on their test data, each output compared;
// the others fail with one check saying why.
func TestForeignFixtures(t *testing.T) {
	testenv.NeedORT(t)
	notZoo := "zoo checks model.onnx: n/a"
	for _, tc := range []struct {
		folder string
		checks []string
		fail   string // the one failure's text; "" when the folder passes
	}{
		{"float16", []string{"load model.onnx: ok", "test data test_data_set_0/output_0.pb: ok", notZoo}, ""},
		{"multi-io", []string{"load model.onnx: ok",
			"test data test_data_set_0/output_0.pb: ok", "test data test_data_set_0/output_1.pb: ok",
			"test data test_data_set_1/output_0.pb: ok", "test data test_data_set_1/output_1.pb: ok", notZoo}, ""},
		{"types", []string{"load model.onnx: ok",
			"test data test_data_set_0/output_0.pb: ok", "test data test_data_set_0/output_1.pb: ok", "test data test_data_set_0/output_2.pb: ok",
			"test data test_data_set_0/output_3.pb: ok", "test data test_data_set_0/output_4.pb: ok", "test data test_data_set_0/output_5.pb: ok", notZoo}, ""},
		{"torch-classifier", []string{"load model.onnx: ok", "test data test_data_set_0/output_0.pb: ok", notZoo}, ""},
		{"torch-autoencoder", []string{"load model.onnx: ok", "test data test_data_set_0/output_0.pb: ok", notZoo}, ""},
		{"torch-nhwc", []string{"load model.onnx: ok", "test data test_data_set_0/output_0.pb: ok", notZoo}, ""},
		{"torch-batch1", []string{"load model.onnx: ok", "test data test_data_set_0/output_0.pb: ok",
			"test data test_data_set_1/output_0.pb: ok", "test data test_data_set_2/output_0.pb: ok", notZoo}, ""},
		{"sequence", []string{"load model.onnx: ok", "test data test_data_set_0: FAIL", notZoo},
			"model.onnx: s is a sequence, which zoo does not run"},
		{"unloadable", []string{"load model.onnx: FAIL", notZoo},
			"not a model onnxruntime can load: Error loading temporary session: Load model from ../fixtures/onnx/unloadable/model.onnx failed:This is an invalid model. In Node, (\"\", NoSuchOp, \"\", -1)"},
	} {
		t.Run(tc.folder, func(t *testing.T) {
			r, err := Dir(filepath.Join(foreign, tc.folder), Options{RTol: 1e-5, ATol: 1e-6})
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(r); !slices.Equal(got, tc.checks) {
				t.Errorf("checks\n%q\nwant\n%q", got, tc.checks)
			}
			if tc.fail == "" {
				if !r.OK() {
					t.Errorf("fails: %s", failed(r))
				}
				for _, c := range r.Checks {
					if c.What == "test data" && (c.Tensor == "" || c.MaxAbsDiff > 1e-6) {
						t.Errorf("%s: tensor %q, max |diff| %g", c.File, c.Tensor, c.MaxAbsDiff)
					}
				}
				return
			}
			if f := r.Failed(); len(f) != 1 || !strings.Contains(f[0].Err, tc.fail) || strings.Contains(f[0].Err, "\n") {
				t.Errorf("failures %q, want one line saying %q", failed(r), tc.fail)
			}
			if c := r.Checks[len(r.Checks)-1]; c.Skipped != "not a zoo export: metadata and card checks do not apply" {
				t.Errorf("last check %+v", c)
			}
		})
	}
}

// copyFolder copies a fixture folder into a temporary one.
func copyFolder(t *testing.T, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dst, os.DirFS(filepath.Join(foreign, name))); err != nil {
		t.Fatal(err)
	}
	return dst
}

func writeTensor(t *testing.T, path string, tp *onnxpb.TensorProto) {
	t.Helper()
	b, err := proto.Marshal(tp)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestForeignBad damages copies of the multi-io fixture: each damage is
// one failed check saying what is wrong.
func TestForeignBad(t *testing.T) {
	testenv.NeedORT(t)
	i64 := int32(onnxpb.TensorProto_INT64)
	f32 := int32(onnxpb.TensorProto_FLOAT)
	set := "test_data_set_0"
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, dir string)
		file   string
		want   string
	}{
		{"int64 output differs", func(t *testing.T, dir string) {
			writeTensor(t, filepath.Join(dir, set, "output_1.pb"), &onnxpb.TensorProto{Dims: []int64{2}, DataType: &i64, Int64Data: []int64{1, 1}})
		}, set + "/output_1.pb", "1 of 2 values differ (first at 1: got 2, want 1)"},
		{"float output differs", func(t *testing.T, dir string) {
			writeTensor(t, filepath.Join(dir, set, "output_0.pb"), &onnxpb.TensorProto{Dims: []int64{2, 3}, DataType: &f32, FloatData: []float32{1, 4, -1, -1.5, -3, 2.5}})
		}, set + "/output_0.pb", "1 of 6 values differ beyond atol"},
		{"output of another type", func(t *testing.T, dir string) {
			writeTensor(t, filepath.Join(dir, set, "output_1.pb"), &onnxpb.TensorProto{Dims: []int64{2}, DataType: &f32, FloatData: []float32{1, 2}})
		}, set + "/output_1.pb", "the model gives int64 [2], the file holds float [2]"},
		{"input missing", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, set, "input_1.pb")) },
			set, "inputs: no file holds b (1 files for the model's 2: a, b)"},
		{"input of another shape", func(t *testing.T, dir string) {
			writeTensor(t, filepath.Join(dir, set, "input_1.pb"), &onnxpb.TensorProto{Dims: []int64{2, 2}, DataType: &f32, FloatData: []float32{1, 2, 3, 4}})
		}, set, "input b: float [? 3] does not take a tensor of shape [2 2]"},
		{"too many inputs", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, set, "input_1.pb"))
			if err := os.WriteFile(filepath.Join(dir, set, "input_2.pb"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, set, "inputs: 3 files for the model's 2 (a, b)"},
		{"gap in the numbers", func(t *testing.T, dir string) {
			if err := os.Rename(filepath.Join(dir, set, "output_1.pb"), filepath.Join(dir, set, "output_3.pb")); err != nil {
				t.Fatal(err)
			}
		},
			set, "output files must be numbered from output_0.pb without gaps"},
		{"not a tensor", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, set, "input_0.pb"), []byte{0x0a, 0x05}, 0o644); err != nil {
				t.Fatal(err)
			}
		},
			set, "input_0.pb: not an ONNX TensorProto"},
		{"no expected output", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, set, "output_0.pb"))
			os.Remove(filepath.Join(dir, set, "output_1.pb"))
		}, set, "no output_0.pb: nothing to compare with"},
		{"two models, none model.onnx", func(t *testing.T, dir string) {
			if err := os.Rename(filepath.Join(dir, "model.onnx"), filepath.Join(dir, "a.onnx")); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(filepath.Join(dir, "a.onnx"))
			if err := os.WriteFile(filepath.Join(dir, "b.onnx"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, set, "no model.onnx, and 2 .onnx files: which one the test data is for is unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyFolder(t, "multi-io")
			tc.change(t, dir)
			r, err := Dir(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.OK() {
				t.Fatal("damaged folder verifies")
			}
			found := false
			for _, c := range r.Failed() {
				found = found || c.File == tc.file && strings.Contains(c.Err, tc.want)
			}
			if !found {
				t.Errorf("failures %q; want one on %s saying %q", failed(r), tc.file, tc.want)
			}
		})
	}

	// The only .onnx file of a folder, whatever its name, is the model.
	dir := copyFolder(t, "torch-classifier")
	if err := os.Rename(filepath.Join(dir, "model.onnx"), filepath.Join(dir, "mnist-8.onnx")); err != nil {
		t.Fatal(err)
	}
	if r, err := Dir(dir, Options{}); err != nil || !r.OK() || len(r.Checks) != 3 || r.Checks[1].What != "test data" {
		t.Errorf("folder of mnist-8.onnx: %v %+v", err, r)
	}
}

// TestZooUnloadableOnce checks that an export folder whose model.onnx
// onnxruntime cannot load says so once: its load check, not a test data
// check too.
func TestZooUnloadableOnce(t *testing.T) {
	testenv.NeedORT(t)
	dir := exported(t, "manifold-ae", 1)
	if err := os.WriteFile(filepath.Join(dir, zoo.ModelFile), []byte("not onnx"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Dir(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f := r.Failed(); len(f) != 1 || f[0].File != zoo.ModelFile || f[0].What != "load" || !strings.Contains(f[0].Err, "not a model onnxruntime can load") {
		t.Errorf("failures %q, want the load of model.onnx only", failed(r))
	}
}

// TestWriteTextForeign pins the lines of a folder zoo did not write.
func TestWriteTextForeign(t *testing.T) {
	r := &Report{Dir: "mnist-8", Checks: []Check{
		{File: "model.onnx", What: "load"},
		{File: "test_data_set_0/output_0.pb", What: "test data", Tensor: "Plus214_Output_0: float [1 10]", MaxAbsDiff: 2.4e-7},
		{File: "test_data_set_1", What: "test data", Err: "inputs: no file holds b"},
		{File: "model.onnx", What: NotZoo, Skipped: "not a zoo export: metadata and card checks do not apply"},
	}}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "mnist-8\n" +
		"  ok   load       model.onnx\n" +
		"  ok   test data  test_data_set_0/output_0.pb  Plus214_Output_0: float [1 10], max |diff| 2.4e-07\n" +
		"  FAIL test data  test_data_set_1  inputs: no file holds b\n" +
		"  n/a  zoo checks model.onnx  not a zoo export: metadata and card checks do not apply\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if !r.Checks[3].OK() {
		t.Error("a check that does not apply fails")
	}
}

// TestElemTypes checks that infer, which may not import onnxpb, names and
// sizes every ONNX element type as onnxpb does.
func TestElemTypes(t *testing.T) {
	for n := range onnxpb.TensorProto_DataType_name {
		dt := onnxpb.TensorProto_DataType(n)
		if et := infer.ElemType(n); et.String() != onnxpb.TypeName(dt) || et.Size() != onnxpb.ElemSize(dt) {
			t.Errorf("type %d: infer says %s of %d bytes, onnxpb %s of %d", n, et, et.Size(), onnxpb.TypeName(dt), onnxpb.ElemSize(dt))
		}
	}
	if infer.ElemType(99).String() != onnxpb.TypeName(99) || infer.ElemType(99).Size() != 0 {
		t.Error("an unnamed type")
	}
}
