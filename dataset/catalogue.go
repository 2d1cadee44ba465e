package dataset

import (
	"fmt"
	"slices"
	"strings"
)

// The roles of the files of a data set.
const (
	TrainImages = "train-images"
	TrainLabels = "train-labels"
	TestImages  = "test-images"
	TestLabels  = "test-labels"
)

// Archive is the role of a file that holds all four roles of a data set,
// such as cifar-10-binary.tar.gz; Dataset.File returns it for each of them.
const Archive = "archive"

// Roles lists the file roles in their usual order.
func Roles() []string { return []string{TrainImages, TrainLabels, TestImages, TestLabels} }

// File describes one file of a data set.
type File struct {
	// Role is one of "train-images", "train-labels", "test-images" and
	// "test-labels", or "archive" (Archive) for a file that holds all four.
	Role string
	// Name is the canonical file name, such as "train-images-idx3-ubyte.gz".
	Name string
	// URLs are the places to download the file from, tried in order.
	URLs []string
	// Size is the size in bytes of the file as downloaded, 0 if unknown.
	Size int64
	// SHA256 is the hex SHA-256 digest of the file as downloaded (the .gz),
	// empty if unknown.
	SHA256 string
	// RawSHA256 is the hex SHA-256 digest of the decompressed content, so
	// that repackaged or gunzipped copies still verify; empty if unknown.
	RawSHA256 string
	// Extracted is, for an archive, the name of the folder it unpacks to
	// ("cifar-10-batches-bin"), which Locate accepts in its place.
	Extracted string
}

// Dataset describes a data set of images and labels.
type Dataset struct {
	Name        string
	Description string
	License     string
	Homepage    string
	// Classes are the names of the labels, indexed by label value.
	Classes []string
	// Shape is the shape of one image: channels, height, width.
	Shape []int
	Files []File
	// Embedded reports that the data is compiled into this package; see
	// Open.
	Embedded bool
}

// File returns the file of d with the given role. For one of the four
// roles of Roles, a data set distributed as one archive returns its Archive
// file.
func (d Dataset) File(role string) (File, error) {
	for _, f := range d.Files {
		if f.Role == role {
			return f, nil
		}
	}
	if slices.Contains(Roles(), role) {
		for _, f := range d.Files {
			if f.Role == Archive {
				return f, nil
			}
		}
	}
	roles := make([]string, len(d.Files))
	for i, f := range d.Files {
		roles[i] = f.Role
	}
	return File{}, fmt.Errorf("dataset %s has no %q file (it has %s)", d.Name, role, strings.Join(roles, ", "))
}

// WithMirrors returns a copy of d whose files are downloaded from the given
// base URLs, in order, instead of the catalogue's: each file's URLs become
// base + "/" + file name.
func (d Dataset) WithMirrors(bases ...string) Dataset {
	d.Files = slices.Clone(d.Files)
	for i := range d.Files {
		urls := make([]string, len(bases))
		for j, b := range bases {
			urls[j] = strings.TrimSuffix(b, "/") + "/" + d.Files[i].Name
		}
		d.Files[i].URLs = urls
	}
	return d
}

// mirrored returns files for the four roles, with URLs under each of the
// base URLs. sums gives, per role in the order of Roles, size, SHA-256 of the
// .gz and SHA-256 of the content.
func mirrored(bases []string, sums [4]File) []File {
	names := [4]string{
		"train-images-idx3-ubyte.gz",
		"train-labels-idx1-ubyte.gz",
		"t10k-images-idx3-ubyte.gz",
		"t10k-labels-idx1-ubyte.gz",
	}
	files := make([]File, 4)
	for i, role := range Roles() {
		f := sums[i]
		f.Role, f.Name = role, names[i]
		for _, b := range bases {
			f.URLs = append(f.URLs, b+names[i])
		}
		files[i] = f
	}
	return files
}

