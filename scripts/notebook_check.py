#!/usr/bin/python3
"""Load zoo's trained weights into the notebooks' own PyTorch classes, and back.

For every model folder RUNS/MODEL/RUN (zoo train's output) given on the command
line, this script
  1. reads model.safetensors (zoo's weights) and loads it with
     load_state_dict(strict=True) into the notebook's class
     (fixtures/torch/notebooks.py), which fails on any missing, unexpected or
     misshapen key;
  2. runs the class on the images the export's test_data_set_0/input_0.pb holds
     (EXPORTS/MODEL, zoo export of the same run) and compares PyTorch's output
     with output_0.pb, which onnxruntime's run of zoo's ONNX file must match too.
Prints one line per model and exits 1 if any fails. Needs Debian's python3-torch
and python3-onnx.
"""
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures", "torch"))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
import notebooks  # noqa: E402
from safetensors_file import read_safetensors  # noqa: E402


def main():
    runs, exports = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    failed = 0
    for model in sorted(os.listdir(runs)):
        cls_name, build = notebooks.MODELS[model]
        run = os.path.join(runs, model, os.listdir(os.path.join(runs, model))[0])
        net = build().eval()
        try:
            net.load_state_dict(read_safetensors(os.path.join(run, "model.safetensors")), strict=True)
            test = os.path.join(exports, model, "test_data_set_0")
            x = torch.from_numpy(onnx.numpy_helper.to_array(onnx.load_tensor(os.path.join(test, "input_0.pb"))).copy())
            want = onnx.numpy_helper.to_array(onnx.load_tensor(os.path.join(test, "output_0.pb")))
            with torch.no_grad():
                got = net(x).numpy()
            diff = float(np.max(np.abs(got - want)))
            if diff > 1e-5:
                raise AssertionError(f"PyTorch's {cls_name} differs from onnxruntime's output_0.pb by {diff:.3g}")
            print(f"ok   {model:22} {cls_name}: load_state_dict(strict=True), max |PyTorch - onnxruntime| {diff:.2g}")
        except Exception as e:  # noqa: BLE001 (report every model)
            failed += 1
            print(f"FAIL {model:22} {cls_name}: {e}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
