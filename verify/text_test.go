package verify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteText pins zoo verify's lines of a folder: passed and failed
// checks, with and without compared examples.
func TestWriteText(t *testing.T) {
	r := &Report{Dir: "models/cnn", Checks: []Check{
		{File: "model.onnx", What: "load"},
		{File: "test_data_set_0/output_0.pb", What: "test data", N: 8, MaxAbsDiff: 4.1e-08},
		{File: "encoder.onnx + decoder.onnx", What: "parts", N: 8},
		{File: "test_data_set_1/output_0.pb", What: "test data", N: 2, MaxAbsDiff: 0.5, Err: "output differs"},
		{File: "README.md", What: "card", Err: "model card: open models/cnn/README.md: no such file or directory"},
	}}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "models/cnn\n" +
		"  ok   load       model.onnx\n" +
		"  ok   test data  test_data_set_0/output_0.pb  8 examples, max |diff| 4.1e-08\n" +
		"  ok   parts      encoder.onnx + decoder.onnx  8 examples, max |diff| 0\n" +
		"  FAIL test data  test_data_set_1/output_0.pb  2 examples, max |diff| 0.5  output differs\n" +
		"  FAIL card       README.md  model card: open models/cnn/README.md: no such file or directory\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestWriteJSON checks the --json file: an array of the reports, not
// replaced without force.
func TestWriteJSON(t *testing.T) {
	p := filepath.Join(t.TempDir(), "v.json")
	reports := []*Report{{Dir: "a", Checks: []Check{{File: "model.onnx", What: "load"}}}}
	if err := WriteJSON(p, reports, false); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	want := "[\n  {\n    \"dir\": \"a\",\n    \"checks\": [\n      {\n        \"file\": \"model.onnx\",\n        \"check\": \"load\"\n      }\n    ]\n  }\n]\n"
	if string(b) != want {
		t.Errorf("file %q, want %q", b, want)
	}
	var back []*Report
	if err := json.Unmarshal(b, &back); err != nil || len(back) != 1 || back[0].Dir != "a" {
		t.Errorf("read back %v, %v", back, err)
	}
	err = WriteJSON(p, nil, false)
	if err == nil || err.Error() != "write "+p+": "+p+" already exists (use --force to replace it)" {
		t.Errorf("without force: %v", err)
	}
	if err := WriteJSON(p, nil, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "null\n" {
		t.Errorf("with force: %q", b)
	}
}
