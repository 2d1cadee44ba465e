package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoo-ml/zoo/internal/testenv"
)

func TestVerify(t *testing.T) {
	testenv.NeedORT(t)
	model := exported(t)
	js := filepath.Join(t.TempDir(), "verify.json")
	r := run(t, nil, "verify", model, "--rtol", "1e-5", "--atol", "1e-6", "--json", js)
	if r.code != 0 || !strings.Contains(r.stdout, "all 1 folders verified") || !strings.Contains(r.stdout, "ok   test data") {
		t.Fatalf("verify of a fresh export: %+v", r)
	}
	var reports []struct {
		Checks []struct {
			What string `json:"check"`
			Err  string `json:"error"`
		} `json:"checks"`
	}
	b, err := os.ReadFile(js)
	if err != nil || json.Unmarshal(b, &reports) != nil || len(reports) != 1 || len(reports[0].Checks) != 9 {
		t.Fatalf("verify.json: %v %s", err, b)
	}
	if r := run(t, nil, "verify", model, "--json", js); r.code == 0 || !strings.Contains(r.stderr, "exists") {
		t.Errorf("--json over an existing file: %+v", r)
	}

	if err := os.WriteFile(filepath.Join(model, "decoder.onnx"), []byte("not onnx"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, nil, "verify", model)
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL load") || !strings.Contains(r.stderr, "1 of 1 folders failed") {
		t.Errorf("verify of a damaged export: %+v", r)
	}
	if r := run(t, nil, "verify"); r.code != 2 {
		t.Errorf("no folder: %+v", r)
	}
}
