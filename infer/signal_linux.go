//go:build linux && (amd64 || arm64)

package infer

import (
	"syscall"
	"unsafe"
)

// The CUDA execution provider (through the CUDA runtime and the libraries
// it loads) may install signal handlers of its own without the SA_ONSTACK
// flag. Go's runtime then crashes on the next Ctrl-C with "non-Go code set
// up signal handler without SA_ONSTACK flag" instead of delivering the
// signal to os/signal (onnxruntime_go issue #140). guardSignals takes a
// snapshot of the process's signal actions before such code runs and puts
// Go's handlers back after it; sessions on CUDA repeat the repair after
// each run, since handlers may also be installed lazily.

// sigactiont is the kernel's struct sigaction on linux/amd64 and
// linux/arm64 (the layout Go's runtime uses too).
type sigactiont struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

const (
	saOnStack = 0x08000000 // SA_ONSTACK
	sigDFL    = 0
	sigIGN    = 1
	nsig      = 65 // signals 1 to 64
)

func rtSigaction(sig int, act, old *sigactiont) syscall.Errno {
	_, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig),
		uintptr(unsafe.Pointer(act)), uintptr(unsafe.Pointer(old)), 8, 0, 0)
	return e
}

// sigState is a snapshot of the actions of signals 1 to 64.
type sigState struct {
	act [nsig]sigactiont
	ok  [nsig]bool
}

// saveSignals takes a snapshot of the signal actions.
func saveSignals() *sigState {
	s := &sigState{}
	for sig := 1; sig < nsig; sig++ {
		if sig == int(syscall.SIGKILL) || sig == int(syscall.SIGSTOP) {
			continue
		}
		s.ok[sig] = rtSigaction(sig, nil, &s.act[sig]) == 0
	}
	return s
}

// restore puts back Go's handlers that were replaced since the snapshot
// and returns the signals it restored. A signal is restored when Go's
// handler (recognisable by SA_ONSTACK, which Go always sets) was replaced
// by a handler without SA_ONSTACK, the case that crashes the process; and,
// for SIGINT and SIGTERM, which zoo needs to stop cleanly, by any other
// handler. Changes to SIG_DFL or SIG_IGN are left alone, as Go's
// os/signal makes those itself. restore on a nil state does nothing.
func (s *sigState) restore() []syscall.Signal {
	if s == nil {
		return nil
	}
	var fixed []syscall.Signal
	for sig := 1; sig < nsig; sig++ {
		if !s.ok[sig] || s.act[sig].flags&saOnStack == 0 {
			continue
		}
		var cur sigactiont
		if rtSigaction(sig, nil, &cur) != 0 || cur == s.act[sig] || cur.handler == sigDFL || cur.handler == sigIGN {
			continue
		}
		stop := sig == int(syscall.SIGINT) || sig == int(syscall.SIGTERM)
		if cur.flags&saOnStack != 0 && !stop {
			continue
		}
		if rtSigaction(sig, &s.act[sig], nil) == 0 {
			fixed = append(fixed, syscall.Signal(sig))
		}
	}
	return fixed
}

// guardSignals runs f, which may load code that installs signal handlers,
// and restores Go's handlers afterwards. It returns the signals restored.
func guardSignals(f func()) []syscall.Signal {
	s := saveSignals()
	f()
	return s.restore()
}
