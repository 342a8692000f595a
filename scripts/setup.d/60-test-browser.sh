# The browser tests (dashboard, capture page) run in Debian's own headless Chromium, driven by
# playwright-core (pinned in e2e/package.json and e2e/package-lock.json; it never downloads a
# browser). Fonts so that Arabic and French render in the screenshots. Tests only.
set -euo pipefail
. scripts/lib.sh
ensure_apt chromium fonts-dejavu-core fonts-hosny-amiri
# Node and npm only where missing: some Node builds carry their own npm and conflict with
# Debian's npm package.
command -v node >/dev/null || ensure_apt nodejs
command -v npm >/dev/null || ensure_apt npm
want="$(node -p 'require("./e2e/package.json").dependencies["playwright-core"]')"
have="$(node -p 'try{require("./e2e/node_modules/playwright-core/package.json").version}catch(e){""}')"
if [ "$want" != "$have" ]; then
  echo "setup: installing playwright-core $want for the browser tests"
  (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
