#!/usr/bin/env bash
# End-to-end browser test of `unspin serve` (see e2e.mjs for what it checks).
#
# Installs what it needs when missing: Debian's chromium (apt-get) and playwright-core (npm ci,
# into this folder, from the committed package-lock.json). Then runs e2e.mjs against
# target/release/unspin, which must exist and have the model embedded (scripts/setup.sh builds it).
# Screenshots go to bench/out/serve-screenshot.png (and -mobile.png) and
# crates/unspin-server/screenshot.png.
#
# Usage: crates/unspin-server/e2e/run.sh
# Environment: UNSPIN (binary; default target/release/unspin), CHROMIUM (default /usr/bin/chromium).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
export UNSPIN="${UNSPIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/unspin}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

say() { printf 'e2e: %s\n' "$*" >&2; }
die() { printf 'e2e: error: %s\n' "$*" >&2; exit 1; }

[ -x "$UNSPIN" ] || die "$UNSPIN is missing: run scripts/setup.sh (or cargo build --release -p unspin-cli) first"
command -v node >/dev/null || die "node is missing: apt-get install -y nodejs npm"
command -v npm >/dev/null || die "npm is missing: apt-get install -y npm"

if [ ! -x "$CHROMIUM" ]; then
  say "installing chromium with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || say "apt-get update failed; trying the install anyway"
  apt-get install -y -qq chromium >/dev/null || die "could not install chromium (apt-get install -y chromium)"
fi
say "browser: $("$CHROMIUM" --version 2>/dev/null | head -1)"

cd "$HERE"
if [ ! -f node_modules/playwright-core/package.json ]; then
  say "installing playwright-core with npm ci"
  # The browser is Debian's: playwright must not try to download its own.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error ||
    die "npm ci failed"
fi

# Bounded in time: the whole test takes well under a minute.
timeout 300 node e2e.mjs
