"""The deterministic held-out split of the tortured-phrase list (bench/tortured_holdout.py)."""

from __future__ import annotations

import hashlib


def hash_fraction(key: str) -> float:
    """Where ``key`` falls in [0, 1): the first 8 bytes of its SHA-256, as a fraction of 2**64.
    A split by it depends on the key alone, not on the list's order or its other entries."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") / 2**64


def is_heldout(pair: dict, fraction: float = 0.2, by: str = "tortured") -> bool:
    """Deterministic: the key's ``hash_fraction`` is under ``fraction``."""
    return hash_fraction(pair[by].strip().lower()) < fraction
