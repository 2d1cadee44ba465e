package zoo

import "fmt"

// BatchNorm constants, PyTorch's defaults for nn.BatchNorm2d.
const (
	// BatchNormEps is added to the variance before the square root.
	BatchNormEps = 1e-5
	// BatchNormMomentum is the weight of the current batch in the running
	// statistics: running = (1-m)*running + m*batch, with the unbiased
	// batch variance, as PyTorch updates them.
	BatchNormMomentum = 0.1
)

// Conv2d is a 2-D convolution (cross-correlation, as PyTorch's nn.Conv2d)
// over inputs [In, H, W] with Out square kernels of size Kernel, zero
// padding Padding on each side and stride Stride (0 means 1). Its weight is
// [Out, In, Kernel, Kernel] and its bias [Out].
type Conv2d struct {
	In, Out, Kernel, Stride, Padding int
}

// ConvTranspose2d is the transpose of Conv2d, as PyTorch's
// nn.ConvTranspose2d: an input [In, H, W] gives [Out, (H-1)*Stride -
// 2*Padding + Kernel, ...]. Stride 0 means 1. Its weight is [In, Out,
// Kernel, Kernel] and its bias [Out].
type ConvTranspose2d struct {
	In, Out, Kernel, Stride, Padding int
}

// MaxPool2d takes the maximum over Kernel x Kernel windows moved by Stride
// (0 means Kernel), without padding and rounding the output size down, as
// nn.MaxPool2d(Kernel, Stride). With Indices it also keeps, for every
// output, the position of its maximum within its input plane (h*W + w, as
// PyTorch's return_indices=True), for a MaxUnpool2d to use.
type MaxPool2d struct {
	Kernel, Stride int
	Indices        bool
}

// MaxUnpool2d is the partial inverse of a MaxPool2d, as nn.MaxUnpool2d: it
// puts each input value at the position its pool took the maximum from,
// and zeros elsewhere. Pool is the state_dict prefix of that pool (such as
// "encoder.2"), which must come earlier in the model and keep its indices.
// Size is the output [H, W]; nil means (H-1)*Stride + Kernel. Give it where
// the pool rounded down (7x7 pooled to 3x3 unpools to 7x7, not 6x6).
type MaxUnpool2d struct {
	Kernel, Stride int
	Pool           string
	Size           []int
}

// BatchNorm2d normalises each of Channels channels, as nn.BatchNorm2d with
// eps BatchNormEps and momentum BatchNormMomentum: with batch statistics
// in training, and with the running statistics in evaluation. Its
// parameters are weight and bias [Channels]; running_mean and running_var
// [Channels] are buffers, saved and exported but not trained.
type BatchNorm2d struct {
	Channels int
}

// Dropout zeroes each element with probability P in training and scales
// the others by 1/(1-P), as nn.Dropout; in evaluation it passes its input
// through.
type Dropout struct {
	P float64
}

// Kind returns "Conv2d".
func (Conv2d) Kind() string { return "Conv2d" }

// Kind returns "ConvTranspose2d".
func (ConvTranspose2d) Kind() string { return "ConvTranspose2d" }

// Kind returns "MaxPool2d".
func (MaxPool2d) Kind() string { return "MaxPool2d" }

// Kind returns "MaxUnpool2d".
func (MaxUnpool2d) Kind() string { return "MaxUnpool2d" }

// Kind returns "BatchNorm2d".
func (BatchNorm2d) Kind() string { return "BatchNorm2d" }

// Kind returns "Dropout".
func (Dropout) Kind() string { return "Dropout" }

// StrideOr1 returns the stride, 1 when it is 0.
func (c Conv2d) StrideOr1() int { return or(c.Stride, 1) }

// StrideOr1 returns the stride, 1 when it is 0.
func (c ConvTranspose2d) StrideOr1() int { return or(c.Stride, 1) }

// StrideOrKernel returns the stride, the kernel size when it is 0.
func (p MaxPool2d) StrideOrKernel() int { return or(p.Stride, p.Kernel) }

// StrideOrKernel returns the stride, the kernel size when it is 0.
func (u MaxUnpool2d) StrideOrKernel() int { return or(u.Stride, u.Kernel) }

