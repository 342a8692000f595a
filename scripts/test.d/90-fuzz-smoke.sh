# Runs every cargo-fuzz target briefly on its committed seed corpus (a smoke run, not a campaign).
# cargo-fuzz needs a nightly toolchain, which only rustup's own servers provide: where it is
# absent this suite says so and stops; the parsers' proptest "never panics" tests still run in
# `cargo test` everywhere.
set -euo pipefail
seconds="${IDVERIFY_FUZZ_SECONDS:-15}"
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz smoke: no nightly toolchain on this machine; fuzz targets not run (proptests cover no-panic)"
  exit 0
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
for dir in crates/*/fuzz; do
  [ -f "$dir/Cargo.toml" ] || continue
  for target in $(cd "$dir" && cargo +nightly fuzz list); do
    corpus="$dir/corpus/$target"
    work=$(mktemp -d)
    [ -d "$corpus" ] && cp -r "$corpus/." "$work/"
    echo "fuzz smoke: $dir $target (${seconds}s)"
    log=$(mktemp)
    if ! (cd "$dir" && CARGO_TARGET_DIR="$OLDPWD/target/fuzz" cargo +nightly fuzz run "$target" "$work" -- \
          -max_total_time="$seconds" -print_final_stats=1) >"$log" 2>&1; then
      tail -40 "$log"
      echo "fuzz smoke: $target FAILED"
      exit 1
    fi
    grep -E 'stat::number_of_executed_units' "$log" || true
    rm -f "$log"
    rm -rf "$work"
  done
done
