package atomicfile

import (
	"os"
	"slices"
	"sync"
)

// pending holds the temporary files and folders of this process that are
// not yet committed or aborted. A command that a signal ends before it can
// clean up after itself (see RemovePending) removes them on its way out:
// signals, like this set, are the process's, which is why it is the one
// piece of state of this package.
var pending struct {
	sync.Mutex
	paths map[string]bool
}

// Track adds the temporary file or folder p to those RemovePending removes;
// Untrack takes it out again, once it is renamed into place or removed.
// Create and File track their temporary files themselves.
func Track(p string) {
	pending.Lock()
	defer pending.Unlock()
	if pending.paths == nil {
		pending.paths = map[string]bool{}
	}
	pending.paths[p] = true
}

// Untrack takes p out of the temporary files and folders RemovePending
// removes.
func Untrack(p string) {
	pending.Lock()
	defer pending.Unlock()
	delete(pending.paths, p)
}

// Pending returns the temporary files and folders of this process that
// are not yet committed or aborted, sorted.
func Pending() []string {
	pending.Lock()
	defer pending.Unlock()
	var out []string
	for p := range pending.paths {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// RemovePending removes every temporary file and folder of this process
// that is not yet committed or aborted, for a process about to end at once
// (a signal it cannot wait out): nothing partial is left behind. Writers
// still at work are not stopped; the process must exit right after.
func RemovePending() {
	pending.Lock()
	defer pending.Unlock()
	for p := range pending.paths {
		os.RemoveAll(p)
		delete(pending.paths, p)
	}
}
