// Package sweep runs experiment sweeps, the notebooks' studies of
// variants, and compares training runs.
//
// A [Grid] (models, swept recipe keys with their values, seeds) expands
// into named runs ([Grid.Expand]); a [Plan] records them in the sweep's
// folder, runs/GROUP/sweep-NAME/sweep.json, beside their run folders
// (KEY=VALUE-...-seed=S/, names safe as folder names). [Plan.Run] trains
// one run, as a Slurm array task does ([Plan.Script]); [Plan.RunLocal]
// trains every run not finished yet, a few at a time, each in a process of
// its own. Running a sweep again runs only what is missing: finished runs
// are skipped, interrupted ones and those whose process died are resumed
// from their last checkpoint.
//
// Each run is trained under a lock (a file in the sweep folder's .locks/,
// held with flock(2) by the process that trains it, and released by the
// kernel however that process ends), so that [StatusOf] tells a run being
// trained from one whose process died: run.json says "running" in both.
//
// [Compare] reads run and sweep folders into a [Comparison]: the recipe
// keys that differ between the runs, each run's best validation metric,
// epochs and time, and the mean and spread over seeds of each variant,
// written as text, CSV or JSON. The package links no engine: the training
// itself is a [TrainFunc] its caller passes in (package train).
//
// A sweep folder holds:
//
//	sweep.json          the Plan: grid, data arguments, runs in index order
//	sweep.sbatch        the Slurm array job script of Plan.WriteScript
//	NAME/               the run folder of each run (see package rundir)
//	logs/NAME.log       the output of each run trained by RunLocal
//	logs/slurm-*.out    the output of each Slurm array task
//	.locks/NAME.lock    the lock of each run
package sweep
