package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// signalCause is the cause of the context of a command stopped by a signal.
type signalCause struct{ sig syscall.Signal }

func (e signalCause) Error() string { return fmt.Sprintf("interrupted by %s", sigName(e.sig)) }

// Is makes an interruption a cancellation, like os/signal's causes.
func (e signalCause) Is(target error) bool { return target == context.Canceled }

// ExitCode is the shell's convention for a process ended by a signal:
// 128 plus the signal number (130 for SIGINT, 143 for SIGTERM).
func (e signalCause) ExitCode() int { return 128 + int(e.sig) }

func sigName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// interruptContext returns a context that is cancelled, with a signalCause
// cause, when the process receives SIGINT or SIGTERM. Later signals are
// caught too until stop is called, so that a second Ctrl-C does not kill
// the process before it has removed its temporary files.
func interruptContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			sig, _ := s.(syscall.Signal)
			cancel(signalCause{sig})
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

// interruption returns the error of a command whose context was cancelled:
// that it was interrupted (by which signal, with the signal's exit code)
// and that nothing was written. Errors that are not cancellations come
// back as they are.
func interruption(ctx context.Context, err error) error {
	if err == nil || !errors.Is(err, context.Canceled) {
		return err
	}
	var sc signalCause
	if !errors.As(context.Cause(ctx), &sc) {
		return errors.New("interrupted; no output was written")
	}
	return exitError{fmt.Errorf("%s; no output was written", sc), sc.ExitCode()}
}

// exitError is an error with the process exit code it calls for.
type exitError struct {
	error
	code int
}

func (e exitError) ExitCode() int { return e.code }
func (e exitError) Unwrap() error { return e.error }
