package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/zoo-ml/zoo/train"
)

// TestTrainHint: the CLI adds the command line that goes on with a run to
// train's typed errors, and leaves other errors alone.
func TestTrainHint(t *testing.T) {
	other := errors.New("boom")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&train.InterruptedError{Model: "deep-ae", Dir: "runs/deep-ae/r", Epoch: 2, Batch: 3},
			"interrupted at epoch 2, batch 3; checkpoint saved; continue with: zoo train deep-ae --resume runs/deep-ae/r"},
		{&train.ExistsError{Dir: "runs/m/r"}, "run folder runs/m/r already exists: resume it with --resume runs/m/r, or choose another"},
		{fmt.Errorf("train: %w", other), "train: boom"},
	} {
		got := trainHint(tc.err)
		if got.Error() != tc.want || !errors.Is(got, tc.err) {
			t.Errorf("trainHint(%v) = %v, want %s", tc.err, got, tc.want)
		}
	}
}
