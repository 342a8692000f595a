# An S3-compatible server for the object-store and cluster tests: s3s-fs (Apache-2.0), a small
# S3 server over a directory that checks Signature Version 4, built from its crate with cargo
# (pinned version, its own lock file) into target/tools/bin. Tests only; never shipped.
set -euo pipefail
. scripts/lib.sh
version=0.14.1
bin=target/tools/bin/s3s-fs
if [ -x "$bin" ] && [ "$(cat target/tools/s3s-fs.version 2>/dev/null)" = "$version" ]; then
  exit 0
fi
echo "setup: building s3s-fs $version (once per machine)"
cargo install s3s-fs --version "$version" --features binary --locked --root target/tools -q
echo "$version" >target/tools/s3s-fs.version
