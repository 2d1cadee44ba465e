package zoo

import (
	"fmt"
	"slices"
	"strings"
)

// FormerVersion is the last zoo version whose registry did not follow the
// notebooks' classes name for name: zoo 0.1.0 named every parameter
// "part.index" (features.0.weight) and built five networks differently.
// Weights saved by it still load where the network is the same (see
// AdoptWeights); where the network differed, they are refused.
const FormerVersion = "0.1.0"

// formerPrefixes maps, per model whose layer names zoo 0.1.0 gave
// differently but whose network was the notebook's, each former state_dict
// prefix to the notebook's.
var formerPrefixes = map[string]map[string]string{
	"cnn": {"features.0": "convBlock1.0", "features.2": "convBlock1.2", "features.4": "convBlock2.0",
		"features.6": "convBlock2.2", "classifier.1": "linearBlock.0"},
	"mlp-cifar": {"classifier.1": "input_layer", "classifier.4": "hidden_layer", "classifier.7": "output_layer"},
	"cnn-cifar": {"features.0": "conv1", "features.3": "conv2", "classifier.1": "fc1", "classifier.3": "logits"},
}

// formerNetworks says, per model whose network zoo 0.1.0 built differently
// from the notebook's, how it differed.
var formerNetworks = map[string]string{
	"deep-ae":               "had no Tanh on its 2-D code",
	"conv-ae-cifar":         "had a ReLU after its last encoder convolution",
	"conv-ae-unpool":        "had an extra Conv 16->16 and a Sigmoid output (7,121 parameters, not 4,801)",
	"conv-ae-deconv":        "had a Sigmoid output, not a ReLU",
	"conv-ae-deconv-unpool": "had a Sigmoid output, not a ReLU",
}

// FormerNetwork returns how zoo 0.1.0's network of the named model differed
// from the notebook's, or "" when it did not.
func FormerNetwork(model string) string { return formerNetworks[model] }

// FormerNetworkError is the error for weights that zoo 0.1.0 trained for a
// network it built differently from the notebook's: they do not belong to
// the model the registry now holds.
type FormerNetworkError struct {
	Model, Version, How string
}

func (e *FormerNetworkError) Error() string {
	return fmt.Sprintf("these weights are from zoo %s's %s, which %s; the registry now holds the notebook's network, so they do not fit it: train the model again",
		e.Version, e.Model, e.How)
}

// CheckFormer returns a *FormerNetworkError when weights that zoo version
// (as a run folder or file records it; "" when unrecorded counts as
// FormerVersion) trained for model belong to a network the registry no
// longer builds.
func CheckFormer(model, version string) error {
	if version == "" {
		version = FormerVersion
	}
	if how := FormerNetwork(model); how != "" && version == FormerVersion {
		return &FormerNetworkError{Model: model, Version: version, How: how}
	}
	return nil
}

// AdoptWeights returns w under the model's own state_dict names, with a
// note saying which layout it found ("" for the model's own). Besides the
// model's own names it reads
//
//   - the state_dicts of the parts' own classes, where every parameter of
//     a part starts with the part's name and the rest is unique across parts:
//     conv1.weight for encoder.conv1.weight (the CIFAR-10 notebook saves its
//     Encoder and Decoder classes separately);
//   - the names zoo 0.1.0 gave the models whose network was the
//     notebook's (features.0.weight for convBlock1.0.weight).
//
// BatchNorm's num_batches_tracked is optional in every layout. When no
// layout fits, the error is CheckWeights' against the model's own names.
func (m *Model) AdoptWeights(w Weights) (Weights, string, error) {
	own := m.CheckWeights(w)
	if own == nil {
		return w, "", nil
	}
	if r, ok := m.partLayout(); ok {
		if a := rename(w, r); m.CheckWeights(a) == nil {
			return a, fmt.Sprintf("the %s classes' own state_dicts (keys without %s), renamed",
				strings.Join(m.PartNames(), " and "), strings.Join(dotted(m.PartNames()), " or ")), nil
		}
	}
	if fp, ok := formerPrefixes[m.Name]; ok {
		r := map[string]string{}
		for old, now := range fp {
			r[old] = now
		}
		if a := renamePrefixes(w, r); m.CheckWeights(a) == nil {
			return a, fmt.Sprintf("zoo %s's names (such as %s), renamed to the notebook's", FormerVersion, firstKey(fp)), nil
		}
	}
	if how := FormerNetwork(m.Name); how != "" {
		if _, ok := w[m.Params()[0].Name]; !ok {
			return nil, "", fmt.Errorf("%w (%s's network in zoo %s %s, and its weights had other names)", own, m.Name, FormerVersion, how)
		}
	}
	return nil, "", own
}

// partLayout returns the renaming from the names of the parts' own
// state_dicts (the parameter names without "part.") to the model's, when
// every parameter and counter starts with its part's name and the short
// names are unique.
func (m *Model) partLayout() (map[string]string, bool) {
	r := map[string]string{}
	names := append(m.Params(), counterParams(m)...)
	steps := m.steps()
	part := map[string]string{}
	for _, s := range steps {
		part[s.Prefix] = s.Part
	}
	for _, p := range names {
		prefix := p.Name[:strings.LastIndexByte(p.Name, '.')]
		pn := part[prefix] + "."
		short, ok := strings.CutPrefix(p.Name, pn)
		if !ok || r[short] != "" {
			return nil, false
		}
		r[short] = p.Name
	}
	return r, true
}

// counterParams returns m's num_batches_tracked names as Params.
func counterParams(m *Model) []Param {
	var ps []Param
	for _, n := range m.Counters() {
		ps = append(ps, Param{Name: n})
	}
	return ps
}

// rename returns w with the names in r renamed; other names stay.
func rename(w Weights, r map[string]string) Weights {
	a := make(Weights, len(w))
	for k, t := range w {
		if n, ok := r[k]; ok {
			k = n
		}
		a[k] = t
	}
	return a
}

// renamePrefixes returns w with each name whose layer prefix is a key of r
// renamed to r's prefix.
func renamePrefixes(w Weights, r map[string]string) Weights {
	a := make(Weights, len(w))
	for k, t := range w {
		if i := strings.LastIndexByte(k, '.'); i > 0 {
			if n, ok := r[k[:i]]; ok {
				k = n + k[i:]
			}
		}
		a[k] = t
	}
	return a
}

func dotted(names []string) []string {
	d := make([]string, len(names))
	for i, n := range names {
		d[i] = `"` + n + `."`
	}
	return d
}

// firstKey returns the smallest key of m followed by its weight name.
func firstKey(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[0] + ".weight"
}
