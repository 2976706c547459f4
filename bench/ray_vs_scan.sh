#!/usr/bin/env bash
# Documents per second through Ray Data on both cores, against `unspin scan` on the same
# documents: what the Python package and Ray cost on top of the engine.
#
#   1. corpus: the first DOCS records (default 20000, ~50 MB) of the scan benchmark's corpus
#      (bench/out/scan/corpus.jsonl: half clean, half spun development-set passages), or the
#      same mix built from the development set (bench/make_devset.py) when that is missing;
#   2. the Python package: crates/unspin-python/ci.sh --no-tests --no-lint builds the wheel (model
#      embedded) into a virtual environment, bench/out/ray_vs_scan/venv, with ray[data];
#   3. ROUNDS times (default 5), one run after the other so that load from elsewhere hits all alike:
#      a. `unspin scan CORPUS --spans --threads 2 -o out.jsonl`;
#      b. the package without Ray: pyarrow's JSON reader -> unspin.arrow.ArrowScorer (2 engine
#         threads) -> pyarrow's Parquet writer, in one process;
#      c. Ray Data: ray.init(num_cpus=2), read_json -> map_batches(UnspinScorer,
#         batch_format="pyarrow", 1 actor x 2 engine threads) -> write_parquet;
#      d. the same with 2 actors x 1 engine thread;
#      each waits (up to --quiet-wait seconds, default 120) for the machine to be quiet first, and
#      is run again (up to --retries times, default 2) when other processes took more than
#      --max-others cores (default 0.25) on average meanwhile;
#   4. prints wall time and documents per second (end to end and in the steady state), CPU seconds
#      and CPU per document, the cores other processes used meanwhile, and the overheads against
#      scan (medians of per-round ratios; target: under 20 %); checks that Ray's output holds the
#      same scores, verdicts and spans as scan's, record by record.
#
# CPU accounting (bench/ray_vs_scan.py): every run is a child subreaper, and its processes are
# sampled from /proc every 0.2 s, keyed by pid and start time. getrusage(RUSAGE_CHILDREN) alone
# misses most of Ray: the raylet ignores SIGCHLD, so the workers it starts are reaped without
# their time ever reaching a parent. The engine actors log their own process CPU time per batch.
#
# Prints a table (also bench/out/ray_vs_scan/table.txt; every number in summary.json).
#
# Usage: bench/ray_vs_scan.sh [--docs N] [--rounds R] [--batch-size B] [--quiet-wait S]
#                             [--max-others CORES] [--retries N]
# Environment: UNSPIN (binary; default target/release/unspin, built if missing).
# Takes about 25 minutes on 2 otherwise idle cores at the defaults (plus the wheel's build once).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DOCS=20000
ROUNDS=5
BATCH=1024
QUIET_WAIT=120
MAX_OTHERS=0.25
RETRIES=2
while [ $# -gt 0 ]; do
  case "$1" in
    --docs) DOCS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --batch-size) BATCH=$2; shift 2 ;;
    --quiet-wait) QUIET_WAIT=$2; shift 2 ;;
    --max-others) MAX_OTHERS=$2; shift 2 ;;
    --retries) RETRIES=$2; shift 2 ;;
    -h | --help) sed -n '2,38p' "$0"; exit 0 ;;
    *) echo "ray-bench: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

say() { printf 'ray-bench: %s\n' "$*" >&2; }
die() { printf 'ray-bench: error: %s\n' "$*" >&2; exit 1; }

OUT=bench/out/ray_vs_scan # git-ignored
mkdir -p "$OUT"

# ---- tools --------------------------------------------------------------------------------------
UNSPIN="${UNSPIN:-$ROOT/target/release/unspin}"
if [ ! -x "$UNSPIN" ]; then
  say "$UNSPIN is missing: cargo build --release -p unspin-cli"
  cargo build --release -p unspin-cli
fi
"$UNSPIN" model >/dev/null 2>&1 || die "$UNSPIN has no embedded model (run scripts/setup.sh)"
"$UNSPIN" scan --help >/dev/null 2>&1 || die "$UNSPIN has no scan command"

VENV="$OUT/venv"
PY="$VENV/bin/python"
# Rebuilt when the package's sources are newer than the environment.
if [ ! -x "$PY" ] || [ -n "$(find crates/unspin-python/src crates/unspin-python/python crates/unspin-core/src \
  models/default.unspin -newer "$VENV/.built" 2>/dev/null | head -1)" ] || [ ! -e "$VENV/.built" ]; then
  say "building the wheel into $VENV (crates/unspin-python/ci.sh --no-tests)"
  UNSPIN_PY_SPARK=0 bash crates/unspin-python/ci.sh --no-lint --no-tests --venv "$VENV"
  touch "$VENV/.built"
fi

# ---- corpus -------------------------------------------------------------------------------------
CORPUS="$OUT/corpus.jsonl"
if [ -s bench/out/scan/corpus.jsonl ]; then
  head -n "$DOCS" bench/out/scan/corpus.jsonl >"$CORPUS"
else
  if ! ls bench/out/devset/*/clean.jsonl >/dev/null 2>&1; then
    say "no development set: python3 bench/make_devset.py (a few minutes)"
    python3 bench/make_devset.py
  fi
  python3 - "$CORPUS" "$DOCS" <<'PY'
import glob, json, os, random, sys
out, docs = sys.argv[1], int(sys.argv[2])
clean, spun = [], []
for path in sorted(glob.glob("bench/out/devset/*/*.jsonl")):
    name = os.path.basename(path)[: -len(".jsonl")]
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        if "text" in r:
            clean.append((r["id"], r["text"]))
        else:
            spun.append((f"{r['id']}/{name}", r["spun"]))
