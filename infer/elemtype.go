package infer

import "fmt"

// An ElemType is the element type of a tensor, numbered as ONNX numbers
// them (TensorProto.DataType), as onnxruntime does too. package infer does
// not import onnxpb: internal/onnxgo's tests run infer beside onnx-go,
// whose protobuf registrations clash with onnxpb's in one binary; verify
// checks that both packages name and size every type alike.
type ElemType int32

// The element types of ONNX tensors.
const (
	Undefined  ElemType = 0
	Float      ElemType = 1
	Uint8      ElemType = 2
	Int8       ElemType = 3
	Uint16     ElemType = 4
	Int16      ElemType = 5
	Int32      ElemType = 6
	Int64      ElemType = 7
	String     ElemType = 8
	Bool       ElemType = 9
	Float16    ElemType = 10
	Double     ElemType = 11
	Uint32     ElemType = 12
	Uint64     ElemType = 13
	Complex64  ElemType = 14
	Complex128 ElemType = 15
	BFloat16   ElemType = 16
)

var elemTypes = map[ElemType]struct {
	name string
	size int
}{
	Undefined: {"undefined", 0}, Float: {"float", 4}, Uint8: {"uint8", 1}, Int8: {"int8", 1},
	Uint16: {"uint16", 2}, Int16: {"int16", 2}, Int32: {"int32", 4}, Int64: {"int64", 8},
	String: {"string", 0}, Bool: {"bool", 1}, Float16: {"float16", 2}, Double: {"double", 8},
	Uint32: {"uint32", 4}, Uint64: {"uint64", 8}, Complex64: {"complex64", 0}, Complex128: {"complex128", 0},
	BFloat16: {"bfloat16", 2},
}

// String returns ONNX's name of the type, as in tensor(float): "float",
// "float16", "int64", ...; "type N" for a number ONNX's IR 8 does not name.
func (t ElemType) String() string {
	if e, ok := elemTypes[t]; ok {
		return e.name
	}
	return fmt.Sprintf("type %d", int32(t))
}

// Size returns the bytes of one element; 0 for the types a Graph does not
// run (strings, complex numbers, and those ONNX's IR 8 does not name).
func (t ElemType) Size() int { return elemTypes[t].size }

// IsFloat reports whether the type is a floating-point one.
func (t ElemType) IsFloat() bool {
	return t == Float || t == Double || t == Float16 || t == BFloat16
}
