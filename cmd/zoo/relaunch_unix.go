//go:build unix

package main

import (
	"os"
	"syscall"

	"github.com/zoo-ml/zoo/internal/openblas"
)

// relaunch starts zoo again, in place and with the same arguments, when
// OpenBLAS fell back to a kernel slower than the CPU allows
// (openblas.Relaunch); if that cannot be done zoo goes on with the kernel
// it has.
func relaunch() {
	env, ok := openblas.Relaunch()
	if !ok {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	_ = syscall.Exec(exe, os.Args, env) // returns only on failure
}
