package zoo

import (
	"slices"
	"strings"
	"testing"
)

func TestConvModels(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params int   // trained parameters, as PyTorch counts them
		code   []int // output of the first part
		out    []int
		split  bool // the decoder runs on its own
	}{
		{"cnn", 14746, []int{16, 7, 7}, []int{10}, true},
		{"conv-ae", 412731, []int{10}, []int{1, 28, 28}, true},
		{"conv-ae-deconv", 8073, []int{16, 3, 3}, []int{1, 28, 28}, true},
		{"conv-ae-unpool", 4801, []int{16, 3, 3}, []int{1, 28, 28}, false},
		{"conv-ae-deconv-unpool", 7121, []int{16, 3, 3}, []int{1, 28, 28}, false},
		{"mlp-cifar", 813398, []int{10}, []int{10}, true},
		{"cnn-cifar", 109050, []int{16, 5, 5}, []int{10}, true},
		{"conv-ae-cifar", 21331, []int{32, 4, 4}, []int{3, 32, 32}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Lookup(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.NumParams(); got != tc.params {
				t.Errorf("%d parameters, want %d", got, tc.params)
			}
			if out, _ := m.OutShape(); !slices.Equal(out, tc.out) {
				t.Errorf("output %v, want %v", out, tc.out)
			}
			first, err := m.Sub(m.Parts[0].Name)
			if err != nil {
				t.Fatal(err)
			}
			if out, _ := first.OutShape(); !slices.Equal(out, tc.code) {
				t.Errorf("%s output %v, want %v", m.Parts[0].Name, out, tc.code)
			}
			if len(m.Parts) < 2 {
				return
			}
			_, err = m.Sub(m.Parts[1].Name)
			if tc.split && err != nil {
				t.Errorf("second part: %v", err)
			}
			if !tc.split && (err == nil || !strings.Contains(err.Error(), "pool indices of pool3")) {
				t.Errorf("second part of an unpooling model: err %v, want one naming the pool", err)
			}
		})
	}
}

func TestConvShapes(t *testing.T) {
	for _, tc := range []struct {
		l    Layer
		in   []int
		want []int
		err  string
	}{
		{conv(1, 16, 5, 1, 2), []int{1, 28, 28}, []int{16, 28, 28}, ""},
		{conv(3, 8, 4, 2, 1), []int{3, 32, 32}, []int{8, 16, 16}, ""},
		{conv(3, 8, 5, 1, 0), []int{3, 32, 32}, []int{8, 28, 28}, ""},
		{conv(3, 8, 5, 1, 0), []int{1, 32, 32}, nil, "needs 3 input channels"},
		{conv(1, 8, 5, 1, 0), []int{1, 3, 3}, nil, "smaller than the kernel"},
		{conv(1, 8, 5, 1, 0), []int{784}, nil, "needs input [C, H, W]"},
		{deconv(16, 16, 3, 2, 0), []int{16, 3, 3}, []int{16, 7, 7}, ""},
		{deconv(16, 8, 4, 2, 1), []int{16, 7, 7}, []int{8, 14, 14}, ""},
		{deconv(32, 16, 2, 2, 0), []int{32, 7, 7}, []int{16, 14, 14}, ""},
		{deconv(8, 1, 3, 1, 1), []int{8, 28, 28}, []int{1, 28, 28}, ""},
		{MaxPool2d{Kernel: 2}, []int{16, 7, 7}, []int{16, 3, 3}, ""},
		{MaxPool2d{Kernel: 3, Stride: 1}, []int{2, 5, 4}, []int{2, 3, 2}, ""},
		{MaxUnpool2d{Kernel: 2}, []int{16, 3, 3}, []int{16, 6, 6}, ""},
		{MaxUnpool2d{Kernel: 2, Size: []int{7, 7}}, []int{16, 3, 3}, []int{16, 7, 7}, ""},
		{MaxUnpool2d{Kernel: 2, Size: []int{8, 7}}, []int{16, 3, 3}, nil, "does not fit"},
		{BatchNorm2d{Channels: 16}, []int{16, 14, 14}, []int{16, 14, 14}, ""},
		{BatchNorm2d{Channels: 16}, []int{8, 14, 14}, nil, "needs 16 input channels"},
		{Dropout{P: 0.25}, []int{256}, []int{256}, ""},
		{Dropout{P: 1}, []int{256}, nil, "p must be"},
	} {
		got, err := tc.l.OutShape(tc.in)
		if tc.err == "" && (err != nil || !slices.Equal(got, tc.want)) {
			t.Errorf("%s on %v: %v, %v; want %v", tc.l, tc.in, got, err, tc.want)
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s on %v: err %v, want %q", tc.l, tc.in, err, tc.err)
		}
	}
}

func TestUnpoolLinks(t *testing.T) {
	base, _ := Lookup("conv-ae-unpool")
	for _, tc := range []struct {
		name   string
		change func(*Model)
		want   string
	}{
		{"ok", func(*Model) {}, ""},
		{"unknown pool", func(m *Model) { m.Parts[1].Layers[0] = unpool("pool9", 7, 7) }, `names no earlier layer "pool9"`},
		{"not a pool", func(m *Model) { m.Parts[1].Layers[0] = unpool("encoder_conv3.1", 7, 7) }, "is a ReLU"},
		{"no indices", func(m *Model) { m.Parts[0].Layers[8] = MaxPool2d{Kernel: 2} }, "does not keep its indices"},
		{"wrong pool", func(m *Model) { m.Parts[1].Layers[0] = unpool("pool2", 7, 7) }, "but pool pool2 took"},
		{"default size", func(m *Model) { m.Parts[1].Layers[0] = MaxUnpool2d{Kernel: 2, Pool: "pool3"} }, "does not fit input [16 6 6]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base.Clone()
			tc.change(m)
			err := m.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestBatchNormParams(t *testing.T) {
	m, _ := Lookup("cnn")
	w := m.InitWeights(1)
	for name, want := range map[string]float32{
		"convBlock1.2.weight": 1, "convBlock1.2.bias": 0, "convBlock1.2.running_mean": 0, "convBlock1.2.running_var": 1,
		"convBlock2.2.weight": 1, "convBlock2.2.running_var": 1,
	} {
		for _, v := range w[name].Data {
			if v != want {
				t.Fatalf("%s holds %v, want all %v", name, v, want)
			}
		}
	}
	if n, t2 := len(m.Params()), len(m.Trainable()); n-t2 != 4 {
		t.Errorf("%d params, %d trainable: want 4 buffers", n, t2)
	}
}
