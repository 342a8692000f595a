# Shared helpers for the setup and test scripts. Source, don't run.
# shellcheck shell=bash

# ensure_apt PKG...: installs the Debian packages that are not installed yet (idempotent).
ensure_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ ! -f /var/lib/apt/periodic/idverify-updated ] || [ -n "$(find /var/lib/apt/lists -maxdepth 0 -mmin +1440 2>/dev/null)" ]; then
    $sudo apt-get update -qq
    $sudo mkdir -p /var/lib/apt/periodic && $sudo touch /var/lib/apt/periodic/idverify-updated
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# step MESSAGE: prints a visible progress line.
step() { printf '\n==> %s\n' "$*"; }
