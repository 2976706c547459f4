"""Scale out with Spark: score a DataFrame through mapInArrow (Arrow record batches).

    python examples/spark_map_in_arrow.py [INPUT.jsonl] [--output DIR] [--model PATH]

Without INPUT a demo corpus is written first. Runs Spark locally on 2 cores (local[2]); on a
cluster, install the wheel on every executor and drop the master setting. Writes Parquet with
unspin's columns appended, and prints the verdict counts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

from pyspark.sql import SparkSession

from unspin import spark as unspin_spark


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", nargs="?")
    ap.add_argument("--output", help="output folder (default: a new temporary one)")
    ap.add_argument("--model", help="model file (default: the one embedded in the wheel)")
    args = ap.parse_args()
    out = args.output or tempfile.mkdtemp(prefix="unspin-spark-")
    src = args.input
    if src is None:
        from _demo import write_demo

        src = write_demo(os.path.join(out, "input"))

    # Spark's Python workers must run an interpreter that has unspin installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate()
    df = spark.read.json(src)
    # local[2] runs a task per core already: one engine thread per task.
    mapper = unspin_spark.map_in_arrow(column="text", model=args.model, threads=1)
    scored = df.mapInArrow(mapper, unspin_spark.output_schema(df.schema))
    scored.write.mode("overwrite").parquet(os.path.join(out, "scored"))
    # Read back rather than count `scored`, which Spark would score a second time.
    counts = spark.read.parquet(os.path.join(out, "scored")).groupBy("unspin_verdict").count().collect()
    spark.stop()
    print(json.dumps({"output": os.path.join(out, "scored"), "verdicts": {r["unspin_verdict"]: r["count"] for r in counts}}))


if __name__ == "__main__":
    main()
