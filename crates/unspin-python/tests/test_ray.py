"""A real Ray Data pipeline on one node: read JSONL, map_batches with the callable class in
pyarrow format on two actors, write Parquet, and compare with the single-text API."""

from __future__ import annotations

import json

import pytest

from conftest import TEXTS, need

try:
    import ray
    import ray.data

    HAVE_RAY = True
except ImportError:
    HAVE_RAY = False


@pytest.fixture(scope="module")
def ray_cluster():
    need(HAVE_RAY, "ray[data] is not installed")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def docs_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("ray") / "docs.jsonl"
    docs = [{"id": i, "text": t} for i, t in enumerate(TEXTS * 4)]
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path, docs


def test_map_batches_with_the_callable_class(ray_cluster, docs_file, real, tmp_path):
    import pyarrow.parquet as pq

    from unspin.ray import UnspinScorer

    path, docs = docs_file
    ds = ray.data.read_json(str(path)).map_batches(
        UnspinScorer,
        fn_constructor_kwargs={"threads": 1, "restored": True},
        batch_format="pyarrow",
        batch_size=8,
        compute=ray.data.ActorPoolStrategy(size=2),
        num_cpus=0.5,  # leaves CPUs for the read and write tasks
    )
    ds.write_parquet(str(tmp_path / "out"))
    rows = pq.read_table(str(tmp_path / "out")).to_pylist()
    assert sorted(r["id"] for r in rows) == [d["id"] for d in docs]
    for r in rows:
        text = docs[r["id"]]["text"]
        expected = real.check(text)
        assert r["text"] == text
        assert r["unspin_score"] == expected["score"]
        assert r["unspin_verdict"] == expected["verdict"]
        assert r["unspin_words"] == expected["words"]
        assert r["unspin_spans"] == expected["spans"]
        assert r["unspin_restored"] == real.restore(text)


def test_annotate_helper_with_a_model_path(ray_cluster, docs_file, tiny_model_path, tiny):
    import pyarrow as pa

    from unspin.ray import annotate

    _, docs = docs_file
    ds = ray.data.from_arrow(pa.table({"id": [d["id"] for d in docs], "body": [d["text"] for d in docs]}))
    rows = annotate(ds, column="body", model=str(tiny_model_path), spans=False, batch_size=16).take_all()
    assert len(rows) == len(docs)
    for r in rows:
        assert "unspin_spans" not in r
        assert r["unspin_score"] == tiny.check(r["body"])["score"]
