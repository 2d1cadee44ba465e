package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/zoo-ml/zoo/dataset"
)

func dataCommand() *cli.Command {
	return &cli.Command{
		Name:  "data",
		Usage: "list, download and verify data sets",
		Description: `Data sets are looked up on the search path: $ZOO_DATA, then ~/.cache/zoo/datasets, then
/usr/share/datasets (where Debian's dataset-fashion-mnist installs). The embedded mnist-mini set
(the first 2,000 MNIST test images) needs no download.

Example:
   zoo data list
   zoo data fetch mnist
   zoo data verify fashion-mnist`,
		Subcommands: []*cli.Command{
			{
				Name:  "list",
				Usage: "list the catalogue and where each data set is found",
				Description: `Example:
   zoo data list`,
				Action: dataList,
			},
			dataFetchCommand(),
			{
				Name:      "verify",
				Usage:     "check the SHA-256 of data set files found on the search path",
				ArgsUsage: "[NAME...]",
				Description: `With no name, checks every data set that is found. Exits non-zero if any file fails, or if
a named data set is missing.

Example:
   zoo data verify
   zoo data verify fashion-mnist`,
				Action: dataVerify,
			},
			{
				Name:  "path",
				Usage: "print the data search path",
				Description: `Example:
   ZOO_DATA=/srv/data zoo data path`,
				Action: dataPath,
			},
		},
	}
}

func dataFetchCommand() *cli.Command {
	return &cli.Command{
		Name:      "fetch",
		Usage:     "download data sets, verifying their SHA-256",
		ArgsUsage: "NAME...",
		Description: `Each file is downloaded into DIR/NAME/.FILE.part, checked against the catalogue's size and
SHA-256, and only then renamed into place; data that fails the check is deleted and the error names
the URL that served it. A dropped connection is resumed with an HTTP range request (or restarted when
the server does not support ranges); the bytes of a failed download are kept, and running the command
again resumes them. Files already present and valid are kept.

Example:
   zoo data fetch mnist fashion-mnist
   zoo data fetch --dir ./data kmnist`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Usage: "download into `DIR`/NAME instead of the cache folder"},
			&cli.BoolFlag{Name: "force", Usage: "download again even when valid files are present"},
			&cli.StringSliceFlag{Name: "mirror", Usage: "download from base `URL` instead of the catalogue's (repeatable)"},
		},
		Action: dataFetch,
	}
}

func dataPath(c *cli.Context) error {
	for _, d := range dataset.SearchPath() {
		fmt.Println(d)
	}
	return nil
}

func dataList(c *cli.Context) error { return dataset.WriteCatalogue(os.Stdout) }

func dataFetch(c *cli.Context) error {
	names, err := args(c, 1, 16)
	if err != nil {
		return err
	}
	for _, name := range names {
		d, err := dataset.Lookup(name)
		if err != nil {
			return err
		}
		if mirrors := c.StringSlice("mirror"); len(mirrors) > 0 {
			d = d.WithMirrors(mirrors...)
		}
		dir := c.String("dir")
		if dir == "" {
			if dir, err = dataset.CacheDir(); err != nil {
				return err
			}
		}
		paths, err := dataset.Fetch(c.Context, d, filepath.Join(dir, d.Name),
			dataset.FetchOptions{Force: c.Bool("force"), Progress: dataset.ProgressLine(os.Stderr)})
		if err != nil {
			return err
		}
		for _, p := range paths {
			fmt.Println(p)
		}
	}
	return nil
}

func dataVerify(c *cli.Context) error {
	v, err := dataset.VerifySets(c.Args().Slice()...)
	if werr := v.WriteText(os.Stdout); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	return v.Err()
}

// dataNotice says, for zoo infer, eval and figure, that a data set is not
// on the search path: that mnist-mini stands in for its images, or that
// there are no labels.
func dataNotice(n dataset.Notice) {
	if n.N > 0 {
		fmt.Fprintf(os.Stderr, "zoo: %s not found on the search path (zoo data fetch %s); using the embedded %s set (%d MNIST test images)\n",
			n.Set, n.Set, dataset.MiniName, n.N)
		return
	}
	fmt.Fprintf(os.Stderr, "zoo: no %s file of %s found; no accuracy without labels (--labels FILE)\n", n.Role, n.Set)
}
