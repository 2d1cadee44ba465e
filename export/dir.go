package export

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"google.golang.org/protobuf/proto"

	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/reference"
	"github.com/zoo-ml/zoo/zoo"
)

// DirOptions are the settings of an export folder.
type DirOptions struct {
	// Weights says where the weights came from ("init seed 0", a file path
	// and digest), for the metadata and the model card.
	Weights string
	// Sample holds SampleN example inputs, back to back, for
	// test_data_set_0; the expected output is computed with package
	// reference. SampleN 0 writes no test data.
	Sample  []float32
	SampleN int
	// Force replaces an existing folder; without it an existing folder is
	// an error and is left as it was.
	Force bool
	// Quantize, when Int8, also writes each model file quantized beside
	// it: model.int8.onnx, encoder.int8.onnx, ... (see Int8).
	Quantize Quantization
	// Measure, when set with Quantize, measures the quantized whole model
	// against the float32 one on a data set: WriteDir calls it with the
	// complete folder (in its temporary place) before it writes the card,
	// which states the result. An error stops the export. Package export
	// runs no model; its caller does (see present.MeasureQuantized).
	Measure func(dir string) (*QuantQuality, error)
}

// ErrExists is returned, wrapped, when the export folder already exists and
// DirOptions.Force is not set.
var ErrExists = atomicfile.ErrExists

// Parts returns the parts of m that WriteDir writes a file of their own
// for, and, keyed by part, why each other part has none. Reconstruct models
// of more than one part get one file per part that runs on its own
// (encoder.onnx, decoder.onnx); a decoder whose MaxUnpool2d layers take the
// pool indices of the encoder runs only inside model.onnx. Classifiers get
// model.onnx alone.
func Parts(m *zoo.Model) (parts []string, skipped map[string]string) {
	skipped = map[string]string{}
	for _, p := range m.Parts {
		switch {
		case m.Task != zoo.Reconstruct || len(m.Parts) < 2:
			skipped[p.Name] = fmt.Sprintf("%s models are exported whole", m.Task)
		case unpoolsOtherPart(p):
			skipped[p.Name] = "its MaxUnpool2d layers take the pool indices that the " + m.Parts[0].Name + " computes"
		default:
			parts = append(parts, p.Name)
		}
	}
	return parts, skipped
}

// unpoolsOtherPart reports whether a MaxUnpool2d of p names a pool outside p.
func unpoolsOtherPart(p zoo.Part) bool {
	for _, l := range p.Layers {
		if u, ok := l.(zoo.MaxUnpool2d); ok && !strings.HasPrefix(u.Pool, p.Name+".") {
			return true
		}
	}
	return false
}

