#!/usr/bin/env bash
# The OCR engine of the document reader's printed visual zone (crates/ocr): Debian's Tesseract 5
# with the Arabic, French and Arabic-script models (the server needs them at run time), and the
# headers, clang and pkg-config its Rust binding (leptess) builds against.
set -euo pipefail
. scripts/lib.sh
step "OCR engine (Tesseract 5: Arabic, French)"
ensure_apt tesseract-ocr tesseract-ocr-ara tesseract-ocr-fra tesseract-ocr-script-arab \
  libtesseract-dev libleptonica-dev clang libclang-dev pkg-config
# The tessdata directory the checkout uses (crates/ocr CHECKOUT_TESSDATA, scripts/start): the
# pinned `ara` model 40-models.sh wrote there, and Debian's `fra` and `Arabic` linked beside it.
debian_tessdata=/usr/share/tesseract-ocr/5/tessdata
mkdir -p target/tessdata
for m in fra Arabic; do
  ln -sfn "$debian_tessdata/$m.traineddata" "target/tessdata/$m.traineddata"
done
