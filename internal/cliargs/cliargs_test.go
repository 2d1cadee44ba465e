package cliargs

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// app is a command tree shaped like zoo's: flags with values, booleans,
// and a command with subcommands.
func testApp() *cli.App {
	return &cli.App{Name: "zoo", Commands: []*cli.Command{
		{Name: "export", Flags: []cli.Flag{&cli.BoolFlag{Name: "init"}, &cli.Uint64Flag{Name: "seed"}, &cli.StringFlag{Name: "out"}}},
		{Name: "infer", Flags: []cli.Flag{&cli.StringFlag{Name: "task"}, &cli.StringFlag{Name: "out", Aliases: []string{"o"}},
			&cli.BoolFlag{Name: "force"}, &cli.IntFlag{Name: "batch"}}},
		{Name: "data", Subcommands: []*cli.Command{{Name: "fetch", Flags: []cli.Flag{&cli.StringFlag{Name: "dir"}}}}},
		{Name: "list"},
	}}
}

func TestInterleave(t *testing.T) {
	app := testApp()
	for _, tc := range []struct{ in, want string }{
		{"zoo export relu-ae-30 --init --seed 0 --out m/", "zoo export --init --seed 0 --out m/ relu-ae-30"},
		{"zoo infer m.onnx data.idx --task encode -o x.npy --force", "zoo infer --task encode -o x.npy --force m.onnx data.idx"},
		{"zoo infer --batch=8 m.onnx d", "zoo infer --batch=8 m.onnx d"},
		{"zoo data fetch mnist --dir d", "zoo data fetch --dir d mnist"},
		{"zoo infer m -- --weird-file", "zoo infer m -- --weird-file"},
		{"zoo list", "zoo list"},
	} {
		if got := strings.Join(Interleave(app, strings.Fields(tc.in)), " "); got != tc.want {
			t.Errorf("Interleave(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
