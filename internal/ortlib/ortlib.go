// Package ortlib finds the onnxruntime shared library that zoo loads:
// $ZOO_ORT_LIB when set, else the cache folder where setup.sh installs it,
// else the system's library folders. It only looks; package infer loads the
// library. Having no cgo and no engine, it lets tests ask whether the
// library is there without loading it (see internal/testenv), and Check
// reads the library before it is loaded, so that a damaged file is refused
// with a message instead of crashing the process that loads it.
package ortlib

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/zoo-ml/zoo/internal/fileguard"
)

// Version is the onnxruntime release whose C API zoo is built for.
const Version = "1.24.1"

// Env is the environment variable that names the onnxruntime library.
const Env = "ZOO_ORT_LIB"

// systemPaths are the system-wide places looked at after the cache.
var systemPaths = []string{
	"/usr/local/lib/libonnxruntime.so",
	"/usr/local/lib/libonnxruntime.so.1",
	"/usr/lib/libonnxruntime.so",
	"/usr/lib/x86_64-linux-gnu/libonnxruntime.so",
	"/usr/lib/x86_64-linux-gnu/libonnxruntime.so.1",
}

// CachePath returns where setup.sh installs the onnxruntime library:
// $XDG_CACHE_HOME/zoo/onnxruntime/VERSION/libonnxruntime.so.1, or the same
// under ~/.cache.
func CachePath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locate cache folder: %w", err)
	}
	return filepath.Join(dir, "zoo", "onnxruntime", Version, "libonnxruntime.so.1"), nil
}

// Path returns the onnxruntime library to load: $ZOO_ORT_LIB when set (it
// must exist), else the cache path, else the first system path that
// exists. The error lists every place looked at.
func Path() (string, error) {
	if p := os.Getenv(Env); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("onnxruntime library %s (from %s): %w", p, Env, err)
		}
		return p, nil
	}
	var tried []string
	if p, err := CachePath(); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	for _, p := range systemPaths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("onnxruntime %s library not found (looked at %s); run ./setup.sh or set %s to libonnxruntime.so",
		Version, strings.Join(tried, ", "), Env)
}

// apiSymbol is the entry point of onnxruntime's C API, the one symbol zoo
// looks up in the library.
const apiSymbol = "OrtGetApiBase"

// A DamagedError says that the file to load as the onnxruntime library is
// not a usable one: not a regular file, not an ELF shared library of this
// machine, truncated or corrupt, without OrtGetApiBase, or of a release
// older than Version. Loading such a file could crash the process.
type DamagedError struct {
	Path string
	// Why says what is wrong.
	Why string
}

// Error names the library and what is wrong with it.
func (e *DamagedError) Error() string {
	return fmt.Sprintf("onnxruntime library %s is damaged or not onnxruntime: %s; run ./setup.sh or set %s to libonnxruntime.so",
		e.Path, e.Why, Env)
}

// elfMachines are the ELF machines of the architectures zoo runs on.
var elfMachines = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// Check reads the file at path as the onnxruntime library is read before
// it is loaded, without loading it: a regular file, an ELF shared library
// for this machine whose loadable segments lie within the file (a truncated
// copy does not), that exports OrtGetApiBase. It returns the library's
// version, from the version of that symbol (VERS_1.24.1), or "" when the
// library does not say. The error is a *DamagedError, or says that the file
// cannot be read.
func Check(path string) (version string, err error) {
	damaged := func(format string, args ...any) (string, error) {
		return "", &DamagedError{Path: path, Why: fmt.Sprintf(format, args...)}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("onnxruntime library: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return damaged("%s, not a regular file", fileguard.Kind(fi.Mode()))
	}
	fh, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("onnxruntime library: %w", err)
	}
	defer fh.Close()
	var magic [4]byte
	if _, err := io.ReadFull(fh, magic[:]); err != nil || string(magic[:]) != elf.ELFMAG {
		return damaged("not an ELF file (it starts %q)", magic[:])
	}
	f, err := elf.NewFile(fh)
	if err != nil {
		return damaged("%v (a truncated or corrupt file)", err)
	}
	if f.Type != elf.ET_DYN {
		return damaged("an ELF %v, not a shared library", f.Type)
	}
	if m, ok := elfMachines[runtime.GOARCH]; ok && f.Machine != m {
		return damaged("a library for %v, this machine is %s", f.Machine, runtime.GOARCH)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && (p.Off > uint64(fi.Size()) || p.Filesz > uint64(fi.Size())-p.Off) {
			return damaged("a segment ends at byte %d of a %d-byte file (truncated)", p.Off+p.Filesz, fi.Size())
		}
	}
	syms, err := f.DynamicSymbols()
	if err != nil {
		return damaged("its symbols cannot be read: %v", err)
	}
	for _, s := range syms {
		if s.Name != apiSymbol || s.Section == elf.SHN_UNDEF {
			continue
		}
		v, _ := strings.CutPrefix(s.Version, "VERS_")
		if v != s.Version && older(v, Version) {
			return damaged("release %s, older than the %s whose C API zoo uses", v, Version)
		}
		if v == s.Version {
			v = ""
		}
		return v, nil
	}
	return damaged("it does not export %s", apiSymbol)
}

// older reports whether the release a (such as "1.16.3") is older than b,
// comparing the numbers of major and minor releases.
func older(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range min(2, len(pa), len(pb)) {
		x, err1 := strconv.Atoi(pa[i])
		y, err2 := strconv.Atoi(pb[i])
		if err1 != nil || err2 != nil {
			return false
		}
		if x != y {
			return x < y
		}
	}
	return false
}
