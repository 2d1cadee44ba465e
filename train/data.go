package train

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// Data is a set of training or validation examples: held in memory as
// dataset.Images, whose JSON form run.json records, with the number of
// values of one example; or, for data too large for memory (see
// MemoryLimit), left on disk in a dataset.Table and read as the epochs need
// it (X is then nil; the package documentation says how).
type Data struct {
	dataset.Images
	// Len is the number of values of one example.
	Len int `json:"-"`
	// Table, when not nil, holds the examples on disk, and X is nil. Labels
	// then holds the label of every item of the Table, and N counts the
	// items that train: all but those a Split held out.
	Table *dataset.Table `json:"-"`
	// held marks the items of Table held out by Split; nil for none.
	held bitset
	// chunk is the number of consecutive items read from Table at a time,
	// window the number of chunks shuffled together (see diskEpoch).
	chunk, window int
	// count is the number of images of the file the examples come from,
	// before a limit, and file its name: their labels must match them.
	// path is the file whose digest SHA256 is ("" for embedded data).
	count int
	file  string
	path  string
}

// MemoryLimit is the most bytes that LoadData holds in memory for the
// training examples (as float32 values): a data set larger than that (after
// --limit) is read from disk epoch by epoch instead, with the order of
// streamed data (see the package documentation).
const MemoryLimit = 2 << 30

// streams reports whether n examples of itemLen values are more than
// MemoryLimit bytes as float32 values, to be read from disk.
func streams(n, itemLen int) bool { return int64(n)*int64(itemLen)*4 > MemoryLimit }

// ReadData reads every example of r into memory. path, when not empty, is
// the file r reads, whose SHA-256 is recorded.
func ReadData(r *dataset.Reader, path string) (*Data, error) {
	return readData(r, source{path: path}, 0, false)
}

// source is where the examples of a Reader come from: the file (path, ""
// for embedded data), and how to open it again (for the digest of a part
// of it).
type source struct {
	path   string
	reopen func() (*dataset.Reader, error)
}

// digest returns the SHA-256 that run.json records for the first n of the
// total images of src: the file's, or, when n < total, that of the part
// read (see dataset.Reader.DigestItems), so that a limited run reads no
// more of its file than it trains on.
func (src source) digest(n, total int) (string, error) {
	if n == total || src.reopen == nil {
		return dataset.FileSHA256(src.path)
	}
	r, err := src.reopen()
	if err != nil {
		return "", err
	}
	defer r.Close()
	return r.DigestItems(n)
}

// readData reads the examples of r, at most limit of them when limit > 0:
// into memory, or, with stream, into a Table. src.path, when not empty, is
// the file r reads, whose SHA-256 is recorded (see source.digest). The
// name says "(first N)" when the limit leaves examples out.
func readData(r *dataset.Reader, src source, limit int, stream bool) (*Data, error) {
	h := r.Header()
	if len(h.Dims) < 2 {
		return nil, fmt.Errorf("%s holds %v, not images", r.Name(), h)
	}
	n, total := r.Remaining(), r.Remaining()
	if limit > 0 && limit < n {
		if err := r.Range(0, limit); err != nil {
			return nil, err
		}
		n = limit
	}
	d := &Data{Images: dataset.Images{Name: r.Name(), N: n, Shape: h.Dims[1:]}, Len: h.ItemLen(), count: total, file: r.Name()}
	if n < total {
		d.Name = fmt.Sprintf("%s (first %d)", d.Name, n)
	}
	var err error
	if stream {
		if d.Table, err = dataset.NewTable(r, n, ""); err != nil {
			return nil, err
		}
		d.chunk = streamChunk
		d.window = max(1, streamWindow/(streamChunk*4*d.Len))
	} else if d.X, err = r.ReadAll(); err != nil {
		return nil, err
	}
	if src.path != "" {
		if d.SHA256, err = src.digest(n, total); err != nil {
			d.Close()
			return nil, err
		}
		d.path = src.path
	}
	return d, nil
}

