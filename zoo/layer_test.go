package zoo

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestLayerKinds: LayerKinds lists each type of this package that has the
// sealing method layer exactly once, with its type name as its kind
// (internal/crosscheck lowers each value in every lowering).
func TestLayerKinds(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	var sealed []string
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Name.Name != "layer" {
				continue
			}
			if id, ok := fn.Recv.List[0].Type.(*ast.Ident); ok {
				sealed = append(sealed, id.Name)
			} else {
				t.Errorf("%s: layer has a pointer or generic receiver", fset.Position(fn.Pos()))
			}
		}
	}
	var listed []string
	kinds := map[string]bool{}
	for _, l := range LayerKinds() {
		listed = append(listed, reflect.TypeOf(l).Name())
		if kinds[l.Kind()] {
			t.Errorf("kind %s listed twice", l.Kind())
		}
		kinds[l.Kind()] = true
		if l.Kind() != reflect.TypeOf(l).Name() {
			t.Errorf("%T: Kind() = %q, want the type's name", l, l.Kind())
		}
	}
	slices.Sort(sealed)
	slices.Sort(listed)
	if len(sealed) == 0 || !slices.Equal(sealed, listed) {
		t.Errorf("types with the layer method %v; LayerKinds lists %v", sealed, listed)
	}
}
