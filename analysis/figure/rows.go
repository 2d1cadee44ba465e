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
	rowsTitleH = 26  // the figure's title on top
	rowsHeadH  = 34  // column titles below it: the index, then the label
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
	return rowsLabelW + cols*(w*rowsScale+rowsGap) + rowsGap, rowsTitleH + rowsHeadH + rows*(h*rowsScale+rowsGap) + rowsGap
}

// RowsCell returns where a rows figure of h x w images draws the image of
// row r, column c: a rectangle of h x w squares of one pixel each scaled
// by the same whole factor.
func RowsCell(r, c, h, w int) image.Rectangle {
	x0, y0 := rowsLabelW+c*(w*rowsScale+rowsGap), rowsTitleH+rowsHeadH+r*(h*rowsScale+rowsGap)
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
	title := "originals, autoencoder and PCA reconstructions of the chosen test images"
	img, err := rowsImage(title, rows, names, cmp.Index, cmp.IndexLabels, nil, h, w)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fig, err)
	}
	return done(fig, title, img), nil
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
	title := fmt.Sprintf("the %d worst reconstructions of %s by %s", len(index), d.Name, model)
	img, err := rowsImage(title, rows, []string{"original", "reconstruction"}, index, labels, d.ClassNames, h, w)
	if err != nil {
		return nil, err
	}
	notes := []string{}
	for _, e := range worst {
		notes = append(notes, fmt.Sprintf("image %d: MSE %.6f", e.Index, e.MSE))
	}
	return done("worst", title, img, notes...), nil
}

// rowsImage draws under title one row of images per entry of rows (each
// holds the images of the columns, h*w values each, clamped to [0, 1],
// white on black; NaN black), named on the left, with the item index (and
// under it its label, named by classes when given) above each column.
func rowsImage(title string, rows [][]float32, names []string, index, labels []int, classes []string, h, w int) (image.Image, error) {
	width, height := RowsSize(len(rows), len(index), h, w)
	// Text first, on a white canvas of one point per pixel; then the
	// images, pixel for pixel, into the canvas's image.
	cv := vgimg.NewWith(vgimg.UseWH(vg.Length(width), vg.Length(height)), vgimg.UseDPI(72))
	rowsText(draw.New(cv), height, title, names, index, labels, classes, h, w)
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

// rowsText draws the title, column titles and row names of rowsImage on
// dc, a canvas height points high.
func rowsText(dc draw.Canvas, height int, title string, names []string, index, labels []int, classes []string, h, w int) {
	sty := draw.TextStyle{
		Color:   color.Black,
		Font:    font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(12)},
		Handler: plot.DefaultTextHandler,
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
	}
	pt := func(x, y int) vg.Point { return vg.Point{X: vg.Length(x), Y: vg.Length(height - y)} }
	big := sty
	big.Font.Size = vg.Points(14)
	big.XAlign = draw.XLeft
	dc.FillText(big, pt(6, rowsTitleH/2+1), title)
	small := sty
	small.Font.Size = vg.Points(10)
	line1, line2 := rowsTitleH+rowsHeadH/4+1, rowsTitleH+3*rowsHeadH/4
	for c, i := range index {
		x := rowsLabelW + c*(w*rowsScale+rowsGap) + w*rowsScale/2
		dc.FillText(sty, pt(x, line1), strconv.Itoa(i))
		if labels != nil {
			dc.FillText(small, pt(x, line2), className(classes, labels[c]))
		}
	}
	sty.XAlign = draw.XLeft
	dc.FillText(sty, pt(6, line1), "index")
	if labels != nil {
		dc.FillText(sty, pt(6, line2), "label")
	}
	for r, name := range names {
		dc.FillText(sty, pt(6, rowsTitleH+rowsHeadH+r*(h*rowsScale+rowsGap)+h*rowsScale/2), name)
	}
}
