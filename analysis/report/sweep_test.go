package report

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/sweep"
)

// TestBuildSweep lays out a sweep of two models over two seeds, one run
// failed and one not started: the section's summary, tables, best variant
// and figure.
func TestBuildSweep(t *testing.T) {
	g := sweep.Grid{Models: []string{"shallow-ae-64", "shallow-ae-128"}, Seeds: []int64{0, 1}, Fixed: []sweep.Setting{{Key: "epochs", Value: "2"}}}
	p, err := sweep.NewPlan(t.TempDir(), "", g, map[string]string{"data": "mnist"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		_, err := p.Run(context.Background(), i, func(_ context.Context, j sweep.Job) error {
			info := &rundir.Info{Model: j.Model.Name, Recipe: j.Model.Recipe, Status: rundir.StatusFinished, Epoch: 2, Step: 20,
				Epochs: []rundir.Epoch{{Epoch: 1, ValLoss: 0.05 + 0.01*float64(i)}, {Epoch: 2, ValLoss: 0.04 + 0.01*float64(i)}}}
			if i == 2 {
				info.Status, info.Error = rundir.StatusFailed, "loss is NaN at epoch 3, batch 1"
			}
			if err := os.Mkdir(j.Dir, 0o755); err != nil {
				return err
			}
			return rundir.WriteInfo(j.Dir, info)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	rep, err := BuildSweep(p.Dir())
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Page.Section("sweep", "")
	if len(s.Text) != 2 || !strings.Contains(s.Text[0], "4 runs (2 finished, 1 failed, 1 missing); keys that differ: model, seed") ||
		s.Text[1] != "Best: model=shallow-ae-64 (mean 0.045000 over 2 runs)." {
		t.Errorf("text %q", s.Text)
	}
	if len(s.Tables) != 2 || len(s.Tables[0].Rows) != 4 || s.Tables[0].Rows[2][3] != "failed: loss is NaN at epoch 3, batch 1" ||
		strings.Join(s.Tables[1].Head, ",") != "model,runs,mean,std,min,max" || s.Tables[1].Rows[1][1] != "0 of 2" {
		t.Errorf("tables %+v %+v", s.Tables[0], s.Tables[1])
	}
	if len(s.Images) != 1 || s.Images[0].ID != "sweep-figure" || rep.Figures != 1 || rep.Data != "4 runs" {
		t.Errorf("images %d, report %+v", len(s.Images), rep)
	}
	var b bytes.Buffer
	if err := rep.Page.WriteHTML(&b); err != nil || !strings.Contains(b.String(), "model=shallow-ae-128-seed=1") {
		t.Errorf("HTML: %v", err)
	}
	if _, err := BuildSweep(t.TempDir()); err == nil {
		t.Error("a report of an empty folder")
	}
}
