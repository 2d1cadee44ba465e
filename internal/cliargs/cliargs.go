// Package cliargs adapts command lines to urfave/cli v2, which stops reading
// flags at the first positional argument: Interleave moves each command's
// flags before its arguments, so that users may write them in any order.
package cliargs

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// Interleave returns args with each command's flags moved before its
// positional arguments, so that "zoo export relu-ae-30 --init --out m/"
// parses as "zoo export --init --out m/ relu-ae-30": urfave/cli v2 stops
// reading flags at the first positional argument. Everything after "--" is
// left in place.
func Interleave(app *cli.App, args []string) []string {
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
