package spatial

import (
	"fmt"

	"github.com/zoo-ml/zoo/internal/vec"
)

// direct16 is conv16 on slices, with the checks that keep the kernel
// inside them: y[o*ldy + j] = sum over k of wt[k*16 + o] * src[offs[k] + j]
// for o < 16 and j < n, n a positive multiple of 16.
func direct16(y []float32, ldy int, wt, src []float32, offs []int, n int) {
	maxOff := 0
	for _, o := range offs {
		if o < 0 {
			panic(fmt.Sprintf("spatial: direct16: offset %d", o))
		}
		maxOff = max(maxOff, o)
	}
	switch {
	case len(offs) == 0 || n <= 0 || n%16 != 0 || ldy < n:
		panic(fmt.Sprintf("spatial: direct16: %d offsets, n %d, ldy %d", len(offs), n, ldy))
	case len(wt) < 16*len(offs):
		panic("spatial: direct16: weights too short")
	case maxOff+n > len(src):
		panic("spatial: direct16: source too short")
	case len(y) < 15*ldy+n:
		panic("spatial: direct16: output too short")
	}
	conv16(&y[0], &wt[0], &src[0], &offs[0], len(offs), n, ldy)
}

// useDirect says whether convWide runs a convolution of geometry g with
// the direct kernel: float32, AVX-512, and output channels in blocks of
// 16, the last block at least half full (the kernel computes the missing
// channels of a block from zero weights).
func useDirect[T float](g geom) bool {
	var z T
	_, f32 := any(z).(float32)
	return f32 && haveDirect && g.O >= 8 && (g.O%16 == 0 || g.O%16 >= 8)
}

// source returns example n of a convolution's image side padded in the
// wide layout and followed by 16 values the direct kernels may read, for
// outputs no one uses; pad, C*PH*PW+16 values, is the memory it may fill.
type source func(n int, pad []float32) []float32

// imageSource is the source of the image side x, [N, C, H, W] (see padded).
func imageSource(g geom, x []float32) source {
	l := wideOf(g)
	return func(n int, pad []float32) []float32 { return padded(g, l, x, n, pad) }
}

// convWideDirect is convWide for useDirect geometries: no column matrix,
// the kernel reads the padded image at the offsets of the kernel taps.
func convWideDirect(b *base, g geom, nw int, x, w, bias, y []float32, relu bool) {
	convDirect(b, g, nw, imageSource(g, x), w, bias, y, relu)
}

// convDirect is convWideDirect with the image side from src.
func convDirect(b *base, g geom, nw int, src source, w, bias, y []float32, relu bool) {
	l, ckk, pl := wideOf(g), g.ckk(), g.plane()
	l16 := (l.L + 15) &^ 15
	// The kernel reads up to 15 values past the padded image, for wide
	// columns that no output uses.
	padLen := g.C*l.PH*l.PW + 16
	pads := buffer[float32](b, 5, nw*padLen)
	blocks := (g.O + 15) / 16
	ys := buffer[float32](b, 7, nw*blocks*16*l16)
	wt := buffer[float32](b, 8, blocks*16*ckk)
	clear(wt)
	for ob := 0; ob < blocks; ob++ {
		for o := 0; o < 16 && ob*16+o < g.O; o++ {
			for k, v := range w[(ob*16+o)*ckk:][:ckk] {
				wt[(ob*ckk+k)*16+o] = v
			}
		}
	}
	offs := b.ints(ckk)
	for c := 0; c < g.C; c++ {
		for ki := 0; ki < g.K; ki++ {
			for kj := 0; kj < g.K; kj++ {
				offs[(c*g.K+ki)*g.K+kj] = (c*l.PH+ki)*l.PW + kj
			}
		}
	}
	parallelW(g.N, nw, func(wk, n int) {
		pad, yw := src(n, pads[wk*padLen:][:padLen]), ys[wk*blocks*16*l16:][:blocks*16*l16]
		for ob := 0; ob < blocks; ob++ {
			direct16(yw[ob*16*l16:], l16, wt[ob*ckk*16:][:ckk*16], pad, offs, l16)
		}
		unwide(g, l, l16, yw, bias, y[n*g.O*pl:][:g.O*pl], relu)
	})
}

// transpose16 sets dst[(oh*pw+ow)*16 + i] = src[i*pl + oh*ow + ow] for the
// nc < 17 channels i of a block, the oh x ow positions of each, pl apart.
func transpose16(dst, src []float32, nc, pl, oh, ow, pw int) {
	src = src[:(nc-1)*pl+oh*ow]
	for r := 0; r < oh; r++ {
		for c := 0; c < ow; c++ {
			d := dst[(r*pw+c)*16:][:16]
			j := r*ow + c
			for i := range d[:nc] {
				d[i] = src[j]
				j += pl
			}
		}
	}
}

// padded returns example n of x, [N, C, H, W], padded by g.P in the wide
// layout l and followed by 16 values the direct kernels may read, for
// outputs no one uses: x itself without padding, where x has them, and
// else pad, which it fills.
func padded(g geom, l wide, x []float32, n int, pad []float32) []float32 {
	il := g.img()
	if g.P == 0 && len(x)-n*il >= il+16 {
		return x[n*il:][:il+16]
	}
	padWide(g, l, x[n*il:][:il], pad)
	clear(pad[g.C*l.PH*l.PW:])
	return pad
}

