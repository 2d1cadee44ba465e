package main

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/testenv"
)

var reportImg = regexp.MustCompile(`<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" width="(\d+)" height="(\d+)" alt="([^"]*)"`)

// TestReport writes the report of relu-ae-30 and of the test classifier on
// the fixture and reads them back: every section is there and every image
// decodes to the size the page gives it.
func TestReport(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	tc := newTestClassifier(t)
	dir := t.TempDir()
	train := writeHead(t, pcaImages, pcaTrain, dir)
	for _, c := range []struct {
		name     string
		args     []string
		sections []string
		alts     []string
	}{
		{"autoencoder", []string{model, "--data", pcaImages, "--labels", pcaLabels, "--train", train, "--k", "2,30"},
			[]string{"card", "eval", "pca", "figures"},
			[]string{"worst reconstructions", "originals, autoencoder and PCA", "recon: ", "latent-scatter: "}},
		{"classifier", []string{tc.dir, "--data", clsImages, "--labels", clsLabels},
			[]string{"card", "eval", "figures"},
			[]string{"confusion matrix"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.name)
			r := run(t, nil, append(append([]string{"report"}, c.args...), "--out", out)...)
			if r.code != 0 {
				t.Fatalf("report: %+v", r)
			}
			b, err := os.ReadFile(filepath.Join(out, "report.html"))
			if err != nil {
				t.Fatal(err)
			}
			html := string(b)
			for _, s := range c.sections {
				if !strings.Contains(html, `<section id="`+s+`">`) {
					t.Errorf("no section %s", s)
				}
			}
			if c.name == "autoencoder" && !strings.Contains(html, "PCA k=30") {
				t.Error("no PCA table")
			}
			imgs := reportImg.FindAllStringSubmatch(html, -1)
			if len(imgs) != strings.Count(html, "<img ") || len(imgs) == 0 {
				t.Fatalf("%d decodable image tags of %d", len(imgs), strings.Count(html, "<img "))
			}
			var alts []string
			for _, m := range imgs {
				data, err := base64.StdEncoding.DecodeString(m[1])
				if err != nil {
					t.Fatal(err)
				}
				img, err := png.Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("image %q: %v", m[4], err)
				}
				if w, h := img.Bounds().Dx(), img.Bounds().Dy(); m[2] != strconv.Itoa(w) || m[3] != strconv.Itoa(h) {
					t.Errorf("image %q is %dx%d, the page says %sx%s", m[4], w, h, m[2], m[3])
				}
				alts = append(alts, m[4])
			}
			for _, a := range c.alts {
				if !strings.Contains(strings.Join(alts, "\n"), a) {
					t.Errorf("no image %q among %q", a, alts)
				}
			}
			// Kept without --force.
			r = run(t, nil, append(append([]string{"report"}, c.args...), "--out", out)...)
			if r.code == 0 || !strings.Contains(r.stderr, "already exists") {
				t.Errorf("second report: %+v", r)
			}
			noTemps(t, out)
		})
	}
	if r := run(t, nil, "report", dir, "--out", filepath.Join(dir, "x")); r.code != 1 || !strings.Contains(r.stderr, "neither a run folder") {
		t.Errorf("report of a plain folder: %+v", r)
	}
}
