package safetensors

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/zoo"
)

// FuzzRead reads arbitrary bytes. Read must not panic or over-allocate;
// what it accepts must be self-consistent and survive a Write and a second
// Read unchanged. The seed corpus is in testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	ws := zoo.Weights{"encoder.0.weight": seq(2, 3), "encoder.0.bias": seq(2), "s": seq(), "z": seq(0)}
	if err := Write(&buf, ws, map[string]string{"format": "pt"}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:buf.Len()-3])
	f.Add(file(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]},"c":{"dtype":"F64","shape":[],"data_offsets":[8,16]}}`, make([]byte, 16)))
	f.Add(file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]`, make([]byte, 8)))

	f.Fuzz(func(t *testing.T, b []byte) {
		ws, meta, err := Read(bytes.NewReader(b), int64(len(b)), "fuzz")
		if err != nil {
			return
		}
		for name, w := range ws {
			if n, ok := numElements(w.Shape); !ok || n != len(w.Data) {
				t.Fatalf("tensor %q: shape %v with %d values", name, w.Shape, len(w.Data))
			}
		}
		var out bytes.Buffer
		if err := Write(&out, ws, meta); err != nil {
			t.Fatalf("Write of what Read accepted: %v", err)
		}
		ws2, meta2, err := Read(bytes.NewReader(out.Bytes()), int64(out.Len()), "rewritten")
		if err != nil {
			t.Fatalf("Read of what Write wrote: %v", err)
		}
		testutil.SameWeights(t, ws2, ws)
		if !maps.Equal(meta, meta2) {
			t.Fatalf("metadata %v became %v", meta, meta2)
		}
	})
}

// fuzzSpec is a tiny model whose checkpoints FuzzCheckpoint mutates.
var fuzzSpec = &zoo.Model{
	Name: "fuzz-ae", Task: zoo.Reconstruct, Input: []int{3},
	Parts: []zoo.Part{
		{Name: "encoder", Layers: []zoo.Layer{zoo.Linear{In: 3, Out: 2}, zoo.ReLU{}}},
		{Name: "decoder", Layers: []zoo.Layer{zoo.Linear{In: 2, Out: 3}}},
	},
}

// FuzzCheckpoint reads arbitrary bytes as a checkpoint of a tiny model and
// checks the weights against its spec, as zoo train --resume and zoo export
// do. What passes has exactly the model's parameters with their shapes,
// and still passes after a Write and a second Read. The seed corpus is in
// testdata/fuzz/FuzzCheckpoint.
func FuzzCheckpoint(f *testing.F) {
	w := fuzzSpec.InitWeights(1)
	var buf bytes.Buffer
	if err := Write(&buf, w, map[string]string{"zoo.model": fuzzSpec.Name, "step": "3"}); err != nil {
		f.Fatal(err)
	}
	f.Add(bytes.Clone(buf.Bytes()))
	extra := maps.Clone(w)
	extra["encoder.9.weight"] = seq(1)
	for _, ws := range []zoo.Weights{extra, withoutBias(extra)} {
		buf.Reset()
		if err := Write(&buf, ws, nil); err != nil {
			f.Fatal(err)
		}
		f.Add(bytes.Clone(buf.Bytes()))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ws, meta, err := Read(bytes.NewReader(b), int64(len(b)), "fuzz")
		if err != nil {
			return
		}
		if err := fuzzSpec.CheckWeights(ws); err != nil {
			if !strings.Contains(err.Error(), fuzzSpec.Name) {
				t.Fatalf("error %q does not name the model", err)
			}
			return
		}
		params := fuzzSpec.Params()
		if len(ws) != len(params) {
			t.Fatalf("%d tensors pass for %d parameters", len(ws), len(params))
		}
		for _, p := range params {
			if !slices.Equal(ws[p.Name].Shape, p.Shape) || len(ws[p.Name].Data) != p.Size() {
				t.Fatalf("%s: shape %v with %d values, want %v", p.Name, ws[p.Name].Shape, len(ws[p.Name].Data), p.Shape)
			}
		}
		var out bytes.Buffer
		if err := Write(&out, ws, meta); err != nil {
			t.Fatal(err)
		}
		again, _, err := Read(bytes.NewReader(out.Bytes()), int64(out.Len()), "again")
		if err != nil {
			t.Fatal(err)
		}
		if err := fuzzSpec.CheckWeights(again); err != nil {
			t.Fatalf("rewritten checkpoint: %v", err)
		}
		testutil.SameWeights(t, again, ws)
	})
}

// withoutBias returns a copy of w without encoder.0.bias.
func withoutBias(w zoo.Weights) zoo.Weights {
	c := maps.Clone(w)
	delete(c, "encoder.0.bias")
	return c
}
