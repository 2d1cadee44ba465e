package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/half"
	"github.com/zoo-ml/zoo/internal/testutil"
	"github.com/zoo-ml/zoo/zoo"
)

// file returns a safetensors file with the header hdr and the data buffer data.
func file(hdr string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	b = append(b, hdr...)
	return append(b, data...)
}

// readBytes reads b as the file "test.safetensors".
func readBytes(b []byte) (zoo.Weights, map[string]string, error) {
	return Read(bytes.NewReader(b), int64(len(b)), "test.safetensors")
}

func seq(shape ...int) *zoo.Tensor {
	t := zoo.NewTensor(shape...)
	for i := range t.Data {
		t.Data[i] = float32(i)*0.25 - 1
	}
	return t
}

func TestRoundTrip(t *testing.T) {
	nan := math.Float32frombits(0x7fc00001)
	tests := []struct {
		name string
		ws   zoo.Weights
		meta map[string]string
	}{
		{"empty", zoo.Weights{}, nil},
		{"scalar", zoo.Weights{"s": {Shape: []int{}, Data: []float32{3.5}}}, nil},
		{"zero-size", zoo.Weights{"z": zoo.NewTensor(0), "z3": zoo.NewTensor(2, 0, 3), "a": seq(2)}, nil},
		{"shapes", zoo.Weights{"encoder.0.weight": seq(3, 4), "encoder.0.bias": seq(3), "x": seq(1, 1, 2, 1)}, map[string]string{"format": "pt"}},
		{"specials", zoo.Weights{"v": {Shape: []int{6}, Data: []float32{
			float32(math.Inf(1)), float32(math.Inf(-1)), nan, float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, math.MaxFloat32,
		}}}, nil},
		{"names and metadata", zoo.Weights{`q"<&>\ü`: seq(1), "\t": seq(2)}, map[string]string{"": "", "k\n": `v"<>&`, "ü": "ß"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tt.ws, tt.meta); err != nil {
				t.Fatal(err)
			}
			b := buf.Bytes()
			hlen := binary.LittleEndian.Uint64(b)
			if hlen%8 != 0 {
				t.Errorf("header length %d is not a multiple of 8", hlen)
			}
			ws, meta, err := readBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			testutil.SameWeights(t, ws, tt.ws)
			if !maps.Equal(meta, tt.meta) {
				t.Errorf("metadata %v, want %v", meta, tt.meta)
			}
			n := 0
			for _, w := range tt.ws {
				n += len(w.Data)
			}
			if want := 8 + int(hlen) + 4*n; len(b) != want {
				t.Errorf("file is %d bytes, want %d (no gaps)", len(b), want)
			}
		})
	}
}