// Catalogue returns the known data sets. The result is a fresh copy; callers
// may modify it.
//
// Where the checksums come from:
//
//   - Size and SHA256 (of the .gz as served upstream) of every MNIST,
//     Fashion-MNIST and KMNIST file: TensorFlow Datasets,
//     tensorflow_datasets/url_checksums/{mnist,fashion_mnist,kmnist}.txt.
//     The MNIST sizes agree with those on LeCun's MNIST page; the KMNIST
//     digests agree with torchvision's prototype datasets.
//   - RawSHA256 of MNIST t10k images, t10k labels and train labels: computed
//     here from the decompressed files; their raw MD5s match the published
//     ones (2646ac647ad5339dbf082846283269ea, 27ae3e4e09519cfbb04c329615203637).
//   - RawSHA256 of MNIST train images: not available here to compute; the
//     value is the one published, identically, by several independent
//     projects which list digests of the uncompressed MNIST files (their
//     other three values match those computed here).
//   - RawSHA256 of the Fashion-MNIST files: computed from Debian's
//     dataset-fashion-mnist package, whose .gz files are recompressed but
//     whose content is the upstream content.
//   - RawSHA256 of KMNIST: none found; left empty. KMNIST files verify by
//     SHA256 only.
//   - mnist-mini: RawSHA256 computed from the embedded files.
//   - cifar-10: size and SHA256 of cifar-10-binary.tar.gz from TensorFlow
//     Datasets, tensorflow_datasets/url_checksums/cifar10.txt. The same
//     SHA-256 is recorded independently by other projects that download the
//     archive, and the size agrees with the one reported by TensorFlow's
//     CIFAR-10 tutorial download script. (The CIFAR page itself publishes
//     only the MD5, c32a1d4ab5d03f1284b67883e8d87530.) The archive holds all
//     four roles; see OpenCIFAR.
func Catalogue() []Dataset {
	digits := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	return []Dataset{
		{
			Name:        "mnist",
			Description: "MNIST handwritten digits, 28x28 grey, 60,000 train and 10,000 test images",
			License:     "CC BY-SA 3.0 (as stated by LeCun and Cortes)",
			Homepage:    "http://yann.lecun.com/exdb/mnist/",
			Classes:     digits,
			Shape:       []int{1, 28, 28},
			Files: mirrored([]string{
				"https://ossci-datasets.s3.amazonaws.com/mnist/",
				"https://storage.googleapis.com/cvdf-datasets/mnist/",
			}, [4]File{
				{Size: 9912422,
					SHA256:    "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
					RawSHA256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
				{Size: 28881,
					SHA256:    "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
					RawSHA256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
				{Size: 1648877,
					SHA256:    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
					RawSHA256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
				{Size: 4542,
					SHA256:    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
					RawSHA256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
			}),
		},
		{
			Name:        "fashion-mnist",
			Description: "Zalando Fashion-MNIST article images, 28x28 grey, 60,000 train and 10,000 test images",
			License:     "MIT",
			Homepage:    "https://github.com/zalandoresearch/fashion-mnist",
			Shape:       []int{1, 28, 28},
			Classes: []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
				"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"},
			Files: mirrored([]string{
				"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
			}, [4]File{
				{Size: 26421880,
					SHA256:    "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
					RawSHA256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
				{Size: 29515,
					SHA256:    "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
					RawSHA256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
				{Size: 4422102,
					SHA256:    "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
					RawSHA256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
				{Size: 5148,
					SHA256:    "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
					RawSHA256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"},
			}),
		},
		{
			Name:        "kmnist",
			Description: "Kuzushiji-MNIST cursive hiragana, 28x28 grey, 60,000 train and 10,000 test images",
			License:     "CC BY-SA 4.0",
			Homepage:    "http://codh.rois.ac.jp/kmnist/",
			Shape:       []int{1, 28, 28},
			Classes:     []string{"o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"},
			Files: mirrored([]string{
				"http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
			}, [4]File{
				{Size: 18165135, SHA256: "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4"},
				{Size: 29497, SHA256: "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17"},
				{Size: 3041136, SHA256: "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5"},
				{Size: 5120, SHA256: "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c"},
			}),
		},
		{
			Name:        CIFARName,
			Description: "CIFAR-10 tiny colour images in 10 classes, 3x32x32 RGB, 50,000 train and 10,000 test images",
			License:     "no licence stated; cite Krizhevsky, Learning Multiple Layers of Features from Tiny Images, 2009",
			Homepage:    "https://www.cs.toronto.edu/~kriz/cifar.html",
			Classes:     slices.Clone(CIFARClasses),
			Shape:       []int{3, 32, 32},
			Files: []File{{
				Role:      Archive,
				Name:      cifarArchive,
				URLs:      []string{"https://www.cs.toronto.edu/~kriz/" + cifarArchive},
				Size:      170052171,
				SHA256:    "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
				Extracted: cifarDir,
			}},
		},
		{
			Name:        MiniName,
			Description: "the first 2,000 MNIST test images and labels, compiled into zoo (test roles only)",
			License:     "CC BY-SA 3.0 (as stated by LeCun and Cortes)",
			Homepage:    "http://yann.lecun.com/exdb/mnist/",
			Classes:     digits,
			Shape:       []int{1, 28, 28},
			Embedded:    true,
			Files: []File{
				{Role: TestImages, Name: "t10k-images-idx3-ubyte.gz",
					RawSHA256: "3f6bd66dee48df299584c67669bceee490faa25f931496bd7473b42106d7daed"},
				{Role: TestLabels, Name: "t10k-labels-idx1-ubyte.gz",
					RawSHA256: "7b098e5f6a3065807cebeabf36fb1724a8aff19f2673ac08b4923e0e8c715bce"},
			},
		},
	}
}

// Lookup returns the catalogue entry called name.
func Lookup(name string) (Dataset, error) {
	cat := Catalogue()
	names := make([]string, len(cat))
	for i, d := range cat {
		if d.Name == name {
			return d, nil
		}
		names[i] = d.Name
	}
	return Dataset{}, fmt.Errorf("unknown dataset %q (known: %s)", name, strings.Join(names, ", "))
}

// ClassNames returns the class names of the data set called name when it
// has exactly k classes, indexed by class; nil when the data set is unknown,
// has no names, or has another number of classes.
func ClassNames(name string, k int) []string {
	d, err := Lookup(name)
	if err != nil || k <= 0 || len(d.Classes) != k {
		return nil
	}
	return d.Classes
}
