# Build prerequisites shared by every crate; strace for the no-outbound-connection test, wrk for
# the load test (scripts/loadtest).
set -euo pipefail
. scripts/lib.sh
ensure_apt pkg-config ca-certificates openssl strace wrk
