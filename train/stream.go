package train

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
)

// The order of the training examples in an epoch. Data in memory is
// visited in a permutation of all its examples, a function of the seed and
// the epoch (trainer.permutation). Data on disk (Data.Table) cannot be
// visited at random without reading a few hundred bytes at each of millions
// of places, so it is visited in windows:
//
//   - the items are cut into chunks of streamChunk consecutive items (the
//     last may be shorter), read from the file with one read each;
//   - each epoch visits the chunks in a permutation, a function of the seed
//     and the epoch, and takes them streamWindow bytes at a time (a window:
//     as many whole chunks as fit, at least one);
//   - the examples of a window (less those held out for validation) are
//     visited in a permutation of their own, a function of the seed, the
//     epoch and the window.
//
// Memory is one window and one chunk, whatever the size of the data; the
// order is still a function of the seed and the epoch only, so the same
// seed gives the same weights, and a run interrupted in the middle of an
// epoch resumes at the same example (the windows before it are counted,
// not read). Without shuffling, chunks and examples keep their order.

const (
	// streamChunk is the number of consecutive items read at a time.
	streamChunk = 256
	// streamWindow is the size in bytes, as float32 values, of the examples
	// shuffled together.
	streamWindow = 64 << 20
)

// An epochOrder hands out the training examples of one epoch in order.
type epochOrder interface {
	// next writes the next len(x)/Len examples into x and, when y is not
	// nil, their labels into y.
	next(x []float32, y []uint8) error
}

// epoch returns the order of epoch e (from 1), positioned at its example
// start.
func (t *trainer) epoch(e, start int) (epochOrder, error) {
	if t.train.Table != nil {
		return newDiskEpoch(t.train, t.r.Seed, t.r.Shuffle, e, start)
	}
	return &memEpoch{d: t.train, perm: t.permutation(e), pos: start}, nil
}

// rows writes the examples from lo on into x, as many as it holds: from
// memory or from disk.
func (d *Data) rows(x []float32, lo int) error {
	if d.Table != nil {
		_, err := d.Table.ReadFloat32(x, lo)
		return err
	}
	copy(x, d.X[lo*d.Len:])
	return nil
}

// memEpoch visits data in memory in a permutation.
type memEpoch struct {
	d    *Data
	perm []int
	pos  int
}

func (m *memEpoch) next(x []float32, y []uint8) error {
	L := m.d.Len
	n := len(x) / L
	for i, j := range m.perm[m.pos : m.pos+n] {
		copy(x[i*L:(i+1)*L], m.d.X[j*L:(j+1)*L])
		if y != nil {
			y[i] = m.d.Labels[j]
		}
	}
	m.pos += n
	return nil
}

// diskEpoch visits data on disk window by window (see above).
type diskEpoch struct {
	d       *Data
	seed    uint64
	e       int
	shuffle bool
	chunks  []int // the chunks in the epoch's order
	w       int   // the window loaded
	rows    []float32
	labels  []uint8
	perm    []int // the order of the examples of the window
	pos     int   // the next of perm
	buf     []float32
}

// Salts of the generators of the orders of data on disk.
const (
	chunkSalt  = 0x6368756e6b73 // "chunks"
	windowSalt = 0x77696e646f77 // "window"
)

func newDiskEpoch(d *Data, seed int64, shuffle bool, e, start int) (*diskEpoch, error) {
	n := d.Table.Len()
	chunks := (n + d.chunk - 1) / d.chunk
	o := &diskEpoch{d: d, seed: uint64(seed), e: e, shuffle: shuffle}
	if shuffle {
		o.chunks = rand.New(rand.NewPCG(o.seed^chunkSalt, uint64(e))).Perm(chunks)
	} else {
		o.chunks = make([]int, chunks)
		for i := range o.chunks {
			o.chunks[i] = i
		}
	}
	windows := (chunks + d.window - 1) / d.window
	for o.w = 0; o.w < windows-1; o.w++ {
		size := o.windowSize(o.w)
		if start < size {
			break
		}
		start -= size
	}
	if err := o.load(); err != nil {
		return nil, err
	}
	o.pos = start
	return o, nil
}

// window returns the chunks of window w.
func (o *diskEpoch) window(w int) []int {
	return o.chunks[w*o.d.window : min((w+1)*o.d.window, len(o.chunks))]
}

// windowSize returns the number of training examples of window w.
func (o *diskEpoch) windowSize(w int) int {
	size := 0
	for _, c := range o.window(w) {
		lo, hi := o.span(c)
		size += hi - lo - o.d.held.count(lo, hi)
	}
	return size
}

// span returns the items [lo, hi) of chunk c.
func (o *diskEpoch) span(c int) (lo, hi int) {
	lo = c * o.d.chunk
	return lo, min(lo+o.d.chunk, o.d.Table.Len())
}

// load reads the examples of window o.w and draws their order.
func (o *diskEpoch) load() error {
	if o.w*o.d.window >= len(o.chunks) {
		return fmt.Errorf("train on %s: past the last window of epoch %d", o.d.Name, o.e)
	}
	L := o.d.Len
	if o.buf == nil {
		o.buf = make([]float32, o.d.chunk*L)
		o.rows = make([]float32, 0, o.d.window*o.d.chunk*L)
	}
	o.rows, o.labels = o.rows[:0], o.labels[:0]
	for _, c := range o.window(o.w) {
		lo, hi := o.span(c)
		if _, err := o.d.Table.ReadFloat32(o.buf[:(hi-lo)*L], lo); err != nil {
			return err
		}
		for i := lo; i < hi; i++ {
			if o.d.held.has(i) {
				continue
			}
			o.rows = append(o.rows, o.buf[(i-lo)*L:(i-lo+1)*L]...)
			if o.d.Labels != nil {
				o.labels = append(o.labels, o.d.Labels[i])
			}
		}
	}
	m := len(o.rows) / L
	if o.shuffle {
		o.perm = rand.New(rand.NewPCG(o.seed^windowSalt, uint64(o.e)<<32|uint64(o.w))).Perm(m)
	} else {
		o.perm = o.perm[:0]
		for i := range m {
			o.perm = append(o.perm, i)
		}
	}
	o.pos = 0
	return nil
}

func (o *diskEpoch) next(x []float32, y []uint8) error {
	L := o.d.Len
	for k := range len(x) / L {
		for o.pos == len(o.perm) {
			o.w++
			if err := o.load(); err != nil {
				return err
			}
		}
		j := o.perm[o.pos]
		copy(x[k*L:(k+1)*L], o.rows[j*L:(j+1)*L])
		if y != nil {
			y[k] = o.labels[j]
		}
		o.pos++
	}
	return nil
}

// bitset is a set of item indices; the nil bitset is empty.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int) { b[i/64] |= 1 << (i % 64) }

func (b bitset) has(i int) bool { return b != nil && b[i/64]&(1<<(i%64)) != 0 }

// count returns the number of members in [lo, hi).
func (b bitset) count(lo, hi int) int {
	if b == nil {
		return 0
	}
	n := 0
	for i := lo; i < hi; {
		if i%64 == 0 && i+64 <= hi {
			n += bits.OnesCount64(b[i/64])
			i += 64
			continue
		}
		if b.has(i) {
			n++
		}
		i++
	}
	return n
}
