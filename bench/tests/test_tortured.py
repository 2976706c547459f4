"""Tests for the tortured-phrase hold-out split and outcome classification (stdlib only)."""

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))

from tortured_holdout import (PREFIX, SUFFIX, is_heldout, partly_restored, phrase_outcome,  # noqa: E402
                              split_list)


def test_split_is_deterministic_and_shaped():
    source = {"version": "1", "note": "n", "totalPhrases": 400,
              "phrases": [{"tortured": f"odd phrase {i}", "correct": f"right phrase {i % 50}"} for i in range(400)]}
    train, held = split_list(source)
    assert train["totalPhrases"] + held["totalPhrases"] == 400
    assert 40 <= held["totalPhrases"] <= 120  # about 20 %
    assert train["version"] == "1" and set(train) == set(source)
    # Independent of order and of the other entries.
    again_train, again_held = split_list(dict(source, phrases=source["phrases"][::-1]))
    assert sorted(p["tortured"] for p in again_held["phrases"]) == sorted(p["tortured"] for p in held["phrases"])
    assert all(is_heldout(p) for p in held["phrases"]) and not any(is_heldout(p) for p in train["phrases"])
    # Grouping by correction keeps each correction on one side.
    train_c, held_c = split_list(source, by="correct")
    assert not {p["correct"] for p in train_c["phrases"]} & {p["correct"] for p in held_c["phrases"]}


def test_phrase_outcome():
    assert phrase_outcome("huge information", PREFIX + "big data" + SUFFIX) == ("big data", False)
    assert phrase_outcome("huge information", PREFIX + "huge information" + SUFFIX) == ("huge information", False)
    # The words around the phrase changed: reported apart, the phrase is still read in place.
    assert phrase_outcome("profound learning",
                          "In this work, we apply deep learning to the connected metrics.") == ("deep learning", True)


def test_partly_restored():
    # Every word changed is the correct one: closer, though not the phrase.
    assert partly_restored("profound neural networks", "deep neural network", "deep neural networks")
    # A word made wrong, nothing changed, or another length: no.
    assert not partly_restored("arbitrary decision woodland", "random decision forest", "arbitrary decision jungle")
    assert not partly_restored("huge information", "big data", "huge information")
    assert not partly_restored("info layer", "input layer", "information layer")
    assert not partly_restored("bound together states", "usa", "united states")
