#!/usr/bin/env python3
"""The measuring parts of bench/ray_vs_scan.sh (run that rather than this).

    ray_vs_scan.py measure --record FILE [--watch PATH]... -- COMMAND...
    ray_vs_scan.py ray|python CORPUS OUT_DIR --record FILE --times DIR [options]
    ray_vs_scan.py record --name NAME --round N --measure FILE [--driver FILE --times DIR | --docs N]
    ray_vs_scan.py table RUNS_JSONL OUT_DIR --corpus FILE --mb MB --batch-size B

``measure`` runs COMMAND as a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so that every process
it starts stays below it, and samples the CPU time of each of them from /proc every 0.2 s, keyed
by pid and start time, together with the machine's own counters (/proc/stat: what processes
outside the run used meanwhile). Sampling, not getrusage(RUSAGE_CHILDREN): the raylet ignores
SIGCHLD, so the Ray workers it starts are reaped without their CPU time ever reaching a parent's
total. ``--watch`` follows the size of an output file as it grows (scan's steady rate).

``ray`` is the Ray Data driver and ``python`` the same work without Ray; in both, the scorer logs
per batch its rows, its times, its process's CPU time and its threads' (engine threads, named
unspin-N, apart from the others). ``record`` turns a run's files into one line of runs.jsonl, and
``table`` prints the medians over rounds and the overheads against scan.
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional

PR_SET_CHILD_SUBREAPER = 36
SCAN = "unspin scan"
TICK = os.sysconf("SC_CLK_TCK")


# ---- measure ------------------------------------------------------------------------------------


class Sampler:
    """The CPU time (user + sys, all threads) of every process below ``root``, sampled from
    /proc/PID/stat. Each process's own time only (never its children's), keyed by pid and start
    time: Ray's raylet reaps its workers with SIGCHLD ignored, so their time never reaches any
    parent's children's total, and a worker that exits is known only through its samples (it
    loses at most its last interval: the number of such exits is counted)."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.others: set = set()  # pids that are not below root
        self.ours: Dict[int, tuple] = {}  # pid -> key
        self.procs: Dict[tuple, dict] = {}  # (pid, start) -> {"names", "ppid", "samples": [[t, cpu]]}
        self.main = 0
        self.machine: List[List[float]] = []  # [t, busy, idle]: CPU seconds of all cores, all processes

    @staticmethod
    def stat(pid: int) -> Optional[List[str]]:
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None

    def sample(self) -> None:
        now = time.time()
        with open("/proc/stat") as f:
            # user nice system idle iowait irq softirq steal (guest time is inside user)
            ticks = [int(x) for x in f.readline().split()[1:9]]
        self.machine.append([now, (sum(ticks) - ticks[3] - ticks[4]) / TICK, (ticks[3] + ticks[4]) / TICK])
        pids = {int(p) for p in os.listdir("/proc") if p.isdigit()}
        self.others &= pids
        for pid in list(self.ours):
            if pid not in pids:
                del self.ours[pid]
        new = sorted(pids - self.others - set(self.ours))
        stats = {}
        for pid in new:
            fields = self.stat(pid)
            if fields is not None:
                stats[pid] = fields
        # New processes are ours when their parent is root or ours (parents before children:
        # a parent's pid is usually lower, and the loop runs until nothing changes).
        changed = True
        while changed:
            changed = False
            for pid, fields in list(stats.items()):
                ppid = int(fields[1])
                if ppid == self.root or ppid in self.ours:
                    key = (pid, int(fields[19]))
                    self.ours[pid] = key
                    self.procs.setdefault(key, {"ppid": ppid, "names": [], "samples": []})
                    del stats[pid]
                    changed = True
        self.others |= set(stats)
        for pid, key in list(self.ours.items()):
            fields = self.stat(pid)
            if fields is None or int(fields[19]) != key[1]:
                del self.ours[pid]
                continue
            proc = self.procs[key]
            proc["samples"].append([now, (int(fields[11]) + int(fields[12])) / TICK])
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    name = f.read(200).split(b"\0")[0].decode("utf-8", "replace")
            except OSError:
                continue
            if not proc["names"] or proc["names"][-1][1] != name:
                proc["names"].append([now, name])

    def dump(self) -> list:
        return [{"pid": k[0], "main": k[0] == self.main, **v} for k, v in self.procs.items()]


