// Package dataset reads and writes IDX files, reads CIFAR-10, and knows
// where the classic MNIST-style data sets and CIFAR-10 live: which files
// make them up, their checksums, where they can be downloaded from and where
// they are found on disk.
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
// CIFAR-10 in its official binary form (records of one label byte and 3072
// pixel bytes) is read by [OpenCIFAR] from a batch file, the extracted
// cifar-10-batches-bin folder or the cifar-10-binary.tar.gz archive itself,
// streamed without extracting it. It is presented as the same [Reader]: the
// records are turned into an IDX stream on the fly, images u8 [N, 3, 32, 32]
// and labels u8 [N], so everything that reads IDX reads CIFAR-10 too.
// [OpenImages] and [ReadLabels] accept either format and tell them apart by
// content.
//
// The catalogue ([Catalogue], [Lookup]) lists MNIST, Fashion-MNIST,
// Kuzushiji-MNIST and CIFAR-10 with their download URLs, SHA-256 digests,
// class names and image shapes, and mnist-mini, the first 2,000 MNIST test
// images and labels, which is compiled into the package so that examples
// and tests work without any download. CIFAR-10 is one archive file (role
// [Archive]) that serves all four roles.
//
// Files are looked up in the directories of [SearchPath], checked with
// [Verify] and downloaded with [Fetch], which resumes dropped connections
// with HTTP range requests and renames a file into place only once its
// digest matches.
//
// A data string, as a command line gives it, is resolved by [Resolve]: a
// name of the catalogue, with an optional ":train" or ":test", is that data
// set (a file or folder of the same name is ./NAME), anything else a path
// to a file (IDX, or CIFAR-10 data). The [Ref] it returns
// opens the images ([Ref.Open], or [Ref.OpenOrMini], for which the
// embedded mnist-mini set stands in for a data set not on the search
// path), knows where their labels are ([Ref.OpenLabels]: for a data set,
// the labels beside its images, see [LocateLabels]) and reads them
// whole into [Images], the one in-memory form of a set of images with
// their labels. What is not found is told to a [Notice] callback; how to
// fetch it is the caller's to say ([NotFoundError] carries no advice).
//
// Every command reads its data through this package and one rule (see
// [Content] and [CheckContent]): images are u8, f32 or f64, codes f32 or
// f64, labels one-dimensional u8; float values are finite (a [Reader]
// stops at the first NaN or Inf with a [NonFiniteError] naming the file
// and the example, unless [Reader.AllowNonFinite]); a path that is not a
// regular file or a folder (a named pipe, a device) is refused before it
// is opened, so that it cannot block the command.
//
// A file that is not what its name says is described for what it is in
// the errors of [OpenIDX], [OpenFile] and [Verify]: an HTML error page
// saved as .gz, data compressed twice or with another compressor, an
// archive, a truncated download (with the number of bytes missing), labels
// given for images or the reverse.
package dataset

//go:generate go run ./internal/mkmini -src ../../shared/data/mnist -n 2000 -out mini
