// Package train lowers zoo model specs to gorgonia graphs and trains them
// with their notebook recipes: losses, PyTorch-style optimizers (package
// optim), a seeded and resumable training loop, early stopping, metrics and
// atomic checkpoints in a run folder (package rundir) that package export
// turns into ONNX.
//
// # Training data
//
// LoadData reads what a run trains on, and no more: with a limit, the first
// images only, and the digest run.json records is then that of the part
// read (the header and those images, see dataset.Reader.DigestItems), so
// that the rest of the file is not read at all. Training images of up to MemoryLimit bytes (as
// float32 values; 60,000 MNIST images take 188 MB, 50,000 CIFAR-10 images
// 614 MB) are held in memory, and every epoch visits them in a permutation
// of the seed and the epoch.
//
// A larger data set is not read into memory: it stays on disk in a
// dataset.Table (a raw IDX file is read where it is; gzip-compressed or
// CIFAR-10 data is first copied, uncompressed, to a temporary file that is
// unlinked at once, so that nothing is left behind however the process
// ends), and every epoch streams it from there in windows: chunks of 256
// consecutive images in a seeded permutation, 64 MB of them at a time,
// shuffled within the window by a permutation of the seed, the epoch and
// the window. Memory stays at one window (plus the labels, one byte an
// image, and the validation data), whatever the size of the data set. The
// rule is decided once, from the size of the data, and the run records it
// (Info.Args "stream"), so that a resumed run reads its data the same way:
// the same seed gives bit-identical weights, and an interrupted run resumes
// at the example where it stopped, in memory or on disk alike. (The two
// orders differ, so the same data trained in memory and on disk gives
// other weights.) A hold-out (Recipe.ValSplit) of data on disk is drawn
// without a permutation of all of it and read into memory.
package train
