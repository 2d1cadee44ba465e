package zoo

// Notebook families of the convolutional and CIFAR-10 models.
const (
	FamilyCNN    = "cnn-classifier"    // CNN with BatchNorm on Fashion-MNIST
	FamilyConvAE = "conv-autoencoder"  // convolutional autoencoders: transposed convolutions and unpooling
	FamilyCIFAR  = "cifar10-baselines" // MLP, CNN and convolutional autoencoder on CIFAR-10
)

func conv(in, out, k, stride, pad int) Conv2d {
	return Conv2d{In: in, Out: out, Kernel: k, Stride: stride, Padding: pad}
}

func deconv(in, out, k, stride, pad int) ConvTranspose2d {
	return ConvTranspose2d{In: in, Out: out, Kernel: k, Stride: stride, Padding: pad}
}

func classifier(name, family, desc, dataset string, input []int, parts []Part, r Recipe) *Model {
	return &Model{Name: name, Family: family, Description: desc, Task: Classify, Input: input, Dataset: dataset, Parts: parts, Recipe: r}
}

func convAE(name, family, desc, dataset string, input []int, enc, dec []Layer, r Recipe) *Model {
	return &Model{Name: name, Family: family, Description: desc, Task: Reconstruct, Input: input, Dataset: dataset,
		Parts: []Part{{Name: PartEncoder, Layers: enc}, {Name: PartDecoder, Layers: dec}}, Recipe: r}
}

// poolingEncoder is the encoder the conv-ae-deconv* and conv-ae-unpool
// models share: 3 x [Conv3x3 pad 1, ReLU, MaxPool 2], 1->8->16->16, taking
// 28x28 to 16x3x3. Its pools are encoder.2, encoder.5 and encoder.8.
func poolingEncoder(indices bool) []Layer {
	pool := MaxPool2d{Kernel: 2, Indices: indices}
	return []Layer{
		conv(1, 8, 3, 1, 1), ReLU{}, pool,
		conv(8, 16, 3, 1, 1), ReLU{}, pool,
		conv(16, 16, 3, 1, 1), ReLU{}, pool,
	}
}

func unpool(pool string, h, w int) MaxUnpool2d {
	return MaxUnpool2d{Kernel: 2, Pool: pool, Size: []int{h, w}}
}

