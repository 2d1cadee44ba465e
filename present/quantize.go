package present

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/export"
	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// QuantBatch is the batch MeasureQuantized runs at: an int8 model
// quantizes each batch's inputs with one scale, so its outputs depend on
// the batch, and zoo infer's default is this size.
const QuantBatch = 256

// QuantEvalData returns the data MeasureQuantized measures m on by
// default, as zoo infer names data: the test split of the catalogue data
// set that the run in runDir trained on, or of m's own data set when runDir
// is "" or the run trained on files.
func QuantEvalData(m *zoo.Model, runDir string) string {
	if runDir != "" {
		if info, err := rundir.ReadInfo(runDir); err == nil {
			name, _, _ := strings.Cut(info.Args["data"], ":")
			if _, err := dataset.Lookup(name); err == nil {
				return name + ":test"
			}
		}
	}
	return m.Dataset + ":test"
}

// MeasureQuantized returns an export.DirOptions.Measure that evaluates the
// whole model of an export folder and its quantized file q on data (as
// zoo infer names data: a catalogue name such as fashion-mnist:test, or
// files), with onnxruntime, QuantBatch examples per run: the
// reconstruction MSE of an autoencoder, the accuracy of a classifier (on
// the labels data carries). A data set that is not on the search path is
// replaced by mnist-mini, as notice says, where its images are 28x28; with
// skipMissing, one that cannot be replaced so measures nothing (no error,
// a nil result) and says why on warn.
func MeasureQuantized(q export.Quantization, data string, skipMissing bool, opt infer.Options, notice func(dataset.Notice), warn io.Writer) func(dir string) (*export.QuantQuality, error) {
	return func(dir string) (*export.QuantQuality, error) {
		var evs [2]*infer.Evaluation
		for i, f := range []string{zoo.ModelFile, q.File(zoo.ModelFile)} {
			ev, err := infer.Evaluate(context.Background(), infer.EvalOptions{
				Model: filepath.Join(dir, f), Data: data, Batch: QuantBatch, Session: opt, Notice: notice,
			})
			var nf *dataset.NotFoundError
			if err != nil && skipMissing && errors.As(err, &nf) {
				if warn != nil {
					fmt.Fprintf(warn, "zoo: the cost of quantization is not measured: %v\n", err)
				}
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			evs[i] = ev
			notice = nil // said once
		}
		qq := &export.QuantQuality{Data: filepath.Base(evs[0].Data), Images: evs[0].Images}
		switch {
		case evs[0].Reconstruction != nil && evs[1].Reconstruction != nil:
			qq.Float32, qq.Quantized = evs[0].Reconstruction.MSE, evs[1].Reconstruction.MSE
		case evs[0].Accuracy != nil && evs[1].Accuracy != nil:
			qq.Classify, qq.Float32, qq.Quantized = true, *evs[0].Accuracy, *evs[1].Accuracy
		default:
			return nil, fmt.Errorf("%s: no reconstruction error nor accuracy (a classifier needs labels)", data)
		}
		return qq, nil
	}
}
