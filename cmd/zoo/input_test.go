package main

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/testenv"
)

// writeIDX writes an IDX file of element type typ (0x08 u8, 0x0C i32, 0x0D
// f32) with dims and the big-endian values (bytes for u8).
func writeIDX(t *testing.T, path string, typ byte, dims []int, values []float32) {
	t.Helper()
	b := []byte{0, 0, typ, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	for _, v := range values {
		switch typ {
		case 0x08:
			b = append(b, byte(v))
		case 0x0C:
			b = binary.BigEndian.AppendUint32(b, uint32(int32(v)))
		default:
			b = binary.BigEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestInferInputChecks runs zoo infer on inputs that do not suit the model:
// each must fail with one line naming the file and the problem, and leave
// no output behind; --allow-nan runs NaN data.
func TestInferInputChecks(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t) // relu-ae-30: [N, 784]
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }

	nan := make([]float32, 20*784)
	for i := range nan {
		nan[i] = float32(i%7) / 7
	}
	nan[13*784+5] = float32(math.NaN())
	writeIDX(t, p("nan.idx"), 0x0D, []int{20, 784}, nan)
	inf := append([]float32(nil), nan...)
	inf[13*784+5] = 0
	inf[17*784] = float32(math.Inf(-1))
	writeIDX(t, p("inf.idx"), 0x0D, []int{20, 28, 28}, inf)
	writeIDX(t, p("empty.idx"), 0x08, []int{0, 28, 28}, nil)
	writeIDX(t, p("cifar.idx"), 0x08, []int{2, 3, 32, 32}, make([]float32, 2*3072))
	writeIDX(t, p("wide.idx"), 0x08, []int{2, 14, 56}, make([]float32, 2*784))
	writeIDX(t, p("i32.idx"), 0x0C, []int{2, 28, 28}, make([]float32, 2*784))
	writeIDX(t, p("u8codes.idx"), 0x08, []int{2, 30}, make([]float32, 2*30))
	writeIDX(t, p("codes.idx"), 0x0D, []int{2, 31}, make([]float32, 2*31))

	for _, tc := range []struct {
		name string
		args []string
		want string // "" for success
	}{
		{"nan", []string{p("nan.idx")}, "nan.idx: example 13 holds NaN (value 5 of the example)"},
		{"nan, how to run it", []string{p("nan.idx")}, "the model's outputs would be meaningless (--allow-nan runs it anyway)"},
		{"inf", []string{p("inf.idx")}, "inf.idx: example 17 holds -Inf (value 0 of the example)"},
		{"nan in shard", []string{p("nan.idx"), "--shard", "1/2"}, "nan.idx: example 13 holds NaN"},
		{"nan allowed", []string{p("nan.idx"), "--allow-nan"}, ""},
		{"empty", []string{p("empty.idx")}, "empty.idx holds no examples (header 0x28x28 u8)"},
		{"cifar into mnist", []string{p("cifar.idx")}, "cifar.idx: images are 3x32x32 u8 with 3072 values each, but the model takes 784 values"},
		{"flat model takes any 784", []string{p("wide.idx")}, ""},
		{"i32 images", []string{p("i32.idx")}, "i32.idx holds i32 values"},
		{"u8 codes", []string{p("u8codes.idx"), "--task", "decode"}, "u8codes.idx holds u8 values; decode takes float codes"},
		{"codes of another size", []string{p("codes.idx"), "--task", "decode"}, "codes.idx: examples are 31 f32 with 31 values each, but the model takes 30 values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := p(strings.ReplaceAll(tc.name, " ", "-") + ".out.idx")
			r := run(t, nil, append(append([]string{"infer", model}, tc.args...), "--out", out)...)
			if tc.want == "" {
				if r.code != 0 {
					t.Fatalf("%+v", r)
				}
				if _, err := os.Stat(out); err != nil {
					t.Fatal(err)
				}
				return
			}
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want a failure saying %q", r.code, r.stderr, tc.want)
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 {
				t.Errorf("%d lines on stderr, want one: %q", n+1, r.stderr)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("%s exists after a failure (%v)", out, err)
			}
			leftovers, _ := filepath.Glob(out + "*")
			if len(leftovers) > 0 {
				t.Errorf("left behind: %v", leftovers)
			}
		})
	}
}
