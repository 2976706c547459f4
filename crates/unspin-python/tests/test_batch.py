"""The Arrow batch API: every input form, nulls, schema, and agreement with the single calls."""

from __future__ import annotations

import pytest

pa = pytest.importorskip("pyarrow")

import unspin  # noqa: E402
from conftest import TEXTS  # noqa: E402


def as_rows(batch: "pa.RecordBatch") -> list:
    return batch.to_pylist()


def test_check_batch_equals_check_per_text(real):
    batch = real.check_batch(TEXTS)
    assert isinstance(batch, pa.RecordBatch) and batch.num_rows == len(TEXTS)
    assert batch.schema == unspin.check_schema()
    assert as_rows(batch) == [real.check(t) for t in TEXTS]


@pytest.mark.parametrize(
    "make",
    [
        lambda t: pa.array(t, pa.string()),
        lambda t: pa.array(t, pa.large_string()),
        lambda t: pa.array(t, pa.string_view()),
        lambda t: pa.chunked_array([t[:3], t[3:7], [], t[7:]], pa.string()),
        lambda t: tuple(t),
        lambda t: iter(t),
    ],
    ids=["string", "large_string", "string_view", "chunked", "tuple", "iterator"],
)
def test_every_input_form(real, make):
    expected = [real.check(t) for t in TEXTS]
    assert as_rows(real.check_batch(make(TEXTS))) == expected
    assert real.restore_batch(make(TEXTS)).to_pylist() == [real.restore(t) for t in TEXTS]


def test_sliced_arrow_input(real):
    # A slice shares its parent's buffers with an offset: the C data interface must honour it.
    arr = pa.array(TEXTS)[2:9]
    assert as_rows(real.check_batch(arr)) == [real.check(t) for t in TEXTS[2:9]]


def test_nulls_give_null_rows(tiny):
    from conftest import TINY_CLEAN, TINY_SPUN

    batch = tiny.check_batch(pa.array([TINY_SPUN, None, TINY_CLEAN]), restored=True)
    rows = as_rows(batch)
    assert rows[1] == {"score": None, "verdict": None, "words": None, "spans": None, "restored": None}
    assert rows[0]["restored"] == TINY_CLEAN and rows[2]["restored"] == TINY_CLEAN
    assert tiny.restore_batch([None, TINY_SPUN]).to_pylist() == [None, TINY_CLEAN]


def test_restored_column_matches_restore(real):
    batch = real.check_batch(TEXTS, restored=True)
    assert batch.schema == unspin.check_schema(restored=True)
    assert batch.column("restored").to_pylist() == [real.restore(t) for t in TEXTS]
    assert as_rows(batch.drop_columns(["restored"])) == as_rows(real.check_batch(TEXTS))


def test_empty_batches(tiny):
    assert tiny.check_batch([]).num_rows == 0
    assert tiny.check_batch(pa.array([], pa.string())).schema == unspin.check_schema()
    assert len(tiny.restore_batch([])) == 0


def test_a_thread_pool_of_its_own_gives_the_same_results(real, tiny_model_path):
    one = unspin.Detector(real.model, threads=1)
    two = unspin.Detector(real.model, threads=2)
    texts = TEXTS * 5
    assert as_rows(one.check_batch(texts)) == as_rows(two.check_batch(texts)) == as_rows(real.check_batch(texts))


def test_bad_inputs_say_what_to_pass(tiny):
    with pytest.raises(TypeError, match="not one str"):
        tiny.check_batch("a single text")
    with pytest.raises(TypeError, match="column"):
        tiny.check_batch(pa.record_batch({"text": ["x"]}))
    with pytest.raises(TypeError, match="column"):
        tiny.check_batch(pa.table({"text": ["x"]}))
    with pytest.raises(TypeError, match="(?i)int64"):
        tiny.check_batch(pa.array([1, 2]))
    with pytest.raises(TypeError, match="str or None"):
        tiny.check_batch(["ok", 3])
    with pytest.raises(TypeError):
        tiny.restore_batch(42)


def test_annotate_record_batches_and_tables(tiny):
    from conftest import TINY_CLEAN, TINY_SPUN
    from unspin.arrow import ArrowScorer, annotate, output_fields

    rb = pa.record_batch({"id": [1, 2], "text": [TINY_SPUN, TINY_CLEAN]})
    out = annotate(tiny, rb, restored=True)
    assert isinstance(out, pa.RecordBatch)
    assert out.schema.names == ["id", "text", "unspin_score", "unspin_verdict", "unspin_words", "unspin_spans", "unspin_restored"]
    assert out.schema.field("unspin_spans").type == unspin.check_schema().field("spans").type
    assert [f.name for f in output_fields(restored=True)] == out.schema.names[2:]
    assert out.column("unspin_restored").to_pylist() == [TINY_CLEAN, TINY_CLEAN]
    # Annotating again replaces the columns instead of adding more.
    assert annotate(tiny, out, restored=True).schema.names == out.schema.names

    table = pa.Table.from_batches([rb, rb])
    scored = ArrowScorer(model=tiny.model.path, spans=False, prefix="u_")(table)
    assert isinstance(scored, pa.Table) and scored.num_rows == 4
    assert scored.schema.names == ["id", "text", "u_score", "u_verdict", "u_words"]
    with pytest.raises(KeyError):
        annotate(tiny, rb, column="body")
