package zoo

import (
	"os"
	"strings"
	"testing"
)

// TestWriteText pins zoo show's text: the layer table (with the buffers of
// batch norms), the parameters and the recipe.
func TestWriteText(t *testing.T) {
	for _, tc := range []struct {
		model  string
		params bool
		golden string
	}{
		{"tiny-ae-2", true, "testdata/show-tiny-ae-2-params.txt"},
		{"cnn", false, "testdata/show-cnn.txt"},
	} {
		m, err := Lookup(tc.model)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := m.WriteText(&b, tc.params); err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(tc.golden)
		if err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.model, b.String(), want)
		}
	}
}

// TestWriteTable pins zoo list's table.
func TestWriteTable(t *testing.T) {
	var models []*Model
	for _, name := range []string{"tiny-ae-2", "cnn"} {
		m, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, m)
	}
	var b strings.Builder
	if err := WriteTable(&b, models); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"NAME       TASK         INPUT           PARAMS  FAMILY            DESCRIPTION\n" +
		"tiny-ae-2  reconstruct  [N, 784]        41704   tiny-autoencoder  ReLU autoencoder 784-50-2-784, Glorot init\n" +
		"cnn        classify     [N, 1, 28, 28]  14746   cnn-classifier    CNN classifier 2 x [Conv5x5 16, MaxPool, BatchNorm, ReLU], Linear 784-10\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