// TestWriteLayout checks the exact bytes Write produces against the layout
// of the reference implementation.
func TestWriteLayout(t *testing.T) {
	ws := zoo.Weights{
		"b": {Shape: []int{2}, Data: []float32{1, -2}},
		"a": {Shape: []int{}, Data: []float32{0.5}},
	}
	var buf bytes.Buffer
	if err := Write(&buf, ws, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	hdr := `{"__metadata__":{"format":"pt"},` +
		`"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},` +
		`"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`
	hdr += strings.Repeat(" ", -len(hdr)&7)
	want := file(hdr, []byte{0, 0, 0, 0x3f, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0})
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("Write wrote\n%q\nwant\n%q", buf.Bytes(), want)
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name string
		ws   zoo.Weights
		meta map[string]string
		want string
	}{
		{"empty name", zoo.Weights{"": seq(1)}, nil, `""`},
		{"reserved name", zoo.Weights{"__metadata__": seq(1)}, nil, "__metadata__"},
		{"nil tensor", zoo.Weights{"w": nil}, nil, `"w" is nil`},
		{"short data", zoo.Weights{"w": {Shape: []int{2, 3}, Data: make([]float32, 5)}}, nil, `"w": shape [2 3] needs 6 values, has 5`},
		{"negative dim", zoo.Weights{"w": {Shape: []int{-1}, Data: nil}}, nil, `"w": bad shape`},
		{"overflow", zoo.Weights{"w": {Shape: []int{math.MaxInt / 2, 3}, Data: nil}}, nil, `"w": bad shape`},
		{"bad utf-8 name", zoo.Weights{"\xff": seq(1)}, nil, "UTF-8"},
		{"bad utf-8 metadata", zoo.Weights{}, map[string]string{"k": "\xff"}, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, tt.ws, tt.meta)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Write: error %v, want one containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Write wrote %d bytes before failing", buf.Len())
			}
		})
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.safetensors")
	ws := zoo.Weights{"encoder.0.weight": seq(2, 3)}
	if err := WriteFile(path, ws, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	got, meta, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	testutil.SameWeights(t, got, ws)
	if meta["k"] != "v" {
		t.Errorf("metadata %v", meta)
	}

	// Replacing works; a failed write leaves the old file and no temporary.
	ws2 := zoo.Weights{"b": seq(4)}
	if err := WriteFile(path, ws2, nil); err != nil {
		t.Fatal(err)
	}
	err = WriteFile(path, zoo.Weights{"bad": {Shape: []int{3}}}, nil)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("WriteFile of bad weights: error %v, want one naming the file and the tensor", err)
	}
	got, _, err = ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	testutil.SameWeights(t, got, ws2)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only w.safetensors", names)
	}

	if err := WriteFile(filepath.Join(dir, "no", "such", "dir.safetensors"), ws, nil); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
	if _, _, err := ReadFile(filepath.Join(dir, "missing.safetensors")); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.safetensors") {
		t.Errorf("ReadFile of a missing file: error %v", err)
	}
}

// entryJSON is a header entry for tests.
func entryJSON(dtype string, shape []int, begin, end int) string {
	s := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(shape)), ","), "[]")
	return fmt.Sprintf(`{"dtype":%q,"shape":[%s],"data_offsets":[%d,%d]}`, dtype, s, begin, end)
}

