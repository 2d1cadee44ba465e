package zoo

import "testing"

func TestRegistry(t *testing.T) {
	for _, m := range All() {
		t.Logf("%s %d %v", m.Name, m.NumParams(), m.Input)
	}
}
