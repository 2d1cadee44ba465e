package spatial

import "gorgonia.org/tensor"

// A convolution of stride 2 with an even kernel is a convolution of stride
// 1 with half the kernel on the space-to-depth rearrangement of the padded
// image (its polyphase form). With the padded image xp, [C, H+2P, W+2P],
// and K = 2K':
//
//	y[o, i, j] = sum over c, a < K, b < K of w[o, c, a, b] xp[c, 2i+a, 2j+b]
//	           = sum over (c, p, q), a' < K', b' < K' of
//	             w'[o, (c, p, q), a', b'] z[(c, p, q), i+a', j+b']
//
// where a = 2a'+p, b = 2b'+q, z[(c, p, q), u, v] = xp[c, 2u+p, 2v+q] and
// w'[o, (c, p, q), a', b'] = w[o, c, 2a'+p, 2b'+q]. The stride-1 form runs
// on the direct kernels (no column matrix, no col2im), and so do its input
// and weight gradients, in place of im2col, col2im and a GEMM per example.

// polyphaseOf returns the stride-1 geometry of g's polyphase form, and
// whether the convolutions, input gradients or weight gradients of g take
// it: stride 2, an even kernel, an even padded image, float32 and the
// direct kernel for the output's channels. transposed says whether the
// output is the image side (a ConvTranspose2d, or a Conv2d's input
// gradient), whose channels the stride-1 form computes four at a time; a
// weight gradient's output is the weight, whose channels are the column
// side's, as for a Conv2d.
func polyphaseOf[T float](g geom, transposed bool) (geom, bool) {
	if g.S != 2 || g.K%2 != 0 || (g.H+2*g.P)%2 != 0 || (g.W+2*g.P)%2 != 0 {
		return geom{}, false
	}
	pg := geom{N: g.N, C: 4 * g.C, H: (g.H + 2*g.P) / 2, W: (g.W + 2*g.P) / 2, O: g.O, OH: g.OH, OW: g.OW, K: g.K / 2, S: 1, P: 0}
	if transposed {
		// The stride-1 transposed form runs as a convolution whose output
		// channels are the image side's.
		return pg, useDirect[T](geom{O: pg.C})
	}
	return pg, useDirect[T](pg)
}

// spaceToDepth sets z, [4C, H', W'] of the polyphase geometry pg, to the
// rearrangement of one example x, [C, H, W], zero-padded by g.P: image
// row h goes, split into its even and odd padded columns, to the rows u =
// (h+P)/2 of phases p = (h+P)%2, q = 0 and 1.
func spaceToDepth(g, pg geom, x, z []float32) {
	hw, pp := g.H*g.W, pg.H*pg.W
	clear(z[:4*g.C*pp]) // the padding
	for c := 0; c < g.C; c++ {
		src := x[c*hw:][:hw]
		for h := 0; h < g.H; h++ {
			u, p := (h+g.P)/2, (h+g.P)%2
			even := z[((c*2+p)*2)*pp+u*pg.W:][:pg.W]
			odd := z[((c*2+p)*2+1)*pp+u*pg.W:][:pg.W]
			line := src[h*g.W:][:g.W]
			// Padded column w+P of image column w: even ones from the
			// first image column whose padded column is even.
			e0 := g.P % 2
			deinterleave(even[(g.P+e0)/2:], odd[(g.P+1-e0)/2:], line, e0)
		}
	}
}

// deinterleave copies line[e0], line[e0+2], ... to even and line[1-e0],
// line[3-e0], ... to odd, as far as line reaches.
func deinterleave(even, odd, line []float32, e0 int) {
	for i, j := 0, e0; j < len(line) && i < len(even); i, j = i+1, j+2 {
		even[i] = line[j]
	}
	for i, j := 0, 1-e0; j < len(line) && i < len(odd); i, j = i+1, j+2 {
		odd[i] = line[j]
	}
}

