// Package interrupt ends a command when the process gets SIGINT, SIGTERM
// or SIGHUP, and turns the resulting error into what the command line
// reports: which signal, and the shell's exit code for it (128 plus the
// signal number).
//
// The command's context is cancelled, with the signal as its cause (Cause),
// so that it stops where it is and removes what it has not finished. If it
// has not ended within a grace period, or a second signal comes, the
// temporary files it has not committed are removed
// (atomicfile.RemovePending) and the process exits with the signal's code:
// a command ends at any point, even one blocked in a system call, and
// leaves nothing partial behind.
package interrupt

import (
	"context"
	"errors"
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

func (e Cause) Error() string { return fmt.Sprintf("interrupted by %s", sigName(e.Signal)) }

// Is makes an interruption a cancellation, like os/signal's causes.
func (e Cause) Is(target error) bool { return target == context.Canceled }

// ExitCode is the shell's convention for a process ended by a signal:
// 128 plus the signal number (129 for SIGHUP, 130 for SIGINT, 143 for
// SIGTERM).
func (e Cause) ExitCode() int { return 128 + int(e.Signal) }

func sigName(sig syscall.Signal) string {
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

// Context returns a context that is cancelled, with a Cause, when the
// process receives one of Signals(); the command then has Grace to end, as
// Watch says.
func Context(parent context.Context) (ctx context.Context, stop func()) {
	return Watch(parent, Options{})
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
// process receives one of Signals(), and watches the command that runs
// with it: if stop has not been called within opt.Grace after the signal,
// or a second signal comes, the temporary files not yet committed are
// removed, a line says so and the process exits with the signal's code.
// Call stop when the command has returned.
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

// Err returns the error of a command whose context was cancelled:
// that it was interrupted (by which signal, with the signal's exit code)
// and that nothing was written. Errors that are not cancellations come
// back as they are.
func Err(ctx context.Context, err error) error {
	if err == nil || !errors.Is(err, context.Canceled) {
		return err
	}
	var sc Cause
	if !errors.As(context.Cause(ctx), &sc) {
		return errors.New("interrupted; no output was written")
	}
	return ExitError{Err: fmt.Errorf("%w; no output was written", sc), Code: sc.ExitCode()}
}

// Check returns, for a command about to commit its outputs, the error of
// Err when ctx was cancelled by a signal (or at all): the command must then
// write nothing. It returns nil while ctx is not done.
func Check(ctx context.Context) error { return Err(ctx, context.Cause(ctx)) }

// ExitError is an error with the process exit code it calls for.
type ExitError struct {
	Err  error
	Code int
}

func (e ExitError) Error() string { return e.Err.Error() }

// ExitCode returns the exit code the error calls for.
func (e ExitError) ExitCode() int { return e.Code }

// Unwrap returns the error.
func (e ExitError) Unwrap() error { return e.Err }
