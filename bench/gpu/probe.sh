#!/bin/sh
# Prints what the GPU machine has for zoo: GPU and driver, CUDA, glibc, Python, PyTorch,
# Python onnxruntime and its providers, the provider libraries in onnxruntime/capi/, and
# the NVIDIA libraries pip installed (cuDNN, cuBLAS, CUDA runtime). Changes nothing.
#   bench/gpu/probe.sh
py=${PYTHON:-python3}
echo "== machine"; uname -a; nproc; free -g | head -2
echo "== gpu"; nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1 | head -5
nvidia-smi 2>/dev/null | grep -o "CUDA Version: [0-9.]*"
echo "== glibc"; ldd --version | head -1
echo "== go"; command -v go && go version
echo "== python"
"$py" - <<'PY'
import glob, importlib, os, sys
print("python", sys.version.split()[0], sys.executable)
try:
    import torch
    print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version(),
          "available", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
except Exception as e:
    print("torch: none", e)
try:
    import numpy
    print("numpy", numpy.__version__)
except Exception as e:
    print("numpy: none", e)
for mod in ("onnx",):
    try:
        print(mod, importlib.import_module(mod).__version__)
    except Exception as e:
        print(mod + ": none")
try:
    import onnxruntime as ort
    print("onnxruntime", ort.__version__, ort.get_device(), ort.get_available_providers())
    capi = os.path.join(os.path.dirname(ort.__file__), "capi")
    print("capi", capi)
    for f in sorted(os.listdir(capi)):
        if f.endswith(".so") or ".so." in f:
            print("  ", f, os.path.getsize(os.path.join(capi, f)))
except Exception as e:
    print("onnxruntime: none", e)
site = [p for p in sys.path if p.endswith("site-packages")]
for s in site:
    for d in sorted(glob.glob(os.path.join(s, "nvidia", "*", "lib"))):
        print("nvidia lib", d, " ".join(sorted(os.listdir(d)))[:300])
PY
