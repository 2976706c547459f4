"""Scale out with Ray Data: score a JSONL corpus with a pool of actors, Arrow end to end.

    python examples/ray_data.py [INPUT.jsonl] [--output DIR] [--model PATH] [--cpus N]

Without INPUT a demo corpus is written first. Writes Parquet with the input's columns plus
unspin_score, unspin_verdict, unspin_words and unspin_spans, and prints the verdict counts.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile

import ray
import ray.data

from unspin.ray import UnspinScorer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", nargs="?")
    ap.add_argument("--output", help="output folder (default: a new temporary one)")
    ap.add_argument("--model", help="model file (default: the one embedded in the wheel)")
    ap.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray instance")
    args = ap.parse_args()
    out = args.output or tempfile.mkdtemp(prefix="unspin-ray-")
    src = args.input
    if src is None:
        from _demo import write_demo

        src = write_demo(os.path.join(out, "input"))

    ray.init(num_cpus=args.cpus, include_dashboard=False)
    ds = ray.data.read_json(src)
    threads = 2  # engine threads per actor: one actor per two CPUs
    ds = ds.map_batches(
        UnspinScorer,  # a callable class: one detector per actor, built once
        fn_constructor_kwargs={"model": args.model, "threads": threads},
        batch_format="pyarrow",  # batches reach the engine as Arrow, no pandas detour
        batch_size=1024,  # fewer, larger Ray tasks: Ray's cost per task is fixed
        compute=ray.data.ActorPoolStrategy(size=max(1, args.cpus // threads)),
        # Half a logical CPU per engine thread leaves room for the read and write tasks (see
        # unspin.ray); the threads still keep every core busy.
        num_cpus=0.5 * threads,
    )
    ds.write_parquet(os.path.join(out, "scored"))
    counts = ray.data.read_parquet(os.path.join(out, "scored")).groupby("unspin_verdict").count().take_all()
    ray.shutdown()
    print(json.dumps({"output": os.path.join(out, "scored"), "verdicts": {r["unspin_verdict"]: r["count()"] for r in counts}}))


if __name__ == "__main__":
    main()