// unwide copies the outputs of one example from the wide layout yw, [O,
// ld], to yn, [O, OH, OW], adding bias (nil for none) and, with relu,
// applying max(x, 0); in float32 it changes yw.
func unwide[T float](g geom, l wide, ld int, yw, bias, yn []T, relu bool) {
	pl := g.plane()
	f32, simd := any(yw).([]float32)
	for o := 0; o < g.O; o++ {
		var bo T
		if bias != nil {
			bo = bias[o]
		}
		if simd {
			// Bias and ReLU in place over the channel's whole wide span
			// (the columns no output uses included), then the rows out.
			vec.AddConstReLU(f32[o*ld:][:l.L], float32(bo), relu)
			for oh := 0; oh < g.OH; oh++ {
				copy(yn[o*pl+oh*g.OW:][:g.OW], yw[o*ld+oh*l.PW:][:g.OW])
			}
			continue
		}
		for oh := 0; oh < g.OH; oh++ {
			dst, src := yn[o*pl+oh*g.OW:][:g.OW], yw[o*ld+oh*l.PW:][:g.OW]
			if relu {
				for i, v := range src {
					dst[i] = max(v+bo, 0)
				}
				continue
			}
			for i, v := range src {
				dst[i] = v + bo
			}
		}
	}
}

// grad8 is wgrad8 on slices, with the checks that keep the kernel inside
// them: dw[i*16 + o] += sum over j < n of src[offs[i] + j] * swT[j*16 + o]
// for i < 8, o < 16 and n a positive even number.
func grad8(dw, swT, src []float32, offs []int, n int) {
	switch {
	case len(offs) < 8 || n <= 0 || n%2 != 0:
		panic(fmt.Sprintf("spatial: grad8: %d offsets, n %d", len(offs), n))
	case len(dw) < 8*16 || len(swT) < 16*n:
		panic("spatial: grad8: gradient or column side too short")
	}
	for _, o := range offs[:8] {
		if o < 0 || o+n > len(src) {
			panic(fmt.Sprintf("spatial: grad8: offset %d of %d values past a source of %d", o, n, len(src)))
		}
	}
	wgrad8(&dw[0], &swT[0], &src[0], &offs[0], n)
}

// weightGradDirect is the weight gradient of a stride-1 convolution of a
// useDirect geometry g, from the image side img and the column side small,
// into dw, [O, C*K*K]: per example, the column side goes to the wide
// layout transposed, [L, 16] per block of 16 channels, and the kernel
// correlates it with the padded image at the offsets of the taps, 8 taps
// at a time.
func weightGradDirect(b *base, g geom, nw int, img, small, dw []float32) {
	weightGradFrom(b, g, nw, imageSource(g, img), small, dw)
}

// weightGradFrom is weightGradDirect with the image side from src.
func weightGradFrom(b *base, g geom, nw int, src source, small, dw []float32) {
	l, ckk, pl := wideOf(g), g.ckk(), g.plane()
	n2 := (l.L + 1) &^ 1
	taps := (ckk + 7) &^ 7
	blocks := (g.O + 15) / 16
	padLen := g.C*l.PH*l.PW + 16
	pads := buffer[float32](b, 3, nw*padLen)
	swTS := buffer[float32](b, 4, nw*blocks*n2*16)
	accs := buffer[float32](b, 1, nw*blocks*taps*16)
	clear(swTS) // the positions that belong to no output stay zero
	clear(accs)
	// Offsets of the taps; those past ckk repeat offset 0 and their sums
	// are dropped.
	offs := b.ints(taps)
	clear(offs)
	for c := 0; c < g.C; c++ {
		for ki := 0; ki < g.K; ki++ {
			for kj := 0; kj < g.K; kj++ {
				offs[(c*g.K+ki)*g.K+kj] = (c*l.PH+ki)*l.PW + kj
			}
		}
	}
	parallelW(g.N, nw, func(wk, n int) {
		pad := src(n, pads[wk*padLen:][:padLen])
		swT := swTS[wk*blocks*n2*16:][:blocks*n2*16]
		acc := accs[wk*blocks*taps*16:][:blocks*taps*16]
		sn := small[n*g.O*pl:][:g.O*pl]
		for ob := 0; ob < blocks; ob++ {
			transpose16(swT[ob*n2*16:][:n2*16], sn[ob*16*pl:], min(16, g.O-ob*16), pl, g.OH, g.OW, l.PW)
		}
		for ob := 0; ob < blocks; ob++ {
			blk, a := swT[ob*n2*16:][:n2*16], acc[ob*taps*16:][:taps*16]
			for t := 0; t < taps; t += 8 {
				grad8(a[t*16:], blk, pad, offs[t:], n2)
			}
		}
	})
	for o := 0; o < g.O; o++ {
		ob, oi := o/16, o%16
		for k := 0; k < ckk; k++ {
			var s float32
			for wk := 0; wk < nw; wk++ {
				s += accs[(wk*blocks+ob)*taps*16+k*16+oi]
			}
			dw[o*ckk+k] = s
		}
	}
}
