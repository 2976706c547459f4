#!/usr/bin/env bash
# Throughput of `unspin scan` on a large corpus, against the perplexity filter that curation
# pipelines use today (CCNet-style: KenLM perplexity per document), on the same trigram LM.
#
#   1. builds bench/out/scan/corpus.jsonl: at least SIZE MB (default 200) of JSONL records
#      {"id", "label", "text"}, half clean and half spun, drawn from the development set
#      (bench/out/devset/*/*.jsonl, made by bench/make_devset.py if missing: clean passages
#      and the originals of spun ones are "clean"; the spun texts of every spinner and rate
#      are "spun"), repeated and shuffled (seeded) up to the size;
#   2. unspin scan on all cores over the whole corpus, under /usr/bin/time -v: docs/s, MB/s,
#      MB/s per core, CPU% and peak RSS;
#   3. unspin scan with RAYON_NUM_THREADS=1 over the first SINGLE_MB MB (default 20) of the
#      corpus (the same mix; a full single-core pass would take as long as steps 2 and 4 together);
#   4. the baseline: `unspin export-arpa` writes the model's trigram LM as ARPA; the `kenlm`
#      Python module (pip install kenlm) loads it (load time reported apart: pip's kenlm has no
#      build_binary) and scores every document of the corpus as CCNet does: per line,
#      normalised (lowercased, accents and punctuation stripped, digits to 0), words scored with
#      sentence boundaries, perplexity 10^(-log10 P / words) added to the record and written
#      out as JSONL. One process: per-core figures.
# Prints a table (also in bench/out/scan/table.txt; raw numbers in summary.json).
#
# Steps 2-4 run in turn ROUNDS times (default 3); the table gives each run's medians and the
# median of the rounds' scan/KenLM ratios, since this machine's speed drifts by tens of per cent.
#
# Usage: bench/scan.sh [--size MB] [--single-mb MB] [--kenlm-mb MB] [--rounds N] [--model PATH]
#   --kenlm-mb MB   score only the first MB of the corpus with KenLM (default: all of it)
# Environment: UNSPIN (binary; default target/release/unspin, built if missing).
# Takes about 6 minutes on 2 cores at the default size and 3 rounds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SIZE_MB=200
SINGLE_MB=20
ROUNDS=3
KENLM_MB=0
MODEL=""
while [ $# -gt 0 ]; do
  case "$1" in
    --size) SIZE_MB=$2; shift 2 ;;
    --single-mb) SINGLE_MB=$2; shift 2 ;;
    --kenlm-mb) KENLM_MB=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "scan-bench: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

say() { printf 'scan-bench: %s\n' "$*" >&2; }
die() { printf 'scan-bench: error: %s\n' "$*" >&2; exit 1; }

[ "$ROUNDS" -ge 1 ] 2>/dev/null || die "--rounds must be a number >= 1"

OUT=bench/out/scan # git-ignored
mkdir -p "$OUT"

# ---- tools --------------------------------------------------------------------------------------
UNSPIN="${UNSPIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/unspin}"
if [ ! -x "$UNSPIN" ]; then
  say "$UNSPIN is missing: cargo build --release -p unspin-cli"
  cargo build --release -p unspin-cli
fi
MODEL_ARGS=()
[ -n "$MODEL" ] && MODEL_ARGS=(--model "$MODEL")
"$UNSPIN" "${MODEL_ARGS[@]}" model >/dev/null 2>"$OUT/err" ||
  die "$UNSPIN has no usable model: $(cat "$OUT/err") (run scripts/setup.sh, or pass --model PATH)"
[ -x /usr/bin/time ] || {
  say "installing GNU time (apt-get install -y time) for peak memory"
  apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq time; } ||
    die "/usr/bin/time is needed (apt-get install time)"
}
python3 -c 'import kenlm' 2>/dev/null || {
  say "installing the kenlm Python module (pip install kenlm; may build from source for a few minutes)"
  python3 -m pip install -q --disable-pip-version-check kenlm || die "pip install kenlm failed"
}