func TestReadMalformed(t *testing.T) {
	data16 := make([]byte, 16)
	ok := entryJSON("F32", []int{2}, 0, 8)
	tests := []struct {
		name string
		b    []byte
		want string // besides the file name
	}{
		{"empty file", nil, "too short"},
		{"short length", []byte{1, 0, 0}, "too short"},
		{"length past end", file(`{}`, nil)[:9], "exceeds the 1 bytes"},
		{"length too large", append(binary.LittleEndian.AppendUint64(nil, 1<<62), "{}"...), "exceeds the limit"},
		{"zero length", file(``, data16), "does not start with '{'"},
		{"leading space", file(` {}`, nil), "does not start with '{'"},
		{"not an object", file(`[]`, nil), "does not start with '{'"},
		{"bad json", file(`{"a":`, nil), "header"},
		{"unterminated", file(`{"a":{"dtype":"F32"`, nil), "header"},
		{"bad utf-8", file("{\"\xff\":{}}", nil), "UTF-8"},
		{"trailing data", file(`{}x`, nil), "data after the JSON object"},
		{"second object", file(`{}{}`, nil), "data after the JSON object"},
		{"entry not an object", file(`{"a":1}`, nil), `tensor "a": want an object`},
		{"entry null", file(`{"a":null}`, nil), `tensor "a": want an object`},
		{"no dtype", file(`{"a":{"shape":[2],"data_offsets":[0,8]}}`, data16), `tensor "a": no dtype`},
		{"no shape", file(`{"a":{"dtype":"F32","data_offsets":[0,8]}}`, data16), `tensor "a": no shape`},
		{"no offsets", file(`{"a":{"dtype":"F32","shape":[2]}}`, data16), `tensor "a": no data_offsets`},
		{"unknown field", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}`, data16), `tensor "a": unknown field "x"`},
		{"dtype not a string", file(`{"a":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}`, data16), `tensor "a": dtype is 4`},
		{"shape not an array", file(`{"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}`, data16), `tensor "a": shape: want an array`},
		{"negative dim", file(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, data16), `tensor "a": shape: want a non-negative integer`},
		{"fractional dim", file(`{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}`, data16), `tensor "a": shape`},
		{"string dim", file(`{"a":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}`, data16), `tensor "a": shape`},
		{"huge dim", file(`{"a":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,8]}}`, data16), `tensor "a": shape`},
		{"one offset", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[8]}}`, data16), `tensor "a": data_offsets has 1 values`},
		{"three offsets", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}`, data16), `tensor "a": data_offsets has 3 values`},
		{"negative offset", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}`, data16), `tensor "a": data_offsets`},
		{"begin after end", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}`, data16), `tensor "a": data_offsets [8, 0] begin after they end`},
		{"end past buffer", file(`{"a":`+entryJSON("F32", []int{2}, 12, 20)+`}`, data16), `tensor "a": data_offsets [12, 20] run past the end of the 16-byte data buffer`},
		{"huge end", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551615]}}`, data16), `tensor "a": data_offsets`},
		{"size mismatch", file(`{"a":`+entryJSON("F32", []int{3}, 0, 8)+`}`, data16), `tensor "a": shape [3] of F32 needs 12 bytes, data_offsets [0, 8] hold 8`},
		{"size mismatch f16", file(`{"a":`+entryJSON("F16", []int{2}, 0, 8)+`}`, data16), `tensor "a": shape [2] of F16 needs 4 bytes`},
		{"element overflow", file(`{"a":`+entryJSON("F32", []int{1 << 32, 1 << 32, 16}, 0, 0)+`}`, data16), `tensor "a": shape [4294967296 4294967296 16] has too many elements`},
		{"byte overflow", file(`{"a":`+entryJSON("F64", []int{1 << 62}, 0, 0)+`}`, data16), `tensor "a": shape [4611686018427387904] of F64 needs more than 2^64 bytes`},
		{"empty with huge dim", file(`{"a":{"dtype":"F32","shape":[0,18446744073709551615],"data_offsets":[0,0]}}`, data16), `tensor "a": shape [0 18446744073709551615]: dimension`},
		{"overlap", file(`{"a":`+ok+`,"b":`+entryJSON("F32", []int{2}, 4, 12)+`}`, data16), `tensor "b": bytes [4, 12) overlap those of tensor "a" [0, 8)`},
		{"same range", file(`{"a":`+ok+`,"b":`+ok+`}`, data16), `overlap those of tensor`},
		{"empty inside", file(`{"a":`+ok+`,"b":`+entryJSON("F32", []int{0}, 4, 4)+`}`, data16), `tensor "b": bytes [4, 4) overlap those of tensor "a" [0, 8)`},
		{"empty name", file(`{"":`+ok+`}`, data16), "tensor with an empty name"},
		{"duplicate tensor", file(`{"a":`+ok+`,"a":`+entryJSON("F32", []int{2}, 8, 16)+`}`, data16), `key "a" appears twice`},
		{"duplicate escaped", file(`{"a":`+ok+`,"\u0061":`+entryJSON("F32", []int{2}, 8, 16)+`}`, data16), `key "a" appears twice`},
		{"duplicate field", file(`{"a":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}}`, data16), `tensor "a": key "dtype" appears twice`},
		{"duplicate metadata", file(`{"__metadata__":{},"__metadata__":{}}`, nil), `key "__metadata__" appears twice`},
		{"duplicate metadata key", file(`{"__metadata__":{"k":"1","k":"2"}}`, nil), `__metadata__: key "k" appears twice`},
		{"metadata number", file(`{"__metadata__":{"k":1}}`, nil), `__metadata__: value of "k" is 1, not a string`},
		{"metadata object", file(`{"__metadata__":{"k":{}}}`, nil), `__metadata__: value of "k" is '{', not a string`},
		{"metadata array", file(`{"__metadata__":["k"]}`, nil), `__metadata__: want an object of strings`},
		{"metadata string", file(`{"__metadata__":"k"}`, nil), `__metadata__: want an object of strings`},
		{"dtype I32", file(`{"w":`+entryJSON("I32", []int{2}, 0, 8)+`}`, data16), `tensor "w": dtype "I32" is not supported`},
		{"dtype U8", file(`{"w":`+entryJSON("U8", []int{8}, 0, 8)+`}`, data16), `tensor "w": dtype "U8" is not supported`},
		{"dtype lowercase", file(`{"w":`+entryJSON("f32", []int{2}, 0, 8)+`}`, data16), `tensor "w": dtype "f32" is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, meta, err := readBytes(tt.b)
			if err == nil {
				t.Fatalf("Read succeeded: %v %v", ws, meta)
			}
			if msg := err.Error(); !strings.Contains(msg, "test.safetensors") || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q, want one naming test.safetensors and containing %q", msg, tt.want)
			}
		})
	}
}

