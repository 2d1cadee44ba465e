package safetensors

import (
	"bytes"
	"maps"
	"testing"

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
		sameWeights(t, ws2, ws)
		if !maps.Equal(meta, meta2) {
			t.Fatalf("metadata %v became %v", meta, meta2)
		}
	})
}