# ---- corpus -------------------------------------------------------------------------------------
if ! ls bench/out/devset/*/clean.jsonl >/dev/null 2>&1; then
  say "no development set: python3 bench/make_devset.py (a few minutes)"
  python3 bench/make_devset.py
fi
CORPUS="$OUT/corpus.jsonl"
python3 - "$CORPUS" "$SIZE_MB" <<'EOF' || die "building the corpus failed"
import glob, json, os, random, sys
out, size_mb = sys.argv[1], float(sys.argv[2])
target = int(size_mb * 1e6)
if os.path.exists(out) and os.path.getsize(out) >= target and os.path.getsize(out) < target * 1.05:
    print(f"scan-bench: reusing {out}", file=sys.stderr)
    sys.exit(0)
clean, spun, seen = [], [], set()
for path in sorted(glob.glob("bench/out/devset/*/*.jsonl")):
    name = os.path.basename(path)[: -len(".jsonl")]
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        if "text" in r:
            key = r["text"]
            if key not in seen:
                seen.add(key)
                clean.append((f"{r['id']}", r["text"]))
        else:
            if r["original"] not in seen:
                seen.add(r["original"])
                clean.append((f"{r['id']}", r["original"]))
            spun.append((f"{r['id']}/{name}", r["spun"]))
if not clean or not spun:
    sys.exit("scan-bench: the development set has no clean or no spun records")
rng = random.Random(20240501)
n = 0
with open(out + ".tmp", "w", encoding="utf-8") as f:
    while n < target:
        rng.shuffle(clean)
        rng.shuffle(spun)
        batch = [("clean",) + c for c in clean] + [("spun",) + s for s in spun[: len(clean)]]
        rng.shuffle(batch)
        for label, rid, text in batch:
            line = json.dumps({"id": f"{rid}#{n}", "label": label, "text": text}, ensure_ascii=False) + "\n"
            f.write(line)
            n += len(line.encode())
            if n >= target:
                break
os.replace(out + ".tmp", out)
print(f"scan-bench: {len(clean)} distinct clean and {len(spun)} spun texts -> {n/1e6:.1f} MB", file=sys.stderr)
EOF
BYTES=$(stat -c %s "$CORPUS")
DOCS=$(wc -l <"$CORPUS")
# The single-thread slice: whole records from the start of the corpus.
SLICE="$OUT/slice.jsonl"
head -c "$((SINGLE_MB * 1000000))" "$CORPUS" | sed '$ { /}$/!d }' >"$SLICE"
say "corpus $CORPUS: $(awk "BEGIN{printf \"%.1f\", $BYTES/1e6}") MB, $DOCS docs; single-thread slice $(awk "BEGIN{printf \"%.1f\", $(stat -c %s "$SLICE")/1e6}") MB"

# ---- runs ---------------------------------------------------------------------------------------
# timed NAME CMD...: runs CMD under /usr/bin/time -v; keeps its report in $OUT/NAME.time.
timed() {
  local name=$1
  shift
  say "running $name: $*"
  /usr/bin/time -v -o "$OUT/$name.time" "$@" || die "$name failed (exit $?)"
}

ARPA="$OUT/lm.arpa"
if [ ! -s "$ARPA" ] || [ "$UNSPIN" -nt "$ARPA" ]; then
  say "exporting the trigram LM as ARPA: $ARPA"
  "$UNSPIN" "${MODEL_ARGS[@]}" export-arpa "$ARPA"
fi
cat >"$OUT/ccnet_kenlm.py" <<'PY'
"""CCNet-style perplexity filter: KenLM perplexity of every document, added to its record."""
import json, re, sys, time, unicodedata

import kenlm

arpa, corpus, out, limit, report = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
t0 = time.perf_counter()
lm = kenlm.Model(arpa)
load = time.perf_counter() - t0

# CCNet's text normalisation (cc_net/text_normalizer.py, simplified): lowercase, strip accents,
# digits to 0, punctuation removed; then words as the LM's vocabulary has them.
DIGITS = re.compile(r"\d")
NONWORD = re.compile(r"[^\w' ]+")


def normalize(line):
    line = line.strip().lower()
    line = unicodedata.normalize("NFD", line)
    line = "".join(c for c in line if unicodedata.category(c) != "Mn")
    line = DIGITS.sub("0", line)
    return " ".join(NONWORD.sub(" ", line).split())


