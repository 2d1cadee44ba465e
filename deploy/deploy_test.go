// Package deploy holds the job scripts users submit (slurm/) and the
// Kubernetes manifest (k8s/); its test checks that they run the same zoo
// command line.
package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// k8sScript returns the shell script of the manifest's container: the
// block after "- |" of its command, unindented.
func k8sScript(t *testing.T, manifest string) string {
	t.Helper()
	lines := strings.Split(manifest, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "- |" {
			continue
		}
		indent := len(lines[i+1]) - len(strings.TrimLeft(lines[i+1], " "))
		var out []string
		for _, b := range lines[i+1:] {
			if len(b)-len(strings.TrimLeft(b, " ")) < indent || strings.TrimSpace(b) == "" {
				break
			}
			out = append(out, b[indent:])
		}
		return strings.Join(out, "\n") + "\n"
	}
	t.Fatal("the manifest has no command block (- |)")
	return ""
}

// zooLine returns the one line of script that runs zoo.
func zooLine(t *testing.T, name, script string) string {
	t.Helper()
	var found []string
	for l := range strings.SplitSeq(script, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "exec" && f[1] == "zoo" {
			found = append(found, strings.TrimSpace(l))
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: %d lines run zoo, want 1: %q", name, len(found), found)
	}
	return found[0]
}

// runArgs runs script with sh, env and a zoo on PATH that prints its
// arguments one per line, and returns what it printed.
func runArgs(t *testing.T, script string, env ...string) string {
	t.Helper()
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "zoo"), []byte("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append([]string{"PATH=" + bin + ":/usr/bin:/bin"}, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s\n%s", err, out, script)
	}
	return string(out)
}

// TestSameCommandLine checks that a task of the Slurm array job and a pod
// of the Kubernetes Indexed Job run zoo infer with the same line, and, run
// with a stand-in zoo, the same arguments for the same shard; and that the
// manifest's SHARDS is its completions and parallelism.
func TestSameCommandLine(t *testing.T) {
	slurm, err := os.ReadFile("slurm/infer.sh")
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile("k8s/infer-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	k8s := k8sScript(t, string(manifest))
	if a, b := zooLine(t, "deploy/slurm/infer.sh", string(slurm)), zooLine(t, "deploy/k8s/infer-job.yaml", k8s); a != b {
		t.Errorf("the zoo lines differ:\n  slurm: %s\n  k8s:   %s", a, b)
	}
	common := []string{"MODEL=/data/models/relu-ae-30", "DATA=/data/big.idx", "PARTS=/data/parts"}
	fromSlurm := runArgs(t, string(slurm), append(common, "SLURM_ARRAY_TASK_ID=3", "SLURM_ARRAY_TASK_COUNT=8", "SLURM_CPUS_PER_TASK=4")...)
	fromK8s := runArgs(t, k8s, append(common, "JOB_COMPLETION_INDEX=3", "SHARDS=8", "THREADS=4")...)
	want := "infer\n/data/models/relu-ae-30\n/data/big.idx\n--shard\n3/8\n--threads\n4\n--out\n/data/parts/part-3.idx\n"
	if fromSlurm != want || fromK8s != want {
		t.Errorf("arguments of shard 3/8:\n  slurm %q\n  k8s   %q\n  want  %q", fromSlurm, fromK8s, want)
	}
	// A resubmitted task (--array=3 alone) keeps its N from SHARDS.
	if got := runArgs(t, string(slurm), append(common, "SLURM_ARRAY_TASK_ID=3", "SLURM_ARRAY_TASK_COUNT=1", "SHARDS=8", "SLURM_CPUS_PER_TASK=4")...); got != want {
		t.Errorf("task 3 resubmitted alone: %q", got)
	}
	value := func(re string) string {
		m := regexp.MustCompile(re).FindStringSubmatch(string(manifest))
		if m == nil {
			t.Fatalf("the manifest lacks %s", re)
		}
		return m[1]
	}
	shards := value(`name: SHARDS, value: "(\d+)"`)
	if c, p := value(`completions: (\d+)`), value(`parallelism: (\d+)`); c != shards || p != shards || value(`completionMode: (\w+)`) != "Indexed" {
		t.Errorf("SHARDS %s, completions %s, parallelism %s", shards, c, p)
	}
	if th, cpu := value(`name: THREADS, value: "(\d+)"`), value(`cpu: "(\d+)"`); th != cpu {
		t.Errorf("THREADS %s but %s CPUs requested", th, cpu)
	}
}
