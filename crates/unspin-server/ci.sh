#!/usr/bin/env bash
# CI checks of unspin-server beyond `cargo test`: the end-to-end browser test of `unspin serve`.
# Run after scripts/setup.sh, when target/release/unspin exists with the model embedded.
#
# Usage: crates/unspin-server/ci.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$HERE/e2e/run.sh"