// Close releases the Table of data on disk; it does nothing for data in
// memory.
func (d *Data) Close() error {
	if d == nil || d.Table == nil {
		return nil
	}
	return d.Table.Close()
}

// items returns the number of examples stored: those of Table, held out or
// not, or N.
func (d *Data) items() int {
	if d.Table != nil {
		return d.Table.Len()
	}
	return d.N
}

// Split returns a seeded random hold-out of n examples of d as the second
// result and the rest as the first, as notebooks split 60k into 50k/10k.
// The hold-out of data on disk is read into memory; the rest stays on
// disk, without the held-out examples.
func (d *Data) Split(n int, seed int64) (*Data, *Data, error) {
	if n <= 0 || n >= d.N {
		return nil, nil, fmt.Errorf("hold-out of %d examples from %s, which has %d", n, d.Name, d.N)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x73706c6974)) // "split"
	rest := fmt.Sprintf("%s (all but a hold-out of %d, seed %d)", d.Name, n, seed)
	held := fmt.Sprintf("%s (hold-out of %d, seed %d)", d.Name, n, seed)
	if d.Table != nil {
		return d.splitTable(n, rng, rest, held)
	}
	perm := rng.Perm(d.N)
	pick := func(idx []int, name string) *Data {
		s := &Data{Images: dataset.Images{Name: name, SHA256: d.SHA256, N: len(idx), Shape: d.Shape, X: make([]float32, len(idx)*d.Len),
			LabelsName: d.LabelsName, LabelsSHA256: d.LabelsSHA256, ClassNames: d.ClassNames}, Len: d.Len}
		if d.Labels != nil {
			s.Labels = make([]uint8, len(idx))
		}
		for i, j := range idx {
			copy(s.X[i*d.Len:(i+1)*d.Len], d.X[j*d.Len:(j+1)*d.Len])
			if d.Labels != nil {
				s.Labels[i] = d.Labels[j]
			}
		}
		return s
	}
	return pick(perm[:d.N-n], rest), pick(perm[d.N-n:], held), nil
}

// splitTable is Split for data on disk: n examples drawn by Floyd's
// algorithm (memory in n, not in the size of the data), read into memory
// in the order of the file; the rest trains from the Table without them.
func (d *Data) splitTable(n int, rng *rand.Rand, rest, held string) (*Data, *Data, error) {
	if int64(n)*int64(d.Len)*4 > MemoryLimit {
		return nil, nil, fmt.Errorf("a hold-out of %d examples of %s is more than %d bytes to hold in memory; validate on a file instead", n, d.Name, MemoryLimit)
	}
	if d.held != nil {
		return nil, nil, fmt.Errorf("%s: split twice", d.Name)
	}
	total := d.Table.Len()
	out := newBitset(total)
	var picked []int
	for j := total - n; j < total; j++ { // Floyd: n distinct items of total
		k := rng.IntN(j + 1)
		if out.has(k) {
			k = j
		}
		out.set(k)
		picked = append(picked, k)
	}
	slices.Sort(picked)
	v := &Data{Images: dataset.Images{Name: held, SHA256: d.SHA256, N: n, Shape: d.Shape, X: make([]float32, n*d.Len),
		LabelsName: d.LabelsName, LabelsSHA256: d.LabelsSHA256, ClassNames: d.ClassNames}, Len: d.Len}
	if d.Labels != nil {
		v.Labels = make([]uint8, n)
	}
	for i, k := range picked {
		if _, err := d.Table.ReadFloat32(v.X[i*d.Len:(i+1)*d.Len], k); err != nil {
			return nil, nil, err
		}
		if d.Labels != nil {
			v.Labels[i] = d.Labels[k]
		}
	}
	tr := *d
	tr.Name, tr.N, tr.held = rest, d.N-n, out
	return &tr, v, nil
}

