#!/usr/bin/env bash
# Fonts the document generator renders with and the MRZ recogniser learns its glyphs from:
# OCR-B for the machine-readable zone, DejaVu for the Latin printed fields, Amiri for Arabic
# (the server draws its Arabic reads again in Amiri to check them: document::synth).
set -euo pipefail
. scripts/lib.sh
step "document fonts (OCR-B, DejaVu, Amiri)"
ensure_apt fonts-ocr-b fonts-dejavu-core fonts-hosny-amiri
