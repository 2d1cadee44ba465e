package train

import (
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// JobOptions returns the options of a run in the folder dir as a job of
// a sweep gives it: with resume, those of ResumeOptions for the run there;
// otherwise the model m (with its recipe) trained on the data that args
// name (DataSpec.Args; no data is the model's data set), loaded by
// LoadData with notice.
func JobOptions(dir string, m *zoo.Model, args map[string]string, resume bool, notice func(dataset.Notice)) (Options, error) {
	if resume {
		info, err := rundir.ReadInfo(dir)
		if err != nil {
			return Options{}, err
		}
		return ResumeOptions(dir, info, notice)
	}
	spec := SpecOf(args)
	if spec.Data == "" {
		spec.Data = m.Dataset
	}
	tr, val, err := LoadData(&spec, m, notice)
	if err != nil {
		return Options{}, err
	}
	return Options{Model: m, Train: tr, Val: val, Dir: dir, Args: spec.Args()}, nil
}