// DataSpec names the data of a training run as the command line gives it.
// A run keeps it (Info.Args, see Args) so that a resume loads the same
// data.
type DataSpec struct {
	// Data is the name of a data set (its training images train, its test
	// images validate) or an image file (IDX, or CIFAR-10 data) to train
	// on.
	Data string
	// ValData is an image file to validate on; "" for the data set's test
	// images or the recipe's hold-out.
	ValData string
	// Labels and ValLabels are the label files of the image files Data and
	// ValData, for classifiers; "" for the labels that data sets and
	// CIFAR-10 files carry.
	Labels, ValLabels string
	// Limit > 0 keeps the first Limit training images only: no more are
	// read.
	Limit int
	// Stream reads the training images from disk epoch by epoch instead of
	// holding them in memory. LoadData sets it when they take more than
	// MemoryLimit bytes; a run records it, so that a resume streams too.
	Stream bool
}

// Args returns the spec as Info.Args records it.
func (s DataSpec) Args() map[string]string {
	a := map[string]string{"data": s.Data, "val-data": s.ValData, "limit": strconv.Itoa(s.Limit),
		"labels": s.Labels, "val-labels": s.ValLabels}
	if s.Stream {
		a["stream"] = "true"
	}
	return a
}

// SpecOf returns the spec that Info.Args records.
func SpecOf(args map[string]string) DataSpec {
	limit, _ := strconv.Atoi(args["limit"])
	return DataSpec{Data: args["data"], ValData: args["val-data"], Labels: args["labels"], ValLabels: args["val-labels"], Limit: limit,
		Stream: args["stream"] == "true"}
}

// A SpecError says what a DataSpec lacks or gets wrong: the labels of an
// image file a classifier trains on (Field "labels") or is validated on
// ("val-labels"); to train on a file, validation data ("val-data": a file
// or a hold-out); or a limit that is not a number of images ("limit").
type SpecError struct {
	Field string
	// File is the image file whose labels are missing.
	File string
	// Limit is the limit refused.
	Limit int
}

func (e *SpecError) Error() string {
	switch e.Field {
	case "labels":
		return fmt.Sprintf("a classifier trained on the file %s needs its labels", e.File)
	case "val-labels":
		return fmt.Sprintf("a classifier validated on %s needs its labels", e.File)
	case "limit":
		return fmt.Sprintf("limit %d: want a positive number of images (0 for all)", e.Limit)
	}
	return "training on a file needs validation data: a file or a hold-out"
}

// A MissingDataError says that the data set to train on is not on the
// search path, and that the embedded mnist-mini set cannot stand in for it
// because the model does not take 28x28 images. It wraps the error of the
// file not found.
type MissingDataError struct {
	Set string
	Err error
}

func (e *MissingDataError) Error() string { return e.Err.Error() }
func (e *MissingDataError) Unwrap() error { return e.Err }

// miniHoldOut is the hold-out that validates a run on mnist-mini, and its
// seed.
const miniHoldOut, miniSplitSeed = 500, 1

// LoadData loads the training and validation data that spec names for
// model m. A data set trains on its training images and validates on its
// test images; an image file needs spec.ValData or the recipe's hold-out
// (m.Recipe.ValSplit; val is then nil). A data set whose training images
// are not on the search path falls back, for models of 28x28 images, to
// the embedded mnist-mini set: notice (when not nil) is told, spec.Data
// becomes mnist-mini and, unless the spec or the recipe says how to
// validate, m.Recipe gets a hold-out of 500 images (seed 1). Classifiers
// get labels: those of the data set (from the folder of its images) or
// CIFAR-10 file, or spec.Labels and spec.ValLabels, whose digests are
// recorded. With spec.Limit, only the first Limit training images and
// labels are read. Training images of more than MemoryLimit bytes stay on
// disk (spec.Stream is then set); close the Data when done.
func LoadData(spec *DataSpec, m *zoo.Model, notice func(dataset.Notice)) (tr, val *Data, err error) {
	if spec.Limit < 0 {
		return nil, nil, &SpecError{Field: "limit", Limit: spec.Limit}
	}
	tr, val, err = loadImages(spec, m, notice)
	if err == nil && m.Task == zoo.Classify {
		for _, c := range []struct {
			d    *Data
			role string
		}{{tr, dataset.TrainImages}, {val, dataset.TestImages}} {
			if c.d == nil {
				continue
			}
			if err = attachLabels(c.d, spec, c.role); err != nil {
				break
			}
		}
	}
	if err != nil {
		tr.Close()
		val.Close()
		return nil, nil, err
	}
	return tr, val, nil
}