// WriteDir writes the export folder dir for model m with weights w:
// model.onnx, one ONNX file per part that runs on its own for reconstruct
// models (encoder.onnx, decoder.onnx; see Parts), test_data_set_0 with input_0.pb and output_0.pb, and a
// README.md model card. Everything is written into a temporary folder beside
// dir and renamed into place at the end (atomicfile.ReplaceDir), so dir is
// either complete or absent (or, without Force, untouched); the leftovers of
// an export killed before in the same folder are cleared first
// (atomicfile.RemoveOrphans). It returns the paths written.
func WriteDir(dir string, m *zoo.Model, w zoo.Weights, opt DirOptions) ([]string, error) {
	if err := m.CheckWeights(w); err != nil {
		return nil, err
	}
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	// An export of dir killed before, between its renames, left dir
	// absent and its previous contents aside: put them back first.
	atomicfile.RemoveOrphans(parent)
	if _, err := os.Stat(dir); err == nil && !opt.Force {
		return nil, fmt.Errorf("export %s: %w", dir, ErrExists)
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("export %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, atomicfile.TempPattern(base))
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("export %s: %w", dir, err)
	}

	files := []string{zoo.ModelFile}
	parts := []string{zoo.WholeModel}
	own, _ := Parts(m)
	for _, p := range own {
		parts = append(parts, p)
		files = append(files, zoo.PartFile(p))
	}
	// The test data's expected outputs, by the reference; the int8
	// tolerance is measured against them too.
	var want []float32
	var outShape []int
	if opt.SampleN > 0 {
		if want, outShape, err = reference.Forward(m, w, opt.Sample, opt.SampleN); err != nil {
			return nil, fmt.Errorf("export %s: test data: %w", dir, err)
		}
	}
	quants := []Quantization{Float32}
	var qdiff float64
	if opt.Quantize != Float32 {
		quants = append(quants, opt.Quantize)
		if qdiff, err = quantDiff(m, w, opt.Sample, opt.SampleN, want); err != nil {
			return nil, fmt.Errorf("export %s: %w", dir, err)
		}
	}
	for _, q := range quants {
		for i, part := range parts {
			o := Options{Part: part, Weights: opt.Weights, Quantize: q}
			if q != Float32 && part == zoo.WholeModel && opt.SampleN > 0 {
				o.Tolerance = QuantTolerance(qdiff)
			}
			mp, err := Model(m, w, o)
			if err != nil {
				return nil, fmt.Errorf("export %s: %w", dir, err)
			}
			if err := writeProto(filepath.Join(tmp, q.File(files[i])), mp); err != nil {
				return nil, fmt.Errorf("export %s: %w", dir, err)
			}
		}
	}
	if opt.Quantize != Float32 {
		for i := range parts {
			files = append(files, opt.Quantize.File(files[i]))
		}
	}
	if opt.SampleN > 0 {
		td := filepath.Join(tmp, zoo.TestDataDir)
		if err := os.Mkdir(td, 0o755); err != nil {
			return nil, fmt.Errorf("export %s: %w", dir, err)
		}
		in := &zoo.Tensor{Shape: append([]int{opt.SampleN}, m.Input...), Data: opt.Sample}
		out := &zoo.Tensor{Shape: append([]int{opt.SampleN}, outShape...), Data: want}
		if err := writeProto(filepath.Join(td, zoo.TestInput), Tensor(InputName, in)); err != nil {
			return nil, fmt.Errorf("export %s: %w", dir, err)
		}
		if err := writeProto(filepath.Join(td, zoo.TestOutput), Tensor(OutputName, out)); err != nil {
			return nil, fmt.Errorf("export %s: %w", dir, err)
		}
		files = append(files, filepath.Join(zoo.TestDataDir, zoo.TestInput), filepath.Join(zoo.TestDataDir, zoo.TestOutput))
	}
	var quality *QuantQuality
	if opt.Quantize != Float32 && opt.Measure != nil {
		if quality, err = opt.Measure(tmp); err != nil {
			return nil, fmt.Errorf("export %s: measure %s: %w", dir, opt.Quantize.File(zoo.ModelFile), err)
		}
	}
	card, err := Card(m, opt.Weights, files, qdiff)
	if err == nil && quality != nil {
		card = append(card, []byte("\n## Quantization\n\n"+opt.Quantize.File(zoo.ModelFile)+" against "+zoo.ModelFile+": "+quality.String()+".\n")...)
	}
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(tmp, zoo.CardFile), card, 0o644); err != nil {
		return nil, fmt.Errorf("export %s: %w", dir, err)
	}
	files = append(files, zoo.CardFile)

	if err := atomicfile.ReplaceDir(tmp, dir, opt.Force); err != nil {
		return nil, fmt.Errorf("export %s: %w", dir, err)
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(dir, f)
	}
	return paths, nil
}

// writeProto writes the message to path, a file in a fresh temporary folder.
func writeProto(path string, m proto.Message) error {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	return os.WriteFile(path, b, 0o644)
}

