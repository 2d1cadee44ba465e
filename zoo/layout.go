package zoo

// Part names of the registry's models, which are also the state_dict
// prefixes of their layers and the names of an export folder's part files.
const (
	// PartEncoder and PartDecoder are the two halves of an autoencoder.
	PartEncoder = "encoder"
	PartDecoder = "decoder"
	// WholeModel names the whole model where a part name is expected, as
	// in the zoo.part metadata of model.onnx.
	WholeModel = "model"
)

// Layout of an export folder, as zoo export writes it and zoo infer,
// verify, eval, figure and report read it: the ONNX Model Zoo's layout
// (model.onnx and test_data_set_0/) with a model card and, for
// autoencoders, one file per part that runs on its own.
const (
	// ModelFile is the whole model.
	ModelFile = "model.onnx"
	// CardFile is the model card, in Markdown.
	CardFile = "README.md"
	// TestDataDir holds TestInput and TestOutput, TensorProto files of a
	// batch of inputs and the outputs the exported weights give for them.
	TestDataDir = "test_data_set_0"
	TestInput   = "input_0.pb"
	TestOutput  = "output_0.pb"
)

// PartFile returns the file name of a part's model in an export folder,
// such as "encoder.onnx"; PartFile(WholeModel) is ModelFile.
func PartFile(part string) string { return part + ".onnx" }

// Metadata keys that zoo writes to every exported model's metadata_props
// and reads back. A file without MetaModel is not a zoo export.
const (
	MetaModel       = "zoo.model"        // registry name, such as "relu-ae-30"
	MetaPart        = "zoo.part"         // WholeModel, or the part name: "encoder", "decoder"
	MetaFamily      = "zoo.family"       // notebook family
	MetaTask        = "zoo.task"         // Task of the part: reconstruct, encode, decode or classify
	MetaInputShape  = "zoo.input_shape"  // per-example input shape as JSON, such as [784]
	MetaOutputShape = "zoo.output_shape" // per-example output shape as JSON
	MetaRecipe      = "zoo.recipe"       // training recipe as JSON
	MetaParams      = "zoo.params"       // parameter count of the part
	MetaVersion     = "zoo.version"      // zoo version that wrote the file
	MetaWeights     = "zoo.weights"      // where the weights came from
	MetaClasses     = "zoo.classes"      // a classifier's class names as a JSON array, from its data set
	// MetaQuantization is "int8" in a quantized file (such as
	// model.int8.onnx), absent in a float32 one.
	MetaQuantization = "zoo.quantization"
	// MetaQuantTolerance is, in a quantized whole model, the largest
	// difference from the float32 model's outputs that zoo verify accepts
	// on the export folder's test data.
	MetaQuantTolerance = "zoo.quantization_tolerance"
)