// ResumeOptions returns the options that continue the run in the folder
// dir, which info (its run.json) describes: the run's model with its
// recipe, its data loaded again as info.Args records it (see LoadData, and
// notice there; Args then names mnist-mini when it stands in), Dir, Resume
// and Args.
func ResumeOptions(dir string, info *rundir.Info, notice func(dataset.Notice)) (Options, error) {
	m, err := zoo.Lookup(info.Model)
	if err != nil {
		return Options{}, fmt.Errorf("resume %s: %s names model %q: %w", dir, rundir.RunFile, info.Model, err)
	}
	m.Recipe = info.Recipe
	if err := m.Validate(); err != nil {
		return Options{}, fmt.Errorf("resume %s: %s: %w", dir, rundir.RunFile, err)
	}
	spec := SpecOf(info.Args)
	tr, val, err := LoadData(&spec, m, notice)
	if err != nil {
		return Options{}, fmt.Errorf("resume %s: the data %s names: %w", dir, rundir.RunFile, err)
	}
	if tr.SHA256 != info.Train.SHA256 && tr.N < tr.count && tr.path != "" {
		// Runs with a limit recorded the digest of the whole file before
		// zoo read only the part they train on: accept that one too.
		if full, err := dataset.FileSHA256(tr.path); err == nil && full == info.Train.SHA256 {
			tr.SHA256 = full
		}
	}
	if spec.Data != info.Args["data"] {
		info.Args["data"] = spec.Data // mnist-mini stands in
	}
	return Options{Model: m, Train: tr, Val: val, Dir: dir, Resume: true, Args: info.Args}, nil
}

// loadImages loads the training and validation images (see LoadData).
func loadImages(spec *DataSpec, m *zoo.Model, notice func(dataset.Notice)) (tr, val *Data, err error) {
	r := &m.Recipe
	data := spec.Data
	if dataset.IsPath(data) {
		if tr, err = readFile(data, dataset.TrainImages, spec.Limit, &spec.Stream); err != nil {
			return nil, nil, err
		}
	} else {
		if data != dataset.MiniName {
			tr, err = readSet(data, dataset.TrainImages, spec.Limit, &spec.Stream)
			switch {
			case errors.Is(err, dataset.ErrNotFound) && zoo.Numel(m.Input) != 28*28:
				return nil, nil, &MissingDataError{Set: data, Err: err}
			case errors.Is(err, dataset.ErrNotFound):
				if notice != nil {
					notice(dataset.Notice{Data: data, Set: data, Role: dataset.TrainImages, Err: err})
				}
				data, spec.Data = dataset.MiniName, dataset.MiniName
			case err != nil:
				return nil, nil, err
			}
		}
		if data == dataset.MiniName {
			if tr, err = readSet(data, dataset.TestImages, spec.Limit, &spec.Stream); err != nil {
				return nil, nil, err
			}
			if r.ValSplit == 0 && spec.ValData == "" {
				r.ValSplit, r.SplitSeed = miniHoldOut, miniSplitSeed
			}
		}
	}
	var stream bool // validation data on disk changes no result: not recorded
	switch {
	case spec.ValData != "":
		val, err = readFile(spec.ValData, dataset.TestImages, 0, &stream)
	case r.ValSplit > 0:
		// the trainer takes the hold-out
	case data != "" && !dataset.IsPath(data):
		val, err = readSet(data, dataset.TestImages, 0, &stream)
	default:
		err = &SpecError{Field: "val-data"}
	}
	if err != nil {
		tr.Close()
		return nil, nil, err
	}
	return tr, val, nil
}

