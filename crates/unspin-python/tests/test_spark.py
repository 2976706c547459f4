"""Spark's mapInArrow: the function itself on an iterator of record batches (always), and a real
local Spark session when pyspark and Java are there."""

from __future__ import annotations

import os
import pickle
import shutil
import sys

import pytest

pa = pytest.importorskip("pyarrow")

from conftest import TEXTS, TINY_CLEAN, TINY_SPUN, need  # noqa: E402


def test_map_in_arrow_function_on_record_batches(real):
    from unspin.spark import map_in_arrow

    fn = pickle.loads(pickle.dumps(map_in_arrow(column="body", restored=True, threads=1)))
    batches = [
        pa.record_batch({"id": list(range(i, min(i + 4, len(TEXTS)))), "body": TEXTS[i : i + 4]})
        for i in range(0, len(TEXTS), 4)
    ]
    out = list(fn(iter(batches)))
    assert [b.num_rows for b in out] == [b.num_rows for b in batches]
    rows = [r for b in out for r in b.to_pylist()]
    for r in rows:
        expected = real.check(r["body"])
        assert r["unspin_score"] == expected["score"] and r["unspin_spans"] == expected["spans"]
        assert r["unspin_restored"] == real.restore(r["body"])


def have_spark() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


def test_real_local_spark_session(tiny_model_path, tiny, monkeypatch):
    if os.environ.get("UNSPIN_PY_SPARK") == "0":
        pytest.skip("UNSPIN_PY_SPARK=0: no Spark session")
    need(have_spark(), "pyspark or java is missing")
    from pyspark.sql import SparkSession

    from unspin import spark as unspin_spark

    # Spark's Python workers must run this interpreter (the one with unspin installed).
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    monkeypatch.setenv("PYSPARK_DRIVER_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("unspin-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    try:
        rows = [(i, TINY_SPUN if i % 2 else TINY_CLEAN) for i in range(40)]
        df = session.createDataFrame(rows, "id long, text string").repartition(2)
        scored = unspin_spark.annotate(df, model=str(tiny_model_path), threads=1, restored=True)
        assert scored.schema.names[:2] == ["id", "text"]
        got = sorted(scored.collect(), key=lambda r: r["id"])
        assert len(got) == 40
        for r in got:
            expected = tiny.check(r["text"])
            assert r["unspin_score"] == expected["score"]
            assert r["unspin_verdict"] == expected["verdict"]
            assert [s.asDict() for s in r["unspin_spans"]] == expected["spans"]
            assert r["unspin_restored"] == TINY_CLEAN
    finally:
        session.stop()
    assert os.environ["PYSPARK_PYTHON"] == sys.executable
