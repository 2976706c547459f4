"""Shared fixtures for the unspin Python package's tests.

Two models are used: the tiny fixture model (always available: the wheel ships its bytes, and
the tests write it to a file so that path-based loading and pickling are exercised) and the
real model (embedded in the wheel, or models/default.unspin). Tests that need the real model,
the CLI binary, datatrove, Ray or Spark skip when those are missing, unless
UNSPIN_PY_REQUIRE=1 (set by ci.sh), which turns every such skip into a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import unspin

ROOT = Path(__file__).resolve().parents[3]
REQUIRE = os.environ.get("UNSPIN_PY_REQUIRE") == "1"

#: The fixture model's showcase: restores to "The stock market fell sharply on Monday."
TINY_SPUN = "The inventory market fell sharply on Monday."
TINY_CLEAN = "The stock market fell sharply on Monday."


def need(condition: bool, why: str) -> None:
    """Skips the test when ``condition`` is false, or fails it under UNSPIN_PY_REQUIRE=1."""
    if condition:
        return
    if REQUIRE:
        pytest.fail(f"required (UNSPIN_PY_REQUIRE=1) but missing: {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "tiny.unspin"
    path.write_bytes(unspin._unspin._tiny_model_bytes())
    return path


@pytest.fixture(scope="session")
def tiny(tiny_model_path) -> unspin.Detector:
    return unspin.Detector(tiny_model_path)


def real_model_path() -> Path:
    return Path(os.environ.get("UNSPIN_TEST_MODEL", ROOT / "models" / "default.unspin"))


@pytest.fixture(scope="session")
def real() -> unspin.Detector:
    """The real model: the embedded one when the wheel has it, else the file."""
    if unspin.HAS_EMBEDDED_MODEL:
        return unspin.Detector()
    need(real_model_path().is_file(), f"no embedded model and no {real_model_path()}")
    return unspin.Detector(real_model_path())


@pytest.fixture(scope="session")
def unspin_bin() -> Path:
    path = Path(os.environ.get("UNSPIN", ROOT / "target" / "release" / "unspin"))
    need(path.is_file() and os.access(path, os.X_OK), f"no CLI binary at {path} (cargo build --release)")
    return path


#: Real-looking texts: clean, spun by hand with thesaurus swaps, short, and non-ASCII.
TEXTS = [
    "The stock market fell sharply on Monday as investors worried about rising borrowing costs, "
    "the government said in a statement. Officials said that the economy remains strong, but many "
    "experts warned that growth could slow in the coming months.",
    "The inventory market plunged sharply on Monday as financiers fretted over climbing loan costs, "
    "the administration mentioned in an announcement. Authorities stated that the economic system "
    "stays sturdy, however numerous specialists cautioned that expansion could decelerate in the "
    "approaching months.",
    "He mentioned the inventory market fell sharply on Monday, and the economic system is sturdy.",
    "The board will certainly meet once more following week to go over the spending plan and the "
    "brand-new guidelines for public institutions. Growers in the area have actually battled with "
    "completely dry climate for 3 years, and also costs for grain have actually climbed.",
    "We apply profound learning and counterfeit consciousness to the data {the|a} research group "
    "collected over three years.",
    "Café owners in Zürich mentioned the inventory market fell 😀 sharply on Monday — the economic "
    "system is sturdy, a naïve analyst stated at a press convention.",
    "東京の市場 — The inventory market fell sharply on Monday, 株式 analysts stated, and the "
    "economic system is sturdy according to the président of the bank 🇫🇷.",
    "Ünïcödé 👩‍👩‍👧 everywhere: the inventory market fell; officials mentioned the economic system "
    "was sturdy; résumé writers cautioned that expansion could decelerate.",
    "",
    "   ",
    "Short text.",
    "The months of deadlock have demonstrated that the communists cannot achieve by persistence, or "
    "by diplomatic trickery, what they failed to achieve by sneak attack. Korea has demonstrated "
    "that the free world has the will and the endurance to match the communist effort.",
    "The individuals of the Dominican Republic, with our firm encouragement and assist, and those of "
    "our like Republics of this Department, are safely passing by means of the dangerous course "
    "from dictatorship via trouble towards welfare state.",
]
