"""benchlib/docstrings.py: the prose of docstrings, split by package, cut into passages."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from benchlib import docstrings  # noqa: E402

PROSE = "The interval is split in two and the value at each end is compared with the target."


def module(root, path):
    path = root / path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        'def f(x):\n'
        f'    """Short summary.\n\n    {PROSE}\n\n    Parameters\n    ----------\n'
        '    x : array_like\n        The input.\n\n    >>> f(1)\n    2\n    """\n\n\n'
        f'class C:\n    """{PROSE}"""\n'
    )
    return path


def test_prose_leaves_out_code_and_short_paragraphs(tmp_path):
    assert docstrings.prose_paragraphs(module(tmp_path, "m.py").read_text()) == [PROSE, PROSE]
    assert docstrings.prose_paragraphs("def broken(:") == []


def test_modules_of_a_split_without_their_tests(tmp_path):
    for package in ("alpha", "beta"):
        module(tmp_path, f"{package}/core.py")
        module(tmp_path, f"{package}/tests/test_core.py")
    splits = {p: docstrings.split_of(p) for p in ("alpha", "beta")}
    assert set(splits.values()) == {"tune", "test"}  # the two names hash to different halves
    for split in ("tune", "test"):
        [package] = [p for p, s in splits.items() if s == split]
        assert list(docstrings.docstrings(str(tmp_path), split)) == [
            (os.path.join(package, "core.py"), PROSE + "\n\n" + PROSE)]
    assert len(list(docstrings.docstrings(str(tmp_path)))) == 2


def test_passages_end_at_paragraphs_past_the_word_count(tmp_path, monkeypatch):
    monkeypatch.setattr(docstrings, "PASSAGE_WORDS", 30)
    module(tmp_path, "alpha/core.py")
    module(tmp_path, "beta/core.py")
    split = docstrings.split_of("alpha")
    # Two paragraphs of 17 words make one passage of 34; the module has no third.
    assert docstrings.passages(str(tmp_path), split) == [
        {"id": "alpha.core-0", "text": PROSE + "\n\n" + PROSE}]
