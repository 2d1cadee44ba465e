// Package testenv tells tests whether the things outside Go that some of
// them need are there: the onnxruntime library and Debian's python3 with
// given modules. Like Go's own internal/testenv, its Need functions skip a
// test that cannot run here, with a message naming what is missing and the
// command that installs it, so that a plain `go test ./...` passes on a
// fresh machine. With ZOO_TEST_REQUIRE=all in the environment (test.sh sets
// it, so CI stays strict) they fail the test instead.
//
// Tests that run onnxruntime in the test process load it in TestMain with
// LoadORT; tests that only run the zoo binary call NeedORT.
package testenv

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/ortlib"
)

// RequireEnv is the environment variable that, set to "all", turns every
// skip for a missing dependency into a failure.
const RequireEnv = "ZOO_TEST_REQUIRE"

// Python is the interpreter the tests run: Debian's, where apt-get installs
// python3-onnx.
const Python = "/usr/bin/python3"

// SetupORT is the command that installs the onnxruntime library.
const SetupORT = "./setup.sh --no-demo"

// required reports whether RequireEnv is "all"; another non-empty value is
// an error, so that a misspelt setting cannot quietly turn skips back on.
func required() (bool, error) {
	switch v := os.Getenv(RequireEnv); v {
	case "":
		return false, nil
	case "all":
		return true, nil
	default:
		return false, fmt.Errorf("%s=%q: the only value is all", RequireEnv, v)
	}
}

// missing skips t with msg, or fails it when every dependency is required.
func missing(t testing.TB, msg string) {
	t.Helper()
	strict, err := required()
	if err != nil {
		t.Fatal(err)
	}
	if strict {
		t.Fatalf("%s (%s=all)", msg, RequireEnv)
	}
	t.Skip(msg)
}

// ortMissing returns nil when the onnxruntime library is found, else the
// message that says where it was looked for and how to install it.
func ortMissing() error {
	if _, err := ortlib.Path(); err == nil {
		return nil
	}
	if p := os.Getenv(ortlib.Env); p != "" {
		return fmt.Errorf("onnxruntime library not found (%s=%s does not exist): set %s to libonnxruntime.so.1, or unset it and run %s",
			ortlib.Env, p, ortlib.Env, SetupORT)
	}
	where := "no cache folder"
	if p, err := ortlib.CachePath(); err == nil {
		where = "not in " + filepath.Dir(p) + "/"
	}
	return fmt.Errorf("onnxruntime library not found (%s unset, %s nor in the system library folders): run %s",
		ortlib.Env, where, SetupORT)
}

// NeedORT skips t when the onnxruntime library is not found (it fails t
// under ZOO_TEST_REQUIRE=all). It only looks for the library; the code
// under test loads it.
func NeedORT(t testing.TB) {
	t.Helper()
	if err := ortMissing(); err != nil {
		missing(t, err.Error())
	}
}

// LoadORT is for the TestMain of a package whose tests run onnxruntime in
// the test process. When the library is found it loads it with load (pass
// infer.Init) and reports true; a library that fails to load ends the
// process with status 1. When it is not found, LoadORT prints why and how
// to install it and reports false: the tests run, those that call NeedORT
// skip, and the package's examples, which cannot skip, are left out through
// -test.skip. Under ZOO_TEST_REQUIRE=all a missing library ends the process
// with status 1 instead, as before there was a choice.
func LoadORT(load func(lib string) error) bool {
	strict, err := required()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := ortMissing(); err != nil {
		if strict {
			fmt.Fprintf(os.Stderr, "%v (%s=all)\n", err, RequireEnv)
			os.Exit(1)
		}
		if err := skipExamples(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("testenv: %v; skipping the tests and examples that need it\n", err)
		return false
	}
	lib, _ := ortlib.Path()
	if err := load(lib); err != nil {
		fmt.Fprintf(os.Stderr, "load the onnxruntime library: %v\n", err)
		os.Exit(1)
	}
	return true
}

// skipExamples adds the package's examples to -test.skip. The pattern is
// matched per level of a slash-separated name, so a -test.skip with a
// slash cannot take an alternative; it is an error then.
func skipExamples() error {
	if !flag.Parsed() {
		flag.Parse()
	}
	f := flag.Lookup("test.skip")
	if f == nil {
		return errors.New("testenv: no -test.skip flag (LoadORT belongs in TestMain)")
	}
	pat := "^Example"
	if old := f.Value.String(); old != "" {
		if strings.Contains(old, "/") {
			return fmt.Errorf("testenv: cannot add %s to -test.skip=%s, which names subtests", pat, old)
		}
		pat = old + "|" + pat
	}
	return f.Value.Set(pat)
}

// NeedPython skips t unless Python runs and imports every module, naming
// the Debian package that installs a missing one (python3-<module>); it
// fails t under ZOO_TEST_REQUIRE=all. A module that is there but fails to
// import fails t.
func NeedPython(t testing.TB, modules ...string) {
	t.Helper()
	for _, mod := range modules {
		out, err := exec.Command(Python, "-c", "import "+mod).CombinedOutput()
		var exit *exec.ExitError
		switch {
		case err == nil:
			continue
		case !errors.As(err, &exit):
			missing(t, fmt.Sprintf("%s cannot run (%v): apt-get install python3 python3-%s", Python, err, strings.ToLower(mod)))
		case strings.Contains(string(out), "No module named '"+mod+"'"):
			missing(t, fmt.Sprintf("python3 module %s missing (%s): apt-get install python3-%s", mod, Python, strings.ToLower(mod)))
		default:
			t.Fatalf("%s -c 'import %s': %v\n%s", Python, mod, err, out)
		}
	}
}
