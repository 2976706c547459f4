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
