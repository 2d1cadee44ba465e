// Package ortlib finds the onnxruntime shared library that zoo loads:
// $ZOO_ORT_LIB when set, else the cache folder where setup.sh installs it,
// else the system's library folders. It only looks; package infer loads the
// library. Having no cgo and no engine, it lets tests ask whether the
// library is there without loading it (see internal/testenv).
package ortlib

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
