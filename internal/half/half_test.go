package half

import (
	"math"
	"testing"
)

func TestHalfToFloat32(t *testing.T) {
	tests := []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xbc00, -1},
		{0x4000, 2},
		{0xc000, -2},
		{0x3800, 0.5},
		{0x3555, 0.333251953125},
		{0x3bff, 0.99951171875},
		{0x3c01, 1.0009765625},
		{0x7bff, 65504},
		{0xfbff, -65504},
		{0x0400, 0x1p-14},     // smallest normal
		{0x03ff, 0x1.ff8p-15}, // largest subnormal
		{0x0001, 0x1p-24},     // smallest subnormal
		{0x8001, -0x1p-24},
		{0x7c00, float32(math.Inf(1))},
		{0xfc00, float32(math.Inf(-1))},
	}
	for _, tt := range tests {
		if got := Float32(tt.h); got != tt.want {
			t.Errorf("Float32(%#04x) = %v, want %v", tt.h, got, tt.want)
		}
	}
	if got := Float32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("Float32(0x8000) = %v, want -0", got)
	}
	for _, h := range []uint16{0x7e00, 0xfe00, 0x7c01, 0x7fff} {
		if got := Float32(h); !math.IsNaN(float64(got)) {
			t.Errorf("Float32(%#04x) = %v, want NaN", h, got)
		}
	}
	if got := math.Float32bits(Float32(0x7e01)); got != 0x7fc02000 {
		t.Errorf("Float32(0x7e01) has bits %#08x, want the payload kept in 0x7fc02000", got)
	}
}

// TestHalfToFloat32All checks every binary16 value against its definition:
// (-1)^s * 2^(e-15) * (1 + m/1024), or 2^-14 * m/1024 when e is 0.
func TestHalfToFloat32All(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		s, e, m := h>>15, int(h>>10&0x1f), float64(h&0x3ff)
		var want float64
		switch {
		case e == 0x1f && m != 0:
			want = math.NaN()
		case e == 0x1f:
			want = math.Inf(1)
		case e == 0:
			want = math.Ldexp(m/1024, -14)
		default:
			want = math.Ldexp(1+m/1024, e-15)
		}
		if s == 1 {
			want = -want
		}
		got := float64(Float32(h))
		if got != want && !(math.IsNaN(got) && math.IsNaN(want)) || math.Signbit(got) != math.Signbit(want) {
			t.Fatalf("Float32(%#04x) = %v, want %v", h, got, want)
		}
	}
}

func TestBfloat16ToFloat32(t *testing.T) {
	tests := []struct {
		b    uint16
		want float32
	}{
		{0x0000, 0},
		{0x3f80, 1},
		{0xbf80, -1},
		{0x4049, 3.140625},
		{0x3eab, 0.333984375},
		{0x7f7f, 0x1.fep127},
		{0x0080, 0x1p-126},
		{0x0001, 0x1p-133},
		{0x7f80, float32(math.Inf(1))},
		{0xff80, float32(math.Inf(-1))},
	}
	for _, tt := range tests {
		if got := BFloat16(tt.b); got != tt.want {
			t.Errorf("BFloat16(%#04x) = %v, want %v", tt.b, got, tt.want)
		}
	}
	if got := BFloat16(0x7fc0); !math.IsNaN(float64(got)) {
		t.Errorf("BFloat16(0x7fc0) = %v, want NaN", got)
	}
}
