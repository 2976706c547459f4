"""The deterministic held-out split of the tortured-phrase list (bench/tortured_holdout.py)."""

from __future__ import annotations

import hashlib


def is_heldout(pair: dict, fraction: float = 0.2, by: str = "tortured") -> bool:
    """Deterministic: the first 8 bytes of SHA-256 of the key, as a fraction of 2**64."""
    key = pair[by].strip().lower().encode("utf-8")
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") / 2**64 < fraction
