// Command zoo lists, exports and runs the networks of the model zoo.
//
//	zoo list                      # registered models
//	zoo show relu-ae-30           # layers, shapes, parameters
//	zoo data fetch mnist          # download a data set, verified
//	zoo export relu-ae-30 --init --seed 0 --out models/
//	zoo infer models/relu-ae-30/model.onnx t10k-images-idx3-ubyte.gz --out recon.idx
//
// Run zoo help COMMAND for the flags and an example of each command.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/cliargs"
	"github.com/zoo-ml/zoo/internal/interrupt"
	"github.com/zoo-ml/zoo/present"
	"github.com/zoo-ml/zoo/zoo"
)

func main() {
	relaunch()
	ctx, stop := interrupt.Context(context.Background())
	defer stop()
	app := newApp()
	err := app.RunContext(ctx, cliargs.Interleave(app, os.Args))
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "zoo:", withHints(err))
		if isUsage(err) {
			os.Exit(2)
		}
		var ee interrupt.ExitError
		if errors.As(err, &ee) {
			os.Exit(ee.ExitCode())
		}
		os.Exit(1)
	}
}

// isUsage reports whether err is the user's to fix on the command line,
// which exits with 2: a usageError, a data set split that does not exist,
// a --run given with a run folder.
func isUsage(err error) bool {
	var ue usageError
	var se *dataset.SplitError
	var re *present.RunError
	return errors.As(err, &ue) || errors.As(err, &se) || errors.As(err, &re)
}

// withHints returns err with the advice on the command line that its typed
// causes call for: after the words of a data set file not found on the
// search path, "; run `zoo data fetch NAME`".
func withHints(err error) error {
	var nf *dataset.NotFoundError
	if err == nil || !errors.As(err, &nf) {
		return err
	}
	what, msg := nf.Error(), err.Error()
	hint := "; run `zoo data fetch " + nf.Set + "`"
	if strings.Contains(msg, what+hint) {
		return err
	}
	return hinted{err, strings.Replace(msg, what, what+hint, 1)}
}

// hinted is an error with advice added to its message.
type hinted struct {
	error
	msg string
}

func (h hinted) Error() string { return h.msg }
func (h hinted) Unwrap() error { return h.error }

// usageError marks an error in the command line itself (exit code 2).
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func newApp() *cli.App {
	return &cli.App{
		Name:    "zoo",
		Usage:   "define, export and run classic image networks (autoencoders and classifiers) with ONNX",
		Version: zoo.Version,
		Description: `Each architecture is defined once, exported to ONNX and run in batch with onnxruntime.

Example:
   zoo export relu-ae-30 --init --seed 0 --out models/
   zoo infer models/relu-ae-30/model.onnx mnist --out recon.idx --json metrics.json`,
		Commands: []*cli.Command{
			listCommand(), showCommand(), dataCommand(), trainCommand(), sweepCommand(), runsCommand(), exportCommand(), inferCommand(), mergeCommand(), compareCommand(), evalCommand(), figureCommand(), reportCommand(), verifyCommand(), inspectCommand(),
		},
		EnableBashCompletion: true,
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
		ExitErrHandler: func(*cli.Context, error) {}, // main prints and exits
	}
}

// modelArg returns the registry model named by the only argument.
func modelArg(c *cli.Context) (*zoo.Model, error) {
	a, err := args(c, 1, 1)
	if err != nil {
		return nil, err
	}
	return zoo.Lookup(a[0])
}

// args returns the positional arguments, checking that there are least
// to most of them.
func args(c *cli.Context, least, most int) ([]string, error) {
	a := c.Args().Slice()
	if len(a) < least || len(a) > most {
		want := fmt.Sprint(least)
		if most > least {
			want = fmt.Sprintf("%d to %d", least, most)
		}
		return nil, usagef("%s: want %s arguments, got %d (see zoo help %s)", c.Command.Name, want, len(a), c.Command.Name)
	}
	return a, nil
}
