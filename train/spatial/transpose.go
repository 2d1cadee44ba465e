package spatial

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Transpose returns the transpose of the matrix x, [R, C]: a node [C, R]
// holding a copy. It does what G.Transpose does for matrices, with a
// blocked copy rather than gorgonia's element iterator; its gradient is
// the transpose of the output gradient.
func Transpose(x *G.Node) (*G.Node, error) {
	s := x.Shape()
	if len(s) != 2 {
		return nil, fmt.Errorf("Transpose: input %v is not a matrix", s)
	}
	return apply(newTransposeOp(s[0], s[1]), x)
}

// transposeOp transposes an r x c matrix.
type transposeOp struct {
	base
	r, c int
}

func newTransposeOp(r, c int) *transposeOp {
	op := &transposeOp{r: r, c: c}
	op.desc = fmt.Sprintf("spatial.Transpose(%d, %d)", r, c)
	op.arity = 1
	return op
}

// Type returns Matrix a -> Matrix a.
func (op *transposeOp) Type() hm.Type { return fnType(2, 2) }

// InferShape returns [C, R].
func (op *transposeOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.c, op.r}, nil
}

// Do transposes.
func (op *transposeOp) Do(inputs ...G.Value) (G.Value, error) {
	return dispatch(op, inputs, func(in [][]float32) (G.Value, error) { return transposeDo(op, in[0]) },
		func(in [][]float64) (G.Value, error) { return transposeDo(op, in[0]) })
}

func transposeDo[T float](op *transposeOp, x []T) (G.Value, error) {
	if err := checkLens(op, []int{len(x)}, []int{op.r * op.c}); err != nil {
		return nil, err
	}
	out, y := output[T](&op.base, 0, op.c, op.r)
	transpose(op.r, op.c, x, y)
	return out, nil
}

// transpose sets y, c x r, to the transpose of x, r x c, in 32 x 32 tiles.
func transpose[T float](r, c int, x, y []T) {
	const tile = 32
	for i0 := 0; i0 < r; i0 += tile {
		i1 := min(r, i0+tile)
		for j0 := 0; j0 < c; j0 += tile {
			j1 := min(c, j0+tile)
			for i := i0; i < i1; i++ {
				row := x[i*c+j0 : i*c+j1]
				for j, v := range row {
					y[(j0+j)*r+i] = v
				}
			}
		}
	}
}

// DiffWRT returns true.
func (op *transposeOp) DiffWRT(inputs int) []bool { return []bool{true}[:inputs] }

// SymDiff returns the transpose of the output gradient.
func (op *transposeOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(newTransposeOp(op.c, op.r), grad)
	if err != nil {
		return nil, fmt.Errorf("%v: gradient: %w", op, err)
	}
	return G.Nodes{dx}, nil
}
