package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/zoo-ml/zoo/internal/interrupt"
)

// interruption returns the error of a command whose context was cancelled:
// that it was interrupted (by which signal, with the signal's exit code)
// and that nothing was written. Errors that are not cancellations come
// back as they are.
func interruption(ctx context.Context, err error) error {
	if err == nil || !errors.Is(err, context.Canceled) {
		return err
	}
	var sc interrupt.Cause
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
