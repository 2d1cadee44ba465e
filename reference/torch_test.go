package reference_test

import (
	"testing"

	"github.com/zoo-ml/zoo/internal/testfixture/torch"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/reference"
)

// TestTorchConvFixtures runs the convolutional models forward on the
// weights and inputs of fixtures/torch and compares with PyTorch's
// eval-mode outputs, and the encoder's output with PyTorch's code.
func TestTorchConvFixtures(t *testing.T) {
	for _, name := range torch.ConvModels {
		t.Run(name, func(t *testing.T) {
			f, err := torch.Load("../fixtures/torch", name)
			if err != nil {
				t.Fatal(err)
			}
			in := f.Expected["input"]
			n := in.Shape[0]
			got, _, err := reference.Forward(f.Model, f.Weights, in.Data, n)
			if err != nil {
				t.Fatal(err)
			}
			d := testutil.MaxAbsDiff(got, f.Expected["output"].Data)
			t.Logf("%s: max |reference - PyTorch| = %.3g (output), synthetic weights %v", name, d, f.Synthetic)
			if d > 1e-5 {
				t.Errorf("output differs from PyTorch's by %g (> 1e-5)", d)
			}
			code := f.Expected["code"]
			if code == nil {
				return
			}
			enc, err := f.Model.Sub(f.Model.Parts[0].Name)
			if err != nil {
				t.Fatal(err)
			}
			ew := map[string]bool{}
			for _, p := range enc.Params() {
				ew[p.Name] = true
			}
			for k := range f.Weights {
				if !ew[k] {
					delete(f.Weights, k)
				}
			}
			got, _, err = reference.Forward(enc, f.Weights, in.Data, n)
			if err != nil {
				t.Fatal(err)
			}
			if d := testutil.MaxAbsDiff(got, code.Data); d > 1e-5 {
				t.Errorf("code differs from PyTorch's by %g (> 1e-5)", d)
			}
		})
	}
}
