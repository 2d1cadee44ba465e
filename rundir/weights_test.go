package rundir

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/safetensors"
	"github.com/zoo-ml/zoo/zoo"
)

func TestWeights(t *testing.T) {
	runWith := func(model string, edit func(info *Info, w zoo.Weights) zoo.Weights) string {
		t.Helper()
		dir := filepath.Join(t.TempDir(), "20260102-030405")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		info := sampleInfo(t, model, 3, 12)
		info.Train.Name = "/data/train-images.idx"
		info.Status = StatusFinished
		m, _ := zoo.Lookup(model)
		w := edit(info, m.InitWeights(1))
		if w != nil { // as a checkpoint writes it
			sum := safetensors.DataSHA256(w)
			meta := map[string]string{zoo.MetaModel: model, metaStep: fmt.Sprint(info.Step), metaEpoch: fmt.Sprint(info.Epoch), metaSHA256: sum}
			info.Checksums = map[string]Sum{WeightsFile: {Step: info.Step, SHA256: sum}}
			if err := safetensors.WriteFile(filepath.Join(dir, WeightsFile), w, meta); err != nil {
				t.Fatal(err)
			}
		}
		if err := WriteInfo(dir, info); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	keep := func(_ *Info, w zoo.Weights) zoo.Weights { return w }
	for _, tc := range []struct {
		name, model string
		edit        func(*Info, zoo.Weights) zoo.Weights
		want, err   string
	}{
		{"finished", "tiny-ae-2", keep,
			"trained by zoo (run 20260102-030405, finished after 3 epochs on train-images.idx, validation loss 0.5)", ""},
		{"early-stopped: the best epoch's loss", "tiny-ae-2", func(info *Info, w zoo.Weights) zoo.Weights {
			info.Status, info.BestEpoch = StatusEarlyStopped, 2
			return w
		}, "trained by zoo (run 20260102-030405, early-stopped after 3 epochs on train-images.idx, validation loss 0.75)", ""},
		{"interrupted: the last epoch's loss", "tiny-ae-2", func(info *Info, w zoo.Weights) zoo.Weights {
			info.Status, info.BestEpoch = StatusInterrupted, 2
			return w
		}, "trained by zoo (run 20260102-030405, interrupted after 3 epochs on train-images.idx, validation loss 0.5)", ""},
		{"classifier", "cnn", func(info *Info, w zoo.Weights) zoo.Weights {
			info.Epochs[2].ValAccuracy = 0.91234
			return w
		}, "trained by zoo (run 20260102-030405, finished after 3 epochs on train-images.idx, validation loss 0.5, validation accuracy 91.23%)", ""},
		{"no epoch yet", "tiny-ae-2", func(info *Info, w zoo.Weights) zoo.Weights {
			info.Epochs = nil
			return w
		}, "", "has no finished epoch yet"},
		{"unknown model", "tiny-ae-2", func(info *Info, w zoo.Weights) zoo.Weights {
			info.Model = "no-such-model"
			return w
		}, "", "no-such-model"},
		{"no weights", "tiny-ae-2", func(*Info, zoo.Weights) zoo.Weights { return nil }, "", WeightsFile},
		{"weights of another model", "tiny-ae-2", func(*Info, zoo.Weights) zoo.Weights {
			m, _ := zoo.Lookup("tiny-ae-4")
			return m.InitWeights(0)
		}, "", "weights "},
	} {
		dir := runWith(tc.model, tc.edit)
		m, w, src, err := Weights(dir)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if src != tc.want {
			t.Errorf("%s: provenance\n%s\nwant\n%s", tc.name, src, tc.want)
		}
		info, _ := ReadInfo(dir)
		if m.Name != tc.model || m.Recipe != info.Recipe || m.CheckWeights(w) != nil {
			t.Errorf("%s: model %s, recipe %+v", tc.name, m.Name, m.Recipe)
		}
	}
}
