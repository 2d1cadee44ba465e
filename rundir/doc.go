// Package rundir reads and writes the run folders of zoo train: the run.json
// that describes a run ([Info]), its metrics.csv ([WriteMetrics],
// [ReadMetrics]), its checkpoints ([Save], [Load]) and the weights it
// trained, with where they came from ([Weights]).
//
// It links no engine: any reader of a run folder (export, report, figures)
// gets its schema here without gorgonia, and package train writes the
// folder through it.
//
// A run folder holds:
//
//	run.json                    Info: recipe, data, versions, progress, per-epoch metrics
//	metrics.csv                 Info.Epochs, one row per epoch
//	loss.png                    train and validation loss per epoch (drawn by the caller of Save)
//	model.safetensors           the weights, PyTorch state_dict names
//	optimizer.safetensors       the optimizer's state, for resume
//	best.safetensors            the best weights so far, with early stopping
//	*.prev.safetensors          the previous checkpoint's copies of the three above
//
// Invariants:
//
//   - Every file is written atomically: to a temporary file in the folder,
//     synced and renamed over the name. A reader never sees a partial file.
//   - run.json is written last by every checkpoint, so that it describes
//     files already in place: the checkpoint it names is the one to resume.
//   - model.safetensors and optimizer.safetensors record the step and epoch
//     they were written at (metadata "step", "epoch"), best.safetensors its
//     epoch and the step at its end, all three the model (zoo.MetaModel)
//     and the SHA-256 of their tensor data ("sha256"). run.json records the
//     same step and SHA-256 of each checkpoint file and of its *.prev copy
//     (Info.Checksums). A file whose step or epoch is not run.json's belongs
//     to a checkpoint cut short; its *.prev copy then is run.json's (see
//     [Load] for the recovery protocol). A file whose data does not have
//     its recorded SHA-256 is damaged, and resume and export refuse it.
//   - run.json's position holds together: step = epoch x batches + batch,
//     within the recipe's epochs and an epoch's batches
//     ([Info.CheckPosition]).
//   - One process at a time trains a run: it holds the folder's lock
//     ([Hold], [Create]). Temporary files carry their writer's process id,
//     and those of dead writers are removed by the next one.
//   - A run.json that names no checkpoint ([Info.HasCheckpoint]) belongs to a
//     run killed before its first: resuming it, or a new run into its
//     folder, starts it over ([Create], [Clear]).
//   - metrics.csv holds exactly Info.Epochs of the run.json beside it, with
//     the accuracy columns for classifier recipes only.
//   - Status says how the last process that trained the run ended:
//     [StatusRunning] while it trains, and also when it was killed.
//
// # Crash recovery
//
// A checkpoint ([Save]) writes several files, each atomically, but a kill
// can land between any two of the renames. Save therefore writes in this
// order:
//
//  1. each of model, optimizer and best .safetensors that exists is
//     hard-linked as its *.prev copy ([PrevFile]), replacing the older copy;
//  2. model.safetensors and optimizer.safetensors, both stamped with
//     Info.Step, then best.safetensors stamped with Info.BestEpoch;
//  3. metrics.csv and loss.png;
//  4. run.json, last.
//
// Until step 4, run.json still describes the previous checkpoint, and each
// checkpoint file is either still that checkpoint's (its rename did not
// happen yet) or a step ahead, and then its *.prev copy is the previous
// checkpoint's (step 1 kept it). [Load] reads, for each file, whichever of
// the two carries run.json's stamp; when neither does, the folder was not
// written this way (or was changed by hand) and Load says the checkpoint
// was cut short. [Checkpoint.Repair] then links the *.prev copies it used
// back over the files a step ahead, so that the folder is whole again before
// the next Save keeps its files as the previous ones. A kill during step 1
// leaves some *.prev copies older still, which does no harm: the files
// themselves are then run.json's.
package rundir
