// Package interrupt turns SIGINT and SIGTERM into the cancellation of a
// command's context, and the resulting error into what the command line
// reports: which signal, and the shell's exit code for it (128 plus the
// signal number). Later signals are caught until the command has cleaned up.
package interrupt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Cause is the cause of the context of a command stopped by a signal.
type Cause struct{ Signal syscall.Signal }

func (e Cause) Error() string { return fmt.Sprintf("interrupted by %s", sigName(e.Signal)) }

// Is makes an interruption a cancellation, like os/signal's causes.
func (e Cause) Is(target error) bool { return target == context.Canceled }

// ExitCode is the shell's convention for a process ended by a signal:
// 128 plus the signal number (130 for SIGINT, 143 for SIGTERM).
func (e Cause) ExitCode() int { return 128 + int(e.Signal) }

func sigName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// Context returns a context that is cancelled, with a Cause, when the process receives SIGINT or SIGTERM. Later signals are
// caught too until stop is called, so that a second Ctrl-C does not kill
// the process before it has removed its temporary files.
func Context(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			sig, _ := s.(syscall.Signal)
			cancel(Cause{sig})
		case <-done:
		}
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
