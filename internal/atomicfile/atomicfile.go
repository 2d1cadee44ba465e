// Package atomicfile writes files so that a reader never sees a partial one:
// data goes to a temporary file in the destination's folder, which is synced
// and renamed over the destination only when the writer commits. Folders
// are replaced whole the same way (ReplaceDir).
//
// Temporary names carry their owner's process id (TempPattern,
// ScratchPattern), so that what a killed process left behind is removed by
// the next process that writes in the same folder (RemoveOrphans), and
// never the work of a live one.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// ErrExists is returned, wrapped, when the destination exists and replacing
// it was not allowed.
var ErrExists = errors.New("already exists (use --force to replace it)")

// A File is a pending write of a destination path.
type File struct {
	*os.File
	path  string
	force bool
	done  bool
}

// Create starts writing path, in a temporary file beside it named by
// TempPattern. Unless force is set, an existing path is an error, checked
// now and again at Commit. The temporary files that dead processes left in
// the folder are removed first (RemoveOrphans).
func Create(path string, force bool) (*File, error) {
	if err := check(path, force); err != nil {
		return nil, err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	RemoveOrphans(dir)
	f, err := os.CreateTemp(dir, TempPattern(base))
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	Track(f.Name())
	return &File{File: f, path: path, force: force}, nil
}

// Path returns the destination path.
func (f *File) Path() string { return f.path }

// Commit syncs and closes the temporary file and renames it to the
// destination. After a failed Commit the temporary file is removed.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("commit %s: already finished", f.path)
	}
	f.done = true
	tmp := f.Name()
	defer Untrack(tmp)
	err := f.Sync()
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = check(f.path, f.force)
	}
	if err == nil {
		err = os.Rename(tmp, f.path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	return nil
}

// Abort closes and removes the temporary file; the destination is left as it
// was. Abort after Commit does nothing, so it is safe to defer.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.Name())
	Untrack(f.Name())
}

// WriteFile writes data to path atomically, as Create, Write and Commit.
func WriteFile(path string, data []byte, force bool) error {
	f, err := Create(path, force)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// WriteAll writes each of files (a name in the folder dir, and its
// contents) as WriteFile does, but renames them into place only once every
// one is written, in the order of their names.
func WriteAll(dir string, files map[string][]byte, force bool) error {
	var pending []*File
	defer func() {
		for _, f := range pending {
			f.Abort()
		}
	}()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		f, err := Create(filepath.Join(dir, name), force)
		if err != nil {
			return err
		}
		pending = append(pending, f)
		if _, err := f.Write(files[name]); err != nil {
			return fmt.Errorf("write %s: %w", f.Path(), err)
		}
	}
	for _, f := range pending {
		if err := f.Commit(); err != nil {
			return err
		}
	}
	return nil
}

func check(path string, force bool) error {
	if force {
		return nil
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s %w", path, ErrExists)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
