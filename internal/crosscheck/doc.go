// Package crosscheck holds tests only: they run the same weights through
// the training engine (gorgonia, package train) and through the exported
// ONNX file (onnxruntime, package infer), which no other package may import
// together.
package crosscheck
