package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// isolate points the search path at fresh temporary directories, so that
// tests do not see the machine's data; /usr/share/datasets stays last.
func isolate(t *testing.T) (zooData, cache string) {
	t.Helper()
	zooData, xdg := t.TempDir(), t.TempDir()
	t.Setenv("ZOO_DATA", zooData)
	t.Setenv("XDG_CACHE_HOME", xdg)
	return zooData, filepath.Join(xdg, "zoo", "datasets")
}

func TestSearchPath(t *testing.T) {
	sep := string(os.PathListSeparator)
	t.Setenv("ZOO_DATA", "/a"+sep+sep+"/b")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	want := []string{"/a", "/b", "/xdg/zoo/datasets", "/usr/share/datasets"}
	if got := SearchPath(); !slices.Equal(got, want) {
		t.Errorf("SearchPath() = %v, want %v", got, want)
	}
	t.Setenv("ZOO_DATA", "")
	t.Setenv("XDG_CACHE_HOME", "relative")
	t.Setenv("HOME", "/home/u")
	want = []string{"/home/u/.cache/zoo/datasets", "/usr/share/datasets"}
	if got := SearchPath(); !slices.Equal(got, want) {
		t.Errorf("SearchPath() = %v, want %v", got, want)
	}
	if c, err := CacheDir(); err != nil || c != "/home/u/.cache/zoo/datasets" {
		t.Errorf("CacheDir() = %q, %v", c, err)
	}
}

func TestLocate(t *testing.T) {
	zooData, cache := isolate(t)
	put := func(dir, name string) string {
		t.Helper()
		p := filepath.Join(dir, "kmnist", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		role  string
		files []string // under zooData, then cache
		want  int      // index into files, -1 for not found
	}{
		{TestImages, []string{"", "t10k-images-idx3-ubyte.gz"}, 1},
		{TestLabels, []string{"t10k-labels-idx1-ubyte", "t10k-labels-idx1-ubyte.gz"}, 0},
		{TrainImages, []string{"train-images.idx3-ubyte", ""}, 0},
		{TrainLabels, []string{"train-labels.idx1-ubyte.gz", ""}, 0},
	}
	for _, tt := range tests {
		var paths []string
		for i, name := range tt.files {
			dir := []string{zooData, cache}[i]
			if name == "" {
				paths = append(paths, "")
				continue
			}
			paths = append(paths, put(dir, name))
		}
		got, err := Locate("kmnist", tt.role)
		if err != nil || got != paths[tt.want] {
			t.Errorf("Locate(kmnist, %s) = %q, %v, want %q", tt.role, got, err, paths[tt.want])
		}
	}
}

func TestLocateErrors(t *testing.T) {
	zooData, cache := isolate(t)
	_, err := Locate("kmnist", TestImages)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Locate = %v, want ErrNotFound", err)
	}
	for _, want := range []string{
		"t10k-images-idx3-ubyte.gz",
		filepath.Join(zooData, "kmnist"),
		filepath.Join(cache, "kmnist"),
		"/usr/share/datasets/kmnist",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Locate error %q lacks %q", err, want)
		}
	}
	// How to fetch the file is the caller's to say (cmd/zoo adds "run
	// `zoo data fetch kmnist`"); the error says what and where.
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.Set != "kmnist" || nf.Role != TestImages || nf.File != "t10k-images-idx3-ubyte.gz" ||
		len(nf.Searched) != 3 || strings.Contains(err.Error(), "fetch") {
		t.Errorf("Locate error %#v", err)
	}
	for _, tt := range []struct{ name, role, want string }{
		{"nope", TestImages, "unknown dataset"},
		{"mnist", "validation", `no "validation" file`},
		{MiniName, TestImages, "embedded"},
	} {
		if _, err := Locate(tt.name, tt.role); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Locate(%s, %s) = %v, want %q", tt.name, tt.role, err, tt.want)
		}
	}
}

// TestVerify checks both digests on a fixture: the .gz itself, a gunzipped
// copy and a recompressed copy.
func TestVerify(t *testing.T) {
	const gz = "../fixtures/mnist-512/t10k-labels-idx1-ubyte.gz"
	fileSum, rawSum, err := digests(gz)
	if err != nil {
		t.Fatal(err)
	}
	labels, err := ReadLabels(gz)
	if err != nil {
		t.Fatal(err)
	}
	content := append(idxHeader(U8, 512), labels...)
	gunzipped := writeTemp(t, "t10k-labels-idx1-ubyte", content)
	recompressed := writeTemp(t, "re.gz", gzipBytes(t, content))
	if _, r2, _ := digests(gunzipped); r2 != rawSum {
		t.Fatalf("content digest %s differs from the gz's %s", r2, rawSum)
	}
	bad := writeTemp(t, "bad.gz", append(gzipBytes(t, content), 0))
	const zero = "0000000000000000000000000000000000000000000000000000000000000000"
	tests := []struct {
		path string
		f    File
		want string // "" for success
	}{
		{gz, File{SHA256: fileSum}, ""},
		{gz, File{SHA256: zero, RawSHA256: rawSum}, ""},
		{gz, File{SHA256: strings.ToUpper(fileSum)}, ""},
		{gunzipped, File{SHA256: fileSum, RawSHA256: rawSum}, ""},
		{recompressed, File{SHA256: fileSum, RawSHA256: rawSum}, ""},
		{recompressed, File{SHA256: fileSum}, "sha256 mismatch: want " + fileSum + " (file), have "},
		{gz, File{SHA256: zero, RawSHA256: zero}, "want " + zero + " (file) or " + zero + " (content), have " + fileSum + " (file), " + rawSum + " (content)"},
		{gunzipped, File{RawSHA256: zero}, "want " + zero + " (content), have " + rawSum + " (file)"},
		{bad, File{RawSHA256: zero}, "(content), have "},
		{gz, File{Name: "x.gz"}, "no checksum recorded for x.gz"},
		{filepath.Join(t.TempDir(), "missing"), File{SHA256: zero}, "no such file"},
	}
	for i, tt := range tests {
		err := Verify(tt.path, tt.f)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%d: Verify(%s) = %v", i, tt.path, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "verify "+tt.path+":") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%d: Verify(%s) = %v, want %q", i, tt.path, err, tt.want)
		}
	}
	if err := Verify(gz, File{}); !errors.Is(err, ErrNoChecksum) {
		t.Errorf("Verify without digests = %v, want ErrNoChecksum", err)
	}
}

// TestVerifyDebianFashionMNIST checks the RawSHA256 of the catalogue
// against Debian's recompressed Fashion-MNIST files.
func TestVerifyDebianFashionMNIST(t *testing.T) {
	const dir = "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s is absent (install Debian's dataset-fashion-mnist to run this test)", dir)
	}
	d, err := Lookup("fashion-mnist")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range d.Files {
		p := filepath.Join(dir, f.Name)
		if err := Verify(p, f); err != nil {
			t.Errorf("%v", err)
		}
	}
}

// TestVerifySharedMNIST checks the catalogue's MNIST digests against the
// project's shared copy of MNIST, when there is one. Those .gz files are
// recompressed, so they verify by content.
func TestVerifySharedMNIST(t *testing.T) {
	const dir = "../../shared/data/mnist"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s is absent", dir)
	}
	d, _ := Lookup("mnist")
	for _, f := range d.Files {
		p := filepath.Join(dir, f.Name)
		if _, err := os.Stat(p); err != nil {
			continue // the train images are not there
		}
		if err := Verify(p, f); err != nil {
			t.Errorf("%v", err)
		}
	}
}
