package infer

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/fileguard"
	"github.com/zoo-ml/zoo/zoo"
)

// ModelFiles returns the ONNX files of the model at path: path itself when
// it is a file, else those of the export folder (model.onnx and the part
// files it has).
func ModelFiles(path string) []string {
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		return []string{path}
	}
	var files []string
	for _, name := range []string{zoo.ModelFile, zoo.Encode.File(), zoo.Decode.File()} {
		if p := filepath.Join(path, name); isFile(p) {
			files = append(files, p)
		}
	}
	return files
}

// inputs lists the files read for a model and data strings, for
// fileguard.Distinct: the model's files, and the files of each data string
// (data[i].Path, with its role) as dataset.FilesOf finds them.
func inputs(model string, data ...fileguard.File) []fileguard.File {
	var in []fileguard.File
	if model != "" {
		for _, p := range ModelFiles(model) {
			in = append(in, fileguard.File{Role: "model", Path: p})
		}
	}
	for _, d := range data {
		if d.Path == "" {
			continue
		}
		for _, p := range dataset.FilesOf(d.Path) {
			in = append(in, fileguard.File{Role: d.Role, Path: p})
		}
	}
	return in
}

// checkOutputs checks, before any work, the files names that a command
// writes into the folder dir: none exists unless force is set, and none is
// one of the inputs (by device and inode, see fileguard.Distinct).
func checkOutputs(dir string, force bool, names []string, in []fileguard.File) error {
	var out []fileguard.File
	for _, name := range names {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil && !force {
			return fmt.Errorf("%s already exists (use --force to replace it)", p)
		}
		out = append(out, fileguard.File{Role: "output", Path: p})
	}
	return fileguard.Distinct(out, in)
}

// CheckOutputs checks the files names that an evaluation writes into the
// folder dir before any work, as zoo eval does: an existing file is an
// error unless force is set, and so is a file that is one of the
// evaluation's inputs (the model, the data, the labels), whatever path
// names it.
func (o EvalOptions) CheckOutputs(dir string, force bool, names ...string) error {
	return checkOutputs(dir, force, names, inputs(o.Model, fileguard.File{Role: "data", Path: o.Data}, fileguard.File{Role: "labels", Path: o.Labels}))
}

// CheckOutputs checks the files names that a comparison (or a report of
// the model and data of o) writes into the folder dir before any work, as
// EvalOptions.CheckOutputs does, against the model, the training and test
// data and the labels.
func (o PCAOptions) CheckOutputs(dir string, force bool, names ...string) error {
	return checkOutputs(dir, force, names, inputs(o.Model, fileguard.File{Role: "training data", Path: o.Train},
		fileguard.File{Role: "test data", Path: o.Test}, fileguard.File{Role: "labels", Path: o.Labels}))
}
