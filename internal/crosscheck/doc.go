// Package crosscheck holds tests only, of packages that no other package
// may import together: they run the same weights through the training
// engine (gorgonia, package train) and through the exported ONNX file
// (onnxruntime, package infer), lower every layer kind (zoo.LayerKinds) in
// each of the three lowerings (train, export and reference), and check the
// import boundaries of the design (go list -deps) over the whole module.
package crosscheck
