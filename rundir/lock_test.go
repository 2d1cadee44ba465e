package rundir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"20260102-030405", true},
		{"my run", true},
		{"..x", true},
		{strings.Repeat("a", 255), true},
		{strings.Repeat("é", 127), true}, // 254 bytes
		{"", false},
		{".", false},
		{"..", false},
		{"../../escape", false},
		{"a/b", false},
		{"/abs", false},
		{"a\x00b", false},
		{strings.Repeat("a", 256), false},
		{strings.Repeat("é", 128), false}, // 256 bytes
	} {
		err := CheckName(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("CheckName(%.20q) = %v, want ok %v", tc.name, err, tc.ok)
		}
		if err != nil && (strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "one folder name")) {
			t.Errorf("CheckName(%.20q): %q is not one line saying what a run name is", tc.name, err)
		}
	}
}

// TestCreateUnique creates the folders of runs started in the same second,
// at once: each gets a folder of its own.
func TestCreateUnique(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "relu-ae-30")
	base := filepath.Join(parent, DefaultName(time.Date(2026, 1, 2, 3, 4, 5, 0, time.Local)))
	const n = 8
	var wg sync.WaitGroup
	dirs := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := Create(base, true)
			if err == nil {
				dirs[i] = l.Dir
				defer l.Release()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	slices.Sort(dirs)
	want := []string{base}
	for i := 2; i <= n; i++ {
		want = append(want, fmt.Sprintf("%s-%d", base, i))
	}
	slices.Sort(want)
	if !slices.Equal(dirs, want) {
		t.Errorf("folders %v, want %v", dirs, want)
	}
	if !strings.HasSuffix(base, "20260102-030405") {
		t.Errorf("default name %s", filepath.Base(base))
	}
}

// TestCreateExisting: a new run into an existing folder takes it only when
// nothing would be lost; a folder held by another process is refused.
func TestCreateExisting(t *testing.T) {
	for _, tc := range []struct {
		name      string
		setup     func(t *testing.T, dir string)
		restarted bool
		err       error // nil: taken
		left      []string
	}{
		{"absent", func(*testing.T, string) {}, false, nil, nil},
		{"empty", func(t *testing.T, dir string) { mkdir(t, dir) }, false, nil, nil},
		{"killed in its first epoch", func(t *testing.T, dir string) {
			writeRun(t, dir, sampleInfo(t, "tiny-ae-2", 0, 0))
		}, true, nil, []string{RunFile}},
		{"killed inside its first checkpoint", func(t *testing.T, dir string) {
			writeRun(t, dir, sampleInfo(t, "tiny-ae-2", 0, 0))
			for _, f := range []string{WeightsFile, OptimizerFile, MetricsFile} {
				writeFile(t, filepath.Join(dir, f), "x")
			}
		}, true, nil, []string{RunFile}},
		{"failed before its first checkpoint", func(t *testing.T, dir string) {
			info := sampleInfo(t, "tiny-ae-2", 0, 0)
			info.Status, info.Error = StatusFailed, "loss is NaN at epoch 1, batch 1"
			writeRun(t, dir, info)
		}, true, nil, []string{RunFile}},
		{"a run with a checkpoint", func(t *testing.T, dir string) {
			writeRun(t, dir, sampleInfo(t, "tiny-ae-2", 1, 4))
		}, false, fs.ErrExist, nil},
		{"a run mid-epoch", func(t *testing.T, dir string) {
			info := sampleInfo(t, "tiny-ae-2", 0, 2)
			info.Batch = 2
			writeRun(t, dir, info)
		}, false, fs.ErrExist, nil},
		{"a damaged run.json", func(t *testing.T, dir string) {
			mkdir(t, dir)
			writeFile(t, filepath.Join(dir, RunFile), "{")
		}, false, fs.ErrExist, nil},
		{"a folder of other files", func(t *testing.T, dir string) {
			mkdir(t, dir)
			writeFile(t, filepath.Join(dir, "notes.txt"), "mine")
		}, false, fs.ErrExist, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "relu-ae-30", "r")
			tc.setup(t, dir)
			l, err := Create(dir, false)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Create: %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer l.Release()
			if l.Dir != dir || l.Restarted != tc.restarted {
				t.Errorf("lock %+v, want folder %s, restarted %v", l, dir, tc.restarted)
			}
			if got := names(t, dir); !slices.Equal(got, tc.left) {
				t.Errorf("left %v, want %v", got, tc.left)
			}
			// Held: a second process (here a second lock) cannot have it.
			var busy *BusyError
			if _, err := Create(dir, false); !errors.As(err, &busy) || busy.Dir != dir {
				t.Errorf("second Create: %v, want a BusyError", err)
			}
			if _, err := Hold(dir); !errors.As(err, &busy) {
				t.Errorf("second Hold: %v, want a BusyError", err)
			}
			l.Release()
			l2, err := Hold(dir)
			if err != nil {
				t.Errorf("Hold after Release: %v", err)
			}
			l2.Release()
		})
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeRun(t *testing.T, dir string, info *Info) {
	t.Helper()
	mkdir(t, dir)
	if err := WriteInfo(dir, info); err != nil {
		t.Fatal(err)
	}
}

// names returns the names in dir, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n []string
	for _, e := range es {
		n = append(n, e.Name())
	}
	return n
}
