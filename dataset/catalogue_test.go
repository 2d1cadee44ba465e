package dataset

import (
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func isHexDigest(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32
}

func TestCatalogue(t *testing.T) {
	cat := Catalogue()
	want := []string{"mnist", "fashion-mnist", "kmnist", "cifar-10", MiniName}
	var names []string
	for _, d := range cat {
		names = append(names, d.Name)
	}
	if !slices.Equal(names, want) {
		t.Fatalf("Catalogue names = %v, want %v", names, want)
	}
	for _, d := range cat {
		if d.Description == "" || d.License == "" || d.Homepage == "" {
			t.Errorf("%s: missing description, license or homepage", d.Name)
		}
		if len(d.Classes) != 10 {
			t.Errorf("%s: %d classes, want 10", d.Name, len(d.Classes))
		}
		if len(d.Shape) != 3 || d.Shape[0]*d.Shape[1]*d.Shape[2] == 0 {
			t.Errorf("%s: bad shape %v", d.Name, d.Shape)
		}
		roles := Roles()
		nfiles := 4
		switch {
		case d.Embedded:
			roles = []string{TestImages, TestLabels}
			nfiles = 2
		case d.Name == "cifar-10":
			nfiles = 1
		}
		if len(d.Files) != nfiles {
			t.Errorf("%s: %d files, want %d", d.Name, len(d.Files), nfiles)
		}
		for _, role := range roles {
			f, err := d.File(role)
			if err != nil {
				t.Errorf("%s: %v", d.Name, err)
				continue
			}
			switch {
			case f.Role == Archive:
				if f.Name != "cifar-10-binary.tar.gz" || f.Extracted != "cifar-10-batches-bin" {
					t.Errorf("%s %s: bad archive %+v", d.Name, role, f)
				}
			case f.Role != role || !strings.HasSuffix(f.Name, "-ubyte.gz"):
				t.Errorf("%s %s: bad file %+v", d.Name, role, f)
			}
			for _, s := range []string{f.SHA256, f.RawSHA256} {
				if s != "" && !isHexDigest(s) {
					t.Errorf("%s %s: %q is not a hex SHA-256", d.Name, f.Name, s)
				}
			}
			if d.Embedded {
				continue
			}
			if f.Size <= 0 || len(f.URLs) == 0 || f.SHA256 == "" {
				t.Errorf("%s %s: want a size, a URL and a SHA-256, have %+v", d.Name, f.Name, f)
			}
			for _, u := range f.URLs {
				p, err := url.Parse(u)
				if err != nil || (p.Scheme != "https" && p.Scheme != "http") || !strings.HasSuffix(p.Path, "/"+f.Name) {
					t.Errorf("%s: bad URL %q for %s", d.Name, u, f.Name)
				}
			}
		}
	}
	// The classes the brief names.
	d, _ := Lookup("kmnist")
	if got := strings.Join(d.Classes, " "); got != "o ki su tsu na ha ma ya re wo" {
		t.Errorf("kmnist classes = %q", got)
	}
	d, _ = Lookup("fashion-mnist")
	if d.Classes[0] != "T-shirt/top" || d.Classes[9] != "Ankle boot" {
		t.Errorf("fashion-mnist classes = %q", d.Classes)
	}
	d, _ = Lookup("cifar-10")
	if got := strings.Join(d.Classes, " "); got != "airplane automobile bird cat deer dog frog horse ship truck" {
		t.Errorf("cifar-10 classes = %q", got)
	}
	if f := d.Files[0]; f.Size != 170052171 || f.SHA256 != "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd" ||
		!slices.Equal(f.URLs, []string{"https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"}) {
		t.Errorf("cifar-10 archive = %+v", f)
	}
	if f, err := d.File(Archive); err != nil || f.Name != "cifar-10-binary.tar.gz" {
		t.Errorf("cifar-10 File(archive) = %+v, %v", f, err)
	}
	if _, err := d.File("validation"); err == nil {
		t.Error("cifar-10 File(validation) succeeded")
	}
	d.Classes[0] = "changed"
	if CIFARClasses[0] != "airplane" {
		t.Error("the catalogue shares CIFARClasses")
	}
	// The result is a fresh copy.
	cat[0].Files[0].URLs[0] = "changed"
	if d, _ := Lookup("mnist"); d.Files[0].URLs[0] == "changed" {
		t.Error("Catalogue shares state between calls")
	}
}

func TestLookupErrors(t *testing.T) {
	if _, err := Lookup("cifar"); err == nil || !strings.Contains(err.Error(), `unknown dataset "cifar"`) ||
		!strings.Contains(err.Error(), "mnist, fashion-mnist, kmnist, cifar-10, mnist-mini") {
		t.Errorf("Lookup(cifar) = %v", err)
	}
	d, _ := Lookup(MiniName)
	if _, err := d.File(TrainImages); err == nil || !strings.Contains(err.Error(), `mnist-mini has no "train-images" file (it has test-images, test-labels)`) {
		t.Errorf("mini File(train-images) = %v", err)
	}
}

func TestWithMirrors(t *testing.T) {
	d, _ := Lookup("mnist")
	m := d.WithMirrors("http://a/x/", "http://b")
	f, _ := m.File(TestLabels)
	want := []string{"http://a/x/t10k-labels-idx1-ubyte.gz", "http://b/t10k-labels-idx1-ubyte.gz"}
	if !slices.Equal(f.URLs, want) {
		t.Errorf("URLs = %v, want %v", f.URLs, want)
	}
	if orig, _ := d.File(TestLabels); len(orig.URLs) != 2 || orig.URLs[0] == want[0] {
		t.Errorf("WithMirrors changed the original: %v", orig.URLs)
	}
}
