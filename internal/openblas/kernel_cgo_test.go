//go:build cgo && openblas

package openblas

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestKernelChosen runs TestGemm in a child process of this test binary
// under a given OPENBLAS_CORETYPE, so that OpenBLAS loads afresh: the
// products must be right under the kernel zoo chooses, the kernel must not
// be the SSE3 fallback on a CPU with AVX2, and a pinned kernel must be kept.
func TestKernelChosen(t *testing.T) {
	kernel := regexp.MustCompile(`; kernel (\w+)`)
	for _, c := range []struct {
		name   string
		pinned string // "" unsets OPENBLAS_CORETYPE
		want   func(string) bool
	}{
		{"unset", "", func(k string) bool { return !cpu.X86.HasAVX2 || !strings.EqualFold(k, fallbackKernel) }},
		{"pinned Prescott", "Prescott", func(k string) bool { return k == "Prescott" }},
		{"pinned Haswell", "Haswell", func(k string) bool { return !cpu.X86.HasAVX2 || k == "Haswell" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestGemm$", "-test.v", "-test.count=1")
			cmd.Env = without(os.Environ(), CoreTypeEnv)
			if c.pinned != "" {
				cmd.Env = append(cmd.Env, CoreTypeEnv+"="+c.pinned)
			}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("TestGemm with %s=%q: %v\n%s", CoreTypeEnv, c.pinned, err, out)
			}
			m := kernel.FindSubmatch(out)
			if m == nil {
				t.Fatalf("no kernel in the child's output:\n%s", out)
			}
			if !c.want(string(m[1])) {
				t.Errorf("%s=%q: kernel %s (AVX2 %v, AVX-512 %v)\n%s", CoreTypeEnv, c.pinned, m[1], cpu.X86.HasAVX2, cpu.X86.HasAVX512F, out)
			}
			t.Logf("%s", strings.TrimSpace(string(kernel.Find(out))))
		})
	}
}

// without returns env less the variable name.
func without(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
