// Package quant is the arithmetic of zoo's int8 exports, in plain Go: the
// symmetric per-row quantization of a Linear layer's weight (Rows), ONNX's
// DynamicQuantizeLinear of a batch of inputs (Dynamic), and the Linear
// layer they compute together (Linear), which is what onnxruntime's
// DynamicQuantizeMatMul computes from the pattern package export writes.
//
// Invariants:
//   - Rows: q lies in [-127, 127] and |w - scale*q| <= scale/2 for every
//     weight w of a row; a row of zeros has scale 1.
//   - Dynamic follows the ONNX operator's definition: the range is widened
//     to include 0, the scale is range/255, the zero point and each value
//     are rounded half to even and saturated to [0, 255].
//   - Linear sums the integer products exactly (int64) and scales once.
//
// It works on slices and imports nothing of ours and no engine, so that
// export writes with it and reference checks onnxruntime against it.
package quant
