// Package half converts 16-bit floating-point values, IEEE 754 binary16
// (float16) and bfloat16, given by their bits, to float32, exactly: the
// half-precision files and tensors of safetensors and ONNX.
package half

import "math"

// Float32 converts an IEEE 754 binary16 value, given by its bits, to
// float32. Every binary16 value, subnormals, infinities and NaNs included,
// is exactly representable as a float32; NaN payloads are kept.
func Float32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch exp {
	case 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case 0: // zero or subnormal: mant * 2^-24
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	}
	// Normal: rebias the exponent from 15 to 127.
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// BFloat16 converts a bfloat16 value, given by its bits, to
// float32. A bfloat16 is the upper half of a float32, so the conversion is
// exact.
func BFloat16(b uint16) float32 {
	return math.Float32frombits(uint32(b) << 16)
}
