package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/infer"
	"github.com/zoo-ml/zoo/internal/interrupt"
)

func mergeCommand() *cli.Command {
	return &cli.Command{
		Name:      "merge",
		Usage:     "join the IDX outputs of zoo infer --shard, in order, into one file",
		ArgsUsage: "OUT PART...",
		Description: `Concatenates the IDX parts written by "zoo infer --shard I/N" (reconstructions, codes, predicted
classes, probabilities) in the order given into OUT, byte for byte what one run over the whole input
writes. The parts must share their element type and item shape. zoo infer --shard writes a record
beside each part (PART.shard.json): such parts are joined in shard order, and a shard missing, given
twice or from another run is refused, named. OUT is written atomically and an existing file is
replaced only with --force.

Example:
   for i in 0 1 2 3; do zoo infer models/relu-ae-30 big.idx --shard $i/4 --out part-$i.idx & done; wait
   zoo merge recon.idx part-0.idx part-1.idx part-2.idx part-3.idx`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Usage: "replace an existing OUT"},
		},
		Action: func(c *cli.Context) error {
			a, err := args(c, 2, 1<<20)
			if err != nil {
				return err
			}
			n, err := infer.MergeIDX(c.Context, a[0], a[1:], c.Bool("force"))
			if err != nil {
				return interrupt.Err(c.Context, err)
			}
			fmt.Printf("merged %d parts, %d items, into %s\n", len(a)-1, n, a[0])
			return nil
		},
	}
}
