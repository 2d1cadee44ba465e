package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// deadPID returns the id of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestOrphan(t *testing.T) {
	dead, live := deadPID(t), os.Getpid()
	for _, tc := range []struct {
		name string
		ok   bool
		dest string
	}{
		{fmt.Sprintf(".model.safetensors.tmp-%d-123", dead), true, ""},
		{fmt.Sprintf(".relu-ae-30.tmp-%d-42", dead), true, ""},
		{fmt.Sprintf(".relu-ae-30.tmp-%d-42.old", dead), true, "relu-ae-30"},
		{fmt.Sprintf("zoo-report.tmp-%d-99", dead), true, ""},
		{fmt.Sprintf(".recon.idx.tmp-%d-link", dead), true, ""},
		{fmt.Sprintf(".model.safetensors.tmp-%d-123", live), false, ""}, // its owner is alive
		{fmt.Sprintf("model.safetensors.tmp-%d-123", dead), false, ""},  // not a name of ours
		{fmt.Sprintf("other.tmp-%d-1", dead), false, ""},                // not a name of ours
		{".model.safetensors.tmp-123456789", false, ""},                 // no owner recorded
		{".model.safetensors.tmp-0-1", false, ""},                       // no such process
		{fmt.Sprintf(".model.safetensors.tmp-%d-", dead), false, ""},    // not a temporary name
		{fmt.Sprintf(".x.tmp-%d-1/", dead), false, ""},                  // not a single name
		{"model.safetensors", false, ""},
	} {
		dest, ok := Orphan(tc.name)
		if ok != tc.ok || dest != tc.dest {
			t.Errorf("Orphan(%q) = %q, %v; want %q, %v", tc.name, dest, ok, tc.dest, tc.ok)
		}
	}
}

// TestRemoveOrphans leaves, in a folder, what killed writers leave, with
// the work of a live one and files of others: only the dead writers' files
// go, and a folder moved aside by an export cut short comes back.
func TestRemoveOrphans(t *testing.T) {
	dead, live := deadPID(t), os.Getpid()
	dir := t.TempDir()
	files := map[string]bool{ // name: kept
		"model.safetensors": true,
		fmt.Sprintf(".model.safetensors.tmp-%d-1", dead): false,
		fmt.Sprintf(".model.safetensors.tmp-%d-2", live): true,
		fmt.Sprintf(".run.json.tmp-%d-link", dead):       false,
		".run.json.tmp-123":                              true, // an older zoo's: no owner
		fmt.Sprintf("notes.tmp-%d-1", dead):              true,
	}
	for name := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mkdir := func(name, file string) {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, file), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// cnn: an export --force killed between its renames; deep-ae: killed
	// after them; tiny-ae-2: a new folder being written by a live export.
	mkdir(fmt.Sprintf(".cnn.tmp-%d-7.old", dead), "previous")
	mkdir(fmt.Sprintf(".cnn.tmp-%d-7", dead), "new")
	mkdir("deep-ae", "new")
	mkdir(fmt.Sprintf(".deep-ae.tmp-%d-8.old", dead), "previous")
	mkdir(fmt.Sprintf(".tiny-ae-2.tmp-%d-9", live), "new")
	RemoveOrphans(dir)

	var want []string
	for name, kept := range files {
		if kept {
			want = append(want, name)
		}
	}
	want = append(want, "cnn", "deep-ae", fmt.Sprintf(".tiny-ae-2.tmp-%d-9", live))
	slices.Sort(want)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, want) {
		t.Errorf("left\n%v\nwant\n%v", got, want)
	}
	for name, file := range map[string]string{"cnn": "previous", "deep-ae": "new"} {
		if _, err := os.Stat(filepath.Join(dir, name, file)); err != nil {
			t.Errorf("%s holds no %s: %v", name, file, err)
		}
	}
	RemoveOrphans(filepath.Join(dir, "absent")) // no folder: nothing to do
}

// TestReplaceDir replaces a folder by exchange and by the fallback, and cuts
// the fallback short between its renames: Recover brings the previous
// folder back.
func TestReplaceDir(t *testing.T) {
	setup := func(t *testing.T) (tmp, dir string) {
		parent := t.TempDir()
		dir = filepath.Join(parent, "m")
		tmp, err := os.MkdirTemp(parent, TempPattern("m"))
		if err != nil {
			t.Fatal(err)
		}
		for d, s := range map[string]string{dir: "old", tmp: "new"} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(d, "f"), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return tmp, dir
	}
	holds := func(t *testing.T, dir, want string) {
		t.Helper()
		if b, err := os.ReadFile(filepath.Join(dir, "f")); err != nil || string(b) != want {
			t.Errorf("%s holds %q, %v; want %q", dir, b, err, want)
		}
		if es, _ := os.ReadDir(filepath.Dir(dir)); len(es) != 1 {
			t.Errorf("%d entries beside %s, want it alone", len(es), dir)
		}
	}
	for _, fallback := range []bool{false, true} {
		t.Run(fmt.Sprintf("fallback %v", fallback), func(t *testing.T) {
			if fallback {
				exchangeNames = func(string, string) error { return errNoExchange }
				defer func() { exchangeNames = exchange }()
			}
			tmp, dir := setup(t)
			if err := ReplaceDir(tmp, dir, false); !errors.Is(err, ErrExists) {
				t.Fatalf("without force: %v", err)
			}
			if err := ReplaceDir(tmp, dir, true); err != nil {
				t.Fatal(err)
			}
			holds(t, dir, "new")
		})
	}
	t.Run("fallback cut short", func(t *testing.T) {
		tmp, dir := setup(t)
		// The process that moved dir aside died before the second rename.
		dead := deadPID(t)
		orphan := strings.Replace(tmp, fmt.Sprintf(".tmp-%d-", os.Getpid()), fmt.Sprintf(".tmp-%d-", dead), 1)
		if err := os.Rename(tmp, orphan); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(dir, orphan+oldSuffix); err != nil {
			t.Fatal(err)
		}
		Recover(filepath.Join(dir, "model.onnx"))
		holds(t, dir, "old")
	})
}
