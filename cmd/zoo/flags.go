package main

import (
	"strconv"
	"strings"
)

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
