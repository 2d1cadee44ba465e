package infer

import (
	"errors"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/testenv"
	"github.com/zoo-ml/zoo/zoo"
)

func TestParseCUDAOptions(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want map[string]string
		err  string
	}{
		{in: nil, want: map[string]string{}},
		{in: []string{"device_id=1"}, want: map[string]string{"device_id": "1"}},
		{in: []string{"gpu_mem_limit=8GiB", "arena_extend_strategy=kSameAsRequested"},
			want: map[string]string{"gpu_mem_limit": "8589934592", "arena_extend_strategy": "kSameAsRequested"}},
		{in: []string{"gpu_mem_limit=4294967296"}, want: map[string]string{"gpu_mem_limit": "4294967296"}},
		{in: []string{"gpu_mem_limit=512m"}, want: map[string]string{"gpu_mem_limit": "536870912"}},
		{in: []string{"gpu_mem_limit=2KB"}, want: map[string]string{"gpu_mem_limit": "2048"}},
		{in: []string{" cudnn_conv_algo_search = HEURISTIC "}, want: map[string]string{"cudnn_conv_algo_search": "HEURISTIC"}},
		{in: []string{"do_copy_in_default_stream=true", "use_tf32=0", "prefer_nhwc=off"},
			want: map[string]string{"do_copy_in_default_stream": "1", "use_tf32": "0", "prefer_nhwc": "0"}},
		{in: []string{"cudnn_conv_algo_search=FAST"}, err: "want one of EXHAUSTIVE, HEURISTIC, DEFAULT"},
		{in: []string{"device_id=-1"}, err: "device number"},
		{in: []string{"device_id=x"}, err: "device number"},
		{in: []string{"gpu_mem_limit=0"}, err: "positive number of bytes"},
		{in: []string{"gpu_mem_limit=lots"}, err: "positive number of bytes"},
		{in: []string{"gpu_mem_limit=99999999999T"}, err: "positive number of bytes"},
		{in: []string{"use_tf32=maybe"}, err: "want 0 or 1"},
		{in: []string{"gpu_mem"}, err: "want key=value"},
		{in: []string{"=1"}, err: "want key=value"},
		{in: []string{"trt_fp16_enable=1"}, err: `unknown CUDA option "trt_fp16_enable" (known: arena_extend_strategy,`},
		{in: []string{"use_tf32=1", "use_tf32=0"}, err: "use_tf32 given twice"},
	} {
		got, err := ParseCUDAOptions(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !maps.Equal(got, tc.want) {
			t.Errorf("%q: got %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestCUDAProviderOptions(t *testing.T) {
	for _, tc := range []struct {
		dev  Device
		user map[string]string
		want map[string]string
		err  bool
	}{
		{Device{Kind: "cuda"}, nil, map[string]string{"device_id": "0"}, false},
		{Device{Kind: "cuda", ID: 2}, map[string]string{"use_tf32": "0"}, map[string]string{"device_id": "2", "use_tf32": "0"}, false},
		{Device{Kind: "auto"}, map[string]string{"device_id": "3"}, map[string]string{"device_id": "3"}, false},
		{Device{Kind: "cuda", ID: 2}, map[string]string{"device_id": "2"}, map[string]string{"device_id": "2"}, false},
		{Device{Kind: "cuda", ID: 2}, map[string]string{"device_id": "1"}, nil, true},
	} {
		user := maps.Clone(tc.user)
		got, err := cudaProviderOptions(tc.dev, tc.user)
		if (err != nil) != tc.err || !tc.err && !maps.Equal(got, tc.want) {
			t.Errorf("%+v %v: got %v, %v; want %v", tc.dev, tc.user, got, err, tc.want)
		}
		if !maps.Equal(user, tc.user) {
			t.Errorf("%+v: the caller's options changed to %v", tc.dev, tc.user)
		}
	}
}

func TestDefaultBatch(t *testing.T) {
	if DefaultBatch(CPUProvider) != 256 || DefaultBatch(CUDAProvider) != 4096 || DefaultBatch("") != 256 {
		t.Errorf("default batches %d %d", DefaultBatch(CPUProvider), DefaultBatch(CUDAProvider))
	}
}

// TestCUDAOptionsFallback: CUDA options go with a CUDA device; with the
// CPU-only library, auto falls back to the CPU with its options dropped and
// the session says it runs on the CPU, while cuda fails naming the device.
func TestCUDAOptionsFallback(t *testing.T) {
	testenv.NeedORT(t)
	m, _ := zoo.Lookup("tiny-ae-2")
	path := filepath.Join(exportModel(t, m, m.InitWeights(1)), zoo.ModelFile)
	cuda := map[string]string{"gpu_mem_limit": "1073741824", "cudnn_conv_algo_search": "HEURISTIC"}
	if _, err := Open(path, Options{Device: Device{Kind: "cpu"}, CUDA: cuda}); err == nil || !strings.Contains(err.Error(), "CUDA options given for device cpu") {
		t.Errorf("cpu with CUDA options: %v", err)
	}
	if _, err := Open(path, Options{Device: Device{Kind: "cuda", ID: 1}, CUDA: map[string]string{"device_id": "0"}}); err == nil || !strings.Contains(err.Error(), "disagrees") {
		t.Errorf("cuda:1 with device_id=0: %v", err)
	}
	s, err := Open(path, Options{Device: Device{Kind: "cuda", ID: 1}, CUDA: cuda})
	if err == nil {
		defer s.Close()
		if s.Provider() != CUDAProvider || s.DeviceID() != 1 || s.ProviderOptions()["gpu_mem_limit"] != "1073741824" {
			t.Errorf("cuda:1: %s, device %d, options %v", s.Provider(), s.DeviceID(), s.ProviderOptions())
		}
		return // a GPU build of onnxruntime
	}
	if !errors.Is(err, ErrNoCUDA) || !strings.Contains(err.Error(), "ZOO_ORT_LIB") || !strings.Contains(err.Error(), path) {
		t.Errorf("cuda:1: %v", err)
	}
	var warn strings.Builder
	s, err = Open(path, Options{Device: Device{Kind: "auto"}, CUDA: cuda, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Provider() != CPUProvider || s.DeviceID() != -1 || s.ProviderOptions() != nil || s.Describe() != CPUProvider {
		t.Errorf("auto: %s, device %d, options %v, %q", s.Provider(), s.DeviceID(), s.ProviderOptions(), s.Describe())
	}
	if !strings.Contains(warn.String(), "using the CPU") {
		t.Errorf("auto: notice %q", warn.String())
	}
	if len(s.RestoredSignals()) != 0 {
		t.Errorf("CPU session restored signals %v", s.RestoredSignals())
	}
}
