"""Rewrites an ONNX file with its initialisers and value_info sorted by name.

tflite2onnx emits both lists in a random order (Python set iteration), so two conversions of the
same model differ byte for byte; sorted, they are identical and the result can be pinned by SHA-256.
Usage: canonical_onnx.py IN.onnx OUT.onnx (run inside the converter venv).
"""
import sys

import onnx

model = onnx.load(sys.argv[1])
for field in ("initializer", "value_info"):
    items = sorted(getattr(model.graph, field), key=lambda t: t.name)
    del getattr(model.graph, field)[:]
    getattr(model.graph, field).extend(items)
onnx.save(model, sys.argv[2])
