package crosscheck

import (
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// module is the import path of this repository's module.
const module = "github.com/zoo-ml/zoo"

// Engines and other third-party trees the rules name.
const (
	gorgoniaTree = "gorgonia.org"
	ortTree      = "github.com/yalue/onnxruntime_go"
	protobufTree = "google.golang.org/protobuf"
	plotTree     = "gonum.org/v1/plot"
	onnxgoTree   = "github.com/owulveryck/onnx-go"
)

// engines are what a spec or a plain-Go package must not link.
var engines = []string{gorgoniaTree, ortTree, protobufTree}

// An importRule says that the packages From must not import any package in
// the trees Not (an import path and everything below it; a path without a
// dot is one of ours, relative to the module), other than those in Allow.
// With Direct, only the packages' own imports count; otherwise every
// package they depend on does (go list -deps). Paths in From and Exempt are
// ours: a path, "P/..." for P and the packages below it, or "..." for all.
type importRule struct {
	From   string
	Exempt []string
	Not    []string
	Allow  []string
	Direct bool
	Why    string
}

// importRules are the boundaries of DESIGN.md and the architecture review
// (section 1.3), as they must hold.
var importRules = []importRule{
	{From: "zoo", Not: append([]string{module}, engines...),
		Why: "specs know no engine and nothing else of ours (DESIGN.md)"},
	{From: "dataset", Not: append([]string{module}, engines...), Allow: []string{"internal/vec", "internal/fileguard"},
		Why: "dataset imports nothing of ours (DESIGN.md) but the u8/255 kernel of internal/vec (review 1.3) and the stdlib-only file checks of internal/fileguard (issue 19)"},
	{From: "reference", Not: engines,
		Why: "the reference lowering is plain Go"},
	{From: "quant", Not: append([]string{module}, engines...),
		Why: "the int8 arithmetic is plain Go, shared by export (which writes it) and reference (which checks onnxruntime against it)"},
	{From: "train/...", Not: []string{ortTree, "export", "infer"},
		Why: "training never imports onnxruntime or export (DESIGN.md)"},
	{From: "export", Not: []string{gorgoniaTree, ortTree, "train", "infer"},
		Why: "export lowers specs without the training engine (DESIGN.md) and writes files without running them"},
	{From: "infer", Not: []string{gorgoniaTree, "train", "export"},
		Why: "inference never imports gorgonia (DESIGN.md), nor the producers of what it runs"},
	{From: "infer", Not: []string{"onnxpb", protobufTree},
		Why: "internal/onnxgo's tests run infer beside onnx-go, whose protobuf registrations clash with onnxpb's in one binary"},
	{From: "analysis/...", Not: []string{gorgoniaTree, ortTree, "train", "infer", "export"},
		Why: "analysis never imports an engine (DESIGN.md), nor the producers of what it analyses (review 1.3)"},
	{From: "verify", Not: []string{gorgoniaTree, "train"},
		Why: "verify checks an export folder as a consumer does, without the training engine"},
	{From: "inspect", Not: []string{gorgoniaTree, "train", "export"},
		Why: "inspect reads an ONNX file as a consumer does, its protobuf without the producers"},
	{From: "rundir", Not: []string{gorgoniaTree, ortTree},
		Why: "the run folder is readable without an engine (review 6.3)"},
	{From: "sweep", Not: []string{gorgoniaTree, ortTree, "train", "infer", "export"},
		Why: "sweeps and their comparison read run folders without an engine; the training is passed in (DESIGN.md)"},
	{From: "present", Not: []string{gorgoniaTree, "train"},
		Why: "present opens export folders for the figures and the report as a consumer does, without the training engine"},
	{From: "...", Exempt: []string{"analysis/figure"}, Not: []string{plotTree}, Direct: true,
		Why: "only analysis/figure draws (review 6.1, 6.3)"},
	{From: "...", Exempt: []string{"internal/onnxgo"}, Not: []string{onnxgoTree}, Direct: true,
		Why: "onnx-go registers protobuf messages named onnx.*, which clash with onnxpb's in one binary"},
	{From: "...", Not: []string{"internal/testenv", "internal/testutil", "internal/testfixture", "internal/crosscheck"},
		Why: "test helpers are for tests only"},
}

// TestImportRules checks importRules against go list. For each package
// that breaks a rule it names, per forbidden tree, a shortest import chain
// that leads into it.
func TestImportRules(t *testing.T) {
	imports, ours := importGraph(t)
	for _, r := range importRules {
		from := matching(ours, r.From)
		if len(from) == 0 {
			t.Errorf("rule %q: no package of ours matches", r.From)
		}
		for _, p := range from {
			if slices.ContainsFunc(r.Exempt, func(e string) bool { return match(p, e) }) {
				continue
			}
			reach := imports[p]
			if !r.Direct {
				reach = deps(imports, p)
			}
			for _, tree := range r.Not {
				var bad []string
				for _, q := range reach {
					if inAny(q, []string{tree}) && !inAny(q, r.Allow) {
						bad = append(bad, q)
					}
				}
				if len(bad) > 0 {
					t.Errorf("%s must not import %s, but does: %s (%d in that tree): %s",
						rel(p), rel(abs(tree)), strings.Join(chain(imports, p, bad), " -> "), len(bad), r.Why)
				}
			}
		}
	}
}

// TestImportRuleHelpers checks the helpers of TestImportRules on a made-up
// graph: the dependencies, the chain a failure names, and tree matching.
func TestImportRuleHelpers(t *testing.T) {
	imports := map[string][]string{
		module + "/infer":       {module + "/analysis", "fmt"},
		module + "/analysis":    {module + "/train"},
		module + "/train":       {"gorgonia.org/gorgonia"},
		"gorgonia.org/gorgonia": {"fmt"},
		"fmt":                   nil,
	}
	got := deps(imports, module+"/infer")
	if !slices.Equal(got, []string{"fmt", module + "/analysis", module + "/train", "gorgonia.org/gorgonia"}) {
		t.Errorf("deps = %v", got)
	}
	if c := strings.Join(chain(imports, module+"/infer", []string{"gorgonia.org/gorgonia"}), " -> "); c != "infer -> analysis -> train -> gorgonia.org/gorgonia" {
		t.Errorf("chain = %s", c)
	}
	for _, tc := range []struct {
		path, tree string
		in         bool
	}{
		{"gorgonia.org/tensor", gorgoniaTree, true},
		{"gorgonia.org", gorgoniaTree, true},
		{"gorgonia.orgx/y", gorgoniaTree, false},
		{module + "/train/spatial", "train", true},
		{module + "/trainer", "train", false},
		{module + "/zoo", module, true},
	} {
		if got := inAny(tc.path, []string{tc.tree}); got != tc.in {
			t.Errorf("%s in %s: %v, want %v", tc.path, tc.tree, got, tc.in)
		}
	}
}

// importGraph returns the imports of every package that ours depend on,
// and our packages, from go list.
func importGraph(t *testing.T) (map[string][]string, []string) {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}\t{{join .Imports \" \"}}", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	imports := map[string][]string{}
	var ours []string
	for line := range strings.Lines(string(out)) {
		path, imp, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		imports[path] = strings.Fields(imp)
		if path == module || strings.HasPrefix(path, module+"/") {
			ours = append(ours, path)
		}
	}
	return imports, ours
}

// deps returns every package p depends on, sorted.
func deps(imports map[string][]string, p string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(q string) {
		for _, i := range imports[q] {
			if !seen[i] {
				seen[i] = true
				walk(i)
			}
		}
	}
	walk(p)
	var d []string
	for q := range seen {
		d = append(d, q)
	}
	slices.Sort(d)
	return d
}

// chain returns a shortest import chain from p to one of the packages
// to, ours relative.
func chain(imports map[string][]string, p string, to []string) []string {
	prev := map[string]string{p: ""}
	queue := []string{p}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		if slices.Contains(to, x) {
			var c []string
			for ; x != ""; x = prev[x] {
				c = append([]string{rel(x)}, c...)
			}
			return c
		}
		for _, i := range imports[x] {
			if _, ok := prev[i]; !ok {
				prev[i] = x
				queue = append(queue, i)
			}
		}
	}
	return nil
}

// abs returns the import path of tree: ours when it has no dot in its
// first element.
func abs(tree string) string {
	if first, _, _ := strings.Cut(tree, "/"); strings.Contains(first, ".") {
		return tree
	}
	return module + "/" + tree
}

// rel returns an import path of ours relative to the module.
func rel(path string) string {
	if r, ok := strings.CutPrefix(path, module+"/"); ok {
		return r
	}
	return path
}

// inAny reports whether path is in one of the trees.
func inAny(path string, trees []string) bool {
	return slices.ContainsFunc(trees, func(tree string) bool {
		tree = abs(tree)
		return path == tree || strings.HasPrefix(path, tree+"/")
	})
}

// match reports whether our package path matches pattern ("P", "P/..." or "...").
func match(path, pattern string) bool {
	r := rel(path)
	if pattern == "..." {
		return true
	}
	if p, ok := strings.CutSuffix(pattern, "/..."); ok {
		return r == p || strings.HasPrefix(r, p+"/")
	}
	return r == pattern
}

// matching returns the packages of ours that match pattern.
func matching(ours []string, pattern string) []string {
	var m []string
	for _, p := range ours {
		if match(p, pattern) {
			m = append(m, p)
		}
	}
	return m
}
