# PC/SC for desk chip readers: the library to build `idverify --features pcsc` (the service,
# pcscd, is needed only where a reader is plugged in: `apt-get install pcscd`).
set -euo pipefail
. scripts/lib.sh
ensure_apt libpcsclite-dev
