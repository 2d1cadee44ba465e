package figure

import (
	"fmt"
	"image"
	"math"
)

// mapSize returns the height and width of the square-ish map that shows n
// activations: a square when n is one (1156 is 34x34), else the narrowest
// rectangle of width ceil(sqrt(n)).
func mapSize(n int) (h, w int) {
	w = isqrt(n)
	if w*w == n {
		return w, w
	}
	w++
	return (n + w - 1) / w, w
}

// actImage renders activations v as an h x w map, values divided by scale
// (black 0, white scale and above; negative values black too).
func actImage(v []float32, h, w int, scale float64) image.Image {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i, x := range v {
		f := 0.0
		if scale > 0 {
			f = float64(x) / scale
		}
		img.Pix[i] = byteOf(float32(f))
	}
	return img
}

// codeChannels returns the shape [C, H, W] of the encoder output of m when
// it holds channels of maps larger than one value (a convolutional
// encoder's output) and has the given number of units.
func (m *Model) codeChannels(units int) ([]int, bool) {
	s := m.CodeShape
	if !m.hasEncoder() || len(s) != 3 || s[1]*s[2] < 2 || prod(s) != units {
		return nil, false
	}
	return s, true
}

// A mosaic lays out the c maps of h x w activations of a channel-first
// array side by side, in a grid of mapSize(c), one grey pixel between maps.
type mosaic struct{ c, h, w, rows, cols int }

// mosaicOf returns the mosaic of the shape [C, H, W].
func mosaicOf(shape []int) mosaic {
	rows, cols := mapSize(shape[0])
	return mosaic{c: shape[0], h: shape[1], w: shape[2], rows: rows, cols: cols}
}

// image renders the activations v (c*h*w values, channel first) as the
// mosaic, each value divided by scale as actImage does, the space between
// maps mid-grey.
func (ms mosaic) image(v []float32, scale float64) image.Image {
	img := image.NewGray(image.Rect(0, 0, ms.cols*(ms.w+1)-1, ms.rows*(ms.h+1)-1))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	for k := range ms.c {
		x0, y0 := (k%ms.cols)*(ms.w+1), (k/ms.cols)*(ms.h+1)
		m := actImage(v[k*ms.h*ms.w:(k+1)*ms.h*ms.w], ms.h, ms.w, scale).(*image.Gray)
		for y := range ms.h {
			copy(img.Pix[(y0+y)*img.Stride+x0:], m.Pix[y*m.Stride:y*m.Stride+ms.w])
		}
	}
	return img
}

// hiddenLayer computes the hidden layer of Activations on all of d (of
// image dims chw): the encoder's codes, or else m.First's outputs (for a
// convolution, its first channel). It returns them, the number of units of
// one image, and words saying which layer it is.
func hiddenLayer(fig string, m *Model, d *Data, chw []int) (hidden []float32, units int, layer string, err error) {
	if m.hasEncoder() {
		hidden, err = m.codes(d)
		return hidden, m.Code, "encoder output", err
	}
	if m.First == nil {
		return nil, 0, "", notApplicable(fig, "model %s has neither an encoder nor first-layer weights", m.name())
	}
	shape := m.Input
	if m.First.Op == "Conv" && len(shape) != 3 {
		shape = chw
	}
	hidden, out, err := firstLayer(m.First, d.X, d.N, shape)
	if err != nil {
		return nil, 0, "", fmt.Errorf("%s: %w", fig, err)
	}
	units = prod(out)
	layer = fmt.Sprintf("first layer %s (%s)", m.First.Name, m.First.Op)
	if m.First.Activation != "" {
		layer = fmt.Sprintf("first layer %s (%s, %s)", m.First.Name, m.First.Op, m.First.Activation)
	}
	if len(out) == 3 { // show the first channel of a convolution
		layer += fmt.Sprintf(", channel 0 of %d", out[0])
		ch := out[1] * out[2]
		first := make([]float32, 0, d.N*ch)
		for i := range d.N {
			first = append(first, hidden[i*units:i*units+ch]...)
		}
		hidden, units = first, ch
	}
	return hidden, units, layer, nil
}

// Activations draws the hidden activation maps of the images opt.Index of
// d (default the first 8) under the images, and the mean activation of each
// unit over all of d. The hidden layer is the encoder's output (for
// sparse-ae, its 1156 ReLU units, drawn as 34x34) when m has an encoder,
// else m.First computed in Go from the ONNX initializers (for a
// convolution, the maps of its first channels). Maps are scaled by the
// largest activation shown (white), 0 and below black.
func Activations(m *Model, d *Data, opt Options) (*Figure, error) {
	const fig = "activations"
	f, err := prepare(fig, m, d, opt, 8)
	if err != nil {
		return nil, err
	}
	c, h, w, index := f.c, f.h, f.w, f.index
	hidden, units, layer, err := hiddenLayer(fig, m, d, []int{c, h, w})
	if err != nil {
		return nil, err
	}
	mh, mw := mapSize(units)
	pad := func(v []float32) []float32 {
		return append(append([]float32(nil), v...), make([]float32, mh*mw-units)...)
	}
	draw := func(v []float32, scale float64) image.Image { return actImage(pad(v), mh, mw, scale) }
	shown := fmt.Sprintf("%d units as %dx%d maps", units, mh, mw)
	if ch, ok := m.codeChannels(units); ok { // one map per channel of a convolutional encoder
		ms := mosaicOf(ch)
		draw = func(v []float32, scale float64) image.Image { return ms.image(v, scale) }
		shown = fmt.Sprintf("%d channels of %dx%d maps", ch[0], ch[1], ch[2])
	}
	var peak float64
	for _, i := range index {
		for _, v := range hidden[i*units : (i+1)*units] {
			peak = math.Max(peak, float64(v))
		}
	}
	mean := make([]float32, units)
	var active float64
	for i := range d.N {
		for j, v := range hidden[i*units : (i+1)*units] {
			mean[j] += v / float32(d.N)
			if v > 0 {
				active++
			}
		}
	}
	var meanPeak float64
	for _, v := range mean {
		meanPeak = math.Max(meanPeak, float64(v))
	}
	s := section{rows: []string{"input", "activations"}}
	var ins, maps []image.Image
	for _, i := range index {
		ins = append(ins, toImage(d.row(i), c, h, w))
		maps = append(maps, draw(hidden[i*units:(i+1)*units], peak))
		s.cols = append(s.cols, itemLabel(d, i))
	}
	s.cells = [][]image.Image{ins, maps}
	meanSec := section{title: fmt.Sprintf("mean activation of each unit over the %d images of %s (white: %.3g)", d.N, d.Name, meanPeak),
		rows: []string{"mean"}, cells: [][]image.Image{{draw(mean, meanPeak)}}}
	frac := active / float64(d.N*units)
	title := opt.title(fmt.Sprintf("%s: %s, %s; %.1f%% of activations > 0", m.name(), layer, shown, 100*frac))
	return done(fig, title, grid(title, []section{s, meanSec}),
		fmt.Sprintf("%s: %d units; %.2f%% of the activations over %s are positive; largest mean activation %.4g", layer, units, 100*frac, d.Name, meanPeak)), nil
}
