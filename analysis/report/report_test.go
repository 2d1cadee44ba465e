package report

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func testImage(w, h int) image.Image {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.Set(0, 0, color.Gray{255})
	return img
}

var imgSrc = regexp.MustCompile(`<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" width="(\d+)" height="(\d+)"`)

// TestWriteHTML writes a page of two sections and reads it back: every
// section and its contents are there, text is escaped, and every image
// decodes to what was put in.
func TestWriteHTML(t *testing.T) {
	a, err := NewImage("fig-a", "first <figure>", testImage(30, 20), "note one", "note & two")
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	if err := png.Encode(&raw, testImage(7, 9)); err != nil {
		t.Fatal(err)
	}
	b, err := PNGImage("fig-b", "second", raw.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	p := &Page{Title: "model <x>", Lines: []string{"on data"}}
	s := p.Section("card", "Model card")
	s.Pre = "# relu-ae-30\n| a | b |"
	e := p.Section("eval", "Evaluation")
	e.Text = []string{"MSE 0.02 <b>"}
	e.Tables = []*Table{{Caption: "per class", Head: []string{"class", "MSE"}, Rows: [][]string{{"0", "0.1"}, {"1", "0.2"}}}}
	e.Images = []*Image{a, b}
	if p.Section("eval", "ignored") != e || len(p.Sections) != 2 {
		t.Fatal("Section did not return the existing section")
	}
	var buf bytes.Buffer
	if err := p.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{"<!DOCTYPE html>", "<title>model &lt;x&gt;</title>", `<section id="card">`, `<section id="eval">`,
		`<a href="#eval">Evaluation</a>`, "# relu-ae-30\n| a | b |", "MSE 0.02 &lt;b&gt;", "<caption>per class</caption>",
		"<td>0.2</td>", "first &lt;figure&gt;", "note &amp; two"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	m := imgSrc.FindAllStringSubmatch(html, -1)
	if len(m) != 2 {
		t.Fatalf("%d images in the page, want 2:\n%s", len(m), html)
	}
	for i, want := range [][2]int{{30, 20}, {7, 9}} {
		data, err := base64.StdEncoding.DecodeString(m[i][1])
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("image %d: %v", i, err)
		}
		if img.Bounds().Dx() != want[0] || img.Bounds().Dy() != want[1] || m[i][2] != itoa(want[0]) || m[i][3] != itoa(want[1]) {
			t.Errorf("image %d is %v (attributes %sx%s), want %v", i, img.Bounds(), m[i][2], m[i][3], want)
		}
		if g, _, _, _ := img.At(0, 0).RGBA(); g>>8 != 255 {
			t.Errorf("image %d pixel (0, 0) = %d, want 255", i, g>>8)
		}
	}

	// To a file: atomically, no overwrite without force.
	path := filepath.Join(t.TempDir(), "report.html")
	if err := p.WriteFile(path, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != html {
		t.Error("file differs from WriteHTML")
	}
	if err := p.WriteFile(path, false); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("second write without force: %v", err)
	}
	if err := p.WriteFile(path, true); err != nil {
		t.Errorf("with force: %v", err)
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Errorf("folder holds %d entries", len(ents))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestWriteHTMLErrors(t *testing.T) {
	img := &Image{ID: "x", PNG: []byte{1}}
	for _, p := range []*Page{
		{Sections: []*Section{{ID: "a"}, {ID: "a"}}},
		{Sections: []*Section{{ID: "a", Images: []*Image{img, img}}}},
		{Sections: []*Section{{ID: "a", Images: []*Image{{ID: "e"}}}}},
	} {
		if err := p.WriteHTML(&bytes.Buffer{}); err == nil {
			t.Errorf("no error for %+v", p)
		}
	}
	if _, err := PNGImage("bad", "bad", []byte("not a png")); err == nil {
		t.Error("PNGImage accepted bad data")
	}
}

// TestWriteHTMLLayout checks what makes the page readable: Markdown
// rendered (tables, code, raw HTML escaped), long tables and folded text
// under a summary, a table beside its figure.
func TestWriteHTMLLayout(t *testing.T) {
	rows := func(n int) [][]string {
		var r [][]string
		for i := range n {
			r = append(r, []string{itoa(i), "0.1"})
		}
		return r
	}
	im, err := NewImage("curve", "loss", testImage(4, 4))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		section   Section
		want, not []string
	}{
		{"markdown", Section{Markdown: "# relu-ae-30\n\n| a | b |\n| --- | --- |\n| 1 | `x` |\n\n<script>alert(1)</script>\n"},
			[]string{`<div class="card"><h1>relu-ae-30</h1>`, "<th>a</th>", "<td>1</td>", "<code>x</code>"},
			[]string{"<script>alert", "<pre>"}},
		{"short table", Section{Tables: []*Table{{Caption: "per epoch", Head: []string{"epoch", "loss"}, Rows: rows(FoldRows)}}},
			[]string{"<caption>per epoch</caption>"}, []string{"<details>"}},
		{"long table folded", Section{Tables: []*Table{{Caption: "per epoch", Head: []string{"epoch", "loss"}, Rows: rows(FoldRows + 1)}}},
			[]string{"<details><summary>per epoch (13 rows)</summary>\n<table>", "</table>\n</details>"}, nil},
		{"folded text", Section{Pre: "accuracy 0.9", PreFold: "all the numbers"},
			[]string{"<details><summary>all the numbers</summary>\n<pre>accuracy 0.9</pre>\n</details>"}, nil},
		{"plain text", Section{Pre: "accuracy 0.9"}, []string{"<pre>accuracy 0.9</pre>"}, []string{"<details>"}},
		{"beside", Section{Beside: true, Tables: []*Table{{Head: []string{"epoch"}, Rows: rows(2)}}, Images: []*Image{im}},
			[]string{`<div class="beside">` + "\n<table>", "</figure>\n</div>"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.section
			s.ID, s.Title = "s", "S"
			var b bytes.Buffer
			if err := (&Page{Title: "t", Sections: []*Section{&s}}).WriteHTML(&b); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("page lacks %q:\n%s", w, b.String())
				}
			}
			for _, n := range tc.not {
				if strings.Contains(b.String(), n) {
					t.Errorf("page holds %q", n)
				}
			}
		})
	}
}
