"""A small demo corpus for the examples: JSONL records {"id", "text"}, half of them spun."""

from __future__ import annotations

import json
import os

CLEAN = [
    "The stock market fell sharply on Monday as investors worried about rising borrowing costs, "
    "the government said in a statement.",
    "Officials said that the economy remains strong, but many experts warned that growth could "
    "slow in the coming months.",
    "The committee will meet again next week to discuss the budget and the new rules for public schools.",
]
SPUN = [
    "The inventory market plunged sharply on Monday as financiers fretted over climbing loan costs, "
    "the administration mentioned in an announcement.",
    "Authorities stated that the economic system stays sturdy, however numerous specialists "
    "cautioned that expansion could decelerate in the approaching months.",
    "The board will certainly meet once more following week to go over the spending plan and the "
    "brand-new guidelines for public institutions.",
]


def write_demo(folder: str, docs: int = 200) -> str:
    """Writes `docs` records to FOLDER/demo.jsonl and returns its path."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "demo.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for i in range(docs):
            pool = SPUN if i % 2 else CLEAN
            text = " ".join(pool[(i + k) % 3] for k in range(3))
            f.write(json.dumps({"id": f"doc{i}", "text": text}) + "\n")
    return path
