package verify

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/onnxpb"
	"github.com/zoo-ml/zoo/zoo"
)

// NotZoo is the What of the check that stands for the zoo-specific checks
// (metadata, parts, model card) of a folder zoo did not write.
const NotZoo = "zoo checks"

// notZooWhy is why the zoo-specific checks do not apply.
const notZooWhy = "not a zoo export: metadata and card checks do not apply"

// zooExport reports whether a model file of dir carries zoo metadata
// (zoo.model), read from the file's protobuf without onnxruntime, so that
// a file onnxruntime cannot load still tells.
func zooExport(dir string, models []string) bool {
	for _, f := range models {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			continue
		}
		if meta, err := onnxpb.ReadMetadata(b); err == nil && meta[zoo.MetaModel] != "" {
			return true
		}
	}
	return false
}

// foreignDir checks a folder zoo did not write: every model loads, and the
// model the test data is for (model.onnx, or the folder's only .onnx file)
// reproduces each test data set. A model that does not load is reported
// once, by its load check.
func foreignDir(rep *Report, dir string, models, testSets []string, opt Options) {
	main := zoo.ModelFile
	if !slices.Contains(models, main) && len(models) == 1 {
		main = models[0]
	}
	var g *infer.Graph
	for _, f := range models {
		gf, err := infer.OpenGraph(filepath.Join(dir, f), opt.Session)
		rep.add(f, "load", err)
		switch {
		case err != nil:
		case f == main:
			g = gf
		default:
			gf.Close()
		}
	}
	if g != nil {
		defer g.Close()
	}
	for _, ts := range testSets {
		switch {
		case g != nil:
			rep.Checks = append(rep.Checks, runSet(g, dir, ts, opt)...)
		case !slices.Contains(models, main):
			rep.add(ts, "test data", fmt.Errorf("no %s, and %d .onnx files: which one the test data is for is unknown", zoo.ModelFile, len(models)))
		}
	}
	rep.Checks = append(rep.Checks, Check{File: main, What: NotZoo, Skipped: notZooWhy})
}

// numbered returns the number that ends a file or folder name such as
// input_12.pb or test_data_set_3, or -1.
func numbered(name string) int {
	name = strings.TrimSuffix(name, ".pb")
	i := strings.LastIndexByte(name, '_')
	n, err := strconv.Atoi(name[i+1:])
	if i < 0 || err != nil || n < 0 {
		return -1
	}
	return n
}

// setFiles returns the files input_N.pb or output_N.pb (kind "input" or
// "output") of a test data set in the order of N, which must run from 0
// without a gap.
func setFiles(set, kind string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(set, kind+"_*.pb"))
	if err != nil {
		return nil, err
	}
	files := make([]string, len(matches))
	for _, m := range matches {
		n := numbered(filepath.Base(m))
		if n < 0 || n >= len(files) || files[n] != "" {
			return nil, fmt.Errorf("%s: %s files must be numbered from %s_0.pb without gaps", filepath.Base(set), kind, kind)
		}
		files[n] = m
	}
	return files, nil
}

// readValue reads a TensorProto file of a test data set.
func readValue(path string) (infer.Value, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return infer.Value{}, err
	}
	var tp onnxpb.TensorProto
	if err := proto.Unmarshal(b, &tp); err != nil {
		return infer.Value{}, fmt.Errorf("%s: not an ONNX TensorProto: %w", path, err)
	}
	dt, shape, raw, err := onnxpb.DecodeRaw(&tp)
	if err != nil {
		return infer.Value{}, fmt.Errorf("%s: %w", path, err)
	}
	return infer.Value{Name: tp.GetName(), Type: infer.ElemType(dt), Shape: shape, Raw: raw}, nil
}

