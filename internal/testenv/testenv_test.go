package testenv

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/ortlib"
)

func TestRequired(t *testing.T) {
	for _, tc := range []struct {
		value   string
		strict  bool
		errWant string
	}{
		{"", false, ""},
		{"all", true, ""},
		{"1", false, `ZOO_TEST_REQUIRE="1": the only value is all`},
		{"ort", false, "the only value is all"},
	} {
		t.Setenv(RequireEnv, tc.value)
		strict, err := required()
		if strict != tc.strict || (err == nil) != (tc.errWant == "") || (err != nil && !strings.Contains(err.Error(), tc.errWant)) {
			t.Errorf("%s=%q: got %v, %v; want %v, %q", RequireEnv, tc.value, strict, err, tc.strict, tc.errWant)
		}
	}
}

// TestORTMissing hides the library (an empty cache folder, ZOO_ORT_LIB
// unset or pointing nowhere) and checks the message names what is missing
// and how to install it; the system library folders hold none on the
// machines zoo tests on, else the test says so and ends.
func TestORTMissing(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv(ortlib.Env, "")
	if p, err := ortlib.Path(); err == nil {
		t.Skipf("a system-wide onnxruntime library is installed (%s): it cannot be hidden", p)
	}
	cache, err := ortlib.CachePath()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env  string
		want []string
	}{
		{"", []string{"onnxruntime library not found", "ZOO_ORT_LIB unset", strings.TrimSuffix(cache, "libonnxruntime.so.1"), "run ./setup.sh --no-demo"}},
		{"/nonexistent/libonnxruntime.so", []string{"onnxruntime library not found", "ZOO_ORT_LIB=/nonexistent/libonnxruntime.so does not exist", "run ./setup.sh --no-demo"}},
	} {
		t.Setenv(ortlib.Env, tc.env)
		err := ortMissing()
		if err == nil {
			t.Fatalf("%s=%q: library found", ortlib.Env, tc.env)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s=%q: message %q lacks %q", ortlib.Env, tc.env, err, w)
			}
		}
		t.Setenv(RequireEnv, "")
		var sub *testing.T
		t.Run("skips", func(t *testing.T) { sub = t; NeedORT(t) })
		if !sub.Skipped() {
			t.Errorf("%s=%q: NeedORT did not skip", ortlib.Env, tc.env)
		}
	}
}

// TestNeedPythonSkips: a module no Python has makes NeedPython skip (or,
// without Python, the interpreter it cannot run).
func TestNeedPythonSkips(t *testing.T) {
	t.Setenv(RequireEnv, "")
	var sub *testing.T
	t.Run("skips", func(t *testing.T) { sub = t; NeedPython(t, "zoo_no_such_module") })
	if !sub.Skipped() {
		t.Error("NeedPython(zoo_no_such_module) did not skip")
	}
}

// TestStrict runs this test binary again with the library hidden and
// ZOO_TEST_REQUIRE=all: NeedORT must fail the test, LoadORT end the
// process with status 1, and both say what is missing.
func TestStrict(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv(ortlib.Env, "")
	if p, err := ortlib.Path(); err == nil {
		t.Skipf("a system-wide onnxruntime library is installed (%s): it cannot be hidden", p)
	}
	for _, mode := range []string{"need", "load"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v")
		cmd.Env = append(os.Environ(), "ZOO_TESTENV_HELPER="+mode, RequireEnv+"=all")
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("%s: got %v, want exit status 1\n%s", mode, err, out)
		}
		if !strings.Contains(string(out), "onnxruntime library not found") || !strings.Contains(string(out), "(ZOO_TEST_REQUIRE=all)") {
			t.Errorf("%s: output lacks the reason:\n%s", mode, out)
		}
	}
}

// TestHelperProcess is TestStrict's child; it does nothing in a normal run.
func TestHelperProcess(t *testing.T) {
	switch os.Getenv("ZOO_TESTENV_HELPER") {
	case "need":
		NeedORT(t)
		t.Log("NeedORT returned")
	case "load":
		LoadORT(func(string) error { return nil })
		t.Log("LoadORT returned")
	}
}