rng = random.Random(20240501)
rows = []
while len(rows) < docs:
    batch = [("clean",) + c for c in clean] + [("spun",) + s for s in rng.sample(spun, min(len(spun), len(clean)))]
    rng.shuffle(batch)
    rows += batch
with open(out, "w", encoding="utf-8") as f:
    for n, (label, rid, text) in enumerate(rows[:docs]):
        f.write(json.dumps({"id": f"{rid}#{n}", "label": label, "text": text}, ensure_ascii=False) + "\n")
PY
fi
N=$(wc -l <"$CORPUS")
MB=$(awk "BEGIN{printf \"%.1f\", $(stat -c %s "$CORPUS")/1e6}")
say "corpus $CORPUS: $N docs, $MB MB; batch size $BATCH"

# ---- runs ---------------------------------------------------------------------------------------
RUNS="$OUT/runs.jsonl"
DISCARDED="$OUT/discarded.jsonl"
: >"$RUNS"
: >"$DISCARDED"
export RAY_USAGE_STATS_ENABLED=0
BENCH=(env PYTHONDONTWRITEBYTECODE=1 "$PY" bench/ray_vs_scan.py)

# Waits up to QUIET_WAIT seconds for other processes to leave the cores nearly idle (under 0.2
# cores busy over 3 s): builds elsewhere on the machine skew wall times (CPU seconds less so).
quiet() {
  local waited=0 busy
  while :; do
    busy=$(awk 'NR == 1 { b = $2 + $3 + $4 + $7 + $8 + $9 } END { print b }' /proc/stat)
    sleep 3
    busy=$(awk -v b="$busy" 'NR == 1 { print ($2 + $3 + $4 + $7 + $8 + $9 - b) / 300 }' /proc/stat)
    awk -v b="$busy" 'BEGIN { exit !(b < 0.2) }' && return 0
    waited=$((waited + 3))
    if [ "$waited" -ge "$QUIET_WAIT" ]; then
      say "the machine is busy ($busy cores used by others): running anyway"
      return 0
    fi
  done
}

# keep ROUND NAME: files the run just recorded (in $OUT/run.json) into runs.jsonl, or, when other
# processes took more than MAX_OTHERS cores meanwhile and tries are left, into discarded.jsonl
# and returns 1 (run it again).
keep() {
  local r=$1 name=$2 status=0 words
  words=$("${BENCH[@]}" last "$OUT/run.json" --max-others "$MAX_OTHERS") || status=$?
  if [ "$status" = 3 ] && [ "$TRY" -le "$RETRIES" ]; then
    say "round $r: $name: $words: too busy, again"
    cat "$OUT/run.json" >>"$DISCARDED"
    return 1
  fi
  [ "$status" = 0 ] || [ "$status" = 3 ] || die "cannot read $OUT/run.json"
  cat "$OUT/run.json" >>"$RUNS"
  say "round $r: $name: $words"
}

run_scan() {
  local r=$1
  for TRY in $(seq 1 $((RETRIES + 1))); do
    rm -f "$OUT/scan-out.jsonl" "$OUT/scan-out.jsonl.partial" "$OUT/scan-out.jsonl.resume"
    quiet
    "${BENCH[@]}" measure --record "$OUT/measure.json" --watch "$OUT/scan-out.jsonl.partial" -- \
      "$UNSPIN" scan "$CORPUS" --spans --threads 2 --quiet -o "$OUT/scan-out.jsonl"
    "${BENCH[@]}" record --name "unspin scan" --round "$r" --measure "$OUT/measure.json" --docs "$N" >"$OUT/run.json"
    keep "$r" "unspin scan" && break
  done
}

# run_engine ROUND NAME MODE [ARGS...]: MODE is `python` (no Ray) or `ray`.
run_engine() {
  local r=$1 name=$2 mode=$3
  shift 3
  for TRY in $(seq 1 $((RETRIES + 1))); do
    rm -rf "$OUT/engine-out" "$OUT/engine-times"
    quiet
    "${BENCH[@]}" measure --record "$OUT/measure.json" -- \
      "${BENCH[@]}" "$mode" "$CORPUS" "$OUT/engine-out" --record "$OUT/driver.json" --times "$OUT/engine-times" \
      --batch-size "$BATCH" "$@" 2>"$OUT/engine.log" ||
      { tail -20 "$OUT/engine.log" >&2; die "$name failed (log: $OUT/engine.log)"; }
    "${BENCH[@]}" record --name "$name" --round "$r" --measure "$OUT/measure.json" --driver "$OUT/driver.json" \
      --times "$OUT/engine-times" >"$OUT/run.json"
    keep "$r" "$name" && break
  done
}

for r in $(seq 1 "$ROUNDS"); do
  run_scan "$r"
  run_engine "$r" "Python, no Ray, 2 threads" python --threads 2
  run_engine "$r" "Ray Data, 1 actor x 2 threads" ray --actors 1 --threads 2
  run_engine "$r" "Ray Data, 2 actors x 1 thread" ray --actors 2 --threads 1
done

# ---- table --------------------------------------------------------------------------------------
"${BENCH[@]}" table "$RUNS" "$OUT" --corpus "$CORPUS" --mb "$MB" --batch-size "$BATCH" \
  --discarded "$DISCARDED" --max-others "$MAX_OTHERS"
