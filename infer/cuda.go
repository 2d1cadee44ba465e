package infer

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Default batch sizes: the number of examples per onnxruntime run when the
// user names none. A GPU needs far larger batches than a CPU to be kept
// busy; 4096 images of 28x28 float32 are 12.8 MB per input tensor.
const (
	DefaultCPUBatch  = 256
	DefaultCUDABatch = 4096
)

// DefaultBatch returns the default batch size for an execution provider.
func DefaultBatch(provider string) int {
	if provider == CUDAProvider {
		return DefaultCUDABatch
	}
	return DefaultCPUBatch
}

// cudaOption describes one CUDA execution provider option that zoo passes
// on to onnxruntime, with a check of its value.
type cudaOption struct {
	doc   string
	check func(string) (string, error) // returns the value as onnxruntime wants it
}

func oneOf(vals ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		if slices.Contains(vals, v) {
			return v, nil
		}
		return "", fmt.Errorf("want one of %s", strings.Join(vals, ", "))
	}
}

func boolOpt(v string) (string, error) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return "1", nil
	case "0", "false", "no", "off":
		return "0", nil
	}
	return "", fmt.Errorf("want 0 or 1")
}

func deviceOpt(v string) (string, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return "", fmt.Errorf("want a device number >= 0")
	}
	return strconv.Itoa(n), nil
}

// bytesOpt accepts a byte count, optionally with a binary suffix:
// 2147483648, 2048MiB, 2GiB (K, M, G, T and KB, MB, GB, TB mean the same).
func bytesOpt(v string) (string, error) {
	s := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(v), "B"), "I")
	mult := uint64(1)
	if len(s) > 0 {
		if i := strings.IndexByte("KMGT", s[len(s)-1]); i >= 0 {
			mult = 1 << (10 * (i + 1))
			s = s[:len(s)-1]
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 || n > (1<<63)/mult {
		return "", fmt.Errorf("want a positive number of bytes, such as 4294967296 or 4GiB")
	}
	return strconv.FormatUint(n*mult, 10), nil
}

// cudaOptions are the CUDA execution provider options zoo accepts, by
// onnxruntime's names
// (https://onnxruntime.ai/docs/execution-providers/CUDA-ExecutionProvider.html).
var cudaOptions = map[string]cudaOption{
	"device_id":                    {"GPU number (also --device cuda:N)", deviceOpt},
	"gpu_mem_limit":                {"byte limit of the device memory arena, e.g. 8GiB", bytesOpt},
	"arena_extend_strategy":        {"how the arena grows", oneOf("kNextPowerOfTwo", "kSameAsRequested")},
	"cudnn_conv_algo_search":       {"how cuDNN picks convolution algorithms", oneOf("EXHAUSTIVE", "HEURISTIC", "DEFAULT")},
	"do_copy_in_default_stream":    {"copy between host and device on the compute stream", boolOpt},
	"cudnn_conv_use_max_workspace": {"let cuDNN use its largest workspace", boolOpt},
	"use_tf32":                     {"allow TF32 matrix products (faster, about 1e-3 relative error)", boolOpt},
	"enable_cuda_graph":            {"capture the run in a CUDA graph (needs fixed shapes)", boolOpt},
	"prefer_nhwc":                  {"use NHWC kernels for convolutions", boolOpt},
}

// CUDAOptionNames returns the names ParseCUDAOptions accepts, sorted.
func CUDAOptionNames() []string {
	return slices.Sorted(maps.Keys(cudaOptions))
}

// ParseCUDAOptions parses CUDA execution provider options given as
// key=value, checks each key and value, and returns them as onnxruntime
// takes them. A key given twice is an error.
func ParseCUDAOptions(kvs []string) (map[string]string, error) {
	opts := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, fmt.Errorf("CUDA option %q: want key=value, such as gpu_mem_limit=8GiB", kv)
		}
		o, known := cudaOptions[k]
		if !known {
			return nil, fmt.Errorf("unknown CUDA option %q (known: %s)", k, strings.Join(CUDAOptionNames(), ", "))
		}
		if _, dup := opts[k]; dup {
			return nil, fmt.Errorf("CUDA option %s given twice", k)
		}
		val, err := o.check(v)
		if err != nil {
			return nil, fmt.Errorf("CUDA option %s=%s: %w", k, v, err)
		}
		opts[k] = val
	}
	return opts, nil
}

// cudaProviderOptions merges the device number into the user's options.
// A device_id option that disagrees with cuda:N is an error.
func cudaProviderOptions(dev Device, user map[string]string) (map[string]string, error) {
	opts := maps.Clone(user)
	if opts == nil {
		opts = map[string]string{}
	}
	id := strconv.Itoa(dev.ID)
	if v, ok := opts["device_id"]; ok && dev.ID != 0 && v != id {
		return nil, fmt.Errorf("device cuda:%d disagrees with CUDA option device_id=%s", dev.ID, v)
	} else if !ok {
		opts["device_id"] = id
	}
	return opts, nil
}
