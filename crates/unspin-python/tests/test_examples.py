"""The README's end-to-end examples (examples/*.py) run as scripts, on their demo corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import need

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name: str, out: Path) -> dict:
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", PYSPARK_PYTHON=sys.executable)
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name), "--output", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def importable(module: str) -> bool:
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def test_datatrove_example(tmp_path, real):
    need(importable("datatrove"), "datatrove is not installed")
    result = run_example("datatrove_pipeline.py", tmp_path)
    assert result["kept"] == 100 and result["spun"] == 100


def test_ray_example(tmp_path, real):
    need(importable("ray.data"), "ray[data] is not installed")
    result = run_example("ray_data.py", tmp_path)
    assert result["verdicts"] == {"clean": 100, "spun": 100}


def test_spark_example(tmp_path, real):
    if os.environ.get("UNSPIN_PY_SPARK") == "0":
        pytest.skip("UNSPIN_PY_SPARK=0: no Spark session")
    need(importable("pyspark"), "pyspark is not installed")
    result = run_example("spark_map_in_arrow.py", tmp_path)
    assert result["verdicts"] == {"clean": 100, "spun": 100}
