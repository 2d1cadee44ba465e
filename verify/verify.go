// Package verify checks an export folder the way a consumer of its ONNX
// files would: every model loads in onnxruntime with the metadata zoo
// promises, the test data sets reproduce their expected outputs, an
// autoencoder's encoder followed by its decoder gives the whole model's
// output, and the model card is there with every file it lists. It checks
// a run folder of zoo train as resuming and exporting it would (Run).
//
// A folder in the ONNX Model Zoo's layout that zoo did not write (no file
// in it carries zoo.model metadata) is checked as the ONNX backend test
// runner checks one: its models load, and model.onnx reproduces every
// test_data_set_*, with any number of inputs and outputs of any numeric or
// bool type; the zoo-specific checks are reported as not applying.
package verify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/onnxpb"
	"github.com/zoo-ml/zoo/zoo"
)

// Default tolerances, those of the ONNX Model Zoo's own test runner:
// |got - want| <= ATol + RTol*|want| elementwise, as numpy.allclose.
const (
	DefaultRTol = 1e-3
	DefaultATol = 1e-3
)

// Options are the settings of Dir.
type Options struct {
	// RTol and ATol are the tolerances of output comparisons; 0 means the
	// defaults.
	RTol, ATol float64
	// Session configures the onnxruntime sessions.
	Session infer.Options
}

// A Check is one verified property of the folder.
type Check struct {
	// File is the file checked, relative to the folder.
	File string `json:"file"`
	// What names the check: "load", "metadata", "files", "test data",
	// "parts" or "card" in an export folder (NotZoo for the zoo-specific
	// checks of a folder zoo did not write); "run", "checksum" or
	// "checkpoint" in a run folder.
	What string `json:"check"`
	// Err says why the check failed; empty when it passed.
	Err string `json:"error,omitempty"`
	// Skipped says why the check does not apply; such a check passes.
	Skipped string `json:"skipped,omitempty"`
	// Tensor describes the output compared by a test data check of a
	// folder zoo did not write, as "name: type [shape]".
	Tensor string `json:"tensor,omitempty"`
	// MaxAbsDiff is the largest |got - want| of an output comparison, and
	// N the number of examples compared.
	MaxAbsDiff float64 `json:"max_abs_diff,omitempty"`
	N          int     `json:"examples,omitempty"`
	// Note says what a passing check could not check, or why it passes
	// where it might not.
	Note string `json:"note,omitempty"`
}

// OK reports whether the check passed.
func (c Check) OK() bool { return c.Err == "" }

// A Report lists the checks of one folder.
type Report struct {
	Dir        string  `json:"dir"`
	RTol, ATol float64 `json:"-"`
	Checks     []Check `json:"checks"`
}

// OK reports whether every check passed.
func (r *Report) OK() bool {
	for _, c := range r.Checks {
		if !c.OK() {
			return false
		}
	}
	return len(r.Checks) > 0
}

// Failed returns the failed checks.
func (r *Report) Failed() []Check {
	var f []Check
	for _, c := range r.Checks {
		if !c.OK() {
			f = append(f, c)
		}
	}
	return f
}

