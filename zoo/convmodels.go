package zoo

import "strconv"

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

// keyed is a layer with its state_dict prefix in the notebook's class.
type keyed struct {
	key   string
	layer Layer
}

// part returns a part whose layers carry the given prefixes.
func part(name string, ls ...keyed) Part {
	p := Part{Name: name}
	for _, l := range ls {
		p.Layers = append(p.Layers, l.layer)
		p.Keys = append(p.Keys, l.key)
	}
	return p
}

// seq returns the layers of an nn.Sequential attribute called name: layer
// i has the prefix "name.i".
func seq(name string, ls ...Layer) []keyed {
	ks := make([]keyed, len(ls))
	for i, l := range ls {
		ks[i] = keyed{key: name + "." + strconv.Itoa(i), layer: l}
	}
	return ks
}

// one returns a layer held by an attribute called name.
func one(name string, l Layer) []keyed { return []keyed{{key: name, layer: l}} }

func cat(kss ...[]keyed) []keyed {
	var all []keyed
	for _, ks := range kss {
		all = append(all, ks...)
	}
	return all
}

func classifier(name, family, class, desc, dataset string, input []int, parts []Part, r Recipe) *Model {
	return &Model{Name: name, Family: family, Class: class, Description: desc, Task: Classify, Input: input, Dataset: dataset, Parts: parts, Recipe: r}
}

func convAE(name, family, class, desc, dataset string, input []int, enc, dec Part, r Recipe) *Model {
	return &Model{Name: name, Family: family, Class: class, Description: desc, Task: Reconstruct, Input: input, Dataset: dataset,
		Parts: []Part{enc, dec}, Recipe: r}
}

// poolingEncoder is the encoder the conv-ae-deconv* and conv-ae-unpool
// notebooks share: encoder_conv1..3 = [Conv3x3 pad 1, ReLU], each followed
// by MaxPool 2 (pool1..pool3), 1->8->16->16, taking 28x28 to 16x3x3.
func poolingEncoder(indices bool) Part {
	pool := MaxPool2d{Kernel: 2, Indices: indices}
	return part(PartEncoder, cat(
		seq("encoder_conv1", conv(1, 8, 3, 1, 1), ReLU{}), one("pool1", pool),
		seq("encoder_conv2", conv(8, 16, 3, 1, 1), ReLU{}), one("pool2", pool),
		seq("encoder_conv3", conv(16, 16, 3, 1, 1), ReLU{}), one("pool3", pool),
	)...)
}

// unpool returns the MaxUnpool2d of the pool with the given prefix, to
// the given size.
func unpool(pool string, h, w int) MaxUnpool2d {
	return MaxUnpool2d{Kernel: 2, Pool: pool, Size: []int{h, w}}
}

// unpoolOf is the unpool of pool (prefix "unPOOL"), to the given size.
func unpoolOf(pool string, h, w int) []keyed { return one("un"+pool, unpool(pool, h, w)) }

