#!/usr/bin/env bash
# Documents per second through Ray Data on both cores, against `unspin scan` on the same
# documents: what the Python package and Ray cost on top of the engine.
#
#   1. corpus: the first DOCS records (default 20000, ~50 MB) of the scan benchmark's corpus
#      (bench/out/scan/corpus.jsonl: half clean, half spun development-set passages), or the
#      same mix built from the development set (bench/make_devset.py) when that is missing;
#   2. the Python package: crates/unspin-python/ci.sh --no-tests --no-lint builds the wheel (model
#      embedded) into a virtual environment, bench/out/ray_vs_scan/venv, with ray[data];
#   3. ROUNDS times (default 2), alternating so that load from elsewhere hits both alike:
#      a. `unspin scan CORPUS --spans -o out.jsonl` on 2 threads, under /usr/bin/time;
#      b. Ray Data: ray.init(num_cpus=2), then read_json(CORPUS) -> map_batches(UnspinScorer,
#         batch_format="pyarrow", 1 actor x 2 engine threads) -> write_parquet; timed from the
#         read to the last file written (actor start-up and model load included; ray.init apart);
#      c. the same with 2 actors x 1 engine thread;
#   4. prints docs/s end to end and in steady state, Ray's start-up, CPU seconds (scan: user+sys;
#      Ray: every process of the Ray session, read from /proc, and the engine actors alone) and the
#      overheads of each Ray run against scan, best round of each (target: under 20 %); checks
#      that Ray's scores equal scan's, record by record.
# Prints a table (also bench/out/ray_vs_scan/table.txt; raw numbers in summary.json).
#
# Usage: bench/ray_vs_scan.sh [--docs N] [--rounds R] [--batch-size B]
# Environment: UNSPIN (binary; default target/release/unspin, built if missing).
# Takes about 8 minutes on 2 otherwise idle cores at the defaults (plus the wheel's build once).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DOCS=20000
ROUNDS=2
BATCH=512
while [ $# -gt 0 ]; do
  case "$1" in
    --docs) DOCS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --batch-size) BATCH=$2; shift 2 ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
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
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null 2>&1 ||
  { apt-get update -qq && apt-get install -y -qq time; } || die "/usr/bin/time is needed"
# `unspin scan` is the baseline; without it, `unspin check --json` over one file per document
# stands in (single-threaded, so run two halves side by side), and the table says so.
if "$UNSPIN" scan --help >/dev/null 2>&1; then BASELINE=scan; else BASELINE=check; fi

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
say "corpus $CORPUS: $N docs, $MB MB; baseline: unspin $BASELINE; batch size $BATCH"

# ---- runs ---------------------------------------------------------------------------------------
RUNS="$OUT/runs.jsonl"
: >"$RUNS"

