package reference

import (
	"math"
	"strings"

	"github.com/zoo-ml/zoo/zoo"
)

// SyntheticWeights returns weights for m given by a closed formula that any
// language reproduces bit for bit, so that a test fixture can hold a model's
// outputs without its weights (fixtures/torch/conv_fixtures.py computes the
// same). Element k of the t-th parameter in state_dict order (buffers
// included) draws f = ((7919k + 104729t) mod 2003 - 1001) / 1001 in [-1, 1],
// computed in float64, and is
//
//	BatchNorm weight      1 + 0.2 f
//	BatchNorm bias        0.1 f
//	running_mean          0.3 f
//	running_var           1 + 0.5 f
//	any other parameter   f / sqrt(fan-in)
//
// rounded to float32. The fan-in is that of the parameter's layer: the
// product of its weight's dimensions after the first.
func SyntheticWeights(m *zoo.Model) zoo.Weights {
	w := zoo.Weights{}
	for t, p := range m.Params() {
		x := zoo.NewTensor(p.Shape...)
		for k := range x.Data {
			f := float64((int64(k)*7919+int64(t)*104729)%2003-1001) / 1001
			var v float64
			// The conversions float64(a*f) round the product, so that no
			// multiply-add is fused and the result is exactly Python's.
			switch {
			case strings.HasSuffix(p.Name, ".running_var"):
				v = 1 + float64(0.5*f)
			case strings.HasSuffix(p.Name, ".running_mean"):
				v = 0.3 * f
			case p.Init == zoo.InitOnes:
				v = 1 + float64(0.2*f)
			case p.Init == zoo.InitZeros:
				v = 0.1 * f
			default:
				v = f / math.Sqrt(float64(p.FanIn))
			}
			x.Data[k] = float32(v)
		}
		w[p.Name] = x
	}
	return w
}
