package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Temporary files and folders carry the process id of their owner, so that
// the next process writing in their folder can tell the leftovers of a
// killed process (whose id is no longer alive) from the work in progress of
// a live one, and remove them.

// tempMark separates a temporary name's destination from its owner's id.
const tempMark = ".tmp-"

// oldSuffix marks a folder moved aside by ReplaceDir's fallback: the
// previous contents of its destination, until the new ones are in place.
const oldSuffix = ".old"

// orphanName matches the temporary names of this package: PREFIX.tmp-PID-RANDOM,
// with ".old" after a folder that ReplaceDir moved aside.
var orphanName = regexp.MustCompile(`^(.+)\.tmp-([0-9]+)-([0-9a-z]+)(\.old)?$`)

// TempPattern returns the os.CreateTemp (or os.MkdirTemp) pattern of a
// temporary file of this process beside the destination named base:
// ".BASE.tmp-PID-*". RemoveOrphans removes such files once their owner is
// dead.
func TempPattern(base string) string {
	return "." + base + tempMark + strconv.Itoa(os.Getpid()) + "-*"
}

// ScratchPattern returns the os.MkdirTemp pattern of a scratch folder of
// this process in a shared temporary folder: "zoo-WHAT.tmp-PID-*".
// RemoveOrphans removes such folders once their owner is dead.
func ScratchPattern(what string) string {
	return "zoo-" + what + tempMark + strconv.Itoa(os.Getpid()) + "-*"
}

// Orphan reports whether name, an entry of a folder, is a temporary file or
// folder (TempPattern, ScratchPattern) of a process that is no longer
// alive, and for a folder that ReplaceDir moved aside (".old"), the
// destination it belongs to.
func Orphan(name string) (dest string, ok bool) {
	m := orphanName.FindStringSubmatch(name)
	if m == nil || !strings.HasPrefix(m[1], ".") && !strings.HasPrefix(m[1], "zoo-") {
		return "", false
	}
	pid, err := strconv.Atoi(m[2])
	if err != nil || pid <= 0 || alive(pid) {
		return "", false
	}
	if m[4] != "" && strings.HasPrefix(m[1], ".") {
		dest = m[1][1:]
	}
	return dest, true
}

// RemoveOrphans removes the temporary files and folders that processes no
// longer alive left in dir (see Orphan). A folder that ReplaceDir moved
// aside is first put back under its own name when that name is free: the
// replacement was cut short between its two renames, and the previous
// contents are restored. It is best effort: what cannot be removed stays,
// and the next call tries again.
func RemoveOrphans(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		dest, ok := Orphan(e.Name())
		if !ok {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if dest != "" {
			if _, err := os.Lstat(filepath.Join(dir, dest)); errors.Is(err, fs.ErrNotExist) {
				if os.Rename(p, filepath.Join(dir, dest)) == nil {
					continue
				}
			}
		}
		os.RemoveAll(p)
	}
}

// Recover restores path when a replacement of it (ReplaceDir) was cut short
// between its renames, leaving it absent and its previous contents moved
// aside, and removes the orphans of its folder (RemoveOrphans). Commands
// that read a folder call it before they find it missing.
func Recover(path string) {
	for _, p := range []string{path, filepath.Dir(path)} {
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			RemoveOrphans(filepath.Dir(p))
		}
	}
}

// ReplaceDir moves the complete folder tmp, a temporary folder beside dir
// (TempPattern), to dir. An existing dir is replaced only with force (else
// ErrExists): the two are exchanged in one atomic rename where the system
// can (Linux's renameat2 with RENAME_EXCHANGE), and the previous contents,
// now under tmp's name, are removed. Elsewhere dir is moved aside to
// tmp+".old" first and removed once tmp is in place; a kill between the
// two renames leaves dir absent, and the next RemoveOrphans (or Recover) of
// its folder puts the previous contents back.
func ReplaceDir(tmp, dir string, force bool) error {
	_, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.Rename(tmp, dir)
	case err != nil:
		return err
	case !force:
		return ErrExists
	}
	if err := exchangeNames(tmp, dir); err == nil {
		return os.RemoveAll(tmp)
	} else if !errors.Is(err, errNoExchange) {
		return err
	}
	old := tmp + oldSuffix
	if err := os.Rename(dir, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if rerr := os.Rename(old, dir); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	return os.RemoveAll(old)
}

// exchangeNames is exchange; tests replace it to take the fallback.
var exchangeNames = exchange

// errNoExchange says that the system cannot exchange two names atomically.
var errNoExchange = errors.New("atomic exchange not supported")