func or(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func chw(kind string, in []int, c int) error {
	if len(in) != 3 {
		return fmt.Errorf("%s needs input [C, H, W], got %v", kind, in)
	}
	if c > 0 && in[0] != c {
		return fmt.Errorf("%s needs %d input channels, got %v", kind, c, in)
	}
	return nil
}

// OutShape returns [Out, H', W'] with H' = (H + 2*Padding - Kernel)/Stride + 1.
func (c Conv2d) OutShape(in []int) ([]int, error) {
	if err := chw(c.String(), in, c.In); err != nil {
		return nil, err
	}
	if c.Kernel <= 0 || c.Out <= 0 || c.Stride < 0 || c.Padding < 0 {
		return nil, fmt.Errorf("%s: bad size", c)
	}
	s := c.StrideOr1()
	h := (in[1]+2*c.Padding-c.Kernel)/s + 1
	w := (in[2]+2*c.Padding-c.Kernel)/s + 1
	if in[1]+2*c.Padding < c.Kernel || in[2]+2*c.Padding < c.Kernel {
		return nil, fmt.Errorf("%s: input %v is smaller than the kernel", c, in)
	}
	return []int{c.Out, h, w}, nil
}

// OutShape returns [Out, (H-1)*Stride - 2*Padding + Kernel, ...].
func (c ConvTranspose2d) OutShape(in []int) ([]int, error) {
	if err := chw(c.String(), in, c.In); err != nil {
		return nil, err
	}
	if c.Kernel <= 0 || c.Out <= 0 || c.Stride < 0 || c.Padding < 0 {
		return nil, fmt.Errorf("%s: bad size", c)
	}
	s := c.StrideOr1()
	h := (in[1]-1)*s - 2*c.Padding + c.Kernel
	w := (in[2]-1)*s - 2*c.Padding + c.Kernel
	if h <= 0 || w <= 0 {
		return nil, fmt.Errorf("%s: input %v gives an empty output", c, in)
	}
	return []int{c.Out, h, w}, nil
}

// OutShape returns [C, (H-Kernel)/Stride + 1, ...].
func (p MaxPool2d) OutShape(in []int) ([]int, error) {
	if err := chw(p.String(), in, 0); err != nil {
		return nil, err
	}
	if p.Kernel <= 0 || p.Stride < 0 {
		return nil, fmt.Errorf("%s: bad size", p)
	}
	if in[1] < p.Kernel || in[2] < p.Kernel {
		return nil, fmt.Errorf("%s: input %v is smaller than the kernel", p, in)
	}
	s := p.StrideOrKernel()
	return []int{in[0], (in[1]-p.Kernel)/s + 1, (in[2]-p.Kernel)/s + 1}, nil
}

// OutShape returns [C, Size...], or [C, (H-1)*Stride + Kernel, ...]
// without Size.
func (u MaxUnpool2d) OutShape(in []int) ([]int, error) {
	if err := chw(u.String(), in, 0); err != nil {
		return nil, err
	}
	if u.Kernel <= 0 || u.Stride < 0 {
		return nil, fmt.Errorf("%s: bad size", u)
	}
	s := u.StrideOrKernel()
	h, w := (in[1]-1)*s+u.Kernel, (in[2]-1)*s+u.Kernel
	if u.Size == nil {
		return []int{in[0], h, w}, nil
	}
	if len(u.Size) != 2 {
		return nil, fmt.Errorf("%s: Size must be [H, W]", u)
	}
	// PyTorch accepts sizes from the default down to default-stride+1.
	for i, d := range u.Size {
		def := []int{h, w}[i]
		if d < def-s+1 || d > def+s-1 {
			return nil, fmt.Errorf("%s: output size %v does not fit input %v (%d to %d allowed)", u, u.Size, in, def-s+1, def+s-1)
		}
	}
	return []int{in[0], u.Size[0], u.Size[1]}, nil
}

// OutShape returns in, which must be [Channels, H, W].
func (b BatchNorm2d) OutShape(in []int) ([]int, error) {
	if err := chw(b.String(), in, b.Channels); err != nil {
		return nil, err
	}
	return clone(in), nil
}

// OutShape returns in.
func (d Dropout) OutShape(in []int) ([]int, error) {
	if d.P < 0 || d.P >= 1 {
		return nil, fmt.Errorf("%s: p must be in [0, 1)", d)
	}
	return clone(in), nil
}

// Params returns the weight [Out, In, Kernel, Kernel] and the bias [Out],
// initialised as PyTorch does with fan-in In*Kernel*Kernel.
func (c Conv2d) Params(prefix string) []Param {
	fanIn, fanOut := c.In*c.Kernel*c.Kernel, c.Out*c.Kernel*c.Kernel
	return []Param{
		{Name: prefix + ".weight", Shape: []int{c.Out, c.In, c.Kernel, c.Kernel}, Init: InitTorch, FanIn: fanIn, FanOut: fanOut},
		{Name: prefix + ".bias", Shape: []int{c.Out}, Init: InitTorch, Bias: true, FanIn: fanIn, FanOut: fanOut},
	}
}

// Params returns the weight [In, Out, Kernel, Kernel] and the bias [Out].
// PyTorch computes the fan-in of a transposed convolution from the
// weight's second dimension: Out*Kernel*Kernel.
func (c ConvTranspose2d) Params(prefix string) []Param {
	fanIn, fanOut := c.Out*c.Kernel*c.Kernel, c.In*c.Kernel*c.Kernel
	return []Param{
		{Name: prefix + ".weight", Shape: []int{c.In, c.Out, c.Kernel, c.Kernel}, Init: InitTorch, FanIn: fanIn, FanOut: fanOut},
		{Name: prefix + ".bias", Shape: []int{c.Out}, Init: InitTorch, Bias: true, FanIn: fanIn, FanOut: fanOut},
	}
}

// Params returns nil: MaxPool2d has no parameters.
func (MaxPool2d) Params(string) []Param { return nil }

// Params returns nil: MaxUnpool2d has no parameters.
func (MaxUnpool2d) Params(string) []Param { return nil }

// Params returns nil: Dropout has no parameters.
func (Dropout) Params(string) []Param { return nil }

// Params returns weight (ones) and bias (zeros), and the buffers
// running_mean (zeros) and running_var (ones), each [Channels].
func (b BatchNorm2d) Params(prefix string) []Param {
	c := []int{b.Channels}
	return []Param{
		{Name: prefix + ".weight", Shape: c, Init: InitOnes},
		{Name: prefix + ".bias", Shape: clone(c), Init: InitZeros, Bias: true},
		{Name: prefix + ".running_mean", Shape: clone(c), Init: InitZeros, Buffer: true},
		{Name: prefix + ".running_var", Shape: clone(c), Init: InitOnes, Buffer: true},
	}
}

func (c Conv2d) String() string {
	return fmt.Sprintf("Conv2d(%d, %d, kernel_size=(%d, %d), stride=(%d, %d), padding=(%d, %d))",
		c.In, c.Out, c.Kernel, c.Kernel, c.StrideOr1(), c.StrideOr1(), c.Padding, c.Padding)
}

func (c ConvTranspose2d) String() string {
	return fmt.Sprintf("ConvTranspose2d(%d, %d, kernel_size=(%d, %d), stride=(%d, %d), padding=(%d, %d))",
		c.In, c.Out, c.Kernel, c.Kernel, c.StrideOr1(), c.StrideOr1(), c.Padding, c.Padding)
}

func (p MaxPool2d) String() string {
	s := fmt.Sprintf("MaxPool2d(kernel_size=%d, stride=%d, padding=0, dilation=1, ceil_mode=False", p.Kernel, p.StrideOrKernel())
	if p.Indices {
		s += ", return_indices=True"
	}
	return s + ")"
}

func (u MaxUnpool2d) String() string {
	s := fmt.Sprintf("MaxUnpool2d(kernel_size=(%d, %d), stride=(%d, %d), padding=(0, 0))", u.Kernel, u.Kernel, u.StrideOrKernel(), u.StrideOrKernel())
	if u.Pool != "" {
		s += " indices of " + u.Pool
	}
	if u.Size != nil {
		s += fmt.Sprintf(" output_size=%v", u.Size)
	}
	return s
}

func (b BatchNorm2d) String() string {
	return fmt.Sprintf("BatchNorm2d(%d, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)", b.Channels)
}

func (d Dropout) String() string { return fmt.Sprintf("Dropout(p=%g, inplace=False)", d.P) }

func (Conv2d) layer()          {}
func (ConvTranspose2d) layer() {}
func (MaxPool2d) layer()       {}
func (MaxUnpool2d) layer()     {}
func (BatchNorm2d) layer()     {}
func (Dropout) layer()         {}
