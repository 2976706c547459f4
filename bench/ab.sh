#!/usr/bin/env bash
# A/B timing of two `unspin` binaries (each with its own embedded model) on the same input.
#
# The runs alternate (A, B, A, B, ...) on one core (taskset -c $CPU), so that the machine's drift
# from minute to minute falls on both alike; prints each binary's median wall time and the ratio
# B/A. Use it to show what a change costs: build the old commit in a worktree, then
#
#   bash bench/ab.sh OLD/target/release/unspin target/release/unspin
#
# Usage: bench/ab.sh [--runs N] [--cpu N] [--cmd "ARGS"] BIN_A BIN_B [INPUT]
#   --runs  runs per binary (default 9; at least 3)
#   --cmd   the unspin arguments before INPUT (default: "check --json")
#   INPUT   default: bench/out/speed/corpus.txt, which bench/speed.sh builds
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS=9
CPU=0
CMD="check --json"
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --cpu) CPU=$2; shift 2 ;;
    --cmd) CMD=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
die() { printf 'ab: error: %s\n' "$*" >&2; exit 1; }
[ "${#ARGS[@]}" -ge 2 ] || die "two binaries are needed (try --help)"
[ "$RUNS" -ge 3 ] 2>/dev/null || die "--runs must be a number >= 3"
A=${ARGS[0]}
B=${ARGS[1]}
INPUT=${ARGS[2]:-$ROOT/bench/out/speed/corpus.txt}
for bin in "$A" "$B"; do
  [ -x "$bin" ] || die "$bin is not an executable"
done
[ -r "$INPUT" ] || die "$INPUT cannot be read (bash bench/speed.sh builds the default input)"

# One timed run: wall seconds; the output is discarded, a failure stops the benchmark.
run() {
  local start end
  start=$(date +%s.%N)
  # shellcheck disable=SC2086 # $CMD is a list of arguments
  taskset -c "$CPU" "$1" $CMD "$INPUT" >/dev/null 2>&1 || die "$1 $CMD $INPUT failed"
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

ta="" tb=""
run "$A" >/dev/null # warm the page cache for both binaries and the input
run "$B" >/dev/null
for _ in $(seq "$RUNS"); do
  ta+=" $(run "$A")"
  tb+=" $(run "$B")"
done
ma=$(echo "$ta" | median)
mb=$(echo "$tb" | median)
printf 'ab: unspin %s on %s (%s), one core, median of %d alternating runs\n' \
  "$CMD" "$INPUT" "$(du -h "$INPUT" | cut -f1)" "$RUNS"
printf '  A %-60s %8.3f s\n  B %-60s %8.3f s\n' "$A" "$ma" "$B" "$mb"
printf '  B / A: %.3f\n' "$(echo "$mb / $ma" | bc -l)"
