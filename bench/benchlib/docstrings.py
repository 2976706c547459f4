"""Honest technical English: the prose of the docstrings of installed Python packages.

Spinners' development text is old political prose; the engine also meets technical prose, where
"value", "interval", "native" and "query" are the honest words, not spun ones for "price", "period",
"local" and "question". The docstrings of the Python packages that bench/requirements.txt installs
(numpy, scipy, pandas, nltk and what they pull in) are such prose, written by people and licensed
for redistribution. They are read, never committed.

The packages are split in two by a hash of their top-level name (`split_of`): the tune split's
technical passages (`make_devset.py`, for the change scorer and the document score to learn that
this prose is honest) come from one half, and `honest.py` and the test split's from the other, so
that what is measured is prose of packages no fit has seen.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import sysconfig

# A docstring paragraph is prose when it has this many words, at least PROSE_SHARE of them plain words.
MIN_PARAGRAPH_WORDS = 12
PROSE_SHARE = 0.8
PLAIN_WORD = re.compile(r"[A-Za-z][a-z'-]*[,.;:]?")
# Lines of examples, tables, directives and numpydoc parameter lists ("x : array_like") are code.
CODE_LINE = re.compile(r"^(>>>|\.\.\.|\.\.|\||\+)|^[\w*, ]+ : |^-{3,}$|^={3,}$")
# Passages for the development set are cut at paragraph ends once they hold this many words, as long
# as the addresses' passages (300-500 words); a module's remainder shorter than that is left out.
PASSAGE_WORDS = 300


def site_packages() -> str:
    """The site-packages directory of the running interpreter."""
    return sysconfig.get_paths()["purelib"]


def split_of(package: str) -> str:
    """Which split a top-level package's prose belongs to: "tune" or "test" (a hash of its name)."""
    return "tune" if int(hashlib.md5(package.encode()).hexdigest(), 16) % 2 == 0 else "test"


def package_of(module_path: str) -> str:
    """The top-level package (or module) of a path relative to site-packages."""
    return module_path.split(os.sep)[0].split("/")[0].split(".")[0]


def prose_paragraphs(source: str) -> list[str]:
    """The prose paragraphs of the docstrings of a Python module's source, in order."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for para in re.split(r"\n\s*\n", ast.get_docstring(node) or ""):
            lines = [line.strip() for line in para.splitlines()]
            if any(CODE_LINE.search(line) for line in lines):
                continue
            words = " ".join(lines).split()
            plain = sum(1 for w in words if PLAIN_WORD.fullmatch(w))
            if len(words) >= MIN_PARAGRAPH_WORDS and plain >= PROSE_SHARE * len(words):
                out.append(" ".join(words))
    return out


def docstrings(root: str, split: str | None = None):
    """(module path, prose) of every module under `root` (tests left out) with two or more prose
    paragraphs in its docstrings, in sorted order; with `split`, only its packages'."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in ("tests", "test", "__pycache__"))
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if split is not None and split_of(package_of(rel)) != split:
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                paragraphs = prose_paragraphs(f.read())
            if len(paragraphs) >= 2:
                yield rel, "\n\n".join(paragraphs)


def passages(root: str, split: str) -> list[dict]:
    """The split's technical passages: each module's prose cut at paragraph ends into runs of
    PASSAGE_WORDS words or more, as {"id", "text"} (id: the dotted module name and a number)."""
    out = []
    for rel, text in docstrings(root, split):
        name = rel[: -len(".py")].replace(os.sep, ".")
        cur: list[str] = []
        words = 0
        for para in text.split("\n\n"):
            cur.append(para)
            words += len(para.split())
            if words >= PASSAGE_WORDS:
                out.append({"id": f"{name}-{len(out)}", "text": "\n\n".join(cur)})
                cur, words = [], 0
    return out
