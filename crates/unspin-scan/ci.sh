#!/usr/bin/env bash
# CI checks of `unspin scan` beyond `cargo test --workspace`, on the release binary with the real
# model (called from .ci/run once target/release/unspin exists). About a minute on 2 cores.
#
#   1. a generated corpus (a few MB of JSONL, gzip-compressed, with malformed lines in the middle)
#      is scanned whole: one output line per input line, in order, the bad lines as error
#      records, exit status 1 (0 with --keep-going), the summary on stderr;
#   2. for a plain, a .gz and a .zst output: the scan is killed with SIGKILL mid-run, nothing
#      appears under the output's real name, `--resume` finishes it, and the result is identical
#      to the uninterrupted output (no gaps, no duplicates);
#   3. a Common Crawl WET file on standard input, gzip members as Common Crawl writes them.
#
# Usage: crates/unspin-scan/ci.sh        Environment: UNSPIN (default target/release/unspin)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
UNSPIN="${UNSPIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/unspin}"
T0=$SECONDS
say() { printf 'scan-ci: %s\n' "$*" >&2; }
fail() { printf 'scan-ci: FAILED: %s\n' "$*" >&2; exit 1; }
[ -x "$UNSPIN" ] || fail "$UNSPIN is missing (cargo build --release -p unspin-cli)"
"$UNSPIN" model >/dev/null || fail "$UNSPIN has no model"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/unspin-scan-ci.XXXXXX")"
CHILD=""
cleanup() {
  if [ -n "$CHILD" ]; then kill -9 "$CHILD" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# ---- a corpus -----------------------------------------------------------------------------------
python3 - "$TMP/in.jsonl.gz" "$TMP/in.warc.wet.gz" <<'EOF'
import gzip, json, random, sys

clean = [
    "The stock market fell sharply on Monday as investors worried about rising borrowing costs, the government said in a statement.",
    "Officials said that the economy remains strong, but many experts warned that growth could slow in the coming months.",
    "The committee will meet again next week to discuss the budget and the new rules for public schools.",
    "Farmers in the region have struggled with dry weather for three years, and prices for grain have risen.",
    "The president told reporters that the plan would create jobs and help families pay for health care.",
    "Scientists at the university found that the new drug reduced symptoms in most of the patients who took it.",
]
spun = [
    "The inventory market plunged sharply on Monday as financiers fretted over climbing loan costs, the administration mentioned in an announcement.",
    "Authorities stated that the economic system stays sturdy, however numerous specialists cautioned that expansion could decelerate in the approaching months.",
    "The board will certainly meet once more following week to go over the spending plan and the brand-new guidelines for public institutions.",
    "Growers in the area have actually battled with completely dry climate for 3 years, and also costs for grain have actually climbed.",
]
rng = random.Random(7)
lines = []
for i in range(6000):
    pool = clean if i % 2 else spun
    text = " ".join(rng.choice(pool) for _ in range(rng.randint(3, 8)))
    lines.append(json.dumps({"id": i, "meta": {"n": 1.50, "tags": ["\u00e9"]}, "text": text}))
for i in (100, 1700, 2900):
    lines[i] = '{"id": %d, "text": "cut off' % i
lines[2000] = '{"id": 2000, "body": "no text field"}'
with gzip.open(sys.argv[1], "wt", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
with open(sys.argv[2], "wb") as f:
    for i in range(20):
        body = "\n".join(rng.choice(clean + spun) for _ in range(4)).encode()
        rec = (b"WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: https://example.org/%d\r\n"
               b"WARC-Record-ID: <urn:uuid:%d>\r\nContent-Length: %d\r\n\r\n" % (i, i, len(body))) + body + b"\r\n\r\n"
        f.write(gzip.compress(rec))
EOF
IN="$TMP/in.jsonl.gz"
N=6000

# ---- 1. a whole scan ----------------------------------------------------------------------------
rc=0
"$UNSPIN" scan "$IN" -o "$TMP/ref.jsonl" 2>"$TMP/err" || rc=$?
[ "$rc" = 1 ] || fail "a scan with error records should exit 1, got $rc: $(cat "$TMP/err")"
grep -q "unspin scan: $N records: .* 4 errors" "$TMP/err" || fail "summary: $(cat "$TMP/err")"
[ "$(wc -l <"$TMP/ref.jsonl")" = "$N" ] || fail "expected $N output lines"
python3 - "$TMP/ref.jsonl" <<'EOF' || fail "the output is not the input, annotated, in order"
import json, sys
for i, line in enumerate(open(sys.argv[1], encoding="utf-8")):
    r = json.loads(line)
    if i in (100, 1700, 2000, 2900):
        assert r["line"] == i + 1 and "error" in r, r
    else:
        assert r["id"] == i and r["meta"] == {"n": 1.5, "tags": ["\u00e9"]}, r
        assert 0 <= r["unspin"]["score"] <= 1 and r["unspin"]["verdict"] in ("spun", "clean", "unsure"), r
EOF
"$UNSPIN" scan "$IN" -o "$TMP/ref2.jsonl" --keep-going --quiet || fail "--keep-going should exit 0"
cmp -s "$TMP/ref.jsonl" "$TMP/ref2.jsonl" || fail "two scans of the same input differ"
say "whole scan: ok ($N records, 4 error records, exit 1 / 0 with --keep-going)"

# ---- 2. SIGKILL and --resume --------------------------------------------------------------------
if ! command -v zstd >/dev/null; then
  say "installing zstd (apt-get install -y zstd) to read .zst outputs"
  apt-get install -y -qq zstd >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq zstd >/dev/null; } ||
    fail "zstd is needed (apt-get install zstd)"
fi
decompress() {
  case "$1" in
    *.gz) gzip -dc "$1" ;;
    *.zst) zstd -qdc "$1" ;;
    *) cat "$1" ;;
  esac
}
# The run must last long enough to be caught mid-way on a fast machine: the corpus 8 times over
# (gzip members concatenate), with an uninterrupted scan of it as the reference.
KILL_IN="$TMP/kill.jsonl.gz"
for _ in $(seq 8); do cat "$IN"; done >"$KILL_IN"
"$UNSPIN" scan "$KILL_IN" -o "$TMP/kill-ref.jsonl" --keep-going --quiet || fail "scanning $KILL_IN failed"
[ "$(wc -l <"$TMP/kill-ref.jsonl")" = "$((8 * N))" ] || fail "expected $((8 * N)) output lines"
for out in "$TMP/k.jsonl" "$TMP/k.jsonl.gz" "$TMP/k.jsonl.zst"; do
  args=("$KILL_IN" -o "$out" --keep-going --quiet --checkpoint-secs 0.1)
  "$UNSPIN" scan "${args[@]}" &
  CHILD=$!
  # Kill once the journal shows progress (its lines after the header are checkpoints).
  for _ in $(seq 1 600); do
    n=$(grep -c '"records"' "$out.resume" 2>/dev/null || true)
    [ "${n:-0}" -ge 3 ] && break
    kill -0 "$CHILD" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$CHILD" 2>/dev/null || fail "the scan finished before it could be killed (a bigger corpus is needed)"
  kill -9 "$CHILD"
  wait "$CHILD" 2>/dev/null || true
  CHILD=""
  [ ! -e "$out" ] || fail "a killed scan left $out under its real name"
  [ -e "$out.partial" ] || fail "a killed scan left no $out.partial"
  "$UNSPIN" scan "${args[@]}" --resume 2>"$TMP/err" || fail "resume failed: $(cat "$TMP/err")"
  [ ! -e "$out.partial" ] && [ ! -e "$out.resume" ] || fail "resume left its partial files behind"
  decompress "$out" >"$TMP/got.jsonl"
  cmp -s "$TMP/kill-ref.jsonl" "$TMP/got.jsonl" ||
    fail "$out: resumed output differs from the uninterrupted one ($(wc -l <"$TMP/got.jsonl") lines)"
  say "kill -9 and --resume: ok ($(basename "$out"))"
done

# ---- 3. WET on standard input -------------------------------------------------------------------
"$UNSPIN" scan - --format wet --quiet <"$TMP/in.warc.wet.gz" >"$TMP/wet.jsonl" || fail "WET scan failed"
python3 - "$TMP/wet.jsonl" <<'EOF' || fail "WET output"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["id"] for r in rs] == [f"<urn:uuid:{i}>" for i in range(20)], rs[:2]
assert all(r["url"].startswith("https://example.org/") and "score" in r["unspin"] for r in rs)
EOF
say "WET on standard input: ok"
say "all passed in $((SECONDS - T0)) s"
