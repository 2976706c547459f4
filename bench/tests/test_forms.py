"""Tests for the text forms of the robustness benchmark (benchlib/forms.py)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchlib.forms import (FORMS, INDEXED, CharMap, html, hyphenated, ligatures, lookalikes,  # noqa: E402
                             soft_hyphens, title, upper, wrap)

TEXT = ("The inventory market fell on Monday, the administration mentioned in a statement; "
        "the café's prices don't rise. Straße und Café\nare next, and the end of it.")


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_form_maps_back(form):
    if form in INDEXED:
        out, index = INDEXED[form](TEXT)
        assert out == FORMS[form](TEXT)
    else:
        out, index = FORMS[form](TEXT), None
        assert len(out) == len(TEXT)
    m = CharMap(TEXT, out, index)
    # Every word's byte range in the form maps to the same word's range as written.
    start_form = out.lower().encode().index("caf".encode())
    start_written = TEXT.encode().index("caf".encode())
    assert m(start_form) == start_written
    assert m(len(out.encode())) == len(TEXT.encode())


def test_title_case_leaves_function_words_and_capitals_keep_length():
    assert title("the end of the road and a new start") == "The End of the Road and a New Start"
    assert upper("Straße") == "STRAßE"


def test_wrap_breaks_lines_at_spaces_only():
    out = wrap("word " * 40, width=20)
    assert out.replace("\n", " ") == "word " * 40
    assert all(len(line) <= 20 for line in out.split("\n"))


def test_char_map_refuses_a_form_of_another_length():
    with pytest.raises(ValueError):
        CharMap("ab", "abc")


def written_of(text: str, out: str, index: list[int], first: str, last: str) -> str:
    """The written text under the form's bytes from the start of `first` to the end of `last`."""
    m, b = CharMap(text, out, index), out.encode("utf-8")
    start = b.index(first.encode("utf-8"))
    end = b.index(last.encode("utf-8"), start) + len(last.encode("utf-8"))
    return text.encode("utf-8")[m(start):m(end)].decode("utf-8")


def test_hyphenated_breaks_long_words_at_line_starts_and_maps_them_back():
    text = "The administration mentioned that the inventory market would decelerate considerably."
    out, index = hyphenated(text, width=40)
    assert "the inve-\nntory market" in out
    assert out.replace("-\n", "").replace("\n", " ") == text
    assert written_of(text, out, index, "inve", "ntory") == "inventory"


@pytest.mark.parametrize("form, text, expected, first, last, written", [
    # Tags and references; a span over a reference maps to the character it writes.
    (html, "He said \"the inventory\" & left. It's over.",
     "<p>He said &quot;the inventory&quot; &amp; left.<br/> It&#8217;s over.</p>", "&quot;", "inventory",
     "\"the inventory"),
    (soft_hyphens, "The inventory market fell sharply.", "The inve\u00adntory market fell sharply.",
     "inve", "ntory", "inventory"),
    (ligatures, "The official flow of financial affairs.",
     "The o\ufb03cial \ufb02ow of \ufb01nancial a\ufb00airs.", "\ufb01nancial", "\ufb01nancial", "financial"),
])
def test_forms_that_add_or_drop_characters_map_back(form, text, expected, first, last, written):
    out, index = form(text)
    assert out == expected
    assert written_of(text, out, index, first, last) == written


def test_lookalikes_swap_one_letter_in_every_third_long_word():
    text = "The stock market fell sharply yesterday morning."
    out = lookalikes(text)
    assert len(out) == len(text)
    assert out.split(" ")[2] == "m\u0430rket"
    assert out.split(" ")[5] == "y\u0435sterday"
    assert sum(a != b for a, b in zip(out, text)) == 2
