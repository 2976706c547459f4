"""Tests for the benchmark's metric and span code (no network, no engine, no devset needed)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))

from benchlib.metrics import (apply_suggestions, auroc, exact_matches, passage_counts,  # noqa: E402
                              region_labels, region_matches, reliability, right_suggestions, tpr_at_fpr)
from benchlib.cut import cut_record, first_words  # noqa: E402
from benchlib.textspan import (SpunBuilder, changed_word_fraction, check_record,  # noqa: E402
                               original_ranges, rebuild_by_token_diff, restore_from_spans)


def spun_record(pieces):
    """Build a record from [("kept text", None), ("new", "orig"), ...]."""
    b, orig, pos = SpunBuilder(), [], 0
    for text, original in pieces:
        if original is None:
            b.keep(text)
            orig.append(text)
        else:
            b.change(text, original, pos)
            orig.append(original)
        pos += len(original if original is not None else text)
    return {"id": "x", "original": "".join(orig), "spun": b.text(), "spans": b.spans}, b


REC, BUILDER = spun_record([("The ", None), ("inventory", "stock"), (" market ", None),
                            ("mentioned", "said"), (" that café prices will ", None),
                            ("probably be", "be"), (" high.", None)])


def sugg(span, suggestion):
    return dict(span, suggestion=suggestion, confidence=1.0, kind="substitution")


def test_builder_offsets_are_utf8_bytes_and_restore():
    check_record(REC)
    last = REC["spans"][-1]
    assert REC["spun"].encode()[last["start"]:last["end"]].decode() == "probably be"
    assert last["start"] != REC["spun"].index("probably be")  # "é" is two bytes: offsets are bytes
    assert restore_from_spans(REC["spun"], REC["spans"]) == REC["original"]
    orig = REC["original"]
    assert [orig[s:e] for s, e in original_ranges(REC["spun"], REC["spans"])] == ["stock", "said", "be"]
    assert [orig[s:e] for s, e in BUILDER.orig_ranges] == ["stock", "said", "be"]


def test_case_only_change_is_no_change():
    b = SpunBuilder()
    b.change("Congress", "congress", 0)
    assert b.spans == [] and b.text() == "congress"


def test_check_record_rejects_bad_offsets():
    bad = dict(REC, spans=[dict(REC["spans"][0], start=REC["spans"][0]["start"] + 1)])
    with pytest.raises(ValueError):
        check_record(bad)


def test_changed_word_fraction():
    text = "one two three four"
    assert changed_word_fraction(text, [(4, 7)]) == 0.25
    assert changed_word_fraction(text, [(0, 7), (14, 18)]) == 0.75


def test_rebuild_by_token_diff_keeps_original_spacing():
    token_re = re.compile(r"\w+|[^\w\s]")
    original = "The stock market ,rose  (sharply) today."
    augmented = "The inventory market , rose ( steeply ) today ."
    b = rebuild_by_token_diff(original, augmented, token_re)
    rec = {"original": original, "spun": b.text(), "spans": b.spans}
    check_record(rec)
    assert rec["spun"] == "The inventory market ,rose  (steeply) today."
    assert [(s["text"], s["original"]) for s in b.spans] == [("inventory", "stock"), ("steeply", "sharply")]


def test_rebuild_by_token_diff_widens_insertions():
    token_re = re.compile(r"\w+|[^\w\s]")
    b = rebuild_by_token_diff("the law holds", "the natural law holds", token_re)
    check_record({"original": "the law holds", "spun": b.text(), "spans": b.spans})
    assert b.text() == "the natural law holds"


def test_exact_matches_and_precision():
    s0, s1, s2 = REC["spans"]
    reported = [sugg(s0, "Stock"), sugg(s1, "stated"), sugg(dict(s2, start=s2["start"] - 1), "be")]
    assert exact_matches(REC["spans"], reported) == 1  # case-insensitive; wrong word; wrong offsets
    c = passage_counts(REC["original"], REC["spun"], REC["spans"], reported)
    assert (c.gold, c.suggested, c.exact) == (3, 3, 1)


def test_right_suggestions_label_each_suggestion_as_exact_matches_count():
    s0, s1, _ = REC["spans"]
    reported = [sugg(s0, "Stock") | {"confidence": 0.9}, sugg(s0, "stock") | {"confidence": 0.8},
                sugg(s1, "stated") | {"confidence": 0.7}, {"start": 0, "end": 3, "text": "The", "suggestion": None}]
    # A gold span is restored once; a flag without a suggestion is no suggestion.
    assert right_suggestions(REC["spans"], reported) == [(0.9, True), (0.8, False), (0.7, False)]
    assert exact_matches(REC["spans"], reported) == 1


def test_reliability_bins_brier_and_ece():
    pairs = [(0.05, False), (0.15, True), (0.95, True), (0.85, True), (1.0, True)]
    bins, brier, ece = reliability(pairs, [0.0, 0.5, 1.0])
    assert [(b.n, b.positive) for b in bins] == [(2, 0.5), (3, 1.0)]  # 1.0 falls in the last bin
    assert bins[0].mean == pytest.approx(0.1) and bins[1].mean == pytest.approx(0.9333, abs=1e-4)
    assert brier == pytest.approx((0.05 ** 2 + 0.85 ** 2 + 0.05 ** 2 + 0.15 ** 2 + 0.0) / 5)
    assert ece == pytest.approx((2 * 0.4 + 3 * (1 - 0.9333333)) / 5)
    assert reliability([], [0.0, 1.0])[1:] == (None, None)


def test_region_matches_compare_the_text_put_back():
    # The same bounds: as exact_matches.
    s0, s1, s2 = REC["spans"]
    reported = [sugg(s0, "Stock"), sugg(s1, "stated"), sugg(dict(s2, start=s2["start"] - 1), "be")]
    assert region_matches(REC["spun"], REC["spans"], reported) == (1, 1)
    # One suggestion over two gold spans of a diff ("proportion factors" for "percentage points"),
    # and two suggestions in one gold span ("yr regardless of" for "year despite").
    rec, _ = spun_record([("up ", None), ("proportion", "percentage"), (" ", None), ("factors", "points"),
                          (" this ", None), ("yr regardless of", "year despite"), (" it", None)])
    g0, g1, g2 = rec["spans"]
    spun = rec["spun"]
    whole = {"start": g0["start"], "end": g1["end"], "text": "proportion factors",
             "suggestion": "percentage points"}
    yr = {"start": g2["start"], "end": g2["start"] + 2, "text": "yr", "suggestion": "year"}
    despite = {"start": g2["end"] - len("regardless of"), "end": g2["end"], "text": "regardless of",
               "suggestion": "despite"}
    assert exact_matches(rec["spans"], [whole, yr, despite]) == 0
    assert region_matches(spun, rec["spans"], [whole, yr, despite]) == (3, 3)
    # Half a region is no restoration: "yr" alone leaves "regardless of".
    assert region_matches(spun, rec["spans"], [whole, yr]) == (2, 1)
    assert region_labels(spun, rec["spans"], [whole, yr]) == (2, [(whole, True), (yr, False)])
    assert region_matches(spun, rec["spans"], []) == (0, 0)


def test_null_and_identity_suggestions_are_not_changes():
    s0 = REC["spans"][0]
    reported = [dict(s0, suggestion=None, confidence=0.5, kind="fingerprint"), sugg(s0, "inventory")]
    c = passage_counts(REC["original"], REC["spun"], REC["spans"], reported)
    assert (c.suggested, c.exact, c.flags) == (0, 0, 2)


def test_token_level_credits_wider_span():
    # One span over "inventory market" restoring "stock market": exact misses, token level hits "stock".
    s0 = REC["spans"][0]
    start, end = s0["start"], s0["end"] + len(" market")
    reported = [{"start": start, "end": end, "text": "inventory market", "suggestion": "stock market"}]
    c = passage_counts(REC["original"], REC["spun"], REC["spans"], reported)
    assert c.exact == 0
    # Lost tokens: "stock", "said" ("be" survives in "probably be"); "stock" comes back.
    assert (c.tok_gold, c.tok_gold_back) == (2, 1)
    assert (c.tok_sugg, c.tok_sugg_right) == (1, 1)  # "stock" is the only new token


def test_token_level_oracle_and_nothing():
    oracle = [sugg(s, s["original"]) for s in REC["spans"]]
    c = passage_counts(REC["original"], REC["spun"], REC["spans"], oracle)
    assert c.exact == 3 and c.tok_gold == c.tok_gold_back and c.tok_sugg == c.tok_sugg_right
    assert apply_suggestions(REC["spun"], oracle)[0] == REC["original"]
    c = passage_counts(REC["original"], REC["spun"], REC["spans"], [])
    assert (c.exact, c.tok_gold_back, c.tok_sugg) == (0, 0, 0)


def test_overlapping_suggestions_are_skipped():
    s0 = REC["spans"][0]
    reported = [sugg(s0, "stock"), {"start": s0["start"], "end": s0["end"] - 2, "text": "invento", "suggestion": "q"}]
    text, written = apply_suggestions(REC["spun"], reported)
    assert text.startswith("The stock market") and len(written) == 1


def test_auroc():
    assert auroc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert auroc([0.1], [0.9]) == 0.0
    assert auroc([0.5, 0.5], [0.5, 0.5]) == 0.5
    assert auroc([0.3, 0.7], [0.5]) == 0.5
    assert auroc([], [0.1]) is None


def test_tpr_at_fpr():
    neg = [i / 100 for i in range(100)]  # 0.00 .. 0.99
    # 1 % of 100 = one clean passage may be above the threshold (0.98).
    assert tpr_at_fpr([0.985, 0.5, 0.99], neg) == pytest.approx(2 / 3)
    assert tpr_at_fpr([1.0, 1.0], [0.0] * 50) == 1.0  # 1 % of 50 rounds down to 0 allowed
    assert tpr_at_fpr([0.2], [0.2] * 10) == 0.0       # ties with clean scores do not count


def _tiny_devset(root: Path) -> None:
    (root / "test").mkdir(parents=True)
    rows = [REC | {"id": "p1", "year": 1950}, spun_record([("Words ", None), ("amongst", "among"),
                                                           (" friends.", None)])[0] | {"id": "p2", "year": 1951}]
    with open(root / "test" / "farm-25.jsonl", "w") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    with open(root / "test" / "clean.jsonl", "w") as fh:
        for r in rows:
            fh.write(json.dumps({"id": r["id"], "year": r["year"], "text": r["original"]}) + "\n")


@pytest.mark.parametrize("mode,recall,auc", [("oracle", 1.0, 1.0), ("nothing", 0.0, 0.5), ("half", 0.75, 1.0)])
def test_quality_script_with_fake_engine(tmp_path, mode, recall, auc):
    # "half" reports spans 0 and 2 of passage 1 (3 spans) and span 0 of passage 2: 3 of 4.
    _tiny_devset(tmp_path / "dev")
    out = tmp_path / "q.json"
    env = dict(os.environ, FAKE_UNSPIN_MODE=mode, FAKE_UNSPIN_DEVSET=str(tmp_path / "dev"))
    engine = f"{sys.executable} {BENCH / 'tests' / 'fake_unspin.py'}"
    subprocess.run([sys.executable, str(BENCH / "quality.py"), "--engine", engine, "--devset", str(tmp_path / "dev"),
                    "--json-out", str(out)], check=True, env=env, capture_output=True)
    m = json.loads(out.read_text())
    farm = m["sets"]["farm-25"]
    assert farm["gold_spans"] == 4
    assert farm["recall"] == pytest.approx(recall)
    assert farm["auroc"] == pytest.approx(auc)
    assert m["clean"]["false_changes_per_1k_words"] == 0.0
    cal = m["calibration"]
    assert sum(b["n"] for b in cal["score"]["bins"]) == 4  # two spun passages, two honest


def test_a_record_cut_to_its_first_words_stays_exact():
    rec, _ = spun_record([("The ", None), ("inventory", "stock"), (" market ", None),
                          ("took a dive", "fell"), (" on Monday, analysts ", None), ("mentioned", "said"), (".", None)])
    assert first_words("a b  c", 2) == "a b" and first_words("a b", 5) == "a b"
    # Three words: the first span is kept, whole.
    three = cut_record(rec, 3)
    assert three["spun"] == "The inventory market"
    assert three["original"] == "The stock market"
    assert [s["original"] for s in three["spans"]] == ["stock"]
    check_record(three)
    # Four words end inside "took a dive": the cut moves to the span's start, which is left out.
    four = cut_record(rec, 4)
    assert four["spun"] == "The inventory market " and four["original"] == "The stock market "
    check_record(four)
    # More words than the text has: the record as it was.
    assert cut_record(rec, 100) == rec
