#!/bin/sh
# Container entry point: initialises the data directory on the first start (secrets, TLS
# certificate, database; the admin password and first API key are printed once to the log),
# then runs the given idverify command against it.
set -eu
data="${IDVERIFY_DATA:-/var/lib/idverify}"
case "${1:-serve}" in
  serve)
    shift || true
    idverify init --data "$data" --listen "${IDVERIFY_LISTEN:-0.0.0.0:8443}" --if-absent
    exec idverify serve --data "$data" "$@"
    ;;
  *)
    exec idverify "$@"
    ;;
esac
