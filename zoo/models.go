package zoo

import "fmt"

// Notebook families.
const (
	FamilyDeepAE   = "deep-autoencoder"     // Hinton-style deep Tanh autoencoder with a 2-D code
	FamilyMLPAE    = "pytorch-autoencoder"  // PyTorch tutorial MLP autoencoder
	FamilyPCA      = "pca-vs-autoencoder"   // ReLU autoencoders compared with PCA
	FamilyVariants = "autoencoder-variants" // shallow, sparse, denoising and manifold autoencoders
	FamilyTinyAE   = "tiny-autoencoder"     // Keras autoencoder with a 2-D or 4-D bottleneck
)

// dense returns Linear layers through the widths, each followed by hidden,
// except the last, which is followed by last (nil for none).
func dense(init Init, hidden, last Layer, widths ...int) []Layer {
	var ls []Layer
	for i := 0; i+1 < len(widths); i++ {
		ls = append(ls, Linear{In: widths[i], Out: widths[i+1], Init: init})
		act := hidden
		if i+2 == len(widths) {
			act = last
		}
		if act != nil {
			ls = append(ls, act)
		}
	}
	return ls
}

// autoencoder returns a reconstruct model on 784-pixel images whose class
// has nn.Sequential attributes encoder and decoder (keys encoder.N.*).
func autoencoder(name, family, class, desc string, enc, dec []Layer, r Recipe) *Model {
	return &Model{
		Name: name, Family: family, Class: class, Description: desc,
		Task: Reconstruct, Input: []int{784}, Dataset: "mnist",
		Parts:  []Part{{Name: PartEncoder, Layers: enc}, {Name: PartDecoder, Layers: dec}},
		Recipe: r,
	}
}

func adam(lr float64, batch, epochs int) Recipe {
	return Recipe{Optimizer: Adam, LR: lr, Loss: LossMSE, BatchSize: batch, Epochs: epochs, Shuffle: true}
}

func init() {
	register(autoencoder("deep-ae", FamilyDeepAE, "DeepAutoencoder",
		"deep Tanh autoencoder 784-1000-500-250-2 (Tanh code), Sigmoid output",
		dense(InitTorch, Tanh{}, Tanh{}, 784, 1000, 500, 250, 2),
		dense(InitTorch, Tanh{}, Sigmoid{}, 2, 250, 500, 1000, 784),
		adam(1e-3, 128, 50)))

	register(autoencoder("mlp-ae", FamilyMLPAE, "MLPAutoencoder",
		"ReLU autoencoder 784-512-512-10, Sigmoid output",
		dense(InitTorch, ReLU{}, nil, 784, 512, 512, 10),
		dense(InitTorch, ReLU{}, Sigmoid{}, 10, 512, 512, 784),
		adam(1e-3, 64, 5)))

	register(autoencoder("relu-ae-30", FamilyPCA, "ReLUAutoencoder",
		"ReLU autoencoder 784-512-256-128-30, compared with 30-component PCA",
		dense(InitTorch, ReLU{}, ReLU{}, 784, 512, 256, 128, 30),
		dense(InitTorch, ReLU{}, ReLU{}, 30, 128, 256, 784),
		adam(3e-4, 256, 10)))

	shallow := func(h int) string { return fmt.Sprintf("ShallowAutoencoder(%d)", h) }
	for _, h := range []int{64, 128, 256} {
		register(autoencoder(fmt.Sprintf("shallow-ae-%d", h), FamilyVariants, shallow(h),
			fmt.Sprintf("one-hidden-layer ReLU autoencoder 784-%d-784", h),
			dense(InitTorch, ReLU{}, ReLU{}, 784, h),
			dense(InitTorch, ReLU{}, ReLU{}, h, 784),
			adam(3e-4, 256, 10)))
	}

	sparse := adam(3e-4, 256, 10)
	sparse.Sparsity, sparse.SparsityOn = 1.5e-6, PartEncoder
	register(autoencoder("sparse-ae", FamilyVariants, shallow(1156),
		"overcomplete ReLU autoencoder 784-1156-784 with an L1 activation penalty",
		dense(InitTorch, ReLU{}, ReLU{}, 784, 1156),
		dense(InitTorch, ReLU{}, ReLU{}, 1156, 784),
		sparse))

	denoise := adam(3e-4, 256, 10)
	denoise.Noise = Noise{Kind: Gaussian, Level: 0.3}
	register(autoencoder("denoise-ae", FamilyVariants, shallow(256),
		"denoising ReLU autoencoder 784-256-784, Gaussian input noise 0.3",
		dense(InitTorch, ReLU{}, ReLU{}, 784, 256),
		dense(InitTorch, ReLU{}, ReLU{}, 256, 784),
		denoise))

	register(autoencoder("manifold-ae", FamilyVariants, "ManifoldAutoencoder",
		"ReLU autoencoder 784-64-8 for manifold plots",
		dense(InitTorch, ReLU{}, ReLU{}, 784, 64, 8),
		dense(InitTorch, ReLU{}, ReLU{}, 8, 64, 784),
		adam(3e-4, 256, 10)))

	for _, b := range []int{2, 4} {
		tiny := adam(1e-3, 8192, 800)
		tiny.ValSplit, tiny.SplitSeed = 10000, 123
		m := autoencoder(fmt.Sprintf("tiny-ae-%d", b), FamilyTinyAE, fmt.Sprintf("TinyAutoencoder(%d)", b),
			fmt.Sprintf("ReLU autoencoder 784-50-%d-784, Glorot init", b),
			dense(InitGlorot, ReLU{}, ReLU{}, 784, 50, b),
			dense(InitGlorot, ReLU{}, ReLU{}, b, 784),
			tiny)
		m.Note = "The notebook is a Keras model; zoo names its weights as PyTorch would. Keras' Dense layers " +
			"dense, dense_1 and dense_2 are encoder.0, encoder.2 and decoder.0: each kernel [in, out] is the " +
			"transpose of the weight [out, in], and the biases are the same."
		register(m)
	}
}