def measure(args: argparse.Namespace) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    growth: List[List[float]] = []
    sampler = Sampler(os.getpid())
    sampler.sample()  # the machine's counters before the command
    start = time.time()
    t0 = time.monotonic()
    main = subprocess.Popen(args.command).pid
    sampler.main = main
    status: Optional[int] = None
    ended = 0.0
    killed: List[str] = []
    next_sample = 0.0
    while True:
        try:
            pid, st, _ = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == main:
            status, ended = os.waitstatus_to_exitcode(st), time.monotonic()
        if pid:
            continue
        now = time.monotonic()
        if now >= next_sample:
            sampler.sample()
            next_sample = now + args.interval
        if status is None:
            size = 0
            for path in args.watch:
                try:
                    size += os.stat(path).st_size
                except OSError:
                    pass
            if args.watch and (not growth or size != growth[-1][1]):
                growth.append([time.time(), size])
        elif now - ended > 60 and not killed:
            # Left over after the command ended: this run's own processes, stopped by pid.
            for key in list(sampler.ours.values()):
                killed.append(str(key[0]))
                try:
                    os.kill(key[0], signal.SIGKILL)
                except ProcessLookupError:
                    pass
        time.sleep(0.02)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    me = resource.getrusage(resource.RUSAGE_SELF)
    record = {
        "start": start,
        "wall_all": ended - t0,
        # The kernel's total for the children reaped by their parents (or by this process):
        # exact for scan; for Ray, short of the workers that the raylet reaps unaccounted.
        "cpu_reaped": ru.ru_utime + ru.ru_stime,
        "maxrss_mb": ru.ru_maxrss / 1024,
        "sampler_cpu": me.ru_utime + me.ru_stime,
        "status": status,
        "load": [float(x) for x in open("/proc/loadavg").read().split()[:3]],
        "growth": growth,
        "procs": sampler.dump(),
        "machine": sampler.machine,
        "killed": killed,
    }
    with open(args.record, "w") as f:
        json.dump(record, f)
    return status or 0


def at(samples: list, t: float, col: int = 1) -> Optional[float]:
    """The last sampled value at or before ``t`` (None before the first sample)."""
    last = None
    for row in samples:
        if row[0] > t:
            break
        last = row[col]
    return last


def window_cpu(procs: list, machine: list, t1: float, t2: float) -> dict:
    """What the run's processes (measure's samples) used between t1 and t2, by kind of process;
    how many of them exited in between (each loses at most one sampling interval); and what the
    whole machine did meanwhile (``others``: CPU seconds of processes outside the run)."""
    total, kinds, exits = 0.0, {}, 0
    for p in procs:
        s = p["samples"]
        if not s or s[0][0] > t2:
            continue
        used = at(s, t2) - (at(s, t1) or 0.0)
        if t1 < s[-1][0] < t2:
            exits += 1
        names = [n for _, n in p["names"] if n]
        name = next((n for n in names if n.startswith("ray::MapWorker")), names[-1] if names else "?")
        kind = kind_of(name, p.get("main", False))
        total += used
        kinds[kind] = kinds.get(kind, 0.0) + used
    busy = at(machine, t2) - at(machine, t1)
    idle = at(machine, t2, 2) - at(machine, t1, 2)
    return {"cpu": total, "kinds": kinds, "exits": exits, "others": busy - total, "idle": idle}


