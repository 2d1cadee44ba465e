package sweep

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/zoo-ml/zoo/internal/atomicfile"
)

// Script returns a Slurm array job script whose task i trains run i of the
// sweep (zoo sweep DIR --index $SLURM_ARRAY_TASK_ID) with the zoo binary
// exe, for the runs indices (see ArrayRange). Each task writes its output
// to logs/slurm-JOB_TASK.out in the sweep folder and uses as many
// OpenBLAS threads as the CPUs Slurm gives it. Paths are made absolute, so
// that the script runs from any folder.
func (p *Plan) Script(exe string, indices []int) (string, error) {
	dir, err := filepath.Abs(p.dir)
	if err != nil {
		return "", err
	}
	if exe, err = filepath.Abs(exe); err != nil {
		return "", err
	}
	abs := *p
	abs.dir = dir
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n")
	fmt.Fprintf(&b, "# zoo sweep %s: %d runs of %s as a Slurm array job; task i trains run i of\n", p.Name, len(p.Runs), strings.Join(p.Grid.Models, ", "))
	fmt.Fprintf(&b, "# %s, or resumes it from its last checkpoint. Submit: sbatch %s\n", filepath.Join(dir, PlanFile), shellQuote(filepath.Join(dir, ScriptFile)))
	fmt.Fprintf(&b, "#SBATCH --job-name=%s\n", folderPrefix+p.Name)
	fmt.Fprintf(&b, "#SBATCH --array=%s\n", ArrayRange(indices))
	fmt.Fprintf(&b, "#SBATCH --output=%s\n", filepath.Join(dir, LogDir, "slurm-%A_%a.out"))
	fmt.Fprintf(&b, "export OPENBLAS_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"\n")
	words := []string{"exec", shellQuote(exe)}
	for _, a := range abs.Args(`"$SLURM_ARRAY_TASK_ID"`) {
		if !strings.HasPrefix(a, `"$`) {
			a = shellQuote(a)
		}
		words = append(words, a)
	}
	fmt.Fprintf(&b, "%s\n", strings.Join(words, " "))
	return b.String(), nil
}

// WriteScript writes Script for the runs not finished yet into the sweep
// folder (sweep.sbatch, replacing any) and creates the folder of its
// output. It returns the script's path and the runs' indices; with none
// left, it writes nothing.
func (p *Plan) WriteScript(exe string) (string, []int, error) {
	pending := p.Pending()
	if len(pending) == 0 {
		return "", nil, nil
	}
	s, err := p.Script(exe, pending)
	if err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(filepath.Join(p.dir, LogDir), 0o755); err != nil {
		return "", nil, fmt.Errorf("sweep %s: %w", p.dir, err)
	}
	path := filepath.Join(p.dir, ScriptFile)
	if err := atomicfile.WriteFile(path, []byte(s), true); err != nil {
		return "", nil, err
	}
	return path, pending, os.Chmod(path, 0o755)
}

// ArrayRange writes sorted indices as sbatch --array takes them, with runs
// of consecutive indices as ranges: 0-3,5,7-8.
func ArrayRange(indices []int) string {
	var parts []string
	for i := 0; i < len(indices); {
		j := i
		for j+1 < len(indices) && indices[j+1] == indices[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(indices[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", indices[i], indices[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// shellQuote quotes s for sh when it holds anything but letters, digits
// and /._+=,:-.
func shellQuote(s string) string {
	safe := s != ""
	for i := range len(s) {
		safe = safe && safeByte(s[i], "/._+=,:-")
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
