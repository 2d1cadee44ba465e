package openblas

import "testing"

func TestKernelFor(t *testing.T) {
	avx2 := Features{AVX2: true}
	avx512 := Features{AVX2: true, AVX512: true}
	bf16 := Features{AVX2: true, AVX512: true, AVX512BF16: true}
	for _, c := range []struct {
		detected string
		pinned   bool
		f        Features
		want     string
	}{
		{"Prescott", false, bf16, "Cooperlake"},
		{"PRESCOTT", false, bf16, "Cooperlake"},
		{"Prescott", false, avx512, "SkylakeX"},
		{"Prescott", false, avx2, "Haswell"},
		{"Prescott", false, Features{}, ""},                 // an SSE3 CPU: Prescott is right
		{"Prescott", false, Features{AVX512BF16: true}, ""}, // BF16 without the AVX-512 base is no Cooperlake
		{"Prescott", true, bf16, ""},                        // the user pinned it
		{"Haswell", false, bf16, ""},                        // OpenBLAS knew the CPU
		{"SkylakeX", false, bf16, ""},
		{"Zen", false, avx2, ""},
	} {
		if got := KernelFor(c.detected, c.pinned, c.f); got != c.want {
			t.Errorf("KernelFor(%q, %v, %+v) = %q, want %q", c.detected, c.pinned, c.f, got, c.want)
		}
	}
}
