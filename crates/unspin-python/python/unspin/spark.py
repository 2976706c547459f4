"""Spark: score a DataFrame with ``mapInArrow``.

Spark hands each partition to a Python worker as an iterator of ``pyarrow.RecordBatch``;
:func:`map_in_arrow` returns the function that scores them, and :func:`output_schema` the
schema Spark must be told::

    from pyspark.sql import SparkSession
    from unspin import spark as unspin_spark

    session = SparkSession.builder.master("local[2]").getOrCreate()
    df = session.read.json("docs.jsonl")
    scored = df.mapInArrow(unspin_spark.map_in_arrow(column="text", threads=1),
                           unspin_spark.output_schema(df.schema))
    scored.write.parquet("scored/")

or simply ``unspin_spark.annotate(df)``. The function pickles as its settings: each Python
worker builds its detector once and memory-maps the model itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator, Mapping, Optional

from .arrow import ArrowScorer, output_fields

if TYPE_CHECKING:
    import pyarrow as pa
    import pyspark.sql
    import pyspark.sql.types


class ArrowBatchMapper:
    """The ``mapInArrow`` function: ``mapper(iterator of RecordBatch) -> iterator of RecordBatch``.

    A class rather than a closure so that plain ``pickle`` can ship it too; it holds an
    :class:`~unspin.arrow.ArrowScorer`, which holds settings only.
    """

    def __init__(self, scorer: ArrowScorer) -> None:
        self.scorer = scorer

    def __call__(self, batches: Iterable["pa.RecordBatch"]) -> Iterator["pa.RecordBatch"]:
        for batch in batches:
            yield self.scorer(batch)


def map_in_arrow(
    column: str = "text",
    model: Optional[str] = None,
    params: Optional[Mapping[str, float]] = None,
    threads: Optional[int] = None,
    prefix: str = "unspin_",
    restored: bool = False,
    spans: bool = True,
) -> ArrowBatchMapper:
    """The function to pass to ``DataFrame.mapInArrow``.

    ``threads`` is the engine's threads per Python worker: leave it ``None`` (one per core)
    when each executor runs one task at a time, set it to 1 when Spark already runs a task per
    core (``local[N]`` with N cores, or ``spark.task.cpus=1``).
    """
    return ArrowBatchMapper(ArrowScorer(model, params, threads, column, prefix, restored, spans))


def output_schema(
    input_schema: "pyspark.sql.types.StructType",
    prefix: str = "unspin_",
    restored: bool = False,
    spans: bool = True,
) -> "pyspark.sql.types.StructType":
    """``input_schema`` with unspin's columns appended, as ``mapInArrow`` needs it."""
    from pyspark.sql.pandas.types import from_arrow_type
    from pyspark.sql.types import StructField, StructType

    fields = list(input_schema.fields)
    names = [f.name for f in fields]
    for f in output_fields(prefix, restored, spans):
        field = StructField(f.name, from_arrow_type(f.type), True)
        if f.name in names:
            fields[names.index(f.name)] = field
        else:
            fields.append(field)
    return StructType(fields)


def annotate(
    df: "pyspark.sql.DataFrame",
    column: str = "text",
    model: Optional[str] = None,
    params: Optional[Mapping[str, float]] = None,
    threads: Optional[int] = None,
    prefix: str = "unspin_",
    restored: bool = False,
    spans: bool = True,
) -> "pyspark.sql.DataFrame":
    """``df`` with unspin's columns appended, through ``mapInArrow``."""
    mapper = map_in_arrow(column, model, params, threads, prefix, restored, spans)
    return df.mapInArrow(mapper, output_schema(df.schema, prefix, restored, spans))


__all__ = ["ArrowBatchMapper", "map_in_arrow", "output_schema", "annotate"]
