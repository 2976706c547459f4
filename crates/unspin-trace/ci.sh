#!/usr/bin/env bash
# CI checks of unspin-trace beyond `cargo test`: a smoke test of `unspin index` and `unspin trace`
# through the real binary and model, on a tiny index. Well under a minute.
# Run after scripts/setup.sh, when target/release/unspin exists with the model embedded (it is
# built if missing). Environment: UNSPIN (the binary to test).
#
# Usage: crates/unspin-trace/ci.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

UNSPIN="${UNSPIN:-target/release/unspin}"
if [ ! -x "$UNSPIN" ]; then
  cargo build --release -p unspin-cli
fi
TMP="$(mktemp -d "${TMPDIR:-/tmp}/unspin-trace-ci.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

PASSED=0
FAILED=0
check() { # check NAME COMMAND...: run, count, and say which failed
  local name=$1
  shift
  if "$@"; then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    echo "trace ci: FAILED: $name" >&2
  fi
}

cat >"$TMP/refs.jsonl" <<'JSON'
{"id": "market", "text": "The stock market fell sharply on Monday after the central bank said it would raise interest rates again. Investors sold shares of banks and technology companies, and the government said the economy remained strong despite the losses."}
{"id": "harvest", "text": "Farmers in the northern provinces reported an early harvest this year. The warm spring and steady rain produced large crops of wheat and barley, and prices at the local markets dropped for the first time in a decade."}
JSON
cat >"$TMP/more.txt" <<'TXT'
The committee approved the new budget for public schools, which adds funds for teachers, books and repairs to old buildings across the country.
TXT
# A spun copy of "market": thesaurus swaps of a third of its words.
cat >"$TMP/spun.txt" <<'TXT'
The inventory market dropped steeply on Monday after the central bank mentioned it would increase interest rates once more. Traders offered stocks of banks and technology businesses, and the administration stated the economic system stayed sturdy in spite of the losses.
TXT
echo "Penguins waddle across the frozen shore while seals sleep on floating ice." >"$TMP/unrelated.txt"
printf '{"id": "q1", "text": %s}\n{"id": "q2", "text": "Penguins waddle across the frozen shore."}\n' \
  "$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$TMP/spun.txt")" >"$TMP/queries.jsonl"

check "index build" "$UNSPIN" index build --input "$TMP/refs.jsonl" --out "$TMP/refs.idx"
check "index add" "$UNSPIN" index add --index "$TMP/refs.idx" --input "$TMP/more.txt"
check "index info" bash -c "'$UNSPIN' index info '$TMP/refs.idx' | grep -q '^documents: 3$'"
check "trace finds the source" bash -c \
  "'$UNSPIN' trace --index '$TMP/refs.idx' --json '$TMP/spun.txt' | python3 -c 'import json,sys; m=json.load(sys.stdin)[\"matches\"]; assert m[0][\"id\"] == \"market\" and m[0][\"evidence\"], m'"
check "trace human output" bash -c "'$UNSPIN' trace --index '$TMP/refs.idx' '$TMP/spun.txt' | grep -q 'market  similarity'"
check "no source, no match" bash -c \
  "'$UNSPIN' trace --index '$TMP/refs.idx' --json '$TMP/unrelated.txt' | grep -q '\"matches\":\[\]'"
check "batch mode" bash -c \
  "'$UNSPIN' trace --index '$TMP/refs.idx' --input '$TMP/queries.jsonl' | python3 -c 'import json,sys; r=[json.loads(l) for l in sys.stdin]; assert [x[\"query_id\"] for x in r] == [\"q1\", \"q2\"] and r[0][\"matches\"][0][\"id\"] == \"market\" and r[1][\"matches\"] == [], r'"
head -c 100 "$TMP/refs.idx" >"$TMP/broken.idx"
check "corrupt index: clear error, exit 2" bash -c \
  "'$UNSPIN' trace --index '$TMP/broken.idx' '$TMP/spun.txt' 2>'$TMP/err'; test \$? -eq 2 && grep -q 'broken.idx: corrupt index: .*truncated' '$TMP/err'"

echo "trace ci: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
