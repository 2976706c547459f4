"""What a check finds (mirrors ``unspin_core::report``): verdicts, span kinds, and
:func:`apply_spans`, which puts suggestions back into a text."""

from __future__ import annotations

from typing import Iterable, Mapping, Optional

#: The document verdicts: ``"spun"`` (score at or above the model's spun threshold),
#: ``"clean"`` (below it) and ``"unsure"`` (too short to judge).
VERDICTS = ("spun", "clean", "unsure")

#: How a span was found: a thesaurus ``"substitution"`` of a likelier original, a known tortured
#: phrase (``"fingerprint"``), or spinner debris such as unresolved spintax (``"artifact"``).
SPAN_KINDS = ("substitution", "fingerprint", "artifact")


def apply_spans(
    text: str,
    spans: Iterable[Mapping[str, object]],
    min_confidence: Optional[float] = None,
) -> str:
    """Replaces every span that has a suggestion and leaves every other character as it was.

    ``spans`` are ``check``'s spans (code-point offsets, in order, not overlapping), or any
    subset of them: ``Detector.restore`` equals ``apply_spans(text, check(text)["spans"])``.
    With ``min_confidence``, spans less confident than that are left alone, which is how to
    restore more conservatively than the model's own apply threshold.

    >>> apply_spans("The inventory market fell.", [{"start": 4, "end": 20,
    ...     "suggestion": "stock market", "confidence": 0.9}])
    'The stock market fell.'
    """
    out = []
    pos = 0
    for s in spans:
        suggestion = s.get("suggestion")
        if suggestion is None:
            continue
        if min_confidence is not None and float(s.get("confidence", 0.0)) < min_confidence:  # type: ignore[arg-type]
            continue
        start, end = int(s["start"]), int(s["end"])  # type: ignore[call-overload]
        if start < pos or end > len(text) or start > end:
            raise ValueError(f"spans must be in order, not overlap and lie inside the text: {start}..{end}")
        out.append(text[pos:start])
        out.append(str(suggestion))
        pos = end
    out.append(text[pos:])
    return "".join(out)


__all__ = ["VERDICTS", "SPAN_KINDS", "apply_spans"]
