// Package dataset reads and writes IDX files and knows where the classic
// MNIST-style data sets live: which files make them up, their checksums,
// where they can be downloaded from and where they are found on disk.
//
// IDX is the format of the original MNIST distribution: a four-byte magic
// number (two zero bytes, an element type and the number of dimensions), the
// dimensions as big-endian uint32 values, then the elements, big-endian, in
// row-major order. Files may be gzip-compressed; the readers here detect that
// from the content, not from the file name.
//
// Reading is streaming: a [Reader] decodes whole items (images, labels) into
// caller-provided slices, so memory does not grow with the size of the file.
// [OpenIDX] validates the header against the size of the file before it
// reads any data, so a truncated download or a saved HTML error page gives a
// clear error naming the file instead of a failure halfway through training.
//
// The catalogue ([Catalogue], [Lookup]) lists MNIST, Fashion-MNIST and
// Kuzushiji-MNIST with their download mirrors and SHA-256 digests, and
// mnist-mini, the first 2,000 MNIST test images and labels, which is compiled
// into the package so that examples and tests work without any download.
//
// Files are looked up in the directories of [SearchPath], checked with
// [Verify] and downloaded with [Fetch].
package dataset

//go:generate go run ./internal/mkmini -src ../../shared/data/mnist -n 2000 -out mini
