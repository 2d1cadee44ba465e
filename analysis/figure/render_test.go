package figure

import (
	"strings"
	"testing"
)

// TestWrapTitle: long plot titles are broken at spaces into lines that fit
// (class-map's title of a trained model ran past its image), and oneLine
// gives the title back.
func TestWrapTitle(t *testing.T) {
	long := "deep-ae: 32x32 decoded codes over [-0.965, 0.958] x [-0.972, 0.978] (1st to 99th percentile of the codes of fashion-mnist), classified by cnn"
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"short title", 84, "short title"},
		{"a b c", 3, "a b\nc"},
		{"a verylongword b", 4, "a\nverylongword\nb"},
		{long, 84, "deep-ae: 32x32 decoded codes over [-0.965, 0.958] x [-0.972, 0.978] (1st to 99th\npercentile of the codes of fashion-mnist), classified by cnn"},
	} {
		got := wrapTitle(tc.in, tc.width)
		if got != tc.want {
			t.Errorf("wrapTitle(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
		for _, l := range strings.Split(got, "\n") {
			if len(l) > tc.width && strings.Contains(l, " ") {
				t.Errorf("line %q longer than %d", l, tc.width)
			}
		}
		if oneLine(got) != strings.Join(strings.Fields(tc.in), " ") {
			t.Errorf("oneLine(%q) = %q", got, oneLine(got))
		}
	}
}
