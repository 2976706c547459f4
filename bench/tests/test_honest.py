"""bench/honest.py: which crate READMEs it reads."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import honest  # noqa: E402


def test_readmes_of_600_words_or_more_from_the_cargo_registry(tmp_path, monkeypatch):
    src = tmp_path / "registry" / "src" / "index.crates.io-1"
    for name, words in [("long-1.0.0", 600), ("short-1.0.0", 599)]:
        (src / name).mkdir(parents=True)
        (src / name / "README.md").write_text("word " * words)
    monkeypatch.setenv("CARGO_HOME", str(tmp_path))
    assert [name for name, _ in honest.readmes()] == ["long-1.0.0"]


def test_docstring_prose_leaves_out_code_and_short_paragraphs(tmp_path):
    prose = "The interval is split in two and the value at each end is compared with the target."
    module = tmp_path / "pkg" / "mod.py"
    module.parent.mkdir()
    module.write_text(
        'def f(x):\n'
        f'    """Short summary.\n\n    {prose}\n\n    Parameters\n    ----------\n'
        '    x : array_like\n        The input.\n\n    >>> f(1)\n    2\n    """\n\n\n'
        f'class C:\n    """{prose}"""\n'
    )
    (tmp_path / "pkg" / "tests").mkdir()
    (tmp_path / "pkg" / "tests" / "test_mod.py").write_text(module.read_text())
    assert honest.prose_paragraphs(module.read_text()) == [prose, prose]
    assert list(honest.docstrings(tmp_path)) == [(os.path.join("pkg", "mod.py"), prose + "\n\n" + prose)]
