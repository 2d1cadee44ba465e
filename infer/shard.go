package infer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/internal/atomicfile"
)

// ParseShard parses zoo infer's --shard I/N, shard I (from 0) of N;
// shards is 0 for "".
func ParseShard(s string) (shard, shards int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: want I/N with 0 <= I < N, such as 0/4", s)
	}
	return i, n, nil
}

// ShardRecordSuffix ends the name of the record of a shard's output:
// part-0.idx has part-0.idx.shard.json beside it.
const ShardRecordSuffix = ".shard.json"

// A ShardRecord says what part of a job's outputs a file of zoo infer
// --shard holds, so that MergeIDX can tell a missing, repeated or foreign
// part. A sharded Job writes one beside each output (OUT.shard.json).
type ShardRecord struct {
	// Shard is the file's shard, from 0, of Shards.
	Shard  int `json:"shard"`
	Shards int `json:"shards"`
	// First is the index in the input of the shard's first example, Count
	// the number of its examples, Total the number in the whole input.
	First int `json:"first"`
	Count int `json:"count"`
	Total int `json:"total"`
	// Data and Model name the input and the model file as the job was
	// given them, and Output which of its outputs the file is ("out",
	// "probs" or "logits").
	Data   string `json:"data"`
	Model  string `json:"model"`
	Output string `json:"output"`
}

// String names the shard and its examples: "shard 2/4 (examples 100 to 149
// of 200)".
func (r *ShardRecord) String() string {
	return fmt.Sprintf("shard %d/%d (examples %d to %d of %d)", r.Shard, r.Shards, r.First, r.First+r.Count-1, r.Total)
}

// ReadShardRecord reads the record of the output file path; nil when it has
// none (a file not written by zoo infer --shard, or by an older zoo).
func ReadShardRecord(path string) (*ShardRecord, error) {
	b, err := os.ReadFile(path + ShardRecordSuffix)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r ShardRecord
	if err := json.Unmarshal(b, &r); err != nil || r.Shards < 1 || r.Shard < 0 || r.Shard >= r.Shards {
		return nil, fmt.Errorf("%s%s is not a shard record", path, ShardRecordSuffix)
	}
	return &r, nil
}

// claimRecords starts the records of the job's output files, when it runs a
// shard, so that an existing one stops it before any work.
func (r *jobRun) claimRecords() error {
	if r.Shards == 0 {
		return nil
	}
	for _, o := range r.outputNames() {
		f, err := atomicfile.Create(o[1]+ShardRecordSuffix, r.Force)
		if err != nil {
			return err
		}
		r.records = append(r.records, f)
	}
	return nil
}

// outputNames returns the job's output files: which output, and its path.
func (r *jobRun) outputNames() [][2]string {
	var out [][2]string
	for _, o := range [][2]string{{"out", r.Out}, {"probs", r.Probs}, {"logits", r.Logits}} {
		if o[1] != "" {
			out = append(out, o)
		}
	}
	return out
}

// commitRecords writes the records of the output files, once they are in
// place.
func (r *jobRun) commitRecords() error {
	for i, o := range r.outputNames() {
		if i >= len(r.records) {
			break
		}
		rec := ShardRecord{Shard: r.Shard, Shards: r.Shards, First: r.first, Count: r.count, Total: r.total,
			Data: r.Data, Model: r.path, Output: o[0]}
		b, err := json.MarshalIndent(rec, "", "  ")
		if err != nil {
			return err
		}
		if _, err := r.records[i].Write(append(b, '\n')); err != nil {
			return fmt.Errorf("write %s: %w", r.records[i].Path(), err)
		}
		if err := r.records[i].Commit(); err != nil {
			return err
		}
	}
	return nil
}

// orderShards checks the parts of a merge by their shard records and
// returns them in shard order. Parts without records (files zoo infer
// --shard did not write, or an older zoo did) are merged in the order
// given, as long as none has one. A part that repeats a shard, belongs to
// another sharding or input, or holds another output, is refused by name,
// and so is a missing shard, with the examples it covers.
func orderShards(parts []string) ([]string, error) {
	recs := make([]*ShardRecord, len(parts))
	with := -1
	for i, p := range parts {
		var err error
		if recs[i], err = ReadShardRecord(p); err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		if recs[i] != nil {
			if err := checkCount(p, recs[i]); err != nil {
				return nil, err
			}
		}
		if recs[i] != nil && with < 0 {
			with = i
		}
	}
	if with < 0 {
		return parts, nil
	}
	ref := recs[with]
	for i, r := range recs {
		switch {
		case r == nil:
			return nil, fmt.Errorf("merge: %s has no shard record (%s), but %s is %s: is it an extra part?", parts[i], parts[i]+ShardRecordSuffix, parts[with], ref)
		case r.Shards != ref.Shards || r.Total != ref.Total || r.Data != ref.Data:
			return nil, fmt.Errorf("merge: %s is %s of %s, but %s is %s of %s: parts of other runs", parts[i], r, r.Data, parts[with], ref, ref.Data)
		case r.Output != ref.Output || r.Model != ref.Model:
			return nil, fmt.Errorf("merge: %s holds the %s of %s, but %s the %s of %s", parts[i], r.Output, r.Model, parts[with], ref.Output, ref.Model)
		}
		if j := slices.IndexFunc(recs[:i], func(q *ShardRecord) bool { return q.Shard == r.Shard }); j >= 0 {
			return nil, fmt.Errorf("merge: %s and %s are both %s: an extra part", parts[j], parts[i], r)
		}
	}
	if len(parts) < ref.Shards {
		var missing []string
		for s := range ref.Shards {
			if !slices.ContainsFunc(recs, func(q *ShardRecord) bool { return q.Shard == s }) {
				lo, hi := s*ref.Total/ref.Shards, (s+1)*ref.Total/ref.Shards
				missing = append(missing, fmt.Sprintf("shard %d/%d (examples %d to %d)", s, ref.Shards, lo, hi-1))
			}
		}
		return nil, fmt.Errorf("merge: %s missing: the %d parts given hold %d of the %d shards of %s", strings.Join(missing, ", "), len(parts), len(parts), ref.Shards, ref.Data)
	}
	idx := make([]int, len(parts))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return recs[idx[a]].Shard < recs[idx[b]].Shard })
	out := make([]string, len(parts))
	for k, i := range idx {
		out[k] = parts[i]
	}
	return out, nil
}

// checkCount checks that the part p holds as many items as its record r
// says.
func checkCount(p string, r *ShardRecord) error {
	f, err := dataset.OpenIDX(p)
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	defer f.Close()
	if n := f.Header().Count(); n != r.Count {
		return fmt.Errorf("merge: %s holds %d items, but its record says it is %s", p, n, r)
	}
	return nil
}
