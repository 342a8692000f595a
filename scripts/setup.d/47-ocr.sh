#!/usr/bin/env bash
# The OCR engine of the document reader's printed visual zone (crates/ocr): Debian's Tesseract 5
# with the Arabic, French and Arabic-script models (the server needs them at run time), and the
# headers, clang and pkg-config its Rust binding (leptess) builds against.
set -euo pipefail
. scripts/lib.sh
step "OCR engine (Tesseract 5: Arabic, French)"
ensure_apt tesseract-ocr tesseract-ocr-ara tesseract-ocr-fra tesseract-ocr-script-arab \
  libtesseract-dev libleptonica-dev clang libclang-dev pkg-config
