// Package present turns what zoo's engines compute into what its analysis
// shows: export folders opened by onnxruntime as the models of
// analysis/figure, data sets read as its data, and the evaluations and PCA
// comparisons of infer as the figures and sections of analysis/report.
//
// Invariants: analysis/figure and analysis/report never run a model (they
// take runners and results); present is the one place that opens export
// folders and run folders for them, so that cmd/zoo only parses flags and
// prints. Nothing here writes outside the folders its callers name, and a
// run folder is exported into a scratch folder that Cleanup removes on
// every path.
package present
