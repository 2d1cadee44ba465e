package verify

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// Run verifies the run folder dir of zoo train as resuming and exporting
// it would read it: run.json reads, names a registered model and a
// position that holds together (rundir.Info.CheckPosition); each checkpoint
// file and *.prev copy has the tensor data whose SHA-256 its metadata and
// run.json record (rundir.CheckFiles); and the checkpoint run.json names
// loads (rundir.Load). The error is for a folder that cannot be read at
// all; everything else is a failed Check in the report.
func Run(dir string) (*Report, error) {
	rep := &Report{Dir: dir}
	info, err := rundir.ReadInfo(dir)
	if err != nil {
		rep.add(rundir.RunFile, "run", err)
		return rep, nil
	}
	m, err := zoo.Lookup(info.Model)
	if err != nil {
		rep.add(rundir.RunFile, "run", fmt.Errorf("%s names model %q: %w", rundir.RunFile, info.Model, err))
		return rep, nil
	}
	m.Recipe = info.Recipe
	c := rep.add(rundir.RunFile, "run", info.CheckPosition())
	if c.OK() && !info.Checked() {
		c.Note = "records no checksums (a run written before zoo recorded them): its files are unchecked"
	}
	for _, fc := range rundir.CheckFiles(dir, info) {
		rep.add(fc.Name, "checksum", fc.Err).Note = fc.Note
	}
	if !info.HasCheckpoint() {
		rep.add(".", "checkpoint", errors.New("no checkpoint: the run was stopped before its first (zoo train --resume starts it over)"))
		return rep, nil
	}
	_, err = rundir.Load(dir, info, m)
	rep.add(".", "checkpoint", err)
	return rep, nil
}

// isRunFolder reports whether dir is a run folder: it has a run.json, or
// it has no .onnx file but checkpoint files (a run folder whose run.json
// is gone, which Run reports).
func isRunFolder(dir string) bool {
	if rundir.IsFolder(dir) {
		return true
	}
	onnx, _ := filepath.Glob(filepath.Join(dir, "*.onnx"))
	_, err := os.Stat(filepath.Join(dir, rundir.WeightsFile))
	return len(onnx) == 0 && err == nil
}
