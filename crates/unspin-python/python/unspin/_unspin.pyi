"""Type stubs for the Rust extension module ``unspin._unspin`` (re-exported by ``unspin``)."""

import os
from typing import Iterable, Literal, Mapping, Optional, TypedDict, Union

import pyarrow as pa

__version__: str
#: Whether this wheel carries a model, used by ``Model()`` and ``Detector()`` without a path.
HAS_EMBEDDED_MODEL: bool

Verdict = Literal["spun", "clean", "unsure"]
SpanKind = Literal["substitution", "fingerprint", "artifact"]

class Span(TypedDict):
    """One suspicious span; ``start``/``end`` count code points: ``text[start:end] == span["text"]``."""

    start: int
    end: int
    text: str
    suggestion: Optional[str]
    confidence: float
    kind: SpanKind
    evidence: str

class Report(TypedDict):
    """``Detector.check``'s result: one line of ``unspin check --json``, without ``path``."""

    score: float
    verdict: Verdict
    words: int
    spans: list[Span]

#: What the batch methods take: a pyarrow string array (string, large_string or string_view),
#: a chunked array of one, or a sequence of str (None for a missing text).
Texts = Union[pa.Array, pa.ChunkedArray, Iterable[Optional[str]]]

class Model:
    """A model: ``Model()`` is the embedded one, ``Model(path)`` memory-maps a file.

    Immutable and shareable; pickles as its path.
    """

    def __init__(self, path: Union[str, os.PathLike[str], None] = None) -> None: ...
    @property
    def path(self) -> Optional[str]:
        """The model file's absolute path, or None for the embedded model."""
    @property
    def embedded(self) -> bool:
        """Whether this is the model embedded in the wheel."""
    @property
    def size(self) -> int:
        """Size in bytes."""
    @property
    def phrases(self) -> int:
        """Phrases in the lexicon."""
    @property
    def candidate_pairs(self) -> int:
        """(spun, original) candidate pairs in the lexicon."""
    @property
    def fingerprints(self) -> int:
        """Tortured-phrase fingerprints."""
    @property
    def composed_fingerprints(self) -> int:
        """Tortured phrases composed from the listed ones' word substitutions."""
    @property
    def metadata(self) -> str:
        """Build metadata, as JSON text (possibly empty)."""
    @property
    def params(self) -> dict[str, float]:
        """The parameters stored in the model."""

class Detector:
    """Finds machine-spun text and restores the original words.

    ``model``: None (the embedded model), a path, or a ``Model``. ``params`` overrides decoder
    parameters by name. ``threads``: threads per batch call (default one per core). Thread-safe;
    the GIL is released during every call; pickles as its settings.
    """

    def __init__(
        self,
        model: Union[str, os.PathLike[str], Model, None] = None,
        params: Optional[Mapping[str, float]] = None,
        threads: Optional[int] = None,
    ) -> None: ...
    def check(self, text: str) -> Report:
        """Scores one text and lists its suspicious spans (code-point offsets)."""
    def restore(self, text: str) -> str:
        """The text with every suggested span replaced; every other character unchanged."""
    def check_batch(self, texts: Texts, *, restored: bool = False) -> pa.RecordBatch:
        """Checks many texts in parallel: columns score, verdict, words, spans (and restored)."""
    def restore_batch(self, texts: Texts) -> pa.Array:
        """Restores many texts in parallel: a string array, one per text."""
    @property
    def model(self) -> Model:
        """The model in use."""
    @property
    def params(self) -> dict[str, float]:
        """Every parameter in use: the model's, with the overrides applied."""
    @property
    def threads(self) -> Optional[int]:
        """Threads per batch call, or None for one per core."""

def check_schema(restored: bool = False) -> pa.Schema:
    """The schema of ``Detector.check_batch``'s result."""

def _tiny_model_bytes() -> bytes:
    """The tiny fixture model's bytes (tests and examples only)."""
