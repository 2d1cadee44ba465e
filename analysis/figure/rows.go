package figure

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/zoo-ml/zoo/analysis"
)

// Layout of the rows figures (ComparePCA, Worst), in pixels.
const (
	rowsScale  = 3   // each image pixel becomes rowsScale x rowsScale
	rowsGap    = 4   // between cells
	rowsLabelW = 110 // row labels on the left
	rowsHeadH  = 22  // column titles on top
)

// greySize returns the height and width of grey images of the given shape:
// [H, W] or [1, H, W].
func greySize(shape []int) (h, w int, ok bool) {
	switch {
	case len(shape) == 2:
		return shape[0], shape[1], true
	case len(shape) == 3 && shape[0] == 1:
		return shape[1], shape[2], true
	}
	return 0, 0, false
}

// RowsSize returns the size in pixels of a rows figure (see [ComparePCA])
// of rows x cols images of h x w pixels.
func RowsSize(rows, cols, h, w int) (width, height int) {
	return rowsLabelW + cols*(w*rowsScale+rowsGap) + rowsGap, rowsHeadH + rows*(h*rowsScale+rowsGap) + rowsGap
}

// RowsCell returns where a rows figure of h x w images draws the image of
// row r, column c: a rectangle of h x w squares of one pixel each scaled
// by the same whole factor.
func RowsCell(r, c, h, w int) image.Rectangle {
	x0, y0 := rowsLabelW+c*(w*rowsScale+rowsGap), rowsHeadH+r*(h*rowsScale+rowsGap)
	return image.Rect(x0, y0, x0+w*rowsScale, y0+h*rowsScale)
}

// ComparePCA draws the figure of zoo compare pca: the chosen test images
// (cmp.Index of test, whose items have the given shape) over their
// reconstructions by the autoencoder and by PCA for each K, one column per
// image headed by its index (and label). Only grey images ([H, W] or
// [1, H, W]) are drawn; other shapes fail with ErrNotApplicable.
func ComparePCA(test []float32, shape []int, cmp *analysis.PCAComparison) (*Figure, error) {
	const fig = "compare-pca"
	h, w, ok := greySize(shape)
	if !ok {
		return nil, notApplicable(fig, "test items of shape %v are not images", shape)
	}
	rows := [][]float32{analysis.Rows(test, cmp.Index, h*w), cmp.Autoencoder.Shown}
	names := []string{"original", "autoencoder"}
	for _, r := range cmp.PCA {
		rows = append(rows, r.Shown)
		names = append(names, fmt.Sprintf("PCA (k=%d)", r.K))
	}
	img, err := rowsImage(rows, names, cmp.Index, cmp.IndexLabels, h, w)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fig, err)
	}
	return done(fig, "originals, autoencoder and PCA reconstructions of the chosen test images", img), nil
}

// Worst draws the worst reconstructions of zoo eval: the images worst of d
// over their reconstructions (recon holds one per image of d), each column
// headed by the image's index (and label), with each image's MSE in Notes.
// model names the model in the title. Only grey images are drawn.
func Worst(d *Data, recon []float32, worst []analysis.ImageError, model string) (*Figure, error) {
	h, w, ok := greySize(d.Shape)
	if !ok {
		return nil, fmt.Errorf("items of shape %v are not grey images", d.Shape)
	}
	var index, labels []int
	for _, e := range worst {
		index = append(index, e.Index)
		if d.Labels != nil {
			labels = append(labels, e.Label)
		}
	}
	rows := [][]float32{analysis.Rows(d.X, index, h*w), analysis.Rows(recon, index, h*w)}
	img, err := rowsImage(rows, []string{"original", "reconstruction"}, index, labels, h, w)
	if err != nil {
		return nil, err
	}
	title := fmt.Sprintf("the %d worst reconstructions of %s by %s", len(index), d.Name, model)
	notes := []string{}
	for _, e := range worst {
		notes = append(notes, fmt.Sprintf("image %d: MSE %.6f", e.Index, e.MSE))
	}
	return done("worst", title, img, notes...), nil
}

// rowsImage draws one row of images per entry of rows (each holds the
// images of the columns, h*w values each, clamped to [0, 1], white on
// black; NaN black), named on the left, with the item index (and label)
// above each column.
func rowsImage(rows [][]float32, names []string, index, labels []int, h, w int) (image.Image, error) {
	width, height := RowsSize(len(rows), len(index), h, w)
	// Text first, on a white canvas of one point per pixel; then the
	// images, pixel for pixel, into the canvas's image.
	cv := vgimg.NewWith(vgimg.UseWH(vg.Length(width), vg.Length(height)), vgimg.UseDPI(72))
	rowsText(draw.New(cv), height, names, index, labels, h, w)
	img := cv.Image()
	if img.Bounds() != image.Rect(0, 0, width, height) {
		return nil, fmt.Errorf("canvas is %v, want %dx%d", cv.Image().Bounds(), width, height)
	}
	for r, row := range rows {
		for c := range index {
			x0, y0 := RowsCell(r, c, h, w).Min.X, RowsCell(r, c, h, w).Min.Y
			for y := range h * rowsScale {
				for x := range w * rowsScale {
					v := float64(row[c*h*w+(y/rowsScale)*w+x/rowsScale])
					g := uint8(0) // NaN as black
					if v == v {
						g = uint8(math.Round(255 * math.Min(1, math.Max(0, v))))
					}
					img.Set(x0+x, y0+y, color.Gray{g})
				}
			}
		}
	}
	return img, nil
}

// rowsText draws the column titles and row names of rowsImage on dc, a
// canvas height points high.
func rowsText(dc draw.Canvas, height int, names []string, index, labels []int, h, w int) {
	sty := draw.TextStyle{
		Color:   color.Black,
		Font:    font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(12)},
		Handler: plot.DefaultTextHandler,
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
	}
	pt := func(x, y int) vg.Point { return vg.Point{X: vg.Length(x), Y: vg.Length(height - y)} }
	for c, i := range index {
		title := strconv.Itoa(i)
		if labels != nil {
			title += fmt.Sprintf(" (%d)", labels[c])
		}
		dc.FillText(sty, pt(rowsLabelW+c*(w*rowsScale+rowsGap)+w*rowsScale/2, rowsHeadH/2+1), title)
	}
	sty.XAlign = draw.XLeft
	corner := "index"
	if labels != nil {
		corner = "index (label)"
	}
	dc.FillText(sty, pt(6, rowsHeadH/2+1), corner)
	for r, name := range names {
		dc.FillText(sty, pt(6, rowsHeadH+r*(h*rowsScale+rowsGap)+h*rowsScale/2), name)
	}
}
