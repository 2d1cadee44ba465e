package train

import (
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/zoo-ml/zoo/dataset"
)

// Data is a set of examples held in memory.
type Data struct {
	// Name says where the data came from: a path, or "embedded:...".
	Name string `json:"name"`
	// SHA256 is the digest of the file the data was read from, if known.
	SHA256 string `json:"sha256,omitempty"`
	// N is the number of examples and Len the number of values of one.
	N   int `json:"n"`
	Len int `json:"-"`
	// X holds the N examples back to back; u8 images are scaled to [0, 1].
	X []float32 `json:"-"`
	// Labels holds the class of each example, for classifiers; nil for
	// autoencoders. LabelsName and LabelsSHA256 say where they came from.
	Labels       []uint8 `json:"-"`
	LabelsName   string  `json:"labels,omitempty"`
	LabelsSHA256 string  `json:"labels_sha256,omitempty"`
}

// SetLabels attaches the class labels of d's examples, read from the file
// name with digest sha256 (either may be empty). There must be one label
// per example.
func (d *Data) SetLabels(labels []uint8, name, sha256 string) error {
	if len(labels) != d.N {
		return fmt.Errorf("labels %s hold %d labels for the %d images of %s", name, len(labels), d.N, d.Name)
	}
	d.Labels, d.LabelsName, d.LabelsSHA256 = labels, name, sha256
	return nil
}

// Limit keeps the first n examples (and labels) of d, if it has more.
func (d *Data) Limit(n int) {
	if n <= 0 || n >= d.N {
		return
	}
	d.N, d.X = n, d.X[:n*d.Len]
	if d.Labels != nil {
		d.Labels = d.Labels[:n]
	}
	d.Name = fmt.Sprintf("%s (first %d)", d.Name, n)
}

// ReadData reads every example of r into memory. path, when not empty, is
// the file r reads, whose SHA-256 is recorded.
func ReadData(r *dataset.Reader, path string) (*Data, error) {
	h := r.Header()
	d := &Data{Name: r.Name(), N: r.Remaining(), Len: h.ItemLen()}
	d.X = make([]float32, d.N*d.Len)
	n, err := r.ReadFloat32(d.X)
	if err != nil && err != io.EOF {
		return nil, err
	}
	if n != d.N {
		return nil, fmt.Errorf("read %s: got %d of %d examples", r.Name(), n, d.N)
	}
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
		s := &Data{Name: name, SHA256: d.SHA256, N: len(idx), Len: d.Len, X: make([]float32, len(idx)*d.Len),
			LabelsName: d.LabelsName, LabelsSHA256: d.LabelsSHA256}
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
