#!/usr/bin/env python3
"""Check zoo's ONNX files with the ONNX project's own tools.

Usage: python3 scripts/onnx_check.py PATH...

PATH is an .onnx file, an export folder (zoo export: model.onnx, encoder.onnx,
decoder.onnx, test_data_set_0/) or a folder of export folders. For each .onnx
file it runs

  1. onnx.checker.check_model(model, full_check=True);
  2. onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
     on a copy whose declared output shapes are removed, and compares the
     inferred output shapes with the declared ones (a symbolic batch such as
     N must stay that symbol);
  3. the declared shapes against zoo's metadata (zoo.input_shape,
     zoo.output_shape: one example, without the batch), and, beside
     model.onnx, against test_data_set_0/input_0.pb and output_0.pb.

It prints one line per file, "ok FILE" or "FAIL FILE: reason", and exits 1
when any file fails. Needs only the onnx package (pip install onnx, or
Debian's python3-onnx).
"""

import copy
import json
import os
import sys

import onnx
from onnx import shape_inference


def dims(value_info):
    """The shape of a ValueInfoProto: ints, symbol names, or None when unknown."""
    t = value_info.type.tensor_type
    if not t.HasField("shape"):
        return None
    out = []
    for d in t.shape.dim:
        if d.HasField("dim_value"):
            out.append(d.dim_value)
        elif d.HasField("dim_param"):
            out.append(d.dim_param)
        else:
            out.append("?")
    return out


def check_file(path):
    """Checks one .onnx file; returns a list of problems (empty: ok)."""
    problems = []
    try:
        model = onnx.load(path)
    except Exception as e:  # a file that is not an ONNX model at all
        return ["cannot be read as an ONNX model: %s" % e]
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as e:
        problems.append("onnx.checker: %s" % str(e).strip())

    stripped = copy.deepcopy(model)
    for o in stripped.graph.output:
        o.type.tensor_type.ClearField("shape")
    try:
        inferred = shape_inference.infer_shapes(stripped, strict_mode=True, data_prop=True)
    except Exception as e:
        problems.append("shape inference (strict): %s" % str(e).strip())
        inferred = None
    declared_out = [dims(o) for o in model.graph.output]
    if inferred is not None:
        for o, want in zip(inferred.graph.output, declared_out):
            got = dims(o)
            if got != want:
                problems.append("output %s: shape inference gives %s, the file declares %s" % (o.name, got, want))

    meta = {p.key: p.value for p in model.metadata_props}
    declared_in = [dims(i) for i in model.graph.input]
    for key, shapes in (("zoo.input_shape", declared_in), ("zoo.output_shape", declared_out)):
        if key not in meta:
            problems.append("no %s metadata" % key)
            continue
        want = json.loads(meta[key])
        if not shapes or shapes[0] is None or shapes[0][1:] != want:
            problems.append("%s is %s, the graph declares %s" % (key, want, shapes[0] if shapes else None))

    if os.path.basename(path) == "model.onnx":
        td = os.path.join(os.path.dirname(path), "test_data_set_0")
        for name, shapes in (("input_0.pb", declared_in), ("output_0.pb", declared_out)):
            f = os.path.join(td, name)
            if not os.path.exists(f):
                continue
            t = onnx.load_tensor(f)
            if t.data_type != onnx.TensorProto.FLOAT:
                problems.append("%s holds data type %d, not float" % (f, t.data_type))
            if shapes and shapes[0] is not None and list(t.dims)[1:] != shapes[0][1:]:
                problems.append("%s has shape %s, the model declares %s" % (f, list(t.dims), shapes[0]))
    return problems


def onnx_files(path):
    """The .onnx files at or under path, sorted."""
    if os.path.isfile(path):
        return [path]
    found = []
    for root, _, files in os.walk(path):
        found += [os.path.join(root, f) for f in files if f.endswith(".onnx")]
    return sorted(found)


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    failed, n = 0, 0
    for arg in argv:
        if not os.path.exists(arg):
            print("FAIL %s: no such file or folder" % arg)
            failed += 1
            continue
        files = onnx_files(arg)
        if not files:
            print("FAIL %s: no .onnx files" % arg)
            failed += 1
        for f in files:
            n += 1
            problems = check_file(f)
            if problems:
                failed += 1
                print("FAIL %s: %s" % (f, "; ".join(problems)))
            else:
                print("ok %s" % f)
    print("onnx %s: %d files checked, %d failed" % (onnx.__version__, n, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
