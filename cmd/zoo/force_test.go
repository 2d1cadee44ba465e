package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/testenv"
)

// TestForce runs every command that writes files over an existing output:
// without --force it must fail, say that the file exists and how to replace
// it, and leave the file as it was; with --force it replaces it.
func TestForce(t *testing.T) {
	testenv.NeedORT(t)
	const (
		images = "../../fixtures/mnist-512/t10k-images-idx3-ubyte.gz"
		labels = "../../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz"
	)
	model := exported(t) // relu-ae-30
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	for i, part := range []string{"0/2", "1/2"} {
		if r := run(t, nil, "infer", model, images, "--shard", part, "--out", p("part-"+string(rune('0'+i))+".idx")); r.code != 0 {
			t.Fatalf("infer --shard: %+v", r)
		}
	}
	for _, tc := range []struct {
		name     string
		existing string // the output that exists beforehand
		args     []string
		want     string // what the message without --force says
		noForce  bool   // the command has no --force
	}{
		{"infer --out", "recon.idx", []string{"infer", model, images, "--out", p("recon.idx")}, "recon.idx already exists (use --force to replace it)", false},
		{"infer --json", "m.json", []string{"infer", model, images, "--json", p("m.json")}, "m.json already exists (use --force to replace it)", false},
		{"merge", "merged.idx", []string{"merge", p("merged.idx"), p("part-0.idx"), p("part-1.idx")}, "merged.idx already exists (use --force to replace it)", false},
		{"export", "exp/relu-ae-30/README.md", []string{"export", "relu-ae-30", "--init", "--out", p("exp")}, "export " + p("exp/relu-ae-30") + ": already exists (use --force to replace it)", false},
		{"compare pca", "cmp/compare-pca.json", []string{"compare", "pca", "--model", model, "--train", images, "--test", images, "--k", "5", "--out", p("cmp")}, "compare-pca.json already exists (use --force to replace it)", false},
		{"eval", "ev/eval.json", []string{"eval", model, images, "--labels", labels, "--out", p("ev")}, "eval.json already exists (use --force to replace it)", false},
		{"figure", "fig.png", []string{"figure", "recon", "--model", model, "--data", images, "--out", p("fig.png")}, "fig.png already exists (use --force to replace it)", false},
		{"report", "rep/report.html", []string{"report", model, "--data", images, "--out", p("rep")}, "report.html already exists (use --force to replace it)", false},
		{"verify --json", "v.json", []string{"verify", model, "--json", p("v.json")}, "v.json already exists (use --force to replace it)", false},
		{"train run folder", "runs/shallow-ae-64/r/run.json", []string{"train", "shallow-ae-64", "--data", images, "--val-split", "32", "--limit", "64", "--epochs", "1", "--out", p("runs"), "--name", "r", "-q"},
			"run folder " + p("runs/shallow-ae-64/r") + " already exists: resume it with --resume", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := p(tc.existing)
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			old := []byte("not to be lost\n")
			if err := os.WriteFile(file, old, 0o644); err != nil {
				t.Fatal(err)
			}
			r := run(t, nil, tc.args...)
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("without --force: exit %d, stderr %q; want a failure saying %q", r.code, r.stderr, tc.want)
			}
			if b, err := os.ReadFile(file); err != nil || !bytes.Equal(b, old) {
				t.Fatalf("without --force, %s became %q (%v)", file, b, err)
			}
			if tc.noForce {
				return
			}
			if r := run(t, nil, append(tc.args, "--force")...); r.code != 0 {
				t.Fatalf("with --force: %+v", r)
			}
			if b, err := os.ReadFile(file); err != nil || bytes.Equal(b, old) {
				t.Fatalf("with --force, %s was not replaced (%v)", file, err)
			}
		})
	}
}