def kind_of(name: str, main: bool) -> str:
    if main:
        return "driver"
    if name.startswith("ray::MapWorker"):
        return "engine actors"
    if name.startswith("ray::"):
        return "ray workers (read, write, agents)"
    base = os.path.basename(name.split()[0]) if name else "?"
    if base in ("raylet", "gcs_server"):
        return base
    return "other ray processes"


# ---- the Ray Data driver ------------------------------------------------------------------------


def timed_scorer():
    """UnspinScorer that logs, per batch, its rows, when it started and ended, the CPU time of
    its whole process (all threads) at both ends and the CPU time spent inside the engine's
    batch call, to TIMES/PID.jsonl. Its outputs are UnspinScorer's, untouched."""
    from unspin.ray import UnspinScorer

    class EngineTimer:
        def __init__(self, detector):
            self.detector, self.cpu, self.wall = detector, 0.0, 0.0

        def check_batch(self, texts, **kwargs):
            w, c = time.time(), time.process_time()
            out = self.detector.check_batch(texts, **kwargs)
            self.cpu += time.process_time() - c
            self.wall += time.time() - w
            return out

    def threads_cpu() -> dict:
        """CPU seconds of this process's threads by kind: the engine's (named unspin-N), the
        main thread's (Python), and the others' (Ray's core worker, gRPC, Arrow)."""
        out = {"engine": 0.0, "main": 0.0, "other": 0.0}
        me = os.getpid()
        for tid in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{tid}/stat") as f:
                    comm, rest = f.read().split(" (", 1)[1].rsplit(") ", 1)
            except OSError:
                continue
            fields = rest.split()
            cpu = (int(fields[11]) + int(fields[12])) / TICK
            kind = "main" if int(tid) == me else "engine" if comm.startswith("unspin-") else "other"
            out[kind] += cpu
        return out

    class TimedScorer(UnspinScorer):
        def __init__(self, times_dir: str, **kwargs):
            self._cpu0 = time.process_time()
            self._threads0 = threads_cpu()
            self._log = open(os.path.join(times_dir, f"{os.getpid()}.jsonl"), "a", buffering=1)
            self._timer = None
            super().__init__(**kwargs)

        @property
        def detector(self):
            if self._timer is None:
                self._timer = EngineTimer(UnspinScorer.detector.fget(self))
            return self._timer

        def __call__(self, batch):
            start, cpu_start = time.time(), time.process_time()
            out = super().__call__(batch)
            engine_cpu, engine_wall = self._timer.cpu, self._timer.wall
            self._timer.cpu = self._timer.wall = 0.0
            self._log.write(json.dumps({
                "pid": os.getpid(), "ppid": os.getppid(), "rows": out.num_rows, "start": start,
                "done": time.time(), "cpu_init": self._cpu0, "cpu_start": cpu_start,
                "cpu_done": time.process_time(), "engine_cpu": engine_cpu, "engine_wall": engine_wall,
                "threads": threads_cpu(), "threads_init": self._threads0,
            }) + "\n")
            return out

    return TimedScorer


