// Package report writes an HTML report: one self-contained page of
// sections holding text, tables, preformatted text and PNG images, the
// images embedded as base64 data URIs so that the page is a single file
// that opens anywhere.
//
// A caller fills a [Page] with what it measured and drew, and
// [Page.WriteHTML] or [Page.WriteFile] lays it out. [Build] makes the page
// of zoo report (model card, training, evaluation, comparison with PCA,
// figures) from [Inputs] whose steps are function values: the package runs
// no engine and imports neither infer nor export, which sit upstream of
// package analysis (infer imports it).
package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"html/template"
	"image"
	"image/png"
	"io"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/zoo-ml/zoo/internal/atomicfile"
)

// A Page is a report: a title and sections in order.
type Page struct {
	// Title heads the page and names it in the browser.
	Title string
	// Lines are short facts shown under the title, such as what was
	// measured on which data and when.
	Lines []string
	// Sections are shown in order, each listed in the table of contents.
	Sections []*Section
}

// A Section is one part of a page.
type Section struct {
	// ID is the section's anchor, unique within the page, such as "eval".
	ID string
	// Title heads the section.
	Title string
	// Text are paragraphs of plain text.
	Text []string
	// Markdown is Markdown text (such as a model card), rendered as HTML
	// with GitHub's tables and fenced code; raw HTML in it is escaped.
	Markdown string
	// Pre is preformatted text (such as a table printed by a command),
	// shown in a fixed-width font; empty for none. With PreFold, it is
	// folded away under a line that says PreFold, for the curious.
	Pre, PreFold string
	// Tables and Images follow the text, tables first; with Beside, side
	// by side (a table and the figure that draws it).
	Tables []*Table
	Images []*Image
	Beside bool
}

// A Table is a table with a caption, a header row and rows of cells.
type Table struct {
	Caption string
	Head    []string
	Rows    [][]string
}

// FoldRows is the most rows a table shows unfolded; a longer one is folded
// under its caption and opens on a click.
const FoldRows = 12

// Folded reports whether the table is folded (see FoldRows).
func (t *Table) Folded() bool { return len(t.Rows) > FoldRows }

// An Image is a PNG image with a title and caption lines.
type Image struct {
	// ID is the image's element id, unique within the page.
	ID    string
	Title string
	// Notes are caption lines shown under the image.
	Notes []string
	// PNG holds the encoded image.
	PNG []byte
	// Width and Height are the image's size in pixels.
	Width, Height int
}

// NewImage encodes img as PNG into an Image.
func NewImage(id, title string, img image.Image, notes ...string) (*Image, error) {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("image %s: %w", id, err)
	}
	r := img.Bounds()
	return &Image{ID: id, Title: title, Notes: notes, PNG: b.Bytes(), Width: r.Dx(), Height: r.Dy()}, nil
}

// PNGImage returns an Image of PNG data, checking that it decodes.
func PNGImage(id, title string, data []byte, notes ...string) (*Image, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", id, err)
	}
	return &Image{ID: id, Title: title, Notes: notes, PNG: data, Width: cfg.Width, Height: cfg.Height}, nil
}

// Section returns the section with the given id, adding an empty one with
// that title at the end when there is none.
func (p *Page) Section(id, title string) *Section {
	for _, s := range p.Sections {
		if s.ID == id {
			return s
		}
	}
	s := &Section{ID: id, Title: title}
	p.Sections = append(p.Sections, s)
	return s
}

// WriteHTML writes the page as one HTML5 document with every image
// embedded.
func (p *Page) WriteHTML(w io.Writer) error {
	ids := map[string]bool{}
	for _, s := range p.Sections {
		if ids[s.ID] {
			return fmt.Errorf("report: two sections with id %q", s.ID)
		}
		ids[s.ID] = true
		for _, im := range s.Images {
			if ids[im.ID] {
				return fmt.Errorf("report: id %q used twice", im.ID)
			}
			ids[im.ID] = true
			if len(im.PNG) == 0 {
				return fmt.Errorf("report: image %s is empty", im.ID)
			}
		}
	}
	return page.Execute(w, p)
}

// WriteFile writes the page to path through a temporary file in the same
// folder, renamed into place when complete. An existing file is an error
// unless force is set.
func (p *Page) WriteFile(path string, force bool) error {
	f, err := atomicfile.Create(path, force)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := p.WriteHTML(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// markdown renders Markdown text as HTML (GitHub's flavour, raw HTML
// escaped).
func markdown(src string) (template.HTML, error) {
	var b bytes.Buffer
	if err := md.Convert([]byte(src), &b); err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	return template.HTML(b.String()), nil // goldmark escapes raw HTML unless told otherwise
}

var md = goldmark.New(goldmark.WithExtensions(extension.GFM))

// imgTag returns the <img> element of im, its PNG data inline as a data:
// URI (base64 needs no escaping in an attribute).
func imgTag(im *Image) template.HTML {
	return template.HTML(fmt.Sprintf(`<img src="data:image/png;base64,%s" width="%d" height="%d" alt="%s">`,
		base64.StdEncoding.EncodeToString(im.PNG), im.Width, im.Height, html.EscapeString(im.Title)))
}

var page = template.Must(template.New("page").Funcs(template.FuncMap{"img": imgTag, "markdown": markdown}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: "Liberation Sans", Arial, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.3em; border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
nav ul { columns: 3; } pre { background: #f6f6f6; padding: .8em; overflow-x: auto; font-size: .85em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .9em; }
caption { text-align: left; font-weight: bold; padding: .3em 0; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: .9em; color: #444; } .lines { color: #555; }
.card { border: 1px solid #ddd; padding: 0 1em; border-radius: 4px; }
.card h1 { font-size: 1.3em; } .card h2 { font-size: 1.1em; border: none; margin-top: 1.2em; }
.card pre { font-size: .8em; } .card table { font-size: .85em; }
.card td, .card th { text-align: left; } .card th:empty { padding: 0; border: none; }
.beside { display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }
.beside figure { margin: .8em 0; flex: 1 1 480px; }
details { margin: .8em 0; } summary { cursor: pointer; font-weight: bold; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{with .Lines}}<div class="lines">{{range .}}<div>{{.}}</div>{{end}}</div>{{end}}
<nav><ul>{{range .Sections}}<li><a href="#{{.ID}}">{{.Title}}</a></li>{{end}}</ul></nav>
{{range .Sections}}
<section id="{{.ID}}">
<h2>{{.Title}}</h2>
{{range .Text}}<p>{{.}}</p>
{{end}}{{with .Markdown}}<div class="card">{{markdown .}}</div>
{{end}}{{if .Pre}}{{if .PreFold}}<details><summary>{{.PreFold}}</summary>
<pre>{{.Pre}}</pre>
</details>{{else}}<pre>{{.Pre}}</pre>{{end}}
{{end}}{{if .Beside}}<div class="beside">
{{end}}{{range .Tables}}{{if .Folded}}<details><summary>{{.Caption}} ({{len .Rows}} rows)</summary>
{{end}}<table>{{with .Caption}}<caption>{{.}}</caption>{{end}}
<thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody></table>
{{if .Folded}}</details>
{{end}}{{end}}{{range .Images}}<figure id="{{.ID}}">
{{img .}}
<figcaption><b>{{.Title}}</b>{{range .Notes}}<br>{{.}}{{end}}</figcaption>
</figure>
{{end}}{{if .Beside}}</div>
{{end}}</section>
{{end}}
</body>
</html>
`))