// depthToSpace is the inverse of spaceToDepth: it sets one example y, [C,
// H, W], from z, [4C, H', W'], dropping the padding.
func depthToSpace(g, pg geom, z, y []float32) {
	hw, pp := g.H*g.W, pg.H*pg.W
	for c := 0; c < g.C; c++ {
		dst := y[c*hw:][:hw]
		for h := 0; h < g.H; h++ {
			u, p := (h+g.P)/2, (h+g.P)%2
			even := z[((c*2+p)*2)*pp+u*pg.W:][:pg.W]
			odd := z[((c*2+p)*2+1)*pp+u*pg.W:][:pg.W]
			e0 := g.P % 2
			interleave(dst[h*g.W:][:g.W], even[(g.P+e0)/2:], odd[(g.P+1-e0)/2:], e0)
		}
	}
}

// interleave is the inverse of deinterleave: it sets line[e0],
// line[e0+2], ... from even and line[1-e0], line[3-e0], ... from odd.
func interleave(line, even, odd []float32, e0 int) {
	for i, j := 0, e0; j < len(line) && i < len(even); i, j = i+1, j+2 {
		line[j] = even[i]
	}
	for i, j := 0, 1-e0; j < len(line) && i < len(odd); i, j = i+1, j+2 {
		line[j] = odd[i]
	}
}

// polyphaseWeight sets wp, [O, 4C, K', K'], to the weight of the stride-1
// form of w, [O, C, K, K]; with back, it sets w from wp instead.
func polyphaseWeight[T float](g geom, w, wp []T, back bool) {
	k2 := g.K / 2
	for o := 0; o < g.O; o++ {
		for c := 0; c < g.C; c++ {
			for a := 0; a < g.K; a++ {
				for b := 0; b < g.K; b++ {
					i := ((o*g.C+c)*g.K+a)*g.K + b
					j := (((o*g.C+c)*2+a%2)*2+b%2)*k2*k2 + (a/2)*k2 + b/2
					if back {
						w[i] = wp[j]
					} else {
						wp[j] = w[i]
					}
				}
			}
		}
	}
}

// polyphaseSource is the source of the polyphase form pg of the image
// side x of g: each example rearranged by spaceToDepth into the memory the
// kernel reads it from, while it is in cache.
func polyphaseSource(g, pg geom, x []float32) source {
	il, pl := g.img(), pg.img()
	return func(n int, pad []float32) []float32 {
		spaceToDepth(g, pg, x[n*il:][:il], pad[:pl])
		clear(pad[pl:])
		return pad
	}
}

// convPolyphase is convDo for a geometry with a polyphase form pg, using
// the memory of op's slots 9 to 11 beside the stride-1 paths' own.
func convPolyphase(op *convOp, pg geom, x, w, bias []float32) *tensor.Dense {
	g := op.g
	nw := workers(g.N)
	wp := buffer[float32](&op.base, 9, len(w))
	polyphaseWeight(g, w, wp, false)
	if !op.transposed {
		out, y := output[float32](&op.base, 2, g.N, g.O, g.OH, g.OW)
		convDirect(&op.base, pg, nw, polyphaseSource(g, pg, x), wp, bias, y, op.relu)
		return out
	}
	// Each image channel's bias and ReLU apply to its four phases alike.
	var b4 []float32
	if bias != nil {
		b4 = buffer[float32](&op.base, 11, pg.C)
		for i := range b4 {
			b4[i] = bias[i/4]
		}
	}
	z := buffer[float32](&op.base, 10, g.N*pg.img())
	convTransposeStride1(&op.base, pg, nw, x, wp, b4, z, op.relu)
	out, y := output[float32](&op.base, 2, g.N, g.C, g.H, g.W)
	parallelW(g.N, nw, func(_, n int) {
		depthToSpace(g, pg, z[n*pg.img():][:pg.img()], y[n*g.img():][:g.img()])
	})
	return out
}

// weightGradPolyphase is weightGradDo for a geometry with a polyphase form
// pg: the stride-1 weight gradient of the rearranged image side, with its
// weight put back in g's layout into dw.
func weightGradPolyphase(op *weightGradOp, pg geom, img, small, dw []float32) {
	g := op.g
	dwp := buffer[float32](&op.base, 10, len(dw))
	weightGradFrom(&op.base, pg, workers(g.N), polyphaseSource(g, pg, img), small, dwp)
	polyphaseWeight(g, dw, dwp, true)
}
