"""A real datatrove pipeline on the local executor: JSONL in, kept and excluded JSONL out."""

from __future__ import annotations

import gzip
import json
import pickle

import pytest

from conftest import TEXTS, need

try:
    import datatrove  # noqa: F401

    HAVE_DATATROVE = True
except ImportError:
    HAVE_DATATROVE = False


@pytest.fixture(autouse=True)
def _need_datatrove():
    need(HAVE_DATATROVE, "datatrove is not installed")


def read_jsonl_folder(folder) -> list:
    docs = []
    for path in sorted(folder.rglob("*.jsonl*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            docs += [json.loads(line) for line in f]
    return docs


@pytest.mark.parametrize("workers", [1, 2])
def test_local_pipeline_filters_and_annotates(real, tmp_path, workers):
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from unspin.datatrove import UnspinFilter

    src = tmp_path / "in"
    src.mkdir()
    docs = [{"id": f"d{i}", "text": t} for i, t in enumerate(TEXTS * 3) if t.strip()]
    # Two files, so that two tasks each get one.
    for part in range(2):
        with open(src / f"part{part}.jsonl", "w", encoding="utf-8") as f:
            for d in docs[part::2]:
                f.write(json.dumps(d) + "\n")

    filt = UnspinFilter(batch_size=8, threads=1, keep_spans=True, exclusion_writer=JsonlWriter(str(tmp_path / "spun")))
    LocalPipelineExecutor(
        pipeline=[JsonlReader(str(src)), filt, JsonlWriter(str(tmp_path / "kept"))],
        tasks=2,
        workers=workers,
        logging_dir=str(tmp_path / "logs"),
    ).run()

    kept = read_jsonl_folder(tmp_path / "kept")
    spun = read_jsonl_folder(tmp_path / "spun")
    assert sorted(d["id"] for d in kept + spun) == sorted(d["id"] for d in docs)
    assert kept and spun
    by_id = {d["id"]: d["text"] for d in docs}
    threshold = real.params["spun_threshold"]
    for d in kept + spun:
        meta = d["metadata"]
        expected = real.check(by_id[d["id"]])
        assert meta["unspin_score"] == expected["score"]
        assert meta["unspin_verdict"] == expected["verdict"]
        assert meta["unspin_words"] == expected["words"]
        assert meta["unspin_spans"] == expected["spans"]
    assert all(d["metadata"]["unspin_score"] < threshold for d in kept)
    assert all(d["metadata"]["unspin_score"] >= threshold - 1e-4 for d in spun)
    assert all(d["metadata"]["filter_reason"] == "unspin_spun" for d in spun)


def test_filter_threshold_and_pickling(tiny_model_path):
    from datatrove.data import Document

    from conftest import TINY_CLEAN, TINY_SPUN
    from unspin.datatrove import UnspinFilter

    f = UnspinFilter(model=str(tiny_model_path), threshold=0.99, metadata_prefix="u_")
    again = pickle.loads(pickle.dumps(f))
    assert again._detector is None and again.threshold == 0.99
    batch = [Document(text=TINY_SPUN, id="a"), Document(text=TINY_CLEAN, id="b")]
    assert again.filter_batch(batch) == [(False, "unspin_spun"), True]
    assert batch[0].metadata["u_verdict"] == "spun" and "u_spans" not in batch[0].metadata
    assert again.filter(Document(text=TINY_CLEAN, id="c")) is True
