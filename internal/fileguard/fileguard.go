// Package fileguard checks the files a command names before it reads or
// writes any of them: that a file it reads is a regular file (a named pipe
// or a device would block it, or never end), and that no file it writes is
// one it reads, or one another of its outputs writes. Files are compared by
// device and inode, not by name, so that another path to a file (a
// relative one, a hard link, a symbolic link) is the same file.
package fileguard

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// A NotRegularError says that a file to read is not a regular file: a named
// pipe, a device, a socket or a folder.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

// Error names the file and what it is.
func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, Kind(e.Mode))
}

// Kind says in words what a file of mode m is: "a regular file", "a folder",
// "a named pipe (FIFO)", "a device", "a socket" or "a special file".
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}

// Regular returns the information of the file at path, following symbolic
// links, or a *NotRegularError when it is not a regular file. It opens
// nothing, so a named pipe is refused without waiting for a writer.
func Regular(path string) (fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err // already "stat PATH: ..."
	}
	if !fi.Mode().IsRegular() {
		return nil, &NotRegularError{Path: path, Mode: fi.Mode()}
	}
	return fi, nil
}

// RegularOrDir is Regular, but a folder is accepted too.
func RegularOrDir(path string) (fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		return nil, &NotRegularError{Path: path, Mode: fi.Mode()}
	}
	return fi, nil
}

// A File is a file a command reads or writes, as it names it: Role says
// what it is to the command ("output", "data", "--out", ...), Path where.
type File struct {
	Role, Path string
}

// A SameFileError says that an output is an input, or that two outputs are
// one file.
type SameFileError struct {
	Output File
	// Other is the input, or the other output when Input is false.
	Other File
	Input bool
}

// Error names both files and what they are.
func (e *SameFileError) Error() string {
	if e.Input {
		return fmt.Sprintf("%s %s is the same file as %s %s: an output must not replace an input",
			e.Output.Role, e.Output.Path, e.Other.Role, e.Other.Path)
	}
	return fmt.Sprintf("%s %s and %s %s are the same file: each output needs a file of its own",
		e.Other.Role, e.Other.Path, e.Output.Role, e.Output.Path)
}

// id identifies a file: the device and inode of an existing file, or of
// the folder of a file not there yet with its name.
type id struct {
	dev, ino uint64
	name     string
}

// identify returns the id of path; ok is false when neither the file nor
// its folder can be looked at (the command's own open then says why).
func identify(path string) (id, bool) {
	if fi, err := os.Stat(path); err == nil {
		return statID(fi, "")
	} else if !errors.Is(err, fs.ErrNotExist) {
		return id{}, false
	}
	dir, base := filepath.Split(filepath.Clean(path))
	if dir == "" {
		dir = "."
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return id{}, false
	}
	return statID(fi, base)
}

func statID(fi fs.FileInfo, name string) (id, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return id{}, false
	}
	return id{dev: uint64(st.Dev), ino: st.Ino, name: name}, true
}

// Distinct checks, before anything is written, that no output is one of
// the inputs and that no two outputs are one file, by device and inode;
// an output not there yet is the name in its folder. Files with an empty
// Path are left out. The error is a *SameFileError.
func Distinct(outputs, inputs []File) error {
	type seen struct {
		f  File
		id id
	}
	var ins, outs []seen
	for _, f := range inputs {
		if f.Path == "" {
			continue
		}
		if i, ok := identify(f.Path); ok {
			ins = append(ins, seen{f, i})
		}
	}
	for _, o := range outputs {
		if o.Path == "" {
			continue
		}
		i, ok := identify(o.Path)
		if !ok {
			continue
		}
		for _, in := range ins {
			if in.id == i {
				return &SameFileError{Output: o, Other: in.f, Input: true}
			}
		}
		for _, p := range outs {
			if p.id == i {
				return &SameFileError{Output: o, Other: p.f}
			}
		}
		outs = append(outs, seen{o, i})
	}
	return nil
}
