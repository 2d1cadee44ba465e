package train

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/rundir"
	"github.com/zoo-ml/zoo/zoo"
)

// Data is a set of examples held in memory for training: dataset.Images,
// whose JSON form run.json records, with the number of values of one
// example.
type Data struct {
	dataset.Images
	// Len is the number of values of one example.
	Len int `json:"-"`
}

// ReadData reads every example of r into memory. path, when not empty, is
// the file r reads, whose SHA-256 is recorded.
func ReadData(r *dataset.Reader, path string) (*Data, error) {
	h, n := r.Header(), r.Remaining()
	x, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	d := &Data{Images: dataset.Images{Name: r.Name(), N: n, Shape: h.Dims[1:], X: x}, Len: h.ItemLen()}
	if path != "" {
		if d.SHA256, err = dataset.FileSHA256(path); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Split returns a seeded random hold-out of n examples of d as the second
// result and the rest as the first, as notebooks split 60k into 50k/10k.
func (d *Data) Split(n int, seed int64) (*Data, *Data, error) {
	if n <= 0 || n >= d.N {
		return nil, nil, fmt.Errorf("hold-out of %d examples from %s, which has %d", n, d.Name, d.N)
	}
	perm := rand.New(rand.NewPCG(uint64(seed), 0x73706c6974)).Perm(d.N) // "split"
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
	rest := fmt.Sprintf("%s (all but a hold-out of %d, seed %d)", d.Name, n, seed)
	held := fmt.Sprintf("%s (hold-out of %d, seed %d)", d.Name, n, seed)
	return pick(perm[:d.N-n], rest), pick(perm[d.N-n:], held), nil
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
	// Limit > 0 keeps the first Limit training images only.
	Limit int
}

// Args returns the spec as Info.Args records it.
func (s DataSpec) Args() map[string]string {
	return map[string]string{"data": s.Data, "val-data": s.ValData, "limit": strconv.Itoa(s.Limit),
		"labels": s.Labels, "val-labels": s.ValLabels}
}

// SpecOf returns the spec that Info.Args records.
func SpecOf(args map[string]string) DataSpec {
	limit, _ := strconv.Atoi(args["limit"])
	return DataSpec{Data: args["data"], ValData: args["val-data"], Labels: args["labels"], ValLabels: args["val-labels"], Limit: limit}
}

// A SpecError says what a DataSpec lacks: the labels of an image file a
// classifier trains on (Field "labels") or is validated on
// ("val-labels"), or, to train on a file, validation data ("val-data": a
// file or a hold-out).
type SpecError struct {
	Field string
	// File is the image file whose labels are missing.
	File string
}

func (e *SpecError) Error() string {
	switch e.Field {
	case "labels":
		return fmt.Sprintf("a classifier trained on the file %s needs its labels", e.File)
	case "val-labels":
		return fmt.Sprintf("a classifier validated on %s needs its labels", e.File)
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
// get labels: those of the data set or CIFAR-10 file, or spec.Labels and
// spec.ValLabels, whose digests are recorded. spec.Limit applies last.
func LoadData(spec *DataSpec, m *zoo.Model, notice func(dataset.Notice)) (tr, val *Data, err error) {
	if tr, val, err = loadImages(spec, m, notice); err != nil {
		return nil, nil, err
	}
	if m.Task == zoo.Classify {
		for _, c := range []struct {
			d    *Data
			role string
		}{{tr, dataset.TrainImages}, {val, dataset.TestImages}} {
			if c.d == nil {
				continue
			}
			if err := attachLabels(c.d, spec, c.role); err != nil {
				return nil, nil, err
			}
		}
	}
	tr.Limit(spec.Limit)
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
		if tr, err = readFile(data, dataset.TrainImages); err != nil {
			return nil, nil, err
		}
	} else {
		if data != dataset.MiniName {
			tr, err = readSet(data, dataset.TrainImages)
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
			if tr, err = readSet(data, dataset.TestImages); err != nil {
				return nil, nil, err
			}
			if r.ValSplit == 0 && spec.ValData == "" {
				r.ValSplit, r.SplitSeed = miniHoldOut, miniSplitSeed
			}
		}
	}
	switch {
	case spec.ValData != "":
		val, err = readFile(spec.ValData, dataset.TestImages)
	case r.ValSplit > 0:
		// the trainer takes the hold-out
	case data != "" && !strings.ContainsRune(data, os.PathSeparator):
		val, err = readSet(data, dataset.TestImages)
	default:
		err = &SpecError{Field: "val-data"}
	}
	return tr, val, err
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
		l, err := dataset.ReadLabels(file)
		if err != nil {
			return err
		}
		sum, err := dataset.FileSHA256(file)
		if err != nil {
			return err
		}
		return d.SetLabels(l, file, sum)
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
		return setLabels(d, r, r.Name(), sum)
	}
	role := dataset.TrainLabels
	if imageRole != dataset.TrainImages || set == dataset.MiniName {
		role = dataset.TestLabels
	}
	r, src, err := dataset.Open(set, role)
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
	return setLabels(d, r, src.Path, sum)
}

// setLabels reads every label of r and attaches them to d, with the name
// and digest of where they came from.
func setLabels(d *Data, r *dataset.Reader, name, sum string) error {
	l, err := r.ReadAllLabels()
	if err != nil {
		return err
	}
	return d.SetLabels(l, name, sum)
}

// readFile reads the images at path: an IDX file, or the images of the
// given role of CIFAR-10 data.
func readFile(path, role string) (*Data, error) {
	r, err := dataset.OpenFile(path, role)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return ReadData(r, path)
}

// readSet reads the file of the given role of the data set called name.
func readSet(name, role string) (*Data, error) {
	r, src, err := dataset.Open(name, role)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	path := src.Path
	if src.Embedded {
		path = ""
	}
	return ReadData(r, path)
}
