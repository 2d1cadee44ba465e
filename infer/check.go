package infer

import (
	"fmt"
	"strings"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/zoo"
)

// CheckInput reports whether the data file name, with header h, can go
// through a model that takes examples shaped in (without the batch) for
// task: the file holds at least one example; its element type suits the
// task (images are u8, scaled to [0, 1], or f32 / f64; codes for decode are
// f32 or f64); and each example has the model's shape. Shapes match when
// they are equal once dimensions of size 1 are dropped (28x28 for
// [1, 28, 28]), or when either is flat with as many values (784 for
// [1, 28, 28]). The errors name the file and both shapes.
func CheckInput(name string, h dataset.Header, task zoo.Task, in []int) error {
	if len(h.Dims) == 0 || h.Count() == 0 {
		return fmt.Errorf("%s holds no examples (header %s): nothing to run", name, h)
	}
	switch {
	case task == zoo.Decode && !dataset.ContentCodes.Accepts(h.Type):
		return fmt.Errorf("%s holds %s values; decode takes float codes (IDX f32 or f64), such as zoo infer --task encode writes", name, h.Type)
	case !dataset.ContentImages.Accepts(h.Type):
		return fmt.Errorf("%s holds %s values; %s takes images as u8 (0 to 255, scaled to [0, 1]) or f32 / f64", name, h.Type, task)
	}
	item := h.Dims[1:]
	if len(h.Dims) == 1 {
		item = []int{1}
	}
	if !sameShape(item, in) {
		what := "examples"
		if task != zoo.Decode {
			what = "images"
		}
		return fmt.Errorf("%s: %s are %s %s with %d values each, but the model takes %s",
			name, what, shapeString(item), h.Type, prod(item), describe(in))
	}
	return nil
}

// sameShape reports whether a and b describe the same example: equal
// without their dimensions of size 1, or one of them flat with as many
// values as the other.
func sameShape(a, b []int) bool {
	if prod(a) != prod(b) {
		return false
	}
	if len(a) == 1 || len(b) == 1 {
		return true
	}
	squeeze := func(s []int) []int {
		var out []int
		for _, d := range s {
			if d != 1 {
				out = append(out, d)
			}
		}
		return out
	}
	sa, sb := squeeze(a), squeeze(b)
	if len(sa) != len(sb) {
		return false
	}
	for i := range sa {
		if sa[i] != sb[i] {
			return false
		}
	}
	return true
}

// describe formats an example shape as "1x28x28 (784 values)", or "784
// values" when flat.
func describe(s []int) string {
	if len(s) == 1 {
		return fmt.Sprintf("%d values", s[0])
	}
	return fmt.Sprintf("%s (%d values)", shapeString(s), prod(s))
}

// shapeString formats a shape as "1x28x28".
func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "x")
}
