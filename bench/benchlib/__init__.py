"""Shared code for the unspin development data, spinners and quality benchmark.

Everything here is plain Python 3.11 plus the packages in ``bench/requirements.txt``.
The scripts in ``bench/`` put this folder's parent on ``sys.path`` and import ``benchlib``.
"""

from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
RAW_DIR = REPO_DIR / "data" / "raw" / "bench"  # git-ignored scratch space for fetched resources