run_scan() {
  local r=$1 t0 t1
  rm -f "$OUT/scan-out.jsonl"
  if [ "$BASELINE" = scan ]; then
    /usr/bin/time -f '%e %U %S' -o "$OUT/scan.time" \
      "$UNSPIN" scan "$CORPUS" --spans --threads 2 --quiet -o "$OUT/scan-out.jsonl"
  else
    rm -rf "$OUT/docs" && mkdir -p "$OUT/docs"
    "$PY" - "$CORPUS" "$OUT/docs" <<'PY'
import json, sys
for i, line in enumerate(open(sys.argv[1], encoding="utf-8")):
    open(f"{sys.argv[2]}/{i:07}.txt", "w", encoding="utf-8").write(json.loads(line)["text"])
PY
    /usr/bin/time -f '%e %U %S' -o "$OUT/scan.time" bash -c '
      ls "$1"/*.txt | sort | split -n r/2 - "$1/part."
      xargs -a "$1/part.aa" "$2" check --json >"$1/a.jsonl" & xargs -a "$1/part.ab" "$2" check --json >"$1/b.jsonl"; wait' \
      _ "$OUT/docs" "$UNSPIN"
  fi
  read -r wall user sys <"$OUT/scan.time"
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  printf '{"run": "unspin %s", "round": %d, "docs": %d, "wall": %s, "cpu": %s, "load": %s}\n' \
    "$BASELINE" "$r" "$N" "$wall" "$(awk "BEGIN{print $user + $sys}")" "$load" >>"$RUNS"
  say "round $r: unspin $BASELINE: $wall s, load $load"
}

run_ray() {
  local r=$1 actors=$2 threads=$3
  rm -rf "$OUT/ray-out"
  RAY_USAGE_STATS_ENABLED=0 "$PY" - "$CORPUS" "$OUT/ray-out" "$BATCH" "$actors" "$threads" "$r" >>"$RUNS" <<'PY'
import json, os, sys, time

corpus, out_dir, batch, actors, threads, rnd = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])


class TreeCpu:
    """CPU seconds (user + sys) of `root` and every process below it (the whole Ray session,
    which this driver starts), and of the engine actors alone. Sampled every 0.2 s from /proc,
    so that processes that end during the run (Ray stops its actors as an operator finishes,
    and they are not always reaped inside the tree) still count, to within one sample."""

    def __init__(self, root: int) -> None:
        import threading

        self.root, self.tick = root, os.sysconf("SC_CLK_TCK")
        self.seen: dict = {}  # pid -> (cpu ticks, is engine actor)
        self.start = self.sample()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def sample(self) -> dict:
        stats = {}
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    with open(f"/proc/{pid}/cmdline") as f:
                        cmd = f.read()
                except OSError:
                    continue
                # After the command: state ppid ... utime(12) stime(13).
                stats[int(pid)] = (int(fields[1]), int(fields[11]) + int(fields[12]), cmd.startswith("ray::MapWorker"))
        children: dict = {}
        for pid, (ppid, _, _) in stats.items():
            children.setdefault(ppid, []).append(pid)
        tree, todo = {}, [self.root]
        while todo:
            pid = todo.pop()
            if pid in stats:
                tree[pid] = stats[pid][1:]
            todo += children.get(pid, [])
        for pid, (cpu, engine) in tree.items():
            old = self.seen.get(pid, (0, False))
            self.seen[pid] = (max(cpu, old[0]), engine or old[1])
        return tree

    def run(self) -> None:
        while not self.stop.wait(0.2):
            self.sample()

    def finish(self) -> "tuple[float, float]":
        self.stop.set()
        self.thread.join()
        self.sample()
        total = engine = 0
        for pid, (cpu, is_engine) in self.seen.items():
            used = cpu - self.start.get(pid, (0, False))[0]
            total += used
            engine += used if is_engine else 0
        return total / self.tick, engine / self.tick


t0 = time.time()
import pyarrow as pa
import ray
import ray.data

from unspin.ray import UnspinScorer


class TimedScorer(UnspinScorer):
    """UnspinScorer that also records when each batch was done, for the steady-state rate."""

    def __call__(self, batch):
        start = time.time()
        out = super().__call__(batch)
        out = out.append_column("bench_start", pa.array([start] * out.num_rows, pa.float64()))
        out = out.append_column("bench_done", pa.array([time.time()] * out.num_rows, pa.float64()))
        return out.append_column("bench_actor", pa.array([os.getpid()] * out.num_rows, pa.int64()))


ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
ray.data.DataContext.get_current().enable_progress_bars = False
init = time.time() - t0
meter, t1 = TreeCpu(os.getpid()), time.time()
# Enough blocks that every actor gets work (one JSONL file is otherwise one block).
ds = ray.data.read_json(corpus, override_num_blocks=8 * actors)
ds = ds.map_batches(
    TimedScorer,
    fn_constructor_kwargs={"threads": threads, "spans": True},
    batch_format="pyarrow",
    batch_size=batch,
    compute=ray.data.ActorPoolStrategy(size=actors),
    num_cpus=0.5 * threads,  # leaves logical CPUs for the read and write tasks
)
ds.write_parquet(out_dir)
wall = time.time() - t1
cpu, eng = meter.finish()
ray.shutdown()

import pyarrow.parquet as pq

t = pq.read_table(out_dir, columns=["bench_start", "bench_done", "bench_actor"])
docs = t.num_rows
# Start-up: from the read to the first batch reaching an engine actor (actor processes started,
# unspin imported, first blocks read).
startup = min(t.column("bench_start").to_pylist()) - t1
by_actor = {}
for when, actor in zip(t.column("bench_done").to_pylist(), t.column("bench_actor").to_pylist()):
    by_actor.setdefault(actor, []).append(when)
# Steady state, per actor: documents finished after its first batch, over the time since that
# batch was done (actor start-up, model load, the pipeline's fill and drain left out); the
# actors run side by side, so their rates add up.
steady = 0.0
for done in by_actor.values():
    done.sort()
    first = done.count(done[0])
    if done[-1] > done[0]:
        steady += (len(done) - first) / (done[-1] - done[0])
name = f"Ray Data, {actors} actor{'s' if actors > 1 else ''} x {threads} thread{'s' if threads > 1 else ''}"
load = float(open("/proc/loadavg").read().split()[0])
print(json.dumps({"run": name, "round": rnd, "docs": docs, "wall": wall, "cpu": cpu, "engine_cpu": eng,
                  "steady": steady, "startup": startup, "init": init, "load": load}))
print(f"ray-bench: round {rnd}: {name}: {wall:.1f} s, start-up {startup:.1f} s, steady {steady:.0f} docs/s "
      f"(+ ray.init {init:.1f} s), load {load}", file=sys.stderr)
PY
}

for r in $(seq 1 "$ROUNDS"); do
  run_scan "$r"
  run_ray "$r" 1 2
  run_ray "$r" 2 1
done

# ---- agreement and table ------------------------------------------------------------------------
"$PY" - "$RUNS" "$OUT" "$BASELINE" "$MB" <<'PY'
import glob, json, sys

import pyarrow.parquet as pq

runs_file, out, baseline, mb = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
runs = [json.loads(l) for l in open(runs_file)]

# Agreement: the last Ray run's scores against the baseline's, record by record.
ray_scores = {}
for path in glob.glob(f"{out}/ray-out/*.parquet"):
    t = pq.read_table(path, columns=["id", "unspin_score"])
    ray_scores.update(zip(t.column("id").to_pylist(), t.column("unspin_score").to_pylist()))
if baseline == "scan":
    base = {}
    for line in open(f"{out}/scan-out.jsonl", encoding="utf-8"):
        r = json.loads(line)
        base[r["id"]] = r["unspin"]["score"]
else:
    ids = [json.loads(l)["id"] for l in open(f"{out}/corpus.jsonl", encoding="utf-8")]
    lines = [json.loads(l) for f in ("a", "b") for l in open(f"{out}/docs/{f}.jsonl")]
    base = {ids[int(l["path"].rsplit("/", 1)[1][:-4])]: l["score"] for l in lines}
mismatch = sum(1 for k, v in base.items() if ray_scores.get(k) != v)
assert len(ray_scores) == len(base), (len(ray_scores), len(base))

best = {}
for r in runs:
    if r["run"] not in best or r["wall"] < best[r["run"]]["wall"]:
        best[r["run"]] = r
base_name = f"unspin {baseline}"
b = best[base_name]
b["steady"] = b["docs"] / b["wall"]  # scan's start-up is a model load, ~0.1 s
pct = lambda x: f"{100 * x:+.1f}%"
lines = [
    "",
    f"Ray Data vs unspin {baseline}: {b['docs']} docs, {mb} MB, 2 cores, best of {max(r['round'] for r in runs)} rounds",
    "",
    f"{'run':30} {'wall s':>7} {'docs/s':>7} {'start-up':>8} {'steady':>7} {'CPU s':>7} {'actors':>7} {'load':>5}",
    f"{'':30} {'':>7} {'':>7} {'s':>8} {'docs/s':>7} {'':>7} {'CPU s':>7} {'':>5}",
    "-" * 86,
]
for name, r in best.items():
    startup = f"{r['startup']:.1f}" if "startup" in r else ""
    actors = f"{r['engine_cpu']:.1f}" if "engine_cpu" in r else ""
    lines.append(f"{name:30} {r['wall']:>7.1f} {r['docs'] / r['wall']:>7.1f} {startup:>8} {r['steady']:>7.1f} "
                 f"{r['cpu']:>7.1f} {actors:>7} {r['load']:>5.2f}")
lines += [
    "",
    "wall: Ray from read_json to the last Parquet file written (ray.init apart: "
    + ", ".join(f"{r['init']:.1f}" for r in runs if "init" in r) + " s);",
    "start-up: until the first batch reaches an engine actor (actor processes started, unspin imported, blocks read);",
    "steady: documents per second after each actor's first batch; CPU: CPU seconds of every process of the run",
    "(Ray: engine actors, read and write tasks, raylet, GCS, Ray Data's own actors); actors: the engine actors' alone",
    "(engine, Python, Arrow in and out, interpreter start-up); load: the 1-minute load average after the run (2 cores:",
    "above 2, other work shared them). CPU seconds are what such load distorts least.",
]
if baseline == "check":
    lines.append("`unspin scan` was not usable: the baseline is `unspin check --json` over one file per document, two processes.")
lines.append(f"scores: {len(base) - mismatch} of {len(base)} records agree with unspin {baseline} ({mismatch} differ)")
lines += ["", f"overheads against unspin {baseline} (target: under 20 %):"]
for name, r in best.items():
    if name == base_name:
        continue
    lines.append(f"  {name}: Python package (actors' CPU s) {pct(r['engine_cpu'] / b['cpu'] - 1)}, "
                 f"steady state {pct(b['steady'] / r['steady'] - 1)}, end to end {pct(r['wall'] / b['wall'] - 1)}, "
                 f"all CPU s {pct(r['cpu'] / b['cpu'] - 1)}")
text = "\n".join(lines)
print(text)
open(f"{out}/table.txt", "w").write(text + "\n")
json.dump({"runs": runs, "best": best, "mismatched_scores": mismatch}, open(f"{out}/summary.json", "w"), indent=1)
PY