func init() {
	cnn := adam(1e-3, 128, 25)
	cnn.Loss, cnn.Patience = LossCrossEntropy, 5
	register(classifier("cnn", FamilyCNN,
		"CNN classifier 2 x [Conv5x5 16, MaxPool, BatchNorm, ReLU], Linear 784-10", "fashion-mnist",
		[]int{1, 28, 28},
		[]Part{
			{Name: "features", Layers: []Layer{
				conv(1, 16, 5, 1, 2), MaxPool2d{Kernel: 2}, BatchNorm2d{Channels: 16}, ReLU{},
				conv(16, 16, 5, 1, 2), MaxPool2d{Kernel: 2}, BatchNorm2d{Channels: 16}, ReLU{},
			}},
			{Name: "classifier", Layers: []Layer{Flatten{}, Linear{In: 784, Out: 10}}},
		}, cnn))

	register(convAE("conv-ae", FamilyMLPAE,
		"convolutional autoencoder Conv 16-32, 1568-128-10 / 10-128-1568, ConvT 2x2 32-16-1, Sigmoid", "mnist",
		[]int{1, 28, 28},
		[]Layer{
			conv(1, 16, 3, 1, 1), ReLU{}, MaxPool2d{Kernel: 2},
			conv(16, 32, 3, 1, 1), ReLU{}, MaxPool2d{Kernel: 2},
			Flatten{}, Linear{In: 1568, Out: 128}, ReLU{}, Linear{In: 128, Out: 10},
		},
		[]Layer{
			Linear{In: 10, Out: 128}, ReLU{}, Linear{In: 128, Out: 1568}, ReLU{},
			Unflatten{Shape: []int{32, 7, 7}},
			deconv(32, 16, 2, 2, 0), ReLU{}, deconv(16, 1, 2, 2, 0), Sigmoid{},
		},
		adam(1e-3, 64, 5)))

	register(convAE("conv-ae-deconv", FamilyConvAE,
		"convolutional autoencoder 1-8-16-16 with pooling, transposed convolutions up", "mnist",
		[]int{1, 28, 28}, poolingEncoder(false),
		[]Layer{
			deconv(16, 16, 3, 2, 0), ReLU{},
			deconv(16, 8, 4, 2, 1), ReLU{},
			deconv(8, 1, 4, 2, 1), Sigmoid{},
		},
		adam(1e-3, 256, 5)))

	register(convAE("conv-ae-unpool", FamilyConvAE,
		"convolutional autoencoder 1-8-16-16 with pooling, max-unpooling and convolutions up", "mnist",
		[]int{1, 28, 28}, poolingEncoder(true),
		[]Layer{
			unpool("encoder.8", 7, 7), conv(16, 16, 3, 1, 1), ReLU{},
			unpool("encoder.5", 14, 14), conv(16, 8, 3, 1, 1), ReLU{},
			unpool("encoder.2", 28, 28), conv(8, 1, 3, 1, 1), Sigmoid{},
		},
		adam(1e-3, 256, 5)))

	register(convAE("conv-ae-deconv-unpool", FamilyConvAE,
		"convolutional autoencoder 1-8-16-16 with pooling, max-unpooling and stride-1 transposed convolutions up", "mnist",
		[]int{1, 28, 28}, poolingEncoder(true),
		[]Layer{
			unpool("encoder.8", 7, 7), deconv(16, 16, 3, 1, 1), ReLU{},
			unpool("encoder.5", 14, 14), deconv(16, 8, 3, 1, 1), ReLU{},
			unpool("encoder.2", 28, 28), deconv(8, 1, 3, 1, 1), Sigmoid{},
		},
		adam(1e-3, 256, 5)))

	sgd := Recipe{Optimizer: SGD, LR: 1e-2, Momentum: 0.9, Loss: LossCrossEntropy, BatchSize: 128, Epochs: 10, Shuffle: true}
	register(classifier("mlp-cifar", FamilyCIFAR,
		"MLP classifier 3072-256-100-10 ReLU, Dropout 0.25", "cifar-10",
		[]int{3, 32, 32},
		[]Part{{Name: "classifier", Layers: []Layer{
			Flatten{},
			Linear{In: 3072, Out: 256}, ReLU{}, Dropout{P: 0.25},
			Linear{In: 256, Out: 100}, ReLU{}, Dropout{P: 0.25},
			Linear{In: 100, Out: 10},
		}}}, sgd))

	register(classifier("cnn-cifar", FamilyCIFAR,
		"CNN classifier Conv5x5 3-8, pool, Conv5x5 8-16, pool, 400-256-10", "cifar-10",
		[]int{3, 32, 32},
		[]Part{
			{Name: "features", Layers: []Layer{
				conv(3, 8, 5, 1, 0), ReLU{}, MaxPool2d{Kernel: 2},
				conv(8, 16, 5, 1, 0), ReLU{}, MaxPool2d{Kernel: 2},
			}},
			{Name: "classifier", Layers: []Layer{Flatten{}, Linear{In: 400, Out: 256}, ReLU{}, Linear{In: 256, Out: 10}}},
		}, sgd))

	cifarAE := adam(1e-3, 128, 48)
	cifarAE.Loss = LossMSESum
	register(convAE("conv-ae-cifar", FamilyCIFAR,
		"convolutional autoencoder Conv4x4 s2 3-8-16-32 / ConvT mirror, Sigmoid", "cifar-10",
		[]int{3, 32, 32},
		[]Layer{conv(3, 8, 4, 2, 1), ReLU{}, conv(8, 16, 4, 2, 1), ReLU{}, conv(16, 32, 4, 2, 1), ReLU{}},
		[]Layer{deconv(32, 16, 4, 2, 1), ReLU{}, deconv(16, 8, 4, 2, 1), ReLU{}, deconv(8, 3, 4, 2, 1), Sigmoid{}},
		cifarAE))
}