def perplexity(text):
    logp, n = 0.0, 0
    for line in text.split("\n"):
        line = normalize(line)
        if not line:
            continue
        logp += lm.score(line, bos=True, eos=True)
        n += len(line.split()) + 1
    return round(10.0 ** (-logp / max(n, 1)), 1)


docs = nbytes = 0
t1 = time.perf_counter()
c1 = time.process_time()
with open(corpus, "rb") as f, open(out, "w", encoding="utf-8") as w:
    for raw in f:
        if limit and nbytes >= limit:
            break
        r = json.loads(raw)
        r["perplexity"] = perplexity(r["text"])
        w.write(json.dumps(r, ensure_ascii=False) + "\n")
        docs += 1
        nbytes += len(raw)
score = time.perf_counter() - t1
cpu = time.process_time() - c1
json.dump({"load_s": load, "score_s": score, "cpu_s": cpu, "docs": docs, "bytes": nbytes}, open(report, "w"))
PY
LIMIT=$((KENLM_MB * 1000000))
# Rounds of the three runs in turn, so that whatever else slows the machine down meets both sides
# alike; the report takes medians over the rounds.
rm -f "$OUT"/*.time "$OUT"/scan-*.stats.json "$OUT"/kenlm*.stats.json
for r in $(seq "$ROUNDS"); do
  say "round $r of $ROUNDS"
  timed "scan-all-$r" "$UNSPIN" "${MODEL_ARGS[@]}" scan "$CORPUS" -o "$OUT/scored.jsonl.zst" --quiet \
    --stats "$OUT/scan-all-$r.stats.json"
  timed "scan-one-$r" env RAYON_NUM_THREADS=1 "$UNSPIN" "${MODEL_ARGS[@]}" scan "$SLICE" \
    -o "$OUT/scored-one.jsonl" --quiet --stats "$OUT/scan-one-$r.stats.json"
  timed "kenlm-$r" python3 "$OUT/ccnet_kenlm.py" "$ARPA" "$CORPUS" "$OUT/kenlm.jsonl" "$LIMIT" \
    "$OUT/kenlm-$r.stats.json"
done
rm -f "$OUT/kenlm.jsonl" "$OUT/scored-one.jsonl"

# ---- report -------------------------------------------------------------------------------------
python3 - "$OUT" "$ROUNDS" <<'PY' | tee "$OUT/table.txt"
import json, os, statistics, sys

out, rounds = sys.argv[1], int(sys.argv[2])


def time_v(name):
    """Wall seconds, CPU %, peak RSS (MB) and CPU seconds from a /usr/bin/time -v report."""
    d = {}
    for line in open(os.path.join(out, f"{name}.time")):
        k, _, v = line.strip().rpartition(": ")
        d[k] = v
    h, m, s = (["0", "0"] + d["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":"))[-3:]
    wall = int(h) * 3600 + int(m) * 60 + float(s)
    cpu_s = float(d["User time (seconds)"]) + float(d["System time (seconds)"])
    return wall, int(d["Percent of CPU this job got"].rstrip("%")), int(d["Maximum resident set size (kbytes)"]) / 1024, cpu_s


def round_rows(r):
    """The three runs of round `r`."""
    rows = []
    for name, label in (("scan-all", "unspin scan, all cores"), ("scan-one", "unspin scan, RAYON_NUM_THREADS=1")):
        st = json.load(open(os.path.join(out, f"{name}-{r}.stats.json")))
        wall, cpu, rss, cpu_s = time_v(f"{name}-{r}")
        s = st["session"]
        mb = s["record_bytes"] / 1e6
        secs = st["seconds"]
        rows.append(dict(name=label, cores=st["threads"], docs=s["records"], mb=mb, secs=secs, wall=wall,
                         docs_s=s["records"] / secs, mb_s=mb / secs, mb_s_core=mb / secs / st["threads"],
                         cpu=cpu, rss=rss, mb_cpu_s=mb / cpu_s, spun=s["spun"], errors=s["errors"]))
    k = json.load(open(os.path.join(out, f"kenlm-{r}.stats.json")))
    wall, cpu, rss, _ = time_v(f"kenlm-{r}")
    mb = k["bytes"] / 1e6
    rows.append(dict(name="KenLM perplexity (CCNet-style)", cores=1, docs=k["docs"], mb=mb, secs=k["score_s"],
                     wall=wall, docs_s=k["docs"] / k["score_s"], mb_s=mb / k["score_s"],
                     mb_s_core=mb / k["score_s"], cpu=cpu, rss=rss, mb_cpu_s=mb / k["cpu_s"], load=k["load_s"]))
    return rows


per_round = [round_rows(r) for r in range(1, rounds + 1)]
# Each row's medians over the rounds (peak RSS: the largest); counts are the same in every round.
rows = []
for i, first in enumerate(per_round[0]):
    runs = [rr[i] for rr in per_round]
    row = dict(first)
    for key in ("secs", "wall", "docs_s", "mb_s", "mb_s_core", "mb_cpu_s", "cpu", "load"):
        if key in first:
            row[key] = statistics.median(r[key] for r in runs)
    row["rss"] = max(r["rss"] for r in runs)
    rows.append(row)
# Ratios per round (scan against the KenLM run of the same round), then their median.
ratio_all = [rr[0]["mb_s_core"] / rr[2]["mb_s_core"] for rr in per_round]
ratio_one = [rr[1]["mb_s_core"] / rr[2]["mb_s_core"] for rr in per_round]
ratio_cpu = [rr[0]["mb_cpu_s"] / rr[2]["mb_cpu_s"] for rr in per_round]

print()
print(f"unspin scan benchmark: {rows[0]['mb']:.1f} MB corpus, {rows[0]['docs']} docs (half clean, half spun); "
      f"medians of {rounds} rounds")
print()
hdr = (f"{'run':<34} {'cores':>5} {'docs':>7} {'MB':>7} {'s':>8} {'docs/s':>8} {'MB/s':>7} {'MB/s/core':>9} "
       f"{'MB/CPU-s':>8} {'CPU%':>5} {'peak RSS MB':>11}")
print(hdr)
print("-" * len(hdr))
for r in rows:
    print(f"{r['name']:<34} {r['cores']:>5} {r['docs']:>7} {r['mb']:>7.1f} {r['secs']:>8.1f} {r['docs_s']:>8.1f} "
          f"{r['mb_s']:>7.3f} {r['mb_s_core']:>9.3f} {r['mb_cpu_s']:>8.3f} {r['cpu']:>5} {r['rss']:>11.1f}")
print()
print("MB/s/core = MB/s / cores; MB/CPU-s = MB per second of CPU time (user + sys), which other load on")
print("the machine does not distort; a CPU% well under 100 per core means the run shared its cores.")
print(f"KenLM: ARPA load {rows[2]['load']:.1f} s, not included above (pip's kenlm has no build_binary)")
print(f"scan found {rows[0]['spun']} spun of {rows[0]['docs']} docs, {rows[0]['errors']} errors")
fmt = lambda xs: " ".join(f"{x:.2f}" for x in xs)
print(f"scan per core / KenLM per core, median of the rounds' ratios: {statistics.median(ratio_all):.2f} on all cores "
      f"(rounds: {fmt(ratio_all)}), {statistics.median(ratio_one):.2f} on one thread ({fmt(ratio_one)}), "
      f"{statistics.median(ratio_cpu):.2f} per CPU second ({fmt(ratio_cpu)}); target >= 0.5")
print(f"scan scaling: {rows[0]['mb_s'] / rows[1]['mb_s']:.2f}x on {rows[0]['cores']} cores vs 1; "
      f"CPU {rows[0]['cpu']}% (100% per busy core); peak RSS {rows[0]['rss']:.0f} MB (target < 1024)")
json.dump({"medians": rows, "rounds": per_round, "ratio_all_cores": ratio_all, "ratio_one_thread": ratio_one,
           "ratio_cpu": ratio_cpu}, open(os.path.join(out, "summary.json"), "w"), indent=1)
PY
say "raw results in $OUT/ (table.txt, summary.json, *.time, *.stats.json)"
