"""The mined spinner: the table's training part, surface forms, and how often each original is spun."""

import sys
from pathlib import Path

import pytest

pytest.importorskip("wordfreq")
pytest.importorskip("lemminflect")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchlib import spin_mined  # noqa: E402
from benchlib.textspan import check_record  # noqa: E402


def test_held_out_pairs_are_a_fifth_of_the_rare_ones_and_never_spun():
    pairs = spin_mined.read_pairs()
    held = spin_mined.held_out_pairs()
    once = [p for p in pairs if p[3] <= 1]
    assert 0.15 < len(held) / len(once) < 0.25
    # The spinners' habits seen in two article pairs or more are always made.
    assert all(p[3] <= 1 for p in held)
    assert not spin_mined.is_held_out("within", "in", 150)
    sp = spin_mined.MinedSpinner()
    assert "within" in sp.dictionary["in"]["alts"]
    for spun, original, _, _ in held:
        assert spun not in sp.dictionary.get(original, {"alts": []})["alts"]
    # The split depends on the pair alone.
    assert spin_mined.is_held_out(" Mentioned", "said ", 1) == spin_mined.is_held_out("mentioned", "said", 1)


def test_dictionary_keeps_surface_forms_most_seen_first():
    d = spin_mined.build_dictionary([("mentioned", "said", 5, 4), ("stated", "said", 9, 6), ("says", "says", 3, 2),
                                     ("61.eight", "61.8", 1, 1)])
    assert d["said"]["alts"] == ["stated", "mentioned"] and d["said"]["pos"] == "x"
    assert "says" not in d and "61.8" not in d  # no change; not words


def test_frequent_spins_come_often_and_rare_ones_seldom():
    sp = spin_mined.MinedSpinner()
    text = "The minister said on Monday that most of the plans in the city could fail. " * 40
    res = sp.spin(text, 0.25, seed=7)
    check_record({"id": "t", "original": text, "spun": res.spun, "spans": res.spans})
    spun_of = [s for s in res.spans if s["original"].lower() == "of"]
    assert len(res.spans) > 20
    assert len(spun_of) < 5  # "of" occurs 40 times; the pages almost never spun it
    assert sp.spin(text, 0.25, seed=7).spun == res.spun  # deterministic