// match gives each value the name of the graph port it is for, as
// onnxruntime's test runner does: the name the TensorProto carries when it
// is one of the ports', else the port at the file's position. files name
// the values in messages.
func match(values []infer.Value, files []string, ports []infer.Port) error {
	names := make([]string, len(ports))
	for i, p := range ports {
		names[i] = p.Name
	}
	taken := map[string]string{}
	for i := range values {
		v := &values[i]
		if !slices.Contains(names, v.Name) {
			if i >= len(ports) {
				return fmt.Errorf("%d files for the model's %d (%s)", len(files), len(ports), strings.Join(names, ", "))
			}
			v.Name = ports[i].Name
		}
		if f, ok := taken[v.Name]; ok {
			return fmt.Errorf("%s and %s both hold %s", filepath.Base(f), filepath.Base(files[i]), v.Name)
		}
		taken[v.Name] = files[i]
	}
	for _, n := range names {
		if _, ok := taken[n]; !ok {
			return fmt.Errorf("no file holds %s (%d files for the model's %d: %s)", n, len(files), len(ports), strings.Join(names, ", "))
		}
	}
	return nil
}

// runSet runs the graph on a test data set's inputs and returns one check
// per expected output; a set that cannot run is one failed check, on the
// set.
func runSet(g *infer.Graph, dir, set string, opt Options) []Check {
	fail := func(err error) []Check {
		return []Check{{File: set, What: "test data", Err: err.Error()}}
	}
	for _, p := range append(g.Inputs(), g.Outputs()...) {
		if p.Kind != infer.KindTensor || p.Type.Size() == 0 {
			return fail(&infer.UnsupportedError{Model: filepath.Base(g.Path()), Port: p})
		}
	}
	inFiles, err := setFiles(filepath.Join(dir, set), "input")
	if err != nil {
		return fail(err)
	}
	outFiles, err := setFiles(filepath.Join(dir, set), "output")
	if err != nil {
		return fail(err)
	}
	ins, err := readValues(inFiles)
	if err == nil {
		err = match(ins, inFiles, g.Inputs())
	}
	if err != nil {
		return fail(fmt.Errorf("inputs: %w", err))
	}
	wants, err := readValues(outFiles)
	if err == nil && len(wants) > 0 {
		err = match(wants, outFiles, g.Outputs())
	}
	if err != nil {
		return fail(fmt.Errorf("outputs: %w", err))
	}
	if len(wants) == 0 {
		return fail(fmt.Errorf("no output_0.pb: nothing to compare with"))
	}
	shapes := map[string][]int64{}
	for _, w := range wants {
		shapes[w.Name] = w.Shape
	}
	got, err := g.Run(ins, shapes)
	if err != nil {
		return fail(err)
	}
	var checks []Check
	for i, w := range wants {
		c := Check{File: filepath.Join(set, filepath.Base(outFiles[i])), What: "test data", Tensor: w.Name + ": " + w.Describe()}
		j := slices.IndexFunc(got, func(v infer.Value) bool { return v.Name == w.Name })
		if c.MaxAbsDiff, err = compareValues(got[j], w, opt); err != nil {
			c.Err = err.Error()
		}
		checks = append(checks, c)
	}
	return checks
}

func readValues(files []string) ([]infer.Value, error) {
	values := make([]infer.Value, len(files))
	for i, f := range files {
		var err error
		if values[i], err = readValue(f); err != nil {
			return nil, err
		}
	}
	return values, nil
}

// compareValues compares an output with its expected value: the same type
// and shape, and for floating-point types |got - want| <= ATol +
// RTol*|want| everywhere (see compare), for integers and bools equality.
// It returns the largest |got - want|.
func compareValues(got, want infer.Value, opt Options) (float64, error) {
	if got.Type != want.Type || !slices.Equal(got.Shape, want.Shape) {
		return 0, fmt.Errorf("the model gives %s, the file holds %s", got.Describe(), want.Describe())
	}
	g, w := got.Float64s(), want.Float64s()
	if want.Type.IsFloat() {
		return compare(g, w, opt)
	}
	maxd := 0.0
	for i := range g {
		maxd = max(maxd, math.Abs(g[i]-w[i]))
	}
	if bytes.Equal(got.Raw, want.Raw) {
		return maxd, nil
	}
	bad, first := 0, -1
	size := got.Type.Size()
	for i := range g {
		if !bytes.Equal(got.Raw[i*size:(i+1)*size], want.Raw[i*size:(i+1)*size]) {
			if first < 0 {
				first = i
			}
			bad++
		}
	}
	return maxd, fmt.Errorf("%d of %d values differ (first at %d: got %v, want %v)", bad, len(g), first, g[first], w[first])
}
