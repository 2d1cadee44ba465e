package infer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoo-ml/zoo/analysis"
	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/zoo"
)

// PCAOptions are the settings of ComparePCA.
type PCAOptions struct {
	// Model is the autoencoder's file.
	Model string
	// Train names the images to fit PCA to (their training split, for a
	// data set), Test those to reconstruct (the test split), as
	// dataset.Resolve reads them; mnist-mini does not stand in for them.
	// Labels is a file of the test labels, "" for those the test data
	// carries.
	Train, Test, Labels string
	// Ks are the numbers of PCA components.
	Ks []int
	// Index chooses the test images to show among the n there are.
	Index func(n int) ([]int, error)
	// Batch is the number of examples per run of the autoencoder.
	Batch int
	// Session holds the options of the autoencoder's session.
	Session Options
	// Notice, when not nil, is told when the labels of the test data set
	// are not found; the comparison then has no MSE per class.
	Notice func(dataset.Notice)
}

// An ImageSet is a set of images read whole for a comparison, as its report
// describes it: the data as named, the file read, the number of images,
// their shape, and the labels file when there are labels.
type ImageSet struct {
	Data   string `json:"data"`
	Path   string `json:"path,omitempty"`
	Images int    `json:"images"`
	Dims   []int  `json:"dims"`
	Labels string `json:"labels,omitempty"`
	// Set holds the images and labels.
	Set *dataset.Images `json:"-"`
}

// A PCAReport compares an autoencoder's reconstructions of the test images
// with those of PCA fitted to the training images. Its JSON form is zoo
// compare pca's compare-pca.json.
type PCAReport struct {
	Model struct {
		Name     string `json:"name,omitempty"`
		File     string `json:"file"`
		Provider string `json:"provider"`
	} `json:"model"`
	Train       *ImageSet `json:"train"`
	Test        *ImageSet `json:"test"`
	Autoencoder struct {
		analysis.ReconError
		Seconds float64 `json:"seconds"`
	} `json:"autoencoder"`
	*analysis.PCAComparison
	// Files names the files the caller wrote with the report, by kind.
	Files map[string]string `json:"files,omitempty"`

	// Reconstructions are the autoencoder's outputs for the test images.
	Reconstructions []float32 `json:"-"`
}

// The files of a comparison that WriteFiles writes.
const (
	// PCAFile holds the comparison's JSON form.
	PCAFile = "compare-pca.json"
	// PCAFigureFile holds its figure.
	PCAFigureFile = "compare-pca.png"
)

