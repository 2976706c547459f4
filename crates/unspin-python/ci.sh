#!/usr/bin/env bash
# CI checks of the Python package (crates/unspin-python) beyond `cargo test --workspace`, which
# does not build it (this crate is a workspace of its own: see Cargo.toml). Run by
# scripts/test.sh once target/release/unspin and models/default.unspin exist.
#
#   1. cargo fmt --check and cargo clippy -D warnings on this crate;
#   2. the wheel, built through its pyproject.toml (maturin as the PEP 517 backend, as
#      `pip install .` does), with models/default.unspin embedded;
#   3. a fresh virtual environment (python3 -m venv) with the wheel and its extras installed
#      (test, datatrove, ray, spark: pytest, pyarrow, datatrove, ray[data], pyspark);
#   4. pytest over tests/ with UNSPIN_PY_REQUIRE=1, so that nothing it needs (the real model, the
#      CLI binary, datatrove, Ray, Spark) may skip: the API, pickling, code-point offsets, parity
#      with `unspin check --json` and `unspin restore`, a datatrove pipeline, a Ray Data
#      pipeline on `ray.init(num_cpus=2)`, and Spark's mapInArrow in a local session.
#
# About 6 minutes on 2 cores from a cold cargo target and pip cache; ends with pytest's summary.
#
# Usage: crates/unspin-python/ci.sh [--venv DIR] [--no-lint] [--no-tests]
#   --venv DIR    build the environment in DIR (replaced) and keep it, instead of a temporary one
#   --no-lint     skip step 1
#   --no-tests    stop after installing (bench/ray_vs_scan.sh uses this to set up)
# Environment: UNSPIN (CLI binary; default target/release/unspin), UNSPIN_PY_SPARK=0 (no
# pyspark: the mapInArrow function is still tested on record batches), CARGO_TARGET_DIR
# (default: target/unspin-python, apart from the main workspace's builds).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

VENV=""
TESTS=1
LINT=1
while [ $# -gt 0 ]; do
  case "$1" in
    --venv) VENV=$2; shift 2 ;;
    --no-tests) TESTS=0; shift ;;
    --no-lint) LINT=0; shift ;;
    -h | --help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "python-ci: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

# --venv is relative to where the script was called from.
case "$VENV" in "" | /*) ;; *) VENV="$PWD/$VENV" ;; esac
cd "$HERE"

T0=$SECONDS
say() { printf 'python-ci: %s (%d s)\n' "$*" "$((SECONDS - T0))" >&2; }
fail() { printf 'python-ci: FAILED: %s\n' "$*" >&2; exit 1; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target/unspin-python}"
export CARGO_TERM_COLOR=never CARGO_TERM_PROGRESS_WHEN=never
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off
# The wheel embeds the default model; a model from the caller's environment must not leak in.
unset UNSPIN_EMBED_MODEL UNSPIN_MODEL

TMP="$(mktemp -d "${TMPDIR:-/tmp}/unspin-python-ci.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
[ -n "$VENV" ] || VENV="$TMP/venv"

# ---- 1. formatting and lints --------------------------------------------------------------------
if [ "$LINT" = 1 ]; then
  cargo fmt --check || fail "cargo fmt --check (run cargo fmt in crates/unspin-python)"
  cargo clippy --quiet --all-targets -- -D warnings || fail "cargo clippy"
  say "fmt and clippy clean"
fi

# ---- 2 and 3. the wheel, in a fresh virtual environment -----------------------------------------
rm -rf "$VENV"
python3 -m venv "$VENV"
PY="$VENV/bin/python"
"$PY" -m pip install -q --upgrade pip
# `pip wheel .` goes through pyproject.toml exactly as `pip install .` does (an isolated build
# environment with maturin); the wheel is kept so that its name and size can be checked.
"$PY" -m pip wheel -q --no-deps -w "$TMP/dist" . || fail "building the wheel (pip wheel .)"
WHEEL="$(ls "$TMP"/dist/unspin-*.whl)"
case "$WHEEL" in *-abi3-*) ;; *) fail "$WHEEL is not an abi3 wheel" ;; esac
say "built $(basename "$WHEEL") ($(($(stat -c %s "$WHEEL") / 1048576)) MB)"

EXTRAS="test,datatrove,ray"
if [ "${UNSPIN_PY_SPARK:-1}" != 0 ]; then
  if command -v java >/dev/null; then
    EXTRAS="$EXTRAS,spark"
  else
    say "no java: Spark's local session is not tested (UNSPIN_PY_SPARK=0)"
    export UNSPIN_PY_SPARK=0
  fi
fi
"$PY" -m pip install -q "$WHEEL[$EXTRAS]" pytest-timeout || fail "pip install $WHEEL[$EXTRAS]"
say "installed unspin[$EXTRAS] in $VENV: $("$PY" -c 'import pyarrow, ray, datatrove; print("pyarrow", pyarrow.__version__, "ray", ray.__version__)')"
[ "$TESTS" = 1 ] || exit 0

# ---- 4. the tests -------------------------------------------------------------------------------
UNSPIN="${UNSPIN:-$ROOT/target/release/unspin}"
if [ -x "$UNSPIN" ] && [ -s "$ROOT/models/default.unspin" ]; then
  export UNSPIN_PY_REQUIRE=1
else
  say "no release binary or model: tests that need them will skip"
fi
export UNSPIN
# Ray prints its own banner and progress; the tests turn progress bars off.
export RAY_DEDUP_LOGS=0 RAY_USAGE_STATS_ENABLED=0
cd "$HERE"
"$PY" -m pytest -p no:cacheprovider --timeout 300 -q -rs tests
say "done"