// claimReader is a ReaderAt holding the bytes b at the start of a file
// that claims to be much larger, failing any read past b.
type claimReader struct{ b []byte }

func (r claimReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(r.b)) {
		return 0, errors.New("read past the real data")
	}
	n := copy(p, r.b[off:])
	if n < len(p) {
		return n, errors.New("read past the real data")
	}
	return n, nil
}

// TestReadClaims checks that a file claiming more than it holds fails
// before anything is allocated in proportion to the claim.
func TestReadClaims(t *testing.T) {
	huge := file(`{"a":`+entryJSON("F32", []int{1 << 40}, 0, 4<<40)+`}`, nil)
	big := binary.LittleEndian.AppendUint64(nil, MaxHeaderSize+1)
	tests := []struct {
		name string
		r    claimReader
		size int64
		want string
	}{
		{"header over the limit", claimReader{big}, 1 << 40, "exceeds the limit"},
		{"tensor past the real end", claimReader{huge}, int64(len(huge)) + 4<<40, "file shorter than its stated size"},
		{"header past the real end", claimReader{binary.LittleEndian.AppendUint64(nil, 1<<20)}, 2 << 20, "file shorter than its stated size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(1, func() {
				_, _, err := Read(tt.r, tt.size, "claim.safetensors")
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error %v, want one containing %q", err, tt.want)
				}
			})
			if allocs > 20 {
				t.Errorf("%v allocations", allocs)
			}
		})
	}
}

// TestReadDtypes reads F64, F16 and BF16 tensors built by hand.
func TestReadDtypes(t *testing.T) {
	var data []byte
	f64 := []float64{1, -2.5, 1.0 / 3, 1e300, -1e-300}
	for _, v := range f64 {
		data = binary.LittleEndian.AppendUint64(data, math.Float64bits(v))
	}
	f16 := []uint16{0x3c00, 0xc000, 0x3555, 0x7bff, 0x0001}
	for _, v := range f16 {
		data = binary.LittleEndian.AppendUint16(data, v)
	}
	bf16 := []uint16{0x3f80, 0xc020, 0x3eab, 0x7f7f, 0x0001, 0x7f80}
	for _, v := range bf16 {
		data = binary.LittleEndian.AppendUint16(data, v)
	}
	data = binary.LittleEndian.AppendUint32(data, math.Float32bits(7))
	hdr := `{"d":` + entryJSON("F64", []int{5}, 0, 40) +
		`,"h":` + entryJSON("F16", []int{5}, 40, 50) +
		`,"b":` + entryJSON("BF16", []int{2, 3}, 50, 62) +
		`,"f":` + entryJSON("F32", []int{}, 62, 66) + `}`
	ws, meta, err := readBytes(file(hdr, data))
	if err != nil {
		t.Fatal(err)
	}
	if meta != nil {
		t.Errorf("metadata %v, want nil", meta)
	}
	inf := float32(math.Inf(1))
	testutil.SameWeights(t, ws, zoo.Weights{
		"d": {Shape: []int{5}, Data: []float32{1, -2.5, float32(1.0 / 3), inf, float32(math.Copysign(0, -1))}},
		"h": {Shape: []int{5}, Data: []float32{1, -2, 0.333251953125, 65504, 0x1p-24}},
		"b": {Shape: []int{2, 3}, Data: []float32{1, -2.5, 0.333984375, 0x1.fep127, 0x1p-133, inf}},
		"f": {Shape: []int{}, Data: []float32{7}},
	})
}