// WriteFiles writes the report into the folder dir: its JSON form to
// PCAFile and, unless png is nil, the figure png to PCAFigureFile, as
// Evaluation.WriteFiles does. Files records them as "json" and "png".
func (rep *PCAReport) WriteFiles(dir string, force bool, png []byte) error {
	out := map[string][]byte{}
	rep.Files = map[string]string{"json": filepath.Join(dir, PCAFile)}
	if png != nil {
		out[PCAFigureFile] = png
		rep.Files["png"] = filepath.Join(dir, PCAFigureFile)
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	out[PCAFile] = append(b, '\n')
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return atomicfile.WriteAll(dir, out, force)
}

// A ComponentsError says that a comparison asks for more PCA components
// (K) than the images have values (Dim) or the training set Data has
// images.
type ComponentsError struct {
	K, Dim, Images int
	Data           string
}

func (e *ComponentsError) Error() string {
	return fmt.Sprintf("%d components: more than the dimension %d of the images or the %d training images of %s", e.K, e.Dim, e.Images, e.Data)
}

// A NotAutoencoderError says that the model of a comparison with PCA
// performs Task, not zoo.Reconstruct.
type NotAutoencoderError struct {
	Model string
	Task  zoo.Task
}

func (e *NotAutoencoderError) Error() string {
	return fmt.Sprintf("model %s: task %s; the comparison with PCA needs an autoencoder (task %s)", e.Model, e.Task, zoo.Reconstruct)
}

// ComparePCA reads the test images (with their labels when known), runs
// the autoencoder over them and compares its reconstructions with those of
// PCA fitted to the training images (see analysis.ComparePCA), which are
// streamed from their file twice (analysis.FitPCAScan) and never held in
// memory: a training set of any size takes the same memory. The session is
// closed before the PCA fit, whose time onnxruntime's idle threads would
// otherwise take. An interrupted comparison returns an error wrapping
// ctx's error.
func ComparePCA(ctx context.Context, opt PCAOptions) (*PCAReport, error) {
	test, err := readImageSet(opt.Test, dataset.TestImages, opt.Labels, true, opt.Notice)
	if err != nil {
		return nil, err
	}
	train, ref, err := scanImageSet(opt.Train)
	if err != nil {
		return nil, err
	}
	d := test.Set.ItemLen()
	if train.Set.ItemLen() != d {
		return nil, fmt.Errorf("training images %s have %d values each (%v), test images %s have %d (%v)",
			train.Data, train.Set.ItemLen(), train.Dims, test.Data, d, test.Dims)
	}
	if kmax := slices.Max(opt.Ks); kmax > d || kmax > train.Images {
		return nil, &ComponentsError{K: kmax, Dim: d, Images: train.Images, Data: train.Data}
	}
	index, err := opt.Index(test.Images)
	if err != nil {
		return nil, err
	}
	rep := &PCAReport{Train: train, Test: test}
	if err := rep.reconstruct(ctx, opt); err != nil {
		return nil, err
	}
	rep.PCAComparison, err = analysis.ComparePCA(analysis.PCAInput{
		TrainScan: scanRows(ctx, ref, train.Images), TrainN: train.Images, Test: test.Set.X, Autoencoder: rep.Reconstructions, D: d,
		Labels: test.Set.Labels, Ks: opt.Ks, Index: index,
	})
	if err != nil {
		return nil, fmt.Errorf("compare with PCA fitted to %s: %w", train.Data, err)
	}
	rep.Autoencoder.ReconError = rep.PCAComparison.Autoencoder
	return rep, nil
}

// reconstruct runs the autoencoder over the test images.
func (rep *PCAReport) reconstruct(ctx context.Context, opt PCAOptions) error {
	sess, err := Open(opt.Model, opt.Session)
	if err != nil {
		return err
	}
	defer sess.Close()
	if t := sess.Task(); t != "" && t != zoo.Reconstruct {
		return &NotAutoencoderError{Model: opt.Model, Task: t}
	}
	test := rep.Test
	if sess.InputLen() != test.Set.ItemLen() || sess.OutputLen() != test.Set.ItemLen() {
		return fmt.Errorf("model %s maps %v to %v, the test images %s are %v", opt.Model, sess.InputShape(), sess.OutputShape(), test.Data, test.Dims)
	}
	rep.Model.Name, rep.Model.File, rep.Model.Provider = sess.ModelName(), opt.Model, sess.Provider()
	start := time.Now()
	if rep.Reconstructions, err = sess.RunAll(ctx, test.Set.X, test.Images, opt.Batch); err != nil {
		return err
	}
	rep.Autoencoder.Seconds = time.Since(start).Seconds()
	return nil
}

// scanImageSet opens the training images the data string arg names, to
// describe them; their rows are read by scanRows, a chunk at a time, so
// that a set of any size fits the PCA without being held in memory.
func scanImageSet(arg string) (*ImageSet, dataset.Ref, error) {
	ref, err := dataset.Resolve(arg, dataset.TrainImages)
	if err != nil {
		return nil, ref, err
	}
	r, err := ref.Open()
	if err != nil {
		return nil, ref, err
	}
	defer r.Close()
	h := r.Header()
	if len(h.Dims) < 2 || r.Remaining() == 0 {
		return nil, ref, fmt.Errorf("%s holds %v, not images", r.Name(), h)
	}
	d := &dataset.Images{Name: arg, N: r.Remaining(), Shape: h.Dims[1:]}
	return &ImageSet{Data: arg, Path: r.Name(), Images: d.N, Dims: d.Shape, Set: d}, ref, nil
}

// scanRows returns the analysis.Scan of the n images of ref: each call
// opens them again and reads them in chunks of about 4 MB, stopping when
// ctx is done.
func scanRows(ctx context.Context, ref dataset.Ref, n int) analysis.Scan {
	return func(fn func([]float32) error) error {
		r, err := ref.Open()
		if err != nil {
			return err
		}
		defer r.Close()
		if r.Remaining() != n {
			return fmt.Errorf("%s changed while being read: %d images, then %d", r.Name(), n, r.Remaining())
		}
		il := r.Header().ItemLen()
		buf := make([]float32, max(1, (4<<20)/(4*il))*il)
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			k, err := r.ReadFloat32(buf)
			if k > 0 {
				if ferr := fn(buf[:k*il]); ferr != nil {
					return ferr
				}
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
		}
	}
}

// readImageSet reads the images the data string arg names for role, and,
// withLabels, their labels: from the file labels, else those the data
// carries, when found.
func readImageSet(arg, role, labels string, withLabels bool, notice func(dataset.Notice)) (*ImageSet, error) {
	ref, err := dataset.Resolve(arg, role)
	if err != nil {
		return nil, err
	}
	r, err := ref.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	d, err := dataset.ReadImages(r, 0)
	if err != nil {
		return nil, err
	}
	d.Name = arg
	s := &ImageSet{Data: arg, Path: r.Name(), Images: d.N, Dims: d.Shape, Set: d}
	if !withLabels {
		return s, nil
	}
	lr, err := ref.OpenLabels(labels, notice)
	if err != nil || lr == nil {
		return s, err
	}
	defer lr.Close()
	if err := d.ReadLabels(lr); err != nil {
		return nil, err
	}
	s.Labels = lr.Name()
	return s, nil
}

// ParseKs parses the numbers of PCA components of a comparison (zoo's
// --k): one positive number or a comma-separated list of them, returned
// sorted without repeats. Its errors name the flag, as the command line
// gives it.
func ParseKs(s string) ([]int, error) {
	var ks []int
	for f := range strings.SplitSeq(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 {
			return nil, fmt.Errorf("--k %q: %q is not a positive number of components", s, f)
		}
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return slices.Compact(ks), nil
}