func init() {
	cnn := adam(1e-3, 128, 25)
	cnn.Loss, cnn.Patience = LossCrossEntropy, 5
	register(classifier("cnn", FamilyCNN, "CNN",
		"CNN classifier 2 x [Conv5x5 16, MaxPool, BatchNorm, ReLU], Linear 784-10", "fashion-mnist",
		[]int{1, 28, 28},
		[]Part{
			part("features", cat(
				seq("convBlock1", conv(1, 16, 5, 1, 2), MaxPool2d{Kernel: 2}, BatchNorm2d{Channels: 16}, ReLU{}),
				seq("convBlock2", conv(16, 16, 5, 1, 2), MaxPool2d{Kernel: 2}, BatchNorm2d{Channels: 16}, ReLU{}),
			)...),
			part("classifier", cat(one("flatten", Flatten{}), seq("linearBlock", Linear{In: 784, Out: 10}))...),
		}, cnn))

	register(&Model{Name: "conv-ae", Family: FamilyMLPAE, Class: "ConvAutoencoder",
		Description: "convolutional autoencoder Conv 16-32, 1568-128-10 / 10-128-1568, ConvT 2x2 32-16-1, Sigmoid",
		Task:        Reconstruct, Input: []int{1, 28, 28}, Dataset: "mnist",
		Parts: []Part{
			{Name: PartEncoder, Layers: []Layer{
				conv(1, 16, 3, 1, 1), ReLU{}, MaxPool2d{Kernel: 2},
				conv(16, 32, 3, 1, 1), ReLU{}, MaxPool2d{Kernel: 2},
				Flatten{}, Linear{In: 1568, Out: 128}, ReLU{}, Linear{In: 128, Out: 10},
			}},
			{Name: PartDecoder, Layers: []Layer{
				Linear{In: 10, Out: 128}, ReLU{}, Linear{In: 128, Out: 1568}, ReLU{},
				Unflatten{Shape: []int{32, 7, 7}},
				deconv(32, 16, 2, 2, 0), ReLU{}, deconv(16, 1, 2, 2, 0), Sigmoid{},
			}},
		},
		Recipe: adam(1e-3, 64, 5)})

	register(convAE("conv-ae-deconv", FamilyConvAE, "DeconvAutoencoder",
		"convolutional autoencoder 1-8-16-16 with pooling, transposed convolutions up, ReLU output", "mnist",
		[]int{1, 28, 28}, poolingEncoder(false),
		part(PartDecoder, cat(
			seq("decoder_conv1", deconv(16, 16, 3, 2, 0), ReLU{}),
			seq("decoder_conv2", deconv(16, 8, 4, 2, 1), ReLU{}),
			seq("decoder_conv3", deconv(8, 1, 4, 2, 1), ReLU{}),
		)...),
		adam(1e-3, 256, 5)))

	register(convAE("conv-ae-unpool", FamilyConvAE, "UnpoolAutoencoder",
		"convolutional autoencoder 1-8-16-16 with pooling, max-unpooling and convolutions up, ReLU output", "mnist",
		[]int{1, 28, 28}, poolingEncoder(true),
		part(PartDecoder, cat(
			unpoolOf("pool3", 7, 7), one("decoder_conv1", Identity{}),
			unpoolOf("pool2", 14, 14), seq("decoder_conv2", conv(16, 8, 3, 1, 1), ReLU{}),
			unpoolOf("pool1", 28, 28), seq("decoder_conv3", conv(8, 1, 3, 1, 1), ReLU{}),
		)...),
		adam(1e-3, 256, 5)))

	register(convAE("conv-ae-deconv-unpool", FamilyConvAE, "DeconvUnpoolAutoencoder",
		"convolutional autoencoder 1-8-16-16 with pooling, max-unpooling and stride-1 transposed convolutions up, ReLU output", "mnist",
		[]int{1, 28, 28}, poolingEncoder(true),
		part(PartDecoder, cat(
			unpoolOf("pool3", 7, 7), seq("decoder_conv1", deconv(16, 16, 3, 1, 1), ReLU{}),
			unpoolOf("pool2", 14, 14), seq("decoder_conv2", deconv(16, 8, 3, 1, 1), ReLU{}),
			unpoolOf("pool1", 28, 28), seq("decoder_conv3", deconv(8, 1, 3, 1, 1), ReLU{}),
		)...),
		adam(1e-3, 256, 5)))

	sgd := Recipe{Optimizer: SGD, LR: 1e-2, Momentum: 0.9, Loss: LossCrossEntropy, BatchSize: 128, Epochs: 10, Shuffle: true}
	register(classifier("mlp-cifar", FamilyCIFAR, "MLPCIFAR",
		"MLP classifier 3072-256-100-10 ReLU, Dropout 0.25", "cifar-10",
		[]int{3, 32, 32},
		[]Part{part("classifier", cat(
			one("flatten", Flatten{}),
			one("input_layer", Linear{In: 3072, Out: 256}), one("relu1", ReLU{}), one("dropout1", Dropout{P: 0.25}),
			one("hidden_layer", Linear{In: 256, Out: 100}), one("relu2", ReLU{}), one("dropout2", Dropout{P: 0.25}),
			one("output_layer", Linear{In: 100, Out: 10}),
		)...)}, sgd))

	register(classifier("cnn-cifar", FamilyCIFAR, "CNNCIFAR",
		"CNN classifier Conv5x5 3-8, pool, Conv5x5 8-16, pool, 400-256-10", "cifar-10",
		[]int{3, 32, 32},
		[]Part{
			part("features", cat(
				one("conv1", conv(3, 8, 5, 1, 0)), one("relu1", ReLU{}), one("pool1", MaxPool2d{Kernel: 2}),
				one("conv2", conv(8, 16, 5, 1, 0)), one("relu2", ReLU{}), one("pool2", MaxPool2d{Kernel: 2}),
			)...),
			part("classifier", cat(
				one("flatten", Flatten{}), one("fc1", Linear{In: 400, Out: 256}), one("relu3", ReLU{}),
				one("logits", Linear{In: 256, Out: 10}),
			)...),
		}, sgd))

	cifarAE := adam(1e-3, 128, 48)
	cifarAE.Loss = LossMSESum
	register(convAE("conv-ae-cifar", FamilyCIFAR, "CIFARAutoencoder",
		"convolutional autoencoder Conv4x4 s2 3-8-16-32 (no ReLU on the code) / ConvT mirror, Sigmoid", "cifar-10",
		[]int{3, 32, 32},
		part(PartEncoder, cat(
			one("encoder.conv1", conv(3, 8, 4, 2, 1)), one("encoder.relu1", ReLU{}),
			one("encoder.conv2", conv(8, 16, 4, 2, 1)), one("encoder.relu2", ReLU{}),
			one("encoder.conv3", conv(16, 32, 4, 2, 1)),
		)...),
		part(PartDecoder, cat(
			one("decoder.deconv1", deconv(32, 16, 4, 2, 1)), one("decoder.relu1", ReLU{}),
			one("decoder.deconv2", deconv(16, 8, 4, 2, 1)), one("decoder.relu2", ReLU{}),
			one("decoder.deconv3", deconv(8, 3, 4, 2, 1)), one("decoder.sigmoid", Sigmoid{}),
		)...),
		cifarAE))
}
