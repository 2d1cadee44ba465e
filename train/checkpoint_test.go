package train

import (
	"os"
	"regexp"
	"testing"
)

// TestGorgoniaPin: where the build records no dependencies (test
// binaries), run.json records the version of gorgonia that go.mod requires.
func TestGorgoniaPin(t *testing.T) {
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*gorgonia\.org/gorgonia (v\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.mod requires no gorgonia.org/gorgonia")
	}
	if string(m[1]) != gorgoniaPin {
		t.Errorf("gorgoniaPin is %s, go.mod requires %s", gorgoniaPin, m[1])
	}
	if got := gorgoniaVersion(); got != gorgoniaPin {
		t.Errorf("gorgoniaVersion() = %s, want %s", got, gorgoniaPin)
	}
}
