package zoo

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Optimizer names a training optimizer; package optim implements each as
// PyTorch 1.13 does.
type Optimizer string

// Optimizers.
const (
	// Adam is torch.optim.Adam with its default betas and eps.
	Adam Optimizer = "adam"
	// SGD is torch.optim.SGD, with Recipe.Momentum and Recipe.Nesterov.
	SGD Optimizer = "sgd"
)

// Loss names a training loss.
type Loss string

// Losses.
const (
	// LossMSE is the mean over all elements, as nn.MSELoss().
	LossMSE Loss = "mse"
	// LossMSESum is the squared error summed per example and averaged
	// over the batch.
	LossMSESum Loss = "mse-sum"
	// LossCrossEntropy is nn.CrossEntropyLoss() on logits.
	LossCrossEntropy Loss = "cross-entropy"
)

// Task returns the task a loss trains for: Classify for cross-entropy,
// Reconstruct for the squared errors.
func (l Loss) Task() Task {
	if l == LossCrossEntropy {
		return Classify
	}
	return Reconstruct
}

// NoiseKind names an input corruption of denoising autoencoders.
type NoiseKind string

// Noise kinds.
const (
	// NoNoise leaves the input as it is.
	NoNoise NoiseKind = ""
	// Gaussian adds N(0, Level^2) to every pixel.
	Gaussian NoiseKind = "gaussian"
	// SaltAndPepper sets a fraction Level of the pixels to 0 or 1, each
	// with probability one half.
	SaltAndPepper NoiseKind = "salt-and-pepper"
)

// A Recipe is how a notebook trains a model.
type Recipe struct {
	// Optimizer is Adam or SGD.
	Optimizer Optimizer `json:"optimizer"`
	// LR is the learning rate.
	LR float64 `json:"lr"`
	// Momentum and Nesterov apply to SGD.
	Momentum float64 `json:"momentum,omitempty"`
	Nesterov bool    `json:"nesterov,omitempty"`
	// Loss is LossMSE, LossMSESum or LossCrossEntropy.
	Loss Loss `json:"loss"`
	// BatchSize and Epochs are the notebook's.
	BatchSize int `json:"batch_size"`
	Epochs    int `json:"epochs"`
	// Shuffle reshuffles the training set every epoch.
	Shuffle bool `json:"shuffle"`
	// Seed seeds initialisation, shuffling and noise.
	Seed int64 `json:"seed"`
	// Noise is applied to the input only (denoising autoencoders).
	Noise Noise `json:"noise,omitzero"`
	// Sparsity is the weight lambda of the L1 activation penalty
	// lambda*sum|h| over the batch, applied to the output of the part named
	// by SparsityOn ("encoder"); 0 disables it.
	Sparsity   float64 `json:"sparsity,omitempty"`
	SparsityOn string  `json:"sparsity_on,omitempty"`
	// Patience is the early-stopping patience in epochs; 0 disables it.
	Patience int `json:"patience,omitempty"`
	// ValSplit is the size of a seeded hold-out split taken from the
	// training set for validation, with SplitSeed; 0 validates on the test set.
	ValSplit  int   `json:"val_split,omitempty"`
	SplitSeed int64 `json:"split_seed,omitempty"`
}

// Noise is input corruption for denoising autoencoders.
type Noise struct {
	// Kind is NoNoise, Gaussian (Level is the standard deviation) or
	// SaltAndPepper (Level is the fraction of pixels set to 0 or 1).
	Kind  NoiseKind `json:"kind,omitempty"`
	Level float64   `json:"level,omitempty"`
}

// String formats the noise as the --set syntax "gaussian:0.3".
func (n Noise) String() string {
	if n.Kind == NoNoise {
		return "none"
	}
	return string(n.Kind) + ":" + strconv.FormatFloat(n.Level, 'g', -1, 64)
}

// ParseNoise parses "none", "gaussian:SIGMA" or "salt-and-pepper:FRACTION".
func ParseNoise(s string) (Noise, error) {
	if s == "none" || s == "" {
		return Noise{}, nil
	}
	kind, level, ok := strings.Cut(s, ":")
	if !ok {
		return Noise{}, fmt.Errorf("noise %q: want KIND:LEVEL, such as gaussian:0.3", s)
	}
	v, err := strconv.ParseFloat(level, 64)
	if err != nil {
		return Noise{}, fmt.Errorf("noise %q: level: %w", s, err)
	}
	n := Noise{Kind: NoiseKind(kind), Level: v}
	return n, n.Validate()
}

// Validate checks the noise kind and level.
func (n Noise) Validate() error {
	if n.Kind != NoNoise && !isFinite(n.Level) {
		return fmt.Errorf("%s noise level %g is not a finite number", n.Kind, n.Level)
	}
	switch n.Kind {
	case NoNoise:
		return nil
	case Gaussian:
		if n.Level < 0 {
			return fmt.Errorf("gaussian noise level %g is negative", n.Level)
		}
	case SaltAndPepper:
		if n.Level < 0 || n.Level > 1 {
			return fmt.Errorf("salt-and-pepper fraction %g is outside [0, 1]", n.Level)
		}
	default:
		return fmt.Errorf("unknown noise kind %q (want gaussian or salt-and-pepper)", n.Kind)
	}
	return nil
}

