// Package testutil holds the helpers that tests in several packages share:
// comparing float slices and weight sets. It imports only package zoo, so
// that the tests of every package above it can use it (onnxgo's included,
// which cannot link zoo's ONNX types).
package testutil

import (
	"encoding/binary"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/zoo-ml/zoo/zoo"
)

// Float is a float32 or float64 element type.
type Float interface{ ~float32 | ~float64 }

// MaxAbsDiff returns max |a[i] - b[i]|, computed in float64. It returns
// +Inf when the lengths differ or either slice holds a NaN, so that a
// tolerance check (d > tol) fails on them.
func MaxAbsDiff[A, B Float](a []A, b []B) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var d float64
	for i := range a {
		x := math.Abs(float64(a[i]) - float64(b[i]))
		if math.IsNaN(x) {
			return math.Inf(1)
		}
		d = max(d, x)
	}
	return d
}

// SameWeights fails t unless got and want hold the same names, and the
// same shape and value bits under each name. It reports every tensor that
// differs, at its first differing value.
func SameWeights(t testing.TB, got, want zoo.Weights) {
	t.Helper()
	if !slices.Equal(got.Names(), want.Names()) {
		t.Fatalf("names %v, want %v", got.Names(), want.Names())
	}
	for _, name := range want.Names() {
		g, w := got[name], want[name]
		if !slices.Equal(g.Shape, w.Shape) {
			t.Errorf("%s: shape %v, want %v", name, g.Shape, w.Shape)
			continue
		}
		if len(g.Data) != len(w.Data) {
			t.Errorf("%s: %d values, want %d", name, len(g.Data), len(w.Data))
			continue
		}
		for i := range w.Data {
			if math.Float32bits(g.Data[i]) != math.Float32bits(w.Data[i]) {
				t.Errorf("%s[%d] = %v, want %v", name, i, g.Data[i], w.Data[i])
				break
			}
		}
	}
}

// FlipFirstDataBit flips the lowest bit of the first byte after the header
// of the safetensors file at path (its first tensor's data), as a damaged
// disk or a careless edit would, leaving the header valid.
func FlipFirstDataBit(t testing.TB, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 8 {
		t.Fatalf("%s: %d bytes, no safetensors header", path, len(b))
	}
	at := 8 + binary.LittleEndian.Uint64(b)
	if at >= uint64(len(b)) {
		t.Fatalf("%s: no data after its %d-byte header", path, at-8)
	}
	b[at] ^= 1
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// ULPs returns the distance of a and b in units in the last place of
// float32: the number of float32 values between them (0 for +0 and -0).
func ULPs(a, b float32) int64 {
	key := func(f float32) int64 {
		u := int64(math.Float32bits(f))
		if u&0x80000000 != 0 {
			return -(u & 0x7fffffff)
		}
		return u
	}
	d := key(a) - key(b)
	return max(d, -d)
}