// attachLabels reads the labels of d, whose images have the given role:
// from the label file of the spec, or those the data carries.
func attachLabels(d *Data, spec *DataSpec, imageRole string) error {
	file, set := spec.Labels, spec.Data
	if imageRole != dataset.TrainImages {
		file = spec.ValLabels
		if spec.ValData != "" {
			set = spec.ValData
		}
	}
	if file != "" {
		r, err := dataset.OpenLabelFile(file)
		if err != nil {
			return err
		}
		defer r.Close()
		sum, err := dataset.FileSHA256(file)
		if err != nil {
			return err
		}
		return d.readLabels(r, file, sum)
	}
	if dataset.IsPath(set) {
		ref, err := dataset.Resolve(set, imageRole)
		if err != nil {
			return err
		}
		// CIFAR-10 files carry their labels; IDX images need a label file.
		if ref.Set != dataset.CIFARName {
			if imageRole == dataset.TrainImages {
				return &SpecError{Field: "labels", File: set}
			}
			return &SpecError{Field: "val-labels", File: spec.ValData}
		}
		r, err := ref.OpenLabels("", nil)
		if err != nil {
			return err
		}
		defer r.Close()
		sum, err := dataset.FileSHA256(set)
		if err != nil {
			return err
		}
		return d.readLabels(r, r.Name(), sum)
	}
	if set == dataset.MiniName {
		imageRole = dataset.TestImages // mnist-mini has its test split only
	}
	r, src, err := dataset.OpenLabels(set, imageRole)
	if err != nil {
		return err
	}
	defer r.Close()
	sum := "embedded"
	if !src.Embedded {
		if sum, err = dataset.FileSHA256(src.Path); err != nil {
			return err
		}
	}
	return d.readLabels(r, src.Path, sum)
}

// readLabels reads the labels of d's images from r, which must hold one per
// image of their file (the first d.items() when a limit applies), and
// attaches them with the name and digest of where they came from.
func (d *Data) readLabels(r *dataset.Reader, name, sum string) error {
	if n := r.Remaining(); n != d.count {
		return fmt.Errorf("labels %s: %d labels for the %d images of %s", name, n, d.count, d.file)
	}
	if d.items() < d.count {
		if err := r.Range(0, d.items()); err != nil {
			return err
		}
	}
	l, err := r.ReadAllLabels()
	if err != nil {
		return err
	}
	d.Labels, d.LabelsName, d.LabelsSHA256 = l, name, sum
	return nil
}

// readFile reads the images at path: an IDX file, or the images of the
// given role of CIFAR-10 data; at most limit of them when limit > 0, on
// disk when *stream is set or they are more than MemoryLimit bytes (which
// sets it).
func readFile(path, role string, limit int, stream *bool) (*Data, error) {
	open := func() (*dataset.Reader, error) { return dataset.OpenFile(path, role) }
	r, err := open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return load(r, source{path, open}, limit, stream)
}

// readSet reads the file of the given role of the data set called name, as
// readFile does.
func readSet(name, role string, limit int, stream *bool) (*Data, error) {
	open := func() (*dataset.Reader, error) {
		r, _, err := dataset.Open(name, role)
		return r, err
	}
	r, src, err := dataset.Open(name, role)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	path := src.Path
	if src.Embedded {
		path = ""
	}
	return load(r, source{path, open}, limit, stream)
}

// load reads the images of r (see readFile).
func load(r *dataset.Reader, src source, limit int, stream *bool) (*Data, error) {
	n := r.Remaining()
	if limit > 0 {
		n = min(n, limit)
	}
	if streams(n, r.Header().ItemLen()) {
		*stream = true
	}
	return readData(r, src, limit, *stream)
}
