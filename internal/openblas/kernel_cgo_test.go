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

// childEnv marks a child process of TestRelaunch.
const childEnv = "ZOO_OPENBLAS_TEST_CHILD"

// TestRelaunch runs this test binary again as a child under a given
// OPENBLAS_CORETYPE, so that OpenBLAS loads afresh: a child that
// Relaunch tells to start again is started with Relaunch's environment, as
// cmd/zoo does. TestGemm must pass in the last child, its kernel must not
// be the SSE3 fallback on a CPU with AVX2, and a pinned kernel must be
// kept.
func TestRelaunch(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("in a child")
	}
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
			env := append(without(os.Environ(), CoreTypeEnv, detectedEnv), childEnv+"=1")
			if c.pinned != "" {
				env = append(env, CoreTypeEnv+"="+c.pinned)
			}
			out := child(t, env, "^TestRelaunchChild$")
			if strings.Contains(out, "relaunch=true") {
				if c.pinned != "" {
					t.Fatalf("%s=%s pinned, yet Relaunch says start again:\n%s", CoreTypeEnv, c.pinned, out)
				}
				// What cmd/zoo does: start again with Relaunch's environment.
				env = append(without(env, CoreTypeEnv, detectedEnv), relaunchEnv(t, out)...)
				if again := child(t, env, "^TestRelaunchChild$"); !strings.Contains(again, "relaunch=false") {
					t.Fatalf("started again, Relaunch still says start again:\n%s", again)
				}
			}
			out = child(t, env, "^TestGemm$")
			m := kernel.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no kernel in the child's output:\n%s", out)
			}
			if !c.want(m[1]) {
				t.Errorf("%s=%q: kernel %s (AVX2 %v, AVX-512 %v)\n%s", CoreTypeEnv, c.pinned, m[1], cpu.X86.HasAVX2, cpu.X86.HasAVX512F, out)
			}
			t.Logf("%s", strings.TrimSpace(regexp.MustCompile(`BLAS: .*`).FindString(out)))
		})
	}
}

// TestRelaunchChild prints Relaunch's answer, for TestRelaunch.
func TestRelaunchChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run by TestRelaunch")
	}
	env, ok := Relaunch()
	t.Logf("relaunch=%v", ok)
	for _, kv := range env {
		if strings.HasPrefix(kv, CoreTypeEnv+"=") || strings.HasPrefix(kv, detectedEnv+"=") {
			t.Logf("env %s", kv)
		}
	}
}

// child runs this test binary with env and the tests matching run, and
// returns its output; it must pass.
func child(t *testing.T, env []string, run string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run="+run, "-test.v", "-test.count=1")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", run, err, out)
	}
	return string(out)
}

// relaunchEnv returns the variables TestRelaunchChild printed.
func relaunchEnv(t *testing.T, out string) []string {
	t.Helper()
	var env []string
	for _, m := range regexp.MustCompile(`env (\w+=\w+)`).FindAllStringSubmatch(out, -1) {
		env = append(env, m[1])
	}
	if len(env) != 2 {
		t.Fatalf("Relaunch's environment: %q, want %s and %s\n%s", env, CoreTypeEnv, detectedEnv, out)
	}
	return env
}

// without returns env less the variables names.
func without(env []string, names ...string) []string {
	var out []string
next:
	for _, kv := range env {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}