// TestReadLayouts reads files the reference implementation may write and
// that Write does not: gaps, unsorted names, padding, a null metadata.
func TestReadLayouts(t *testing.T) {
	one := binary.LittleEndian.AppendUint32(nil, math.Float32bits(1))
	two := binary.LittleEndian.AppendUint32(nil, math.Float32bits(2))
	data := slices.Concat(one, []byte{9, 9, 9, 9}, two, []byte{9})
	tests := []struct {
		name string
		hdr  string
		want zoo.Weights
		meta map[string]string
	}{
		{"gaps and order", `{"z":` + entryJSON("F32", []int{1}, 0, 4) + `,"a":` + entryJSON("F32", []int{1, 1}, 8, 12) + `}`,
			zoo.Weights{"z": {Shape: []int{1}, Data: []float32{1}}, "a": {Shape: []int{1, 1}, Data: []float32{2}}}, nil},
		{"padding and whitespace", "{ \"a\" : " + entryJSON("F32", []int{1}, 8, 12) + " }\n\t   ",
			zoo.Weights{"a": {Shape: []int{1}, Data: []float32{2}}}, nil},
		{"field order", `{"a":{"data_offsets":[0,4],"shape":[],"dtype":"F32"}}`,
			zoo.Weights{"a": {Shape: []int{}, Data: []float32{1}}}, nil},
		{"null metadata", `{"__metadata__":null}`, zoo.Weights{}, nil},
		{"empty metadata", `{"__metadata__":{}}`, zoo.Weights{}, map[string]string{}},
		{"escapes", `{"\u00fc\n":` + entryJSON("F32", []int{0}, 4, 4) + `,"__metadata__":{"\"":"\u00df"}}`,
			zoo.Weights{"ü\n": {Shape: []int{0}, Data: []float32{}}}, map[string]string{`"`: "ß"}},
		{"empty tensors at one offset", `{"a":` + entryJSON("F32", []int{0}, 4, 4) + `,"b":` + entryJSON("F16", []int{3, 0}, 4, 4) + `}`,
			zoo.Weights{"a": {Shape: []int{0}, Data: []float32{}}, "b": {Shape: []int{3, 0}, Data: []float32{}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, meta, err := readBytes(file(tt.hdr, data))
			if err != nil {
				t.Fatal(err)
			}
			testutil.SameWeights(t, ws, tt.want)
			if !maps.Equal(meta, tt.meta) || (meta == nil) != (tt.meta == nil) {
				t.Errorf("metadata %#v, want %#v", meta, tt.meta)
			}
		})
	}
}

// TestReadLarge reads a tensor larger than one read chunk, in every dtype.
func TestReadLarge(t *testing.T) {
	const n = chunkSize/2 + 123
	for _, dt := range []string{"F32", "F64", "F16", "BF16"} {
		t.Run(dt, func(t *testing.T) {
			size, _ := dtypeSize(dt)
			var data []byte
			want := make([]float32, n)
			for i := range n {
				v := uint16(i)
				switch dt {
				case "F32":
					want[i] = float32(i)
					data = binary.LittleEndian.AppendUint32(data, math.Float32bits(want[i]))
				case "F64":
					want[i] = float32(i)
					data = binary.LittleEndian.AppendUint64(data, math.Float64bits(float64(i)))
				case "F16":
					want[i] = half.Float32(v)
					data = binary.LittleEndian.AppendUint16(data, v)
				case "BF16":
					want[i] = half.BFloat16(v)
					data = binary.LittleEndian.AppendUint16(data, v)
				}
			}
			data = append(make([]byte, 8), data...) // a gap before the tensor
			ws, _, err := readBytes(file(`{"x":`+entryJSON(dt, []int{n}, 8, 8+n*size)+`}`, data))
			if err != nil {
				t.Fatal(err)
			}
			testutil.SameWeights(t, ws, zoo.Weights{"x": {Shape: []int{n}, Data: want}})
		})
	}
}

// TestInt64 checks I64 tensors, as PyTorch writes BatchNorm's
// num_batches_tracked: written and read back as integers, a scalar shape
// kept, and values a float32 cannot hold exactly refused both ways.
func TestInt64(t *testing.T) {
	ws := zoo.Weights{
		"bn.num_batches_tracked": {Shape: []int{}, Data: []float32{469}, Int64: true},
		"bn.weight":              {Shape: []int{2}, Data: []float32{1, -0.5}},
		"steps":                  {Shape: []int{3}, Data: []float32{0, -zoo.MaxExactInt, zoo.MaxExactInt}, Int64: true},
	}
	var buf bytes.Buffer
	if err := Write(&buf, ws, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]}`)) {
		t.Errorf("header does not store the counter as an I64 scalar: %.200s", buf.Bytes()[8:])
	}
	got, _, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "f")
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range ws {
		g := got[name]
		if g.Int64 != w.Int64 || !slices.Equal(g.Shape, w.Shape) || !slices.Equal(g.Data, w.Data) {
			t.Errorf("%s: read %+v, wrote %+v", name, g, w)
		}
	}
	for _, v := range []float32{0.5, zoo.MaxExactInt * 2} {
		bad := zoo.Weights{"c": {Shape: []int{}, Data: []float32{v}, Int64: true}}
		if err := Write(io.Discard, bad, nil); err == nil || !strings.Contains(err.Error(), "not an integer within") {
			t.Errorf("writing %v as I64: err %v", v, err)
		}
	}
	// A file whose I64 value is beyond 2^24.
	raw := buf.Bytes()
	hlen := binary.LittleEndian.Uint64(raw)
	data := slices.Clone(raw)
	binary.LittleEndian.PutUint64(data[8+hlen:], zoo.MaxExactInt+1)
	if _, _, err := Read(bytes.NewReader(data), int64(len(data)), "big.safetensors"); err == nil || !strings.Contains(err.Error(), `tensor "bn.num_batches_tracked": I64 value 16777217`) {
		t.Errorf("reading a counter of 2^24+1: err %v", err)
	}
}

// TestDataSHA256 checks that the digest a writer computes before writing is
// the one ReadFileSHA256 computes from the file, for float and integer
// tensors, and that it follows the data only: a flipped data byte changes
// it, other metadata does not.
func TestDataSHA256(t *testing.T) {
	dir := t.TempDir()
	ws := zoo.Weights{"b": seq(3), "a.weight": seq(2, 5), "n": {Shape: []int{1}, Data: []float32{7}, Int64: true}}
	want := DataSHA256(ws)
	for _, tc := range []struct {
		name string
		meta map[string]string
		flip int // data byte to flip, -1 for none
		same bool
	}{
		{"no metadata", nil, -1, true},
		{"with metadata", map[string]string{"sha256": want, "step": "4"}, -1, true},
		{"first data byte flipped", nil, 0, false},
		{"last float byte flipped", map[string]string{"step": "4"}, 13*4 - 1, false},
	} {
		p := filepath.Join(dir, tc.name+".safetensors")
		if err := WriteFile(p, ws, tc.meta); err != nil {
			t.Fatal(err)
		}
		if tc.flip >= 0 {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			hlen := int(binary.LittleEndian.Uint64(b))
			b[8+hlen+tc.flip] ^= 1
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, meta, got, err := ReadFileSHA256(p)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if (got == want) != tc.same {
			t.Errorf("%s: digest %s, written %s; want them equal: %v", tc.name, got, want, tc.same)
		}
		if !maps.Equal(meta, tc.meta) && len(tc.meta) > 0 {
			t.Errorf("%s: metadata %v", tc.name, meta)
		}
	}
	if _, _, _, err := ReadFileSHA256(filepath.Join(dir, "absent")); err == nil {
		t.Error("missing file: no error")
	}
}
