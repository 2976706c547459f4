#!/usr/bin/env bash
# Load benchmark of `unspin serve` on loopback, bounded in time.
#
# Starts target/release/unspin serve (the embedded model) on a free port of 127.0.0.1 and drives
# POST /v1/check with wrk (Debian's package, installed with apt-get when missing) at CONNS
# connections for DURATION seconds per document size, after a short warm-up. Documents are spun
# news text of about 1 KB and 10 KB. Reports requests/s, p50/p99 latency and every kind of error
# (connect, read, write, timeout, non-2xx), and the server's RSS before, between and after the
# runs, to show that memory stays steady under load. Fails if any request failed.
# Prints a table; raw wrk output goes to bench/out/serve/.
#
# wrk and the server share the machine: on 2 cores the figures are a floor, not a ceiling.
#
# Usage: bench/serve.sh [--duration SECONDS] [--conns N] [--threads N]
# Environment: UNSPIN (binary; default target/release/unspin).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DURATION=10
CONNS=16
THREADS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --conns) CONNS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "serve-bench: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

UNSPIN="${UNSPIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/unspin}"
OUT=bench/out/serve
mkdir -p "$OUT"

say() { printf 'serve-bench: %s\n' "$*" >&2; }
die() { printf 'serve-bench: error: %s\n' "$*" >&2; exit 1; }

[ -x "$UNSPIN" ] || die "$UNSPIN is missing: run scripts/setup.sh first"
if ! command -v wrk >/dev/null 2>&1; then
  say "installing wrk with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq wrk >/dev/null || die "could not install wrk (apt-get install -y wrk)"
fi

# ---- documents: spun news text, as JSON request bodies --------------------------------------------
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
para = open("crates/unspin-server/web/example.txt", encoding="utf-8").read().strip()
for name, size in (("1k", 1024), ("10k", 10240)):
    text = ""
    while len(text.encode()) < size:
        text += para + "\n\n"
    text = text.encode()[:size].decode("utf-8", "ignore")
    text = text[: text.rfind(" ")]  # end on a word
    with open(f"{out}/body-{name}.json", "w", encoding="utf-8") as f:
        json.dump({"text": text}, f, ensure_ascii=False)
PY

# A wrk script: POST the body file; at the end, one machine-readable line of results.
cat > "$OUT/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "connect=%d read=%d write=%d status=%d timeout=%d bytes=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.status, e.timeout, summary.bytes))
end
LUA

# ---- the server --------------------------------------------------------------------------------
LOG="$OUT/server.log"
"$UNSPIN" serve --addr 127.0.0.1:0 2>"$LOG" &
PID=$!
cleanup() { kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
trap cleanup EXIT
BASE=""
for _ in $(seq 1 300); do
  BASE=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$LOG" | head -1 || true)
  [ -n "$BASE" ] && break
  kill -0 "$PID" 2>/dev/null || die "the server exited: $(cat "$LOG")"
  sleep 0.1
done
[ -n "$BASE" ] || die "the server did not start within 30 s: $(cat "$LOG")"
say "server $BASE (pid $PID): $(head -1 "$LOG")"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$PID/status"; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
RSS_START=$(rss_kb)

run_wrk() { # DOC SECONDS SUFFIX: writes $OUT/wrk-DOCSUFFIX.txt
  BODY="$OUT/body-$1.json" wrk -t"$THREADS" -c"$CONNS" -d"$2"s --timeout 10s --latency \
    -s "$OUT/post.lua" "$BASE/v1/check" >"$OUT/wrk-$1$3.txt" 2>&1 ||
    die "wrk failed: $(cat "$OUT/wrk-$1$3.txt")"
}

# Warm-up: page the model in, start the worker threads.
run_wrk 1k 2 -warmup
RSS_WARM=$(rss_kb)

ROWS=()
FAIL=0
for name in 1k 10k 10k; do
  suffix=""
  [ "$name" = 10k ] && [ "${#ROWS[@]}" -eq 2 ] && suffix="-again"
  before=$(rss_kb)
  run_wrk "$name" "$DURATION" "$suffix"
  after=$(rss_kb)
  line=$(grep '^RESULT' "$OUT/wrk-$name$suffix.txt") || die "no RESULT line in $OUT/wrk-$name$suffix.txt"
  get() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$line"; }
  errors=$(( $(get connect) + $(get read) + $(get write) + $(get status) + $(get timeout) ))
  [ "$errors" -eq 0 ] || FAIL=1
  bytes=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['text'].encode()))" "$OUT/body-$name.json")
  ROWS+=("$(printf '%-10s %6d %6d %9s %9s %9s %9s %7d %8s %8s' \
    "$name$suffix" "$bytes" "$CONNS" "$(get requests)" "$(get rps)" "$(get p50_ms)" "$(get p99_ms)" "$errors" \
    "$(mb "$before")" "$(mb "$after")")")
done

# The server still answers, and stops cleanly.
curl -fsS "$BASE/healthz" >/dev/null || die "the server no longer answers /healthz"
RSS_END=$(rss_kb)
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
trap - EXIT

{
  echo "unspin serve on $BASE: POST /v1/check, wrk -t$THREADS -c$CONNS -d${DURATION}s, $(nproc) cores shared by wrk and the server"
  echo
  printf '%-10s %6s %6s %9s %9s %9s %9s %7s %8s %8s\n' doc bytes conns requests 'req/s' 'p50 ms' 'p99 ms' errors 'RSS0 MB' 'RSS1 MB'
  for r in "${ROWS[@]}"; do echo "$r"; done
  echo
  printf 'RSS: %s MB at start, %s MB after warm-up, %s MB at the end; exit status on SIGTERM: %d\n' \
    "$(mb "$RSS_START")" "$(mb "$RSS_WARM")" "$(mb "$RSS_END")" "$rc"
} | tee "$OUT/table.txt"

[ "$FAIL" -eq 0 ] || die "some requests failed (see $OUT/wrk-*.txt)"
[ "$rc" -eq 0 ] || die "the server exited with status $rc on SIGTERM"
