"""Tests for bench/wild.py's gold spans from a spun page and its original (no engine, no pages)."""

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))

import wild  # noqa: E402

ORIG = ("Menu Home News\nThe stock market rose on Monday, traders said. Prices will build support "
        "around the level before the close, and analysts expect 3.5% gains this year.")
SPUN = ("Site navigation\nThe inventory market rose on Monday, merchants mentioned. Costs will construct "
        "assist across the extent earlier than the shut, and analysts anticipate 3.5% positive factors "
        "this yr.")


def page(role, text):
    return {"file": f"{role}.txt", "role": role, "story": "s", "text": text}


def test_gold_spans_are_word_level_and_exact():
    rec = wild.pair(page("spun", SPUN), [page("orig", ORIG)])
    got = [(s["text"], s["original"]) for s in rec["spans"]]
    # Equal-length replacements are split word by word; others stay whole, as the diff finds them.
    assert ("inventory", "stock") in got
    assert ("merchants", "traders") in got and ("mentioned", "said") in got
    assert ("construct", "build") in got and ("assist", "support") in got and ("across", "around") in got
    assert ("extent earlier than", "level before") in got and ("positive factors", "gains") in got
    # The menu before the first match is cut off, the last token (".") is a match.
    assert rec["spun"].startswith("The inventory market") and rec["spun"].endswith("this yr.")
    # Offsets are exact: check_record ran inside pair(); the original reads as the original.
    assert rec["original"].startswith("The stock market rose on Monday, traders said.")
    assert rec["honest"].startswith("The stock market") and rec["honest"].endswith("this year.")


def test_a_page_that_is_not_a_spin_of_the_original_is_skipped():
    other = page("orig", "An entirely different article about the weather in the mountains today.")
    assert wild.pair(page("spun", SPUN), [other]) is None


def test_the_best_matching_original_copy_is_used():
    short = page("orig", "The stock market rose on Monday.")
    rec = wild.pair(page("spun", SPUN), [short, page("orig", ORIG)])
    assert len(rec["spans"]) >= 8


def test_folds_depend_on_the_story_alone():
    assert wild.fold_of("story-a", 2) == wild.fold_of("story-a", 2)
    assert {wild.fold_of(f"s{k}", 2) for k in range(20)} == {0, 1}


def test_a_change_over_neighbouring_gold_spans_that_restores_them_all_is_right():
    rec = wild.pair(page("spun", SPUN), [page("orig", ORIG)])
    b = rec["spun"].encode()
    at = [s for s in rec["spans"] if s["text"] in ("merchants", "mentioned")]
    a, e = at[0]["start"], at[1]["end"]
    assert b[a:e] == b"merchants mentioned"
    assert wild.relabel(rec, {"at": [a, e], "original": "traders said", "y": 0}) == 1
    assert wild.relabel(rec, {"at": [a, e], "original": "traders stated", "y": 0}) == 0
    # A change over one gold span keeps the engine's own label.
    one = at[1]
    assert wild.relabel(rec, {"at": [one["start"], one["end"]], "original": "said", "y": 1}) == 1
    assert wild.overlaps([(3, 6)], 5, 9) and not wild.overlaps([(3, 6)], 6, 9)


def test_a_change_inside_a_gold_span_the_diff_kept_whole_is_left_unlabelled():
    rec = wild.pair(page("spun", SPUN), [page("orig", ORIG)])
    g = next(s for s in rec["spans"] if s["text"] == "extent earlier than")
    b = rec["spun"].encode()
    a = g["start"] + len("extent ")
    e = a + len("earlier than")
    assert b[a:e] == b"earlier than"
    assert wild.relabel(rec, {"at": [a, e], "original": "before", "y": 0}) is None
    assert wild.relabel(rec, {"at": [a, e], "original": "prior to", "y": 0}) is None
    # A change over the whole span is compared with the whole original.
    assert wild.relabel(rec, {"at": [g["start"], g["end"]], "original": "level before", "y": 0}) == 1
    assert wild.relabel(rec, {"at": [g["start"], g["end"]], "original": "before", "y": 0}) == 0
    # A change on no gold span keeps the engine's label.
    a = b.index(b"analysts")
    assert wild.relabel(rec, {"at": [a, a + 8], "original": "experts", "y": 0}) == 0