var cardTemplate = template.Must(template.New("card").Parse(`# {{.M.Name}}

{{.M.Description}}.

| | |
| --- | --- |
| family | {{.M.Family}} |
| notebook class | ` + "`{{.M.Class}}`" + `: the layer names below are its state_dict keys |
| task | {{.M.Task}} |
| input | ` + "`input`" + ` float32 {{.In}} ({{if eq .InLen 784}}28x28 images scaled to [0, 1]{{else}}per-example shape {{.InShape}}{{end}}) |
| output | ` + "`output`" + ` float32 {{.Out}} |
| parameters | {{.Params}} trained{{if .Buffers}}, and {{.Buffers}} in buffers (BatchNorm running statistics){{end}} |
| weights | {{.Weights}} |
| ONNX | opset {{.Opset}}, IR version {{.IR}}, batch dimension ` + "`N`" + ` is symbolic |
| written by | zoo {{.Version}} |

## Files
{{range .Files}}- ` + "`{{.}}`" + `
{{end}}
{{- range .PartRows}}
` + "`{{.File}}`" + ` maps {{.In}} to {{.Out}}.
{{end}}
{{- range .NoFile}}
There is no ` + "`{{.File}}`" + `: the {{.Part}} runs only inside ` + "`" + zoo.ModelFile + "`" + `, as {{.Why}}.
{{end}}
{{- if .Int8}}
The ` + "`.int8.onnx`" + ` files are the same models quantized for fast CPU inference, with the same
input and output: {{.Int8}}. onnxruntime runs each quantized Linear layer as one
DynamicQuantizeMatMul on integer kernels. Their outputs differ from the float32 files' by the
rounding of the weights and of each batch's inputs to 8 bits (the inputs of a batch share one scale,
so an output also depends slightly on the other examples of its batch).
{{- if .QuantDiff}} On ` + "`" + zoo.TestDataDir + "`" + `, ` + "`model.int8.onnx`" + `'s outputs
differ from ` + "`" + zoo.ModelFile + "`" + `'s by at most {{printf "%.3g" .QuantDiff}}, as zoo's reference computes both;
` + "`zoo verify`" + ` accepts up to {{printf "%.3g" .QuantTol}} (metadata ` + "`" + zoo.MetaQuantTolerance + "`" + `).{{end}}
{{end}}
## Layers
{{if .M.Note}}{{.M.Note}}

{{end}}| layer | kind | output | parameters |
| --- | --- | --- | --- |
{{range .Steps}}| ` + "`{{.Prefix}}`" + ` | {{.Layer}} | {{.OutS}} | {{.N}} |
{{end}}
## Training recipe
{{.Recipe}}

## Run it
zoo:

    zoo infer {{.M.Name}}/model.onnx {{if eq .InLen 784}}t10k-images-idx3-ubyte.gz{{else}}{{.M.Dataset}}:test{{end}} --task {{.M.Task}} --out out.idx

Python (pip install onnxruntime numpy):

    import numpy as np, onnxruntime as ort
    sess = ort.InferenceSession("model.onnx")
    x = np.random.rand(16, {{.InLen}}).astype(np.float32)  # or your images / 255
    y = sess.run(["output"], {"input": x{{if gt (len .M.Input) 1}}.reshape(16, {{.InCSV}}){{end}}})[0]

JavaScript (npm install onnxruntime-node):

    const ort = require("onnxruntime-node");
    const sess = await ort.InferenceSession.create("model.onnx");
    const x = new ort.Tensor("float32", new Float32Array(16 * {{.InLen}}), [16, {{.InCSV}}]);
    const { output } = await sess.run({ input: x });

Go (github.com/yalue/onnxruntime_go): open a DynamicAdvancedSession with input
"input" and output "output", as zoo's infer package does.

The test data in ` + "`test_data_set_0`" + ` (ONNX TensorProto, as in the ONNX Model Zoo) holds
the expected output for its input, computed by zoo's plain-Go reference forward pass.
`))

type cardStep struct{ Prefix, Layer, OutS, N string }

type partRow struct{ File, In, Out string }

type noFileRow struct{ File, Part, Why string }

// QuantTolerance is the largest difference from the float32 outputs that
// zoo verify accepts of an int8 model whose outputs differ from them by at
// most diff on the test data, as the reference computes both: twice diff,
// for onnxruntime's own rounding, and at least 1e-5.
func QuantTolerance(diff float64) float64 { return max(2*diff, 1e-5) }

// quantDiff returns the largest difference between the int8 outputs of m
// on the n sample inputs x, as package reference computes them, and f, the
// float32 outputs it computes for them; 0 without samples.
func quantDiff(m *zoo.Model, w zoo.Weights, x []float32, n int, f []float32) (float64, error) {
	if n == 0 {
		return 0, nil
	}
	q, _, err := reference.ForwardInt8(m, w, x, n)
	if err != nil {
		return 0, err
	}
	d := 0.0
	for i := range f {
		d = max(d, math.Abs(float64(q[i])-float64(f[i])))
	}
	return d, nil
}