// Validate checks that the recipe's values are usable.
func (r Recipe) Validate() error {
	switch r.Optimizer {
	case Adam, SGD:
	default:
		return fmt.Errorf("recipe: unknown optimizer %q (want adam or sgd)", r.Optimizer)
	}
	switch r.Loss {
	case LossMSE, LossMSESum, LossCrossEntropy:
	default:
		return fmt.Errorf("recipe: unknown loss %q (want mse, mse-sum or cross-entropy)", r.Loss)
	}
	for _, v := range []struct {
		name string
		x    float64
	}{{"learning rate", r.LR}, {"momentum", r.Momentum}, {"sparsity", r.Sparsity}} {
		if !isFinite(v.x) {
			return fmt.Errorf("recipe: %s %g is not a finite number", v.name, v.x)
		}
	}
	switch {
	case r.LR <= 0:
		return fmt.Errorf("recipe: learning rate %g must be positive", r.LR)
	case r.BatchSize <= 0:
		return fmt.Errorf("recipe: batch size %d must be positive", r.BatchSize)
	case r.Epochs <= 0:
		return fmt.Errorf("recipe: epochs %d must be positive", r.Epochs)
	case r.Momentum < 0 || r.Momentum >= 1:
		return fmt.Errorf("recipe: momentum %g outside [0, 1)", r.Momentum)
	case r.Nesterov && r.Momentum == 0:
		return fmt.Errorf("recipe: nesterov needs a momentum")
	case r.Sparsity < 0:
		return fmt.Errorf("recipe: sparsity %g is negative", r.Sparsity)
	case r.Sparsity > 0 && r.SparsityOn == "":
		return fmt.Errorf("recipe: sparsity needs a part to apply to")
	case r.Patience < 0 || r.ValSplit < 0:
		return fmt.Errorf("recipe: patience and val_split must not be negative")
	}
	return r.Noise.Validate()
}

// isFinite reports whether x is neither NaN nor infinite.
func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// recipeKeys lists the keys Set accepts.
var recipeKeys = []string{"optimizer", "lr", "momentum", "nesterov", "loss", "batch", "epochs", "shuffle",
	"seed", "noise", "sparsity", "sparsity-on", "patience", "val-split", "split-seed"}

// RecipeKeys returns the keys that Recipe.Set accepts.
func RecipeKeys() []string { return append([]string(nil), recipeKeys...) }

// Set changes one field of the recipe from its command-line form, such as
// Set("lr", "1e-3") or Set("noise", "gaussian:0.5"), and validates the
// result.
func (r *Recipe) Set(key, value string) error {
	c := *r
	var err error
	switch key {
	case "optimizer":
		c.Optimizer = Optimizer(value)
	case "loss":
		c.Loss = Loss(value)
	case "sparsity-on":
		c.SparsityOn = value
	case "lr":
		c.LR, err = strconv.ParseFloat(value, 64)
	case "momentum":
		c.Momentum, err = strconv.ParseFloat(value, 64)
	case "sparsity":
		c.Sparsity, err = strconv.ParseFloat(value, 64)
	case "nesterov":
		c.Nesterov, err = strconv.ParseBool(value)
	case "shuffle":
		c.Shuffle, err = strconv.ParseBool(value)
	case "batch":
		c.BatchSize, err = strconv.Atoi(value)
	case "epochs":
		c.Epochs, err = strconv.Atoi(value)
	case "patience":
		c.Patience, err = strconv.Atoi(value)
	case "val-split":
		c.ValSplit, err = strconv.Atoi(value)
	case "seed":
		c.Seed, err = strconv.ParseInt(value, 10, 64)
	case "split-seed":
		c.SplitSeed, err = strconv.ParseInt(value, 10, 64)
	case "noise":
		c.Noise, err = ParseNoise(value)
	default:
		return fmt.Errorf("unknown recipe key %q (known: %s)", key, strings.Join(recipeKeys, ", "))
	}
	if err != nil {
		return fmt.Errorf("recipe %s=%s: %w", key, value, err)
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("recipe %s=%s: %w", key, value, err)
	}
	*r = c
	return nil
}

// Value returns the value of one recipe key in the form Set accepts, such
// as Value("lr") = "0.001" or Value("noise") = "gaussian:0.3", so that
// Set(key, Value(key)) changes nothing. An unknown key is an error.
func (r Recipe) Value(key string) (string, error) {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	switch key {
	case "optimizer":
		return string(r.Optimizer), nil
	case "loss":
		return string(r.Loss), nil
	case "sparsity-on":
		return r.SparsityOn, nil
	case "lr":
		return f(r.LR), nil
	case "momentum":
		return f(r.Momentum), nil
	case "sparsity":
		return f(r.Sparsity), nil
	case "nesterov":
		return strconv.FormatBool(r.Nesterov), nil
	case "shuffle":
		return strconv.FormatBool(r.Shuffle), nil
	case "batch":
		return strconv.Itoa(r.BatchSize), nil
	case "epochs":
		return strconv.Itoa(r.Epochs), nil
	case "patience":
		return strconv.Itoa(r.Patience), nil
	case "val-split":
		return strconv.Itoa(r.ValSplit), nil
	case "seed":
		return strconv.FormatInt(r.Seed, 10), nil
	case "split-seed":
		return strconv.FormatInt(r.SplitSeed, 10), nil
	case "noise":
		return r.Noise.String(), nil
	}
	return "", fmt.Errorf("unknown recipe key %q (known: %s)", key, strings.Join(recipeKeys, ", "))
}
