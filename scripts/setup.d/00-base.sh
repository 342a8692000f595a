# Build prerequisites shared by every crate.
set -euo pipefail
. scripts/lib.sh
ensure_apt pkg-config ca-certificates openssl
