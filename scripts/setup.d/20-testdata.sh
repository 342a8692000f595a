# Real-world test data that packages in our registries ship (pinned by version and SHA-256):
# the German CSCA Master List (BSI, 2024-04-10, 526 CSCA certificates) that the crate
# `emrtd` 0.0.2 (MIT OR Apache-2.0) carries in data/. Fetched with cargo itself, so no host is
# named here; the tests read it from target/testdata/.
set -euo pipefail
. scripts/lib.sh
dest=target/testdata
ml="$dest/DE_ML_2024-04-10-10-54-13.ml"
want=13e28e6f0d98a97143a71939986b18d1ab3647524836618436804da8f3a410d7
if [ -f "$ml" ] && echo "$want  $ml" | sha256sum -c --quiet 2>/dev/null; then
  exit 0
fi
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src"
printf '[package]\nname = "fetch-testdata"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\nemrtd = "=0.0.2"\n[workspace]\n' >"$tmp/Cargo.toml"
: >"$tmp/src/lib.rs"
(cd "$tmp" && cargo fetch -q)
src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/emrtd-0.0.2/data 2>/dev/null | head -1)
[ -n "$src" ] || { echo "setup: emrtd 0.0.2 not found after cargo fetch" >&2; exit 1; }
cp "$src/DE_ML_2024-04-10-10-54-13.ml" "$ml"
echo "$want  $ml" | sha256sum -c --quiet || { echo "setup: master list hash mismatch" >&2; rm -f "$ml"; exit 1; }
echo "setup: German CSCA master list in $ml"
