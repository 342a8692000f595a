#!/usr/bin/env bash
# Fonts the document generator renders with and the MRZ recogniser learns its glyphs from:
# OCR-B for the machine-readable zone, DejaVu for the Latin printed fields, Amiri for Arabic.
set -euo pipefail
. scripts/lib.sh
step "document fonts (OCR-B, DejaVu, Amiri)"
ensure_apt fonts-ocr-b fonts-dejavu-core fonts-hosny-amiri
