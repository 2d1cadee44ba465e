package verify

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/zoo"
)

// TestVerifyInt8: an export folder with int8 files verifies, the int8
// whole model checked on the test data within the tolerance its metadata
// gives; a tolerance too small for its outputs, or none, fails that check
// alone, naming the file.
func TestVerifyInt8(t *testing.T) {
	testenv.NeedORT(t)
	m, _ := zoo.Lookup("manifold-ae")
	_, x, err := dataset.ReadAllFloat32("../fixtures/mnist-512/t10k-images-idx3-ubyte.gz")
	if err != nil {
		t.Fatal(err)
	}
	write := func(t *testing.T) string {
		dir := filepath.Join(t.TempDir(), m.Name)
		if _, err := export.WriteDir(dir, m, m.InitWeights(1), export.DirOptions{Weights: "test", Sample: x[:8*784], SampleN: 8, Quantize: export.Int8}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	quantized := func(r *Report) *Check {
		for i, c := range r.Checks {
			if c.What == "quantized" {
				return &r.Checks[i]
			}
		}
		return nil
	}

	dir := write(t)
	r, err := Dir(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("fresh int8 export fails: %s", failed(r))
	}
	c := quantized(r)
	if c == nil || c.N != 8 || c.MaxAbsDiff == 0 || c.File != "model.int8.onnx on test_data_set_0/output_0.pb" {
		t.Fatalf("quantized check: %+v", c)
	}
	t.Logf("model.int8.onnx: max |int8 - float32| = %.3g on the test data", c.MaxAbsDiff)

	for _, tc := range []struct{ name, tol, want string }{
		{"too small", "1e-9", "differ beyond atol 1e-09"},
		{"missing", "", "zoo.quantization_tolerance = \"\": want a positive tolerance"},
		{"not a number", "tight", "want a positive tolerance"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := write(t)
			setMeta(export.Int8.File(zoo.ModelFile), zoo.MetaQuantTolerance, tc.tol)(t, dir)
			r, err := Dir(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			fails := r.Failed()
			if len(fails) != 1 || fails[0].What != "quantized" || !strings.Contains(fails[0].Err, tc.want) {
				t.Errorf("failed checks: %s; want only the quantized one, saying %q", failed(r), tc.want)
			}
		})
	}
}
