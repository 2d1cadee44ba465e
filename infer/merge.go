package infer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/atomicfile"
	"github.com/zoo-ml/zoo/internal/fileguard"
)

// MergeIDX joins the IDX files parts, in the order given, into one IDX
// file at path: the outputs of zoo infer --shard, merged back into what one
// run over the whole input writes, byte for byte. The parts must share
// their element type (u8 or f32, what zoo infer writes) and item shape.
// Parts with shard records (see ShardRecord) are merged in shard order,
// and must be every shard of one run exactly once: a missing, repeated or
// foreign part is refused, named.
// The file is written atomically; an existing one is replaced only with
// force, and never when it is one of the parts (by device and inode). It
// returns the number of items written. An interrupted merge (ctx done)
// writes nothing and returns an error wrapping ctx's error.
func MergeIDX(ctx context.Context, path string, parts []string, force bool) (int, error) {
	if len(parts) == 0 {
		return 0, errors.New("merge: no parts")
	}
	in := make([]fileguard.File, len(parts))
	for i, p := range parts {
		in[i] = fileguard.File{Role: "part", Path: p}
	}
	if err := fileguard.Distinct([]fileguard.File{{Role: "merged file", Path: path}}, in); err != nil {
		return 0, fmt.Errorf("merge: %w", err)
	}
	var first dataset.Header
	total := 0
	for i, p := range parts {
		r, err := dataset.OpenIDX(p)
		if err != nil {
			return 0, fmt.Errorf("merge: %w", err)
		}
		h := r.Header()
		r.Close()
		if h.Type != dataset.U8 && h.Type != dataset.F32 {
			return 0, fmt.Errorf("merge: %s holds %s items; zoo merges the u8 and f32 files zoo infer writes", p, h.Type)
		}
		if i == 0 {
			first = h
		} else if h.Type != first.Type || !slices.Equal(h.Dims[1:], first.Dims[1:]) {
			return 0, fmt.Errorf("merge: %s is %v, but %s is %v: parts must share type and item shape", p, h, parts[0], first)
		}
		total += h.Count()
	}
	parts, err := orderShards(parts)
	if err != nil {
		return 0, err
	}
	f, err := atomicfile.Create(path, force)
	if err != nil {
		return 0, err
	}
	defer f.Abort()
	bw := bufio.NewWriterSize(f, 1<<20)
	w, err := dataset.NewWriter(bw, first.Type, append([]int{total}, first.Dims[1:]...))
	if err != nil {
		return 0, fmt.Errorf("merge %s: %w", path, err)
	}
	for _, p := range parts {
		if err := copyItems(ctx, w, p, first); err != nil {
			return 0, fmt.Errorf("merge %s: %w", path, err)
		}
	}
	if err := w.Close(); err != nil {
		return 0, fmt.Errorf("merge %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return total, f.Commit()
}

// copyItems streams every item of the IDX file p into w.
func copyItems(ctx context.Context, w *dataset.Writer, p string, h dataset.Header) error {
	r, err := dataset.OpenIDX(p)
	if err != nil {
		return err
	}
	defer r.Close()
	r.AllowNonFinite() // outputs of zoo infer --allow-nan are copied as they are
	items := max(1, (1<<20)/max(1, h.ItemLen()))
	if h.Type == dataset.U8 {
		buf := make([]byte, items*h.ItemLen())
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			n, err := r.ReadUint8(buf)
			if n > 0 {
				if werr := w.WriteUint8(buf[:n*h.ItemLen()]); werr != nil {
					return werr
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
	buf := make([]float32, items*h.ItemLen())
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.ReadFloat32(buf)
		if n > 0 {
			if werr := w.WriteFloat32(buf[:n*h.ItemLen()]); werr != nil {
				return werr
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
