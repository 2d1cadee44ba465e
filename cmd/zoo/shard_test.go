package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/testenv"
)

// TestShardMerge runs 4 shards of zoo infer as parallel processes, merges
// their parts and checks that the result is byte-identical to one run over
// the whole file, for reconstructions (f32) and for a classifier's
// predicted classes (u8), whose shards also report their own accuracy.
func TestShardMerge(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.idx")
	if r := run(t, nil, "infer", model, clsImages, "--out", whole, "--batch", "50"); r.code != 0 {
		t.Fatalf("whole run: %+v", r)
	}
	const n = 4
	var parts []string
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("part-%d.idx", i))
		parts = append(parts, p)
		cmd := exec.Command(zooBin, "infer", model, clsImages, "--shard", fmt.Sprintf("%d/%d", i, n), "--out", p, "--batch", "50")
		var b bytes.Buffer
		cmd.Stdout, cmd.Stderr = &b, &b
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &b)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, outs[i])
		}
		if !strings.Contains(outs[i].String(), "reconstructed 128 examples") {
			t.Errorf("shard %d: %s", i, outs[i])
		}
	}
	merged := filepath.Join(dir, "merged.idx")
	r := run(t, nil, append([]string{"merge", merged}, parts...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "merged 4 parts, 512 items") {
		t.Fatalf("merge: %+v", r)
	}
	a, _ := os.ReadFile(whole)
	b, _ := os.ReadFile(merged)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("merged shards (%d bytes) differ from one run (%d bytes)", len(b), len(a))
	}
	if r := run(t, nil, append([]string{"merge", merged}, parts...)...); r.code == 0 || !strings.Contains(r.stderr, "exists") {
		t.Errorf("merge over an existing file: %+v", r)
	}

	// Shards of uneven size (512 over 3), and the errors.
	if r := run(t, nil, "infer", model, clsImages, "--shard", "2/3", "--out", filepath.Join(dir, "p2of3.idx")); r.code != 0 || !strings.Contains(r.stdout, "reconstructed 171 examples") {
		t.Errorf("shard 2/3: %+v", r)
	}
	for _, bad := range []string{"4/4", "-1/4", "1", "a/b", "0/0"} {
		if r := run(t, nil, "infer", model, clsImages, "--shard", bad); r.code != 2 {
			t.Errorf("--shard %s: %+v", bad, r)
		}
	}
	if r := run(t, nil, "infer", model, clsImages, "--shard", "0/2", "--out", filepath.Join(dir, "x.npy")); r.code != 2 || !strings.Contains(r.stderr, "must be an IDX file") {
		t.Errorf("--shard with .npy: %+v", r)
	}
	codes := filepath.Join(dir, "codes.idx")
	if r := run(t, nil, "infer", model, clsImages, "--task", "encode", "--out", codes); r.code != 0 {
		t.Fatalf("encode: %+v", r)
	}
	if r := run(t, nil, "merge", filepath.Join(dir, "mixed.idx"), parts[0], codes); r.code != 1 || !strings.Contains(r.stderr, "must share type and item shape") {
		t.Errorf("merging mismatched parts: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "mixed.idx")); err == nil {
		t.Error("a failed merge left its output")
	}
}

func TestShardMergeClassify(t *testing.T) {
	testenv.NeedORT(t)
	tc := newTestClassifier(t)
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.idx")
	if r := run(t, nil, "infer", tc.dir, clsImages, "--labels", clsLabels, "--out", whole); r.code != 0 {
		t.Fatalf("whole run: %+v", r)
	}
	var parts []string
	for i := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("part-%d.idx", i))
		parts = append(parts, p)
		r := run(t, nil, "infer", tc.dir, clsImages, "--labels", clsLabels, "--shard", fmt.Sprintf("%d/3", i), "--out", p)
		if r.code != 0 || !strings.Contains(r.stdout, "accuracy") {
			t.Fatalf("shard %d: %+v", i, r)
		}
	}
	merged := filepath.Join(dir, "merged.idx")
	if r := run(t, nil, append([]string{"merge", merged}, parts...)...); r.code != 0 {
		t.Fatalf("merge: %+v", r)
	}
	a, _ := os.ReadFile(whole)
	b, _ := os.ReadFile(merged)
	if len(a) != 8+512 || !bytes.Equal(a, b) {
		t.Errorf("merged predictions (%d bytes) differ from one run (%d bytes)", len(b), len(a))
	}
}

// TestMergeRefusesParts shards a run in 3 and merges the parts given out of
// order (taken in shard order, byte-identical to one run), then with a part
// missing, a part given twice, a part of another sharding and a file that
// is no shard: each is refused, naming the part, and nothing is written.
func TestMergeRefusesParts(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.idx")
	if r := run(t, nil, "infer", model, clsImages, "--out", whole); r.code != 0 {
		t.Fatalf("whole run: %+v", r)
	}
	part := func(i, n int) string {
		p := filepath.Join(dir, fmt.Sprintf("part-%d-of-%d.idx", i, n))
		if r := run(t, nil, "infer", model, clsImages, "--shard", fmt.Sprintf("%d/%d", i, n), "--out", p); r.code != 0 {
			t.Fatalf("shard %d/%d: %+v", i, n, r)
		}
		return p
	}
	p0, p1, p2 := part(0, 3), part(1, 3), part(2, 3)
	rec, err := os.ReadFile(p1 + ".shard.json")
	if err != nil || !strings.Contains(string(rec), `"shard": 1`) || !strings.Contains(string(rec), `"first": 170`) || !strings.Contains(string(rec), `"count": 171`) {
		t.Errorf("record of shard 1/3: %s, %v", rec, err)
	}
	merged := filepath.Join(dir, "merged.idx")
	if r := run(t, nil, "merge", merged, p2, p0, p1); r.code != 0 || !strings.Contains(r.stdout, "merged 3 parts, 512 items") {
		t.Fatalf("merge out of order: %+v", r)
	}
	a, _ := os.ReadFile(whole)
	b, _ := os.ReadFile(merged)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("merged shards (%d bytes) differ from one run (%d bytes)", len(b), len(a))
	}
	other := part(0, 2)
	for _, tc := range []struct {
		name  string
		parts []string
		want  string
	}{
		{"missing", []string{p0, p2}, "shard 1/3 (examples 170 to 340) missing: the 2 parts given hold 2 of the 3 shards"},
		{"twice", []string{p0, p1, p1, p2}, p1 + " and " + p1 + " are both shard 1/3 (examples 170 to 340 of 512): an extra part"},
		{"other sharding", []string{p0, p1, p2, other}, other + " is shard 0/2 (examples 0 to 255 of 512)"},
		{"no record", []string{p0, p1, p2, whole}, whole + " has no shard record"},
	} {
		out := filepath.Join(dir, tc.name+".idx")
		r := run(t, nil, append([]string{"merge", out}, tc.parts...)...)
		if r.code != 1 || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%s: %+v, want one line saying %q", tc.name, r, tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: the refused merge left %s", tc.name, out)
		}
	}
	// A part whose items do not match its record.
	if err := os.WriteFile(p0+".shard.json", bytes.Replace(rec, []byte(`"shard": 1`), []byte(`"shard": 0`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run(t, nil, "merge", filepath.Join(dir, "lie.idx"), p0, p1, p2); r.code != 1 || !strings.Contains(r.stderr, p0+" holds 170 items, but its record says it is shard 0/3 (examples 170 to 340 of 512)") {
		t.Errorf("a record that lies: %+v", r)
	}
}