// Card returns the README.md model card of an export folder. quantDiff is
// the largest difference between the int8 and the float32 outputs on the
// test data (0 when unknown or without int8 files).
func Card(m *zoo.Model, weights string, files []string, quantDiff float64) ([]byte, error) {
	steps, err := m.Steps()
	if err != nil {
		return nil, err
	}
	out, err := m.OutShape()
	if err != nil {
		return nil, err
	}
	var rows []cardStep
	for _, s := range steps {
		n, buf := 0, 0
		for _, p := range s.Params {
			if p.Buffer {
				buf += p.Size()
			} else {
				n += p.Size()
			}
		}
		ns := fmt.Sprint(n)
		if buf > 0 {
			ns += fmt.Sprintf(" (and %d in buffers)", buf)
		}
		rows = append(rows, cardStep{Prefix: s.Prefix, Layer: s.Layer.String(), OutS: zoo.ShapeString(s.Out), N: ns})
	}
	var parts []partRow
	int8Desc := ""
	for _, f := range files {
		if strings.HasSuffix(f, Int8.File(zoo.ModelFile)[len("model"):]) {
			int8Desc = Int8.Describe()
		}
		if part, ok := strings.CutSuffix(f, ".onnx"); ok && f != zoo.ModelFile && !strings.Contains(part, ".") {
			sub, err := m.Sub(part)
			if err != nil {
				return nil, err
			}
			so, err := sub.OutShape()
			if err != nil {
				return nil, err
			}
			parts = append(parts, partRow{File: f, In: zoo.ShapeString(sub.Input), Out: zoo.ShapeString(so)})
		}
	}
	buffers := m.NumBuffers()
	var noFile []noFileRow
	if m.Task == zoo.Reconstruct && len(m.Parts) > 1 {
		_, skipped := Parts(m)
		for _, p := range m.PartNames() {
			if why, ok := skipped[p]; ok {
				noFile = append(noFile, noFileRow{File: zoo.PartFile(p), Part: p, Why: why})
			}
		}
	}
	recipe := m.Recipe
	inCSV := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(m.Input)), ", "), "[]")
	if weights == "" {
		weights = "unspecified"
	}
	var buf bytes.Buffer
	err = cardTemplate.Execute(&buf, map[string]any{
		"M": m, "In": zoo.ShapeString(m.Input), "Out": zoo.ShapeString(out), "InShape": fmt.Sprint(m.Input),
		"InLen": zoo.Numel(m.Input), "InCSV": inCSV, "Params": m.NumParams(), "Buffers": buffers, "Weights": weights,
		"Opset": Opset, "IR": IRVersion, "Version": zoo.Version, "Files": files, "PartRows": parts, "NoFile": noFile,
		"Steps": rows, "Int8": int8Desc, "QuantDiff": quantDiff, "QuantTol": QuantTolerance(quantDiff),
		"Recipe": fmt.Sprintf("%s, learning rate %g, batch %d, %d epochs, loss %s%s",
			recipe.Optimizer, recipe.LR, recipe.BatchSize, recipe.Epochs, recipe.Loss, recipeExtras(recipe)),
	})
	return buf.Bytes(), err
}

func recipeExtras(r zoo.Recipe) string {
	var s []string
	if r.Momentum > 0 {
		s = append(s, fmt.Sprintf("momentum %g", r.Momentum))
	}
	if r.Noise.Kind != "" {
		s = append(s, "input noise "+r.Noise.String())
	}
	if r.Sparsity > 0 {
		s = append(s, fmt.Sprintf("L1 activation penalty %g on the %s output", r.Sparsity, r.SparsityOn))
	}
	if r.Patience > 0 {
		s = append(s, fmt.Sprintf("early stopping patience %d", r.Patience))
	}
	if r.ValSplit > 0 {
		s = append(s, fmt.Sprintf("hold-out split %d (seed %d)", r.ValSplit, r.SplitSeed))
	}
	if len(s) == 0 {
		return "."
	}
	return ", " + strings.Join(s, ", ") + "."
}