def python_driver(args: argparse.Namespace) -> int:
    """The package without Ray: pyarrow's streaming JSON reader, the scorer on each batch (2
    engine threads), pyarrow's Parquet writer; the next batch is read and the last one written
    while the engine works on the current one."""
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow.json as pj
    import pyarrow.parquet as pq

    os.makedirs(args.times, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    t1 = time.time()
    scorer = timed_scorer()(times_dir=os.path.abspath(args.times), threads=args.threads, spans=True)
    # Blocks of about batch-size documents (the corpus averages 2.5 kB a line).
    reader = pj.open_json(args.corpus, read_options=pj.ReadOptions(block_size=args.batch_size * 2500))
    writer = None

    def write(table):
        nonlocal writer
        if writer is None:
            writer = pq.ParquetWriter(os.path.join(args.out, "part-0.parquet"), table.schema)
        writer.write(table)

    with ThreadPoolExecutor(1) as pool:
        pending = None
        for batch in reader:
            job = pool.submit(scorer, batch)
            if pending is not None:
                write(pending.result())
            pending = job
        if pending is not None:
            write(pending.result())
    writer.close()
    t2 = time.time()
    with open(args.record, "w") as f:
        json.dump({"init": 0.0, "t_read": t1, "t_written": t2, "wall": t2 - t1, "driver_pid": os.getpid()}, f)
    return 0


def ray_driver(args: argparse.Namespace) -> int:
    t0 = time.time()
    import ray
    import ray.data

    TimedScorer = timed_scorer()
    times_dir = os.path.abspath(args.times)
    os.makedirs(times_dir, exist_ok=True)

    ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    for setting in args.ctx:
        name, value = setting.split("=", 1)
        *path, attr = name.split(".")
        obj = ctx
        for part in path:
            obj = getattr(obj, part)
        setattr(obj, attr, json.loads(value))
    init = time.time() - t0
    t1 = time.time()
    ds = ray.data.read_json(args.corpus, override_num_blocks=args.read_blocks or None)
    ds = ds.map_batches(
        TimedScorer,
        fn_constructor_kwargs={"times_dir": times_dir, "threads": args.threads, "spans": True},
        batch_format="pyarrow",
        batch_size=args.batch_size,
        compute=ray.data.ActorPoolStrategy(size=args.actors),
        num_cpus=args.actor_cpus * args.threads,
    )
    ds.write_parquet(args.out)
    t2 = time.time()
    ray.shutdown()
    record = {"init": init, "t_read": t1, "t_written": t2, "wall": t2 - t1, "driver_pid": os.getpid()}
    with open(args.record, "w") as f:
        json.dump(record, f)
    return 0


# ---- the table ----------------------------------------------------------------------------------


def actor_figures(times_dir: str, t_read: float) -> dict:
    """From the actors' per-batch logs: start-up, steady rate and the actors' CPU seconds."""
    batches = []
    for path in glob.glob(os.path.join(times_dir, "*.jsonl")):
        batches += [json.loads(line) for line in open(path)]
    by_pid: Dict[int, list] = {}
    for b in batches:
        by_pid.setdefault(b["pid"], []).append(b)
    # Each actor's CPU from its constructor to the end of its last batch: the engine, the
    # package's Python and Arrow work, and Ray's own work in the actor between batches (reading
    # input blocks, storing results). Its process start-up before that (the Ray worker's
    # interpreter and imports) is Ray's, and counts in the pipeline's CPU instead.
    actors_cpu = sum(max(b["cpu_done"] for b in bs) - bs[0]["cpu_init"] for bs in by_pid.values())
    in_batches = sum(b["cpu_done"] - b["cpu_start"] for b in batches)
    engine = sum(b["engine_cpu"] for b in batches)
    # By thread, each actor's last batch against its constructor.
    threads = {"engine": 0.0, "main": 0.0, "other": 0.0}
    for bs in by_pid.values():
        end = max(bs, key=lambda b: b["done"])
        for k in threads:
            threads[k] += end["threads"][k] - end["threads_init"][k]
    done = sorted((b["done"], b["rows"]) for b in batches)
    rows = sum(r for _, r in done)
    return {
        "docs": rows,
        "actors": len(by_pid),
        "actor_ppids": sorted({b["ppid"] for b in batches}),
        "startup": min(b["start"] for b in batches) - t_read,
        "steady": steady_rate([(t, r) for t, r in done], rows),
        "steady_span": steady_span([(t, r) for t, r in done], rows),
        "actors_cpu": actors_cpu,
        "actors_cpu_in_batches": in_batches,
        "engine_cpu": engine,
        "engine_wall": sum(b["engine_wall"] for b in batches),
        "actor_threads": threads,
    }


def steady_rate(progress: list, total: float) -> float:
    """Rate between 10 % and 90 % of ``total`` done: ``progress`` is (time, amount) increments,
    in time order. Leaves out start-up and pipeline fill at one end, drain at the other."""
    first, last = steady_points(progress, total)
    if first is None or last is None or last[0] <= first[0]:
        return float("nan")
    return (last[1] - first[1]) / (last[0] - first[0])


def steady_span(progress: list, total: float) -> list:
    first, last = steady_points(progress, total)
    return [first[0], last[0]]


def steady_points(progress: list, total: float) -> tuple:
    done, first, last = 0.0, None, None
    for t, amount in progress:
        done += amount
        if first is None and done >= 0.1 * total:
            first = (t, done)
        if done >= 0.9 * total:
            last = (t, done)
            break
    return first, last


def check_outputs(out: str, corpus: str) -> str:
    """Ray's Parquet output against scan's JSONL output, record by record: scores, verdicts,
    word counts and spans (scan's byte offsets converted to code points)."""
    import pyarrow.parquet as pq

    texts = {}
    for line in open(corpus, encoding="utf-8"):
        r = json.loads(line)
        texts[r["id"]] = r["text"]
    ray_rows = {}
    for t in pq.read_table(f"{out}/engine-out").to_pylist():
        ray_rows[t["id"]] = t
    differ, spans = 0, 0
    n = 0
    for line in open(f"{out}/scan-out.jsonl", encoding="utf-8"):
        r = json.loads(line)
        n += 1
        a, b = r["unspin"], ray_rows.get(r["id"])
        if b is None:
            differ += 1
            continue
        raw = texts[r["id"]].encode("utf-8")
        cp = lambda i: len(raw[:i].decode("utf-8"))  # noqa: E731
        want = [
            (cp(s["start"]), cp(s["end"]), s["text"], s.get("suggestion"), s["confidence"], s["kind"], s["evidence"])
            for s in a.get("spans", [])
        ]
        got = [
            (s["start"], s["end"], s["text"], s["suggestion"], s["confidence"], s["kind"], s["evidence"])
            for s in b["unspin_spans"]
        ]
        spans += len(want)
        if (a["score"], a["verdict"], a["words"], want) != (
            b["unspin_score"], b["unspin_verdict"], b["unspin_words"], got
        ) or b["text"] != texts[r["id"]]:
            differ += 1
    extra = len(ray_rows) - n
    return (
        f"outputs: {n - differ} of {n} records agree between Ray and scan (score, verdict, words, "
        f"text and all {spans} spans: offsets, text, suggestion, confidence, kind, evidence); "
        f"{differ} differ, {extra} extra in Ray's output"
    )


def table(args: argparse.Namespace) -> int:
    runs = [json.loads(line) for line in open(args.runs)]
    discarded = [json.loads(line) for line in open(args.discarded)] if args.discarded else []
    out = args.out
    configs: Dict[str, list] = {}
    for r in runs:
        configs.setdefault(r["run"], []).append(r)
    scans = {r["round"]: r for r in configs[SCAN]}
    rounds = len(scans)
    med = statistics.median

    def pct(x: float) -> str:
        return f"{100 * x:+.1f}%"

    def work_cpu(r: dict) -> float:
        """scan: the command's CPU s; otherwise the engine processes' (actors' or the one process's)."""
        return r["cpu_all"] if r["run"] == SCAN else r["actors_cpu"]

    def span(r: dict) -> float:
        return r["steady_span"][1] - r["steady_span"][0]

    head = (
        f"{'run':30} {'wall':>6} {'docs/s':>7} {'steady':>7} {'start':>6} {'CPU s':>6} {'CPU s':>7} {'ms CPU':>7} "
        f"{'cores':>6} {'others':>6} {'load':>5}"
    )
    unit = (
        f"{'':30} {'s':>6} {'':>7} {'docs/s':>7} {'s':>6} {'all':>6} {'engine':>7} {'per doc':>7} "
        f"{'steady':>6} {'cores':>6} {'':>5}"
    )
    lines = [
        "",
        f"Ray Data vs unspin scan: {runs[0]['docs']} documents ({args.mb} MB of JSONL), 2 cores, batch size "
        f"{args.batch_size}, spans on; medians of {rounds} rounds",
        "",
        head,
        unit,
        "-" * len(head),
    ]
    for name, rs in configs.items():
        is_scan = name == SCAN
        startup = "" if is_scan else format(med(r["startup"] for r in rs), ".1f")
        lines.append(
            f"{name:30} {med(r['wall'] for r in rs):>6.1f} {med(r['docs'] / r['wall'] for r in rs):>7.1f} "
            f"{med(r['steady'] for r in rs):>7.1f} {startup:>6} "
            f"{med(r['cpu_all'] if is_scan else r['cpu_pipeline'] for r in rs):>6.1f} "
            f"{'' if is_scan else format(med(r['actors_cpu'] for r in rs), '.1f'):>7} "
            f"{med(1000 * work_cpu(r) / r['docs'] for r in rs):>7.2f} "
            f"{med(r['steady_window']['cpu'] / span(r) for r in rs):>6.2f} "
            f"{med(r['others_cores'] for r in rs):>6.2f} {med(r['load'][0] for r in rs):>5.2f}"
        )
    loads = [r["load"][0] for r in runs]
    ray_runs = [r for r in runs if r["run"].startswith("Ray")]
    scan_ms = [1000 * r["cpu_all"] / r["docs"] for r in configs[SCAN]]
    lines += [
        "",
        "wall: scan, the whole command; the others, from reading the first record to the last Parquet file",
        f"  written (for Ray, ray.init apart: median {med(r['init'] for r in ray_runs):.1f} s; the whole Ray command,",
        f"  start-up and shut-down included, took median {med(r['wall_all'] for r in ray_runs):.1f} s).",
        "steady: documents per second between 10 % and 90 % of the documents done (scan: of its output written).",
        "start: until the first batch reaches an engine actor (worker start-up, unspin imported, first block read).",
        "CPU s all: every process of the run over the wall above: for Ray the driver, GCS, raylet, agents, Ray",
        "  Data's own actors, the read and write tasks and the engine actors, exited ones included.",
        "CPU s engine: the engine actors (the Python process without Ray) from their constructor to their last",
        "  batch: the engine, unspin's Python and Arrow work, Ray's work in the actor between batches.",
        "ms CPU per doc: scan's all; the others' engine processes'. cores steady: the run's CPU use in its",
        "  steady window (2 = both cores). others: cores used meanwhile by processes outside the run (builds",
        f"  sharing the machine), from /proc/stat; runs above {args.max_others} were run again "
        f"({len(discarded)} discarded).",
        f"load: 1-minute load average at the end of each run (median {med(loads):.2f}, min {min(loads):.2f}, "
        f"max {max(loads):.2f}).",
        f"The same work varies from run to run here: scan's CPU per document ranged {min(scan_ms):.2f}-"
        f"{max(scan_ms):.2f} ms over the rounds;",
        "  the in-process and around-the-engine figures below compare work done at the same time instead.",
        check_outputs(out, args.corpus),
        "",
        "overheads (target: under 20 %); against scan, the median over rounds of each round's ratio:",
        "  Python package, in-process: CPU of the engine processes' other threads (Python's main thread, Ray's",
        "    threads in the actor) over their engine threads' (unspin-N), same processes, same time;",
        "  Python package vs scan: engine processes' CPU per document over scan's (scan's includes parsing and",
        "    writing JSON, which Ray does in its read and write tasks);",
        "  Ray around the engine: CPU of every other process of the run (driver, raylet, GCS, Ray Data's actors,",
        "    read and write tasks) over the engine actors', in the steady window and over the whole pipeline;",
        "  steady: scan's steady docs/s over the run's; end to end: wall over scan's; all CPU: CPU s all over scan's.",
    ]
    summary: dict = {"runs": runs, "discarded": discarded, "medians": {}}
    for name, rs in configs.items():
        if name == SCAN:
            continue
        s = [scans[r["round"]] for r in rs]
        ratios = {
            "in_process": [
                (r["actor_threads"]["main"] + r["actor_threads"]["other"]) / r["actor_threads"]["engine"] for r in rs
            ],
            "package": [work_cpu(r) / r["docs"] / (b["cpu_all"] / b["docs"]) - 1 for r, b in zip(rs, s)],
            "around_steady": [
                (r["steady_window"]["cpu"] - r["steady_window"]["kinds"].get("engine actors", r["steady_window"]["cpu"]))
                / r["steady_window"]["kinds"].get("engine actors", r["steady_window"]["cpu"])
                for r in rs
            ],
            "around_pipeline": [
                (r["cpu_pipeline"] - r["pipeline"]["kinds"].get("engine actors", r["cpu_pipeline"]))
                / r["pipeline"]["kinds"].get("engine actors", r["cpu_pipeline"])
                for r in rs
            ],
            "steady": [b["steady"] / r["steady"] - 1 for r, b in zip(rs, s)],
            "end_to_end": [r["wall"] / b["wall"] - 1 for r, b in zip(rs, s)],
            "all_cpu": [r["cpu_pipeline"] / b["cpu_all"] - 1 for r, b in zip(rs, s)],
        }
        m = {k: med(v) for k, v in ratios.items()}
        summary["medians"][name] = m
        lines.append(f"  {name}:")
        lines.append(
            f"    Python package in-process {pct(m['in_process'])}, vs scan {pct(m['package'])} "
            f"(rounds: {', '.join(pct(x) for x in ratios['package'])})"
        )
        if name.startswith("Ray"):
            lines.append(
                f"    Ray around the engine: steady {pct(m['around_steady'])}, whole pipeline {pct(m['around_pipeline'])}"
            )
        lines.append(
            f"    steady {pct(m['steady'])} (rounds: {', '.join(pct(x) for x in ratios['steady'])}), "
            f"end to end {pct(m['end_to_end'])}, all CPU {pct(m['all_cpu'])}"
        )
        # The same from the medians of the table above (each run against the scans of all rounds).
        sm = configs[SCAN]
        lines.append(
            f"    from the medians instead: package {pct(med(work_cpu(r) / r['docs'] for r in rs) / med(b['cpu_all'] / b['docs'] for b in sm) - 1)}, "
            f"steady {pct(med(b['steady'] for b in sm) / med(r['steady'] for r in rs) - 1)}, "
            f"end to end {pct(med(r['wall'] for r in rs) / med(b['wall'] for b in sm) - 1)}, "
            f"all CPU {pct(med(r['cpu_pipeline'] for r in rs) / med(b['cpu_all'] for b in sm) - 1)}"
        )
    text = "\n".join(lines)
    print(text)
    with open(f"{out}/table.txt", "w") as f:
        f.write(text + "\n")
    with open(f"{out}/summary.json", "w") as f:
        json.dump(summary, f, indent=1)
    return 0


# ---- combining a run's records ------------------------------------------------------------------


def record(args: argparse.Namespace) -> int:
    """One line of runs.jsonl from a run's records (measure's, and for Ray the driver's and the
    actors' logs)."""
    m = json.load(open(args.measure))
    if m.get("status"):
        raise SystemExit(f"ray-bench: {args.name} failed (exit status {m['status']})")
    procs = m.pop("procs")
    growth = m.pop("growth")
    machine = m.pop("machine")
    r = {"run": args.name, "round": args.round, **m}
    # All the CPU of the run, start-up and shut-down included, from the samples: each process's
    # last sample (a process that exited loses its last interval).
    r["cpu_sampled"] = sum(p["samples"][-1][1] for p in procs if p["samples"])
    if args.driver:
        d = json.load(open(args.driver))
        r.update(d)
        r.update(actor_figures(args.times, d["t_read"]))
        w = window_cpu(procs, machine, d["t_read"], d["t_written"])
        r["cpu_pipeline"] = w["cpu"]
        r["pipeline"] = w
        r["steady_window"] = window_cpu(procs, machine, *r["steady_span"])
        r["others_cores"] = w["others"] / r["wall"]
        r["cpu_all"] = r["cpu_sampled"]
    else:
        r["docs"] = args.docs
        r["wall"] = m["wall_all"]
        r["cpu_all"] = m["cpu_reaped"]  # one process, reaped by measure: the kernel's count
        # The partial file is renamed when complete: its size drops to nothing then.
        growth = [g for n, g in enumerate(growth) if g[1] > (growth[n - 1][1] if n else 0)]
        final = growth[-1][1]
        # Output bytes as progress: documents are shuffled, so bytes track documents.
        steps = [(t, size - prev) for (t, size), (_, prev) in zip(growth, [[0, 0]] + growth)]
        r["steady"] = args.docs * steady_rate(steps, final) / final
        r["steady_span"] = steady_span(steps, final)
        r["steady_window"] = window_cpu(procs, machine, *r["steady_span"])
        w = window_cpu(procs, machine, m["start"], m["start"] + m["wall_all"])
        r["others_cores"] = w["others"] / r["wall"]
    print(json.dumps(r))
    return 0


def last(args: argparse.Namespace) -> int:
    """The last run of RUNS in a few words."""
    with open(args.runs) as f:
        r = json.loads(f.readlines()[-1])
    cpu = r["cpu_all"] if r["run"] == SCAN else r["cpu_pipeline"]
    print(
        f"{r['wall']:.1f} s, steady {r['steady']:.0f} docs/s, {cpu:.1f} CPU s, "
        f"others {r['others_cores']:.2f} cores, load {r['load'][0]}"
    )
    return 3 if args.max_others is not None and r["others_cores"] > args.max_others else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("measure")
    p.add_argument("--record", required=True)
    p.add_argument("--watch", action="append", default=[])
    p.add_argument("--interval", type=float, default=0.2, help="seconds between CPU samples")
    p.add_argument("command", nargs=argparse.REMAINDER)
    p = sub.add_parser("ray")
    p.add_argument("corpus")
    p.add_argument("out")
    p.add_argument("--record", required=True)
    p.add_argument("--times", required=True)
    p.add_argument("--cpus", type=int, default=2)
    p.add_argument("--actors", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=1024)
    p.add_argument("--actor-cpus", type=float, default=0.5, help="logical CPUs per engine thread")
    p.add_argument("--read-blocks", type=int, default=0)
    p.add_argument("--ctx", action="append", default=[], help="a DataContext setting, NAME=JSON_VALUE")
    p = sub.add_parser("python")
    p.add_argument("corpus")
    p.add_argument("out")
    p.add_argument("--record", required=True)
    p.add_argument("--times", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=1024)
    p = sub.add_parser("record")
    p.add_argument("--name", required=True)
    p.add_argument("--round", type=int, required=True)
    p.add_argument("--measure", required=True)
    p.add_argument("--driver")
    p.add_argument("--times")
    p.add_argument("--docs", type=int)
    p = sub.add_parser("last")
    p.add_argument("runs")
    p.add_argument("--max-others", type=float, help="exit with status 3 when other processes used more cores")
    p = sub.add_parser("table")
    p.add_argument("runs")
    p.add_argument("out")
    p.add_argument("--corpus", required=True)
    p.add_argument("--mb", required=True)
    p.add_argument("--batch-size", required=True)
    p.add_argument("--discarded", help="runs repeated for load from elsewhere (JSONL)")
    p.add_argument("--max-others", default="")
    args = ap.parse_args()
    if args.cmd == "measure":
        if args.command and args.command[0] == "--":
            args.command = args.command[1:]
        return measure(args)
    return {"ray": ray_driver, "python": python_driver, "record": record, "last": last, "table": table}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
