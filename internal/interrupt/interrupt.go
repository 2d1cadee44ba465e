// Package interrupt ends a command when the process gets SIGINT, SIGTERM
// or SIGHUP: the command's context is cancelled, with the signal as its
// cause (Cause), so that it stops where it is and removes what it has not
// finished; and if it has not ended within a grace period, or a second
// signal comes, the temporary files it has not committed are removed
// (atomicfile.RemovePending) and the process exits with the signal's code.
// So a command ends at any point, even one blocked in a system call,
// leaving nothing partial behind.
package interrupt

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/zoo-ml/zoo/internal/atomicfile"
)

// Signals returns the signals that end a command.
func Signals() []os.Signal { return []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} }

// Grace is how long a command has, after a signal, to stop and clean up by
// itself: finish its batch, save a checkpoint, remove its temporary files.
const Grace = 10 * time.Second

// Cause is the cause of the context of a command stopped by a signal.
type Cause struct{ Signal syscall.Signal }

// Error says which signal: "interrupted by SIGINT".
func (c Cause) Error() string { return "interrupted by " + Name(c.Signal) }

// Is makes an interruption a cancellation, like os/signal's causes.
func (c Cause) Is(target error) bool { return target == context.Canceled }

// ExitCode is the shell's convention for a process ended by a signal: 128
// plus the signal number (129 for SIGHUP, 130 for SIGINT, 143 for SIGTERM).
func (c Cause) ExitCode() int { return 128 + int(c.Signal) }

// Name returns the name of sig as the shell spells it, such as "SIGINT".
func Name(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return sig.String()
}

// Options are the settings of Watch; the zero value is Grace, with the
// message on os.Stderr and os.Exit.
type Options struct {
	// Grace is how long the command has to stop by itself.
	Grace time.Duration
	// Stderr receives the line that says the process was stopped at once.
	Stderr io.Writer
	// Exit ends the process.
	Exit func(code int)
}

// Watch returns a context that is cancelled, with a Cause, when the
// process receives one of Signals(), and watches the command that runs with
// it: if stop has not been called within opt.Grace after the signal, or a
// second signal comes, the temporary files not yet committed are removed,
// a line says so and the process exits with the signal's code. Call stop
// when the command has returned.
func Watch(parent context.Context, opt Options) (ctx context.Context, stop func()) {
	if opt.Grace == 0 {
		opt.Grace = Grace
	}
	if opt.Stderr == nil {
		opt.Stderr = os.Stderr
	}
	if opt.Exit == nil {
		opt.Exit = os.Exit
	}
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, Signals()...)
	done := make(chan struct{})
	go func() {
		var c Cause
		select {
		case s := <-ch:
			c.Signal, _ = s.(syscall.Signal)
			cancel(c)
		case <-done:
			return
		}
		select {
		case <-ch:
		case <-time.After(opt.Grace):
		case <-done:
			return
		}
		atomicfile.RemovePending()
		fmt.Fprintf(opt.Stderr, "zoo: %v; stopped at once, temporary files removed\n", c)
		opt.Exit(c.ExitCode())
	}()
	return ctx, func() {
		select {
		case <-done:
		default:
			close(done)
		}
		cancel(nil)
		signal.Stop(ch)
	}
}
