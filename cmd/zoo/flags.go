package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// interleave returns args with each command's flags moved before its
// positional arguments, so that "zoo export relu-ae-30 --init --out m/"
// parses as "zoo export --init --out m/ relu-ae-30": urfave/cli v2 stops
// reading flags at the first positional argument. Everything after "--" is
// left in place.
func interleave(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	rest := args[1:]
	flags := app.Flags
	cmds := app.Commands
	for {
		// Global or command flags before the (sub)command name stay put.
		i := 0
		for i < len(rest) && strings.HasPrefix(rest[i], "-") && rest[i] != "--" {
			i += 1 + takesValue(flags, rest[i])
		}
		i = min(i, len(rest))
		out = append(out, rest[:i]...)
		rest = rest[i:]
		if len(rest) == 0 {
			return out
		}
		cmd := find(cmds, rest[0])
		if cmd == nil {
			break
		}
		out = append(out, rest[0])
		rest = rest[1:]
		flags, cmds = cmd.Flags, cmd.Subcommands
		if len(cmds) == 0 {
			break
		}
	}
	var fl, pos []string
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			pos = append(pos, rest[i:]...)
			i = len(rest)
		case strings.HasPrefix(a, "-") && a != "-":
			fl = append(fl, a)
			if takesValue(flags, a) == 1 && i+1 < len(rest) {
				fl = append(fl, rest[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	out = append(out, fl...)
	return append(out, pos...)
}

// takesValue returns 1 when the flag token a ("--out" or "-o") names a flag
// that takes a separate value, 0 otherwise (booleans, "--out=x", unknown).
func takesValue(flags []cli.Flag, a string) int {
	name := strings.TrimLeft(a, "-")
	if strings.Contains(name, "=") {
		return 0
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				if _, isBool := f.(*cli.BoolFlag); isBool {
					return 0
				}
				return 1
			}
		}
	}
	return 0
}

func find(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// notebookIndex is the default --index: one test image of each digit in the
// MNIST test set, as in the PCA-versus-autoencoder notebook.
const notebookIndex = "9705-9714"

// maxShown is the most images --index may select for the figure.
const maxShown = 100

// parseKs parses --k: one positive number or a comma-separated list of
// them, returned sorted without repeats.
func parseKs(s string) ([]int, error) {
	var ks []int
	for f := range strings.SplitSeq(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 {
			return nil, fmt.Errorf("--k %q: %q is not a positive number of components", s, f)
		}
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return slices.Compact(ks), nil
}

// parseIndex parses --index, a comma-separated list of positions and
// inclusive ranges A-B, each below n. An empty s means the notebook's
// 9705-9714 when the test set has that many images, else the first ten.
func parseIndex(s string, n int) ([]int, error) {
	if s == "" {
		if n > 9714 {
			s = notebookIndex
		} else {
			s = "0-" + strconv.Itoa(min(n, 10)-1)
		}
	}
	var index []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		a, b, isRange := strings.Cut(f, "-")
		lo, err1 := strconv.Atoi(a)
		hi, err2 := lo, error(nil)
		if isRange {
			hi, err2 = strconv.Atoi(b)
		}
		switch {
		case err1 != nil || err2 != nil || lo < 0:
			return nil, fmt.Errorf("--index %q: %q is not a position or a range A-B", s, f)
		case hi < lo:
			return nil, fmt.Errorf("--index %q: range %q ends before it starts", s, f)
		case hi >= n:
			return nil, fmt.Errorf("--index %q: %d is past the last of the %d test images (0 to %d)", s, hi, n, n-1)
		case len(index)+hi-lo+1 > maxShown:
			return nil, fmt.Errorf("--index %q: more than %d images", s, maxShown)
		}
		for i := lo; i <= hi; i++ {
			index = append(index, i)
		}
	}
	return index, nil
}

// parseShard parses --shard I/N; shards is 0 without the flag.
func parseShard(s string) (shard, shards int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, usagef("--shard %q: want I/N with 0 <= I < N, such as 0/4", s)
	}
	return i, n, nil
}
