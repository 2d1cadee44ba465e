//go:build !(linux && (amd64 || arm64))

package infer

import "syscall"

// sigState is empty where zoo does not repair signal handlers: onnxruntime's
// CUDA provider is only built for Linux here, and signal actions are read
// with the Linux system call.
type sigState struct{}

func saveSignals() *sigState { return nil }

func (s *sigState) restore() []syscall.Signal { return nil }

func guardSignals(f func()) []syscall.Signal {
	f()
	return nil
}