// WriteText writes the folder's name, then a line per check: ok or FAIL,
// what was checked in which file, the examples compared with the largest
// difference, and why a check failed.
func (r *Report) WriteText(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n", r.Dir)
	for _, ch := range r.Checks {
		status := "ok  "
		switch {
		case !ch.OK():
			status = "FAIL"
		case ch.Skipped != "":
			status = "n/a "
		}
		detail := ""
		switch {
		case ch.N > 0:
			detail = fmt.Sprintf("  %d examples, max |diff| %.3g", ch.N, ch.MaxAbsDiff)
		case ch.Tensor != "":
			detail = fmt.Sprintf("  %s, max |diff| %.3g", ch.Tensor, ch.MaxAbsDiff)
		}
		if !ch.OK() {
			detail += "  " + ch.Err
		} else if ch.Note != "" {
			detail += "  " + ch.Note
		}
		if ch.Skipped != "" {
			detail += "  " + ch.Skipped
		}
		fmt.Fprintf(&b, "  %s %-10s %s%s\n", status, ch.What, ch.File, detail)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteJSON writes the reports as an indented JSON array to path, through
// a temporary file renamed into place; an existing path is replaced only
// with force.
func WriteJSON(path string, reports []*Report, force bool) error {
	b, err := json.MarshalIndent(reports, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, append(b, '\n'), force); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func (r *Report) add(file, what string, err error) *Check {
	c := Check{File: file, What: what}
	if err != nil {
		c.Err = err.Error()
	}
	r.Checks = append(r.Checks, c)
	return &r.Checks[len(r.Checks)-1]
}

// Dir verifies the export folder dir, or the run folder dir of zoo train
// (see Run). The error is for a folder that cannot be read at all;
// everything else is a failed Check in the report.
func Dir(dir string, opt Options) (*Report, error) {
	atomicfile.Recover(dir) // an export --force cut short between its renames
	if isRunFolder(dir) {
		return Run(dir)
	}
	if opt.RTol == 0 {
		opt.RTol = DefaultRTol
	}
	if opt.ATol == 0 {
		opt.ATol = DefaultATol
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", dir, err)
	}
	rep := &Report{Dir: dir, RTol: opt.RTol, ATol: opt.ATol}
	var models, testSets []string
	for _, e := range entries {
		switch {
		case !e.IsDir() && strings.HasSuffix(e.Name(), ".onnx"):
			models = append(models, e.Name())
		case e.IsDir() && strings.HasPrefix(e.Name(), "test_data_set_"):
			testSets = append(testSets, e.Name())
		}
	}
	sort.Strings(models)
	sort.Slice(testSets, func(i, j int) bool { return numbered(testSets[i]) < numbered(testSets[j]) })
	if len(models) == 0 {
		rep.add(".", "load", errors.New("no .onnx file in the folder"))
		return rep, nil
	}
	if !zooExport(dir, models) {
		foreignDir(rep, dir, models, testSets, opt)
		return rep, nil
	}

	sessions := map[string]*infer.Session{}
	defer func() {
		for _, s := range sessions {
			s.Close()
		}
	}()
	for _, f := range models {
		s, err := infer.Open(filepath.Join(dir, f), opt.Session)
		rep.add(f, "load", err)
		if err == nil {
			sessions[f] = s
		}
	}
	// The whole model names the model; without it, the first file that loads.
	name, nameFrom := "", ""
	for _, f := range append([]string{zoo.ModelFile}, models...) {
		if s := sessions[f]; s != nil {
			name, nameFrom = s.ModelName(), f
			break
		}
	}
	for _, f := range models {
		s := sessions[f]
		if s == nil {
			continue
		}
		err := checkMetadata(s)
		if err == nil && s.ModelName() != name {
			err = fmt.Errorf("metadata names model %q, but %s names %q", s.ModelName(), nameFrom, name)
		}
		rep.add(f, "metadata", err)
	}

	main := sessions[zoo.ModelFile]
	for _, ts := range testSets {
		file := filepath.Join(ts, zoo.TestOutput)
		if main == nil && slices.Contains(models, zoo.ModelFile) {
			continue // its load check says why it does not run
		}
		if main == nil {
			rep.add(file, "test data", fmt.Errorf("no %s to run it with", zoo.ModelFile))
			continue
		}
		c := rep.add(file, "test data", nil)
		var err error
		c.N, c.MaxAbsDiff, err = testSet(main, filepath.Join(dir, ts), opt)
		if err != nil {
			c.Err = err.Error()
		}
	}
	for _, f := range models {
		if s := sessions[f]; s != nil && s.Metadata()[zoo.MetaQuantization] != "" && s.Metadata()[zoo.MetaPart] == zoo.WholeModel {
			for _, ts := range testSets {
				quantTestSet(rep, s, f, filepath.Join(dir, ts), opt)
			}
		}
	}
	if enc, dec := sessions[zoo.PartFile("encoder")], sessions[zoo.PartFile("decoder")]; enc != nil && dec != nil && main != nil && len(testSets) > 0 {
		c := rep.add("encoder.onnx + decoder.onnx", "parts", nil)
		var err error
		c.N, c.MaxAbsDiff, err = parts(main, enc, dec, filepath.Join(dir, testSets[0]), opt)
		if err != nil {
			c.Err = err.Error()
		}
	}
	rep.add(zoo.CardFile, "card", checkCard(filepath.Join(dir, zoo.CardFile), name))
	if name != "" { // a zoo export: its card lists its files
		checkListed(rep, dir)
	}
	return rep, nil
}

// checkMetadata checks the zoo metadata against the session's own shapes.
func checkMetadata(s *infer.Session) error {
	meta := s.Metadata()
	for _, k := range []string{zoo.MetaModel, zoo.MetaPart, zoo.MetaTask, zoo.MetaInputShape, zoo.MetaOutputShape, zoo.MetaVersion} {
		if meta[k] == "" {
			return fmt.Errorf("metadata has no %s", k)
		}
	}
	for _, c := range []struct {
		key  string
		real []int
	}{{zoo.MetaInputShape, s.InputShape()}, {zoo.MetaOutputShape, s.OutputShape()}} {
		var declared []int
		if err := json.Unmarshal([]byte(meta[c.key]), &declared); err != nil {
			return fmt.Errorf("metadata %s = %q: %w", c.key, meta[c.key], err)
		}
		if !slices.Equal(declared, c.real) {
			return fmt.Errorf("metadata %s says %v, the graph has %v", c.key, declared, c.real)
		}
	}
	if err := checkTask(s, meta[zoo.MetaTask], meta[zoo.MetaPart]); err != nil {
		return err
	}
	if r, ok := meta[zoo.MetaRecipe]; ok {
		var recipe zoo.Recipe
		if err := json.Unmarshal([]byte(r), &recipe); err != nil {
			return fmt.Errorf("metadata %s is not a recipe in JSON: %w", zoo.MetaRecipe, err)
		}
	}
	return nil
}

// checkTask checks that the task the metadata records is one zoo knows,
// that it is the task of the file's part (encode for the encoder, decode
// for the decoder, reconstruct or classify for the whole model), and that
// the graph can do it: reconstruct gives an output shaped like the input,
// classify one logit per class for fewer values than the input has.
func checkTask(s *infer.Session, name, part string) error {
	task, err := zoo.ParseTask(name)
	if err != nil {
		return fmt.Errorf("metadata %s: %w", zoo.MetaTask, err)
	}
	in, out := s.InputShape(), s.OutputShape()
	var ok bool
	switch task {
	case zoo.Encode, zoo.Decode:
		ok = part == task.Part()
	case zoo.Reconstruct:
		ok = part == zoo.WholeModel && slices.Equal(in, out)
	case zoo.Classify:
		k := s.Classes()
		ok = part == zoo.WholeModel && k >= 2 && k <= infer.MaxClasses && k < s.InputLen()
	}
	if !ok {
		return fmt.Errorf("metadata %s says %s, but the file is the %s part mapping %v to %v", zoo.MetaTask, task, part, in, out)
	}
	return nil
}

// cardFiles returns the files the model card lists under "## Files".
func cardFiles(card []byte) []string {
	var files []string
	in := false
	for _, line := range strings.Split(string(card), "\n") {
		switch {
		case line == "## Files":
			in = true
		case in && strings.HasPrefix(line, "- `") && strings.HasSuffix(line, "`"):
			files = append(files, strings.TrimSuffix(strings.TrimPrefix(line, "- `"), "`"))
		case in:
			return files
		}
	}
	return files
}

// checkListed checks that every file the model card lists is in the
// folder: a part or test data deleted from a zoo export fails.
func checkListed(rep *Report, dir string) {
	card, err := os.ReadFile(filepath.Join(dir, zoo.CardFile))
	if err != nil {
		return // the card check says so
	}
	for _, f := range cardFiles(card) {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			rep.add(f, "files", fmt.Errorf("%s lists %s, but the folder has no such file", zoo.CardFile, f))
		}
	}
}

// readTensor reads a TensorProto file.
func readTensor(path string) (*zoo.Tensor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var tp onnxpb.TensorProto
	if err := proto.Unmarshal(b, &tp); err != nil {
		return nil, fmt.Errorf("%s: not an ONNX TensorProto: %w", path, err)
	}
	t, err := export.FromTensorProto(&tp)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// input reads the input of a test data set and checks it fits s.
func input(s *infer.Session, set string) (*zoo.Tensor, int, error) {
	in, err := readTensor(filepath.Join(set, zoo.TestInput))
	if err != nil {
		return nil, 0, err
	}
	if len(in.Shape) == 0 || !slices.Equal(in.Shape[1:], s.InputShape()) {
		return nil, 0, fmt.Errorf("%s has shape %v; the model takes [N %v]", zoo.TestInput, in.Shape, s.InputShape())
	}
	return in, in.Shape[0], nil
}

// testSet runs the model on a test data set's input and compares with its
// expected output.
func testSet(s *infer.Session, set string, opt Options) (int, float64, error) {
	in, n, err := input(s, set)
	if err != nil {
		return 0, 0, err
	}
	want, err := readTensor(filepath.Join(set, zoo.TestOutput))
	if err != nil {
		return n, 0, err
	}
	if len(want.Shape) == 0 || want.Shape[0] != n || !slices.Equal(want.Shape[1:], s.OutputShape()) {
		return n, 0, fmt.Errorf("%s has shape %v; the model gives [%d %v]", zoo.TestOutput, want.Shape, n, s.OutputShape())
	}
	got, err := s.Run(in.Data, n)
	if err != nil {
		return n, 0, err
	}
	d, err := compare(got, want.Data, opt)
	return n, d, err
}

// quantTestSet checks a quantized whole model (file f, session s) on the
// test set: its outputs must lie within the tolerance its metadata gives
// (zoo.quantization_tolerance, absolute) of the float32 outputs the test
// set holds.
func quantTestSet(rep *Report, s *infer.Session, f, set string, opt Options) {
	c := rep.add(f+" on "+filepath.Join(filepath.Base(set), zoo.TestOutput), "quantized", nil)
	v := s.Metadata()[zoo.MetaQuantTolerance]
	tol, err := strconv.ParseFloat(v, 64)
	if err != nil || !(tol > 0) || math.IsInf(tol, 0) {
		c.Err = fmt.Sprintf("metadata %s = %q: want a positive tolerance", zoo.MetaQuantTolerance, v)
		return
	}
	c.N, c.MaxAbsDiff, err = testSet(s, set, Options{ATol: tol, RTol: 0})
	if err != nil {
		c.Err = err.Error()
	}
}

// parts checks that decoder(encoder(x)) equals model(x) on a test input.
func parts(model, enc, dec *infer.Session, set string, opt Options) (int, float64, error) {
	in, n, err := input(model, set)
	if err != nil {
		return 0, 0, err
	}
	whole, err := model.Run(in.Data, n)
	if err != nil {
		return n, 0, err
	}
	code, err := enc.Run(in.Data, n)
	if err != nil {
		return n, 0, err
	}
	if !slices.Equal(enc.OutputShape(), dec.InputShape()) {
		return n, 0, fmt.Errorf("encoder gives %v but decoder takes %v", enc.OutputShape(), dec.InputShape())
	}
	back, err := dec.Run(code, n)
	if err != nil {
		return n, 0, err
	}
	d, err := compare(back, whole, opt)
	return n, d, err
}

// compare checks |got - want| <= ATol + RTol*|want| everywhere and returns
// the largest |got - want|.
func compare[T float32 | float64](got, want []T, opt Options) (float64, error) {
	if len(got) != len(want) {
		return 0, fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	maxd, bad, first := 0.0, 0, -1
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		d := math.Abs(g - w)
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		maxd = max(maxd, d)
		if !(d <= opt.ATol+opt.RTol*math.Abs(w)) {
			if first < 0 {
				first = i
			}
			bad++
		}
	}
	if bad > 0 {
		return maxd, fmt.Errorf("%d of %d values differ beyond atol %g + rtol %g (first at %d: got %g, want %g; max |diff| %.3g)",
			bad, len(got), opt.ATol, opt.RTol, first, got[first], want[first], maxd)
	}
	return maxd, nil
}

// checkCard checks that the model card exists and names the model.
func checkCard(path, model string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("model card: %w", err)
	}
	if model != "" && !strings.Contains(string(b), model) {
		return fmt.Errorf("model card does not name the model %s", model)
	}
	return nil
}
