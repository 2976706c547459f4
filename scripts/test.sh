#!/usr/bin/env bash
# Run every check of the project, stopping at the first failure:
#
#   1. cargo fmt --all --check
#   2. cargo clippy --workspace --all-targets -- -D warnings
#   3. cargo test --workspace        (with UNSPIN_REQUIRE_DATA=1 when models/default.unspin exists,
#                                     so that tests on the real data fail instead of skipping)
#   4. python3 -m pytest -q bench/tests   (when bench/tests exists; pytest is installed if missing)
#
# Usage: scripts/test.sh [--no-lint]      (--no-lint skips steps 1 and 2)
# Run scripts/setup.sh first for the real-data tests.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

LINT=1
for arg in "$@"; do
  case "$arg" in
    --no-lint) LINT=0 ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "test: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

T_START=$SECONDS
SUMMARY=()
PASSED=0
FAILED=0
SKIPPED=0
LOG="$(mktemp "${TMPDIR:-/tmp}/unspin-test.XXXXXX")"
trap 'rm -f "$LOG"' EXIT

say() { printf 'test: %s\n' "$*" >&2; }

# run_step NAME CMD...: run one check; on failure say which and how to reproduce it, and stop.
# Its output is also kept in $LOG, where the test counts are read from the runners' result lines.
run_step() {
  local name=$1 t0=$SECONDS rc=0
  shift
  printf '\n==> test: %s\n    $ %s\n' "$name" "$*" >&2
  "$@" 2>&1 | tee "$LOG" || rc=$?
  if [ "$rc" -ne 0 ]; then
    printf '\ntest: FAILED: %s (exit %d) after %d s\ntest: reproduce with: %s\n' \
      "$name" "$rc" "$((SECONDS - t0))" "$*" >&2
    exit "$rc"
  fi
  SUMMARY+=("$(printf '%-8s %4d s  %s' ok "$((SECONDS - t0))" "$name")")
}

if [ "$LINT" = 1 ]; then
  run_step "formatting (cargo fmt)" cargo fmt --all --check
  run_step "lints (cargo clippy)" cargo clippy --workspace --all-targets -- -D warnings
else
  say "skipping fmt and clippy (--no-lint)"
fi

if [ -s models/default.unspin ]; then
  export UNSPIN_REQUIRE_DATA=1
  say "models/default.unspin exists: UNSPIN_REQUIRE_DATA=1 (real-data tests must run, not skip)"
else
  unset UNSPIN_REQUIRE_DATA
  say "models/default.unspin is absent: real-data tests will skip (run scripts/setup.sh first)"
fi
# Tests pick their model themselves; a model from the caller's environment must not leak in.
unset UNSPIN_MODEL
run_step "Rust tests (cargo test)" cargo test --workspace
# cargo test: "test result: ok. 25 passed; 0 failed; 1 ignored; ..." per test binary.
count_cargo() {
  local p f i
  read -r p f i < <(awk '/^test result:/ { for (k = 1; k <= NF; k++) {
      if ($(k+1) ~ /^passed/) p += $k; if ($(k+1) ~ /^failed/) f += $k; if ($(k+1) ~ /^ignored/) i += $k } }
    END { print p + 0, f + 0, i + 0 }' "$LOG")
  PASSED=$((PASSED + p)) FAILED=$((FAILED + f)) SKIPPED=$((SKIPPED + i))
}
count_cargo

# pytest_bench: python3 -m pytest, where exit 5 ("no tests collected") counts as success.
pytest_bench() {
  local rc=0
  python3 -m pytest -q -p no:cacheprovider bench/tests || rc=$?
  if [ "$rc" -eq 5 ]; then
    say "pytest collected no tests in bench/tests (exit 5): nothing to run"
    return 0
  fi
  return "$rc"
}

if [ -d bench/tests ]; then
  if ! python3 -m pytest --version >/dev/null 2>&1; then
    say "pytest is missing: installing it with pip"
    python3 -m pip install -q --disable-pip-version-check pytest ||
      { say "error: could not install pytest (python3 -m pip install pytest)"; exit 1; }
  fi
  run_step "Python bench tests (python3 -m pytest -q bench/tests)" pytest_bench
  # pytest -q closes with e.g. "18 passed, 2 skipped in 0.87s".
  read -r p f sk < <(awk '/ in [0-9.]+s/ { for (k = 1; k < NF; k++) {
      if ($(k+1) ~ /^passed/) p += $k; if ($(k+1) ~ /^failed/) f += $k; if ($(k+1) ~ /^skipped/) s += $k } }
    END { print p + 0, f + 0, s + 0 }' "$LOG")
  PASSED=$((PASSED + p)) FAILED=$((FAILED + f)) SKIPPED=$((SKIPPED + sk))
else
  say "no bench/tests: skipping the Python tests"
fi

# Each crate may ship end-to-end checks that need more than `cargo test` (a browser, a wheel in a
# virtual environment, a real corpus): crates/*/ci.sh, run with the release binary and the model built.
if [ -x target/release/unspin ] && [ -s models/default.unspin ]; then
  for ci in crates/*/ci.sh; do
    [ -f "$ci" ] || continue
    run_step "end-to-end checks ($ci)" bash "$ci"
  done
else
  say "no release binary or model: skipping crates/*/ci.sh (run scripts/setup.sh first)"
fi

printf '\ntest: all checks passed in %d s\n' "$((SECONDS - T_START))" >&2
for line in "${SUMMARY[@]}"; do printf '  %s\n' "$line" >&2; done
printf 'tests: %d passed, %d failed, %d skipped\n' "$PASSED" "$FAILED" "$SKIPPED"
