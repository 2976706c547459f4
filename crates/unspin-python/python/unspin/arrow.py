"""Arrow helpers: annotate record batches and tables with unspin's columns.

:class:`ArrowScorer` is the callable that the Ray and Spark adapters hand to their engines; it
works on any ``pyarrow.RecordBatch`` or ``pyarrow.Table`` and returns the same kind of object
with these columns appended (``prefix`` defaults to ``"unspin_"``):

========================  ==========================================================
``{prefix}score``         float64, 0..1, rounded to 4 decimals as ``unspin check --json``
``{prefix}verdict``       string: ``"spun"``, ``"clean"`` or ``"unsure"``
``{prefix}words``         int64
``{prefix}spans``         list<struct<start, end, text, suggestion, confidence, kind,
                          evidence>>, offsets in code points (``spans=False`` leaves it out)
``{prefix}restored``      string, the restored text (only with ``restored=True``)
========================  ==========================================================

Nothing is copied on the way in: the text column reaches the Rust engine through the Arrow C
data interface, and the batch runs on all the detector's threads with the GIL released.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional, Union

from ._unspin import Detector, check_schema

if TYPE_CHECKING:
    import pyarrow as pa

    ArrowData = Union[pa.RecordBatch, pa.Table]


def output_fields(prefix: str = "unspin_", restored: bool = False, spans: bool = True) -> "list[pa.Field]":
    """The fields :func:`annotate` appends, in order (for declaring a schema up front)."""
    schema = check_schema(restored=restored)
    return [f.with_name(prefix + f.name) for f in schema if spans or f.name != "spans"]


def annotate(
    detector: Detector,
    data: "ArrowData",
    column: str = "text",
    prefix: str = "unspin_",
    restored: bool = False,
    spans: bool = True,
) -> "ArrowData":
    """``data`` (a record batch or a table) with the scores of its ``column`` appended.

    A column that already has one of the new names is replaced, so annotating twice does not
    duplicate columns.
    """
    import pyarrow as pa

    if column not in data.schema.names:
        raise KeyError(f"no column {column!r} in {data.schema.names}")
    result = detector.check_batch(data.column(column), restored=restored)
    names = list(data.schema.names)
    columns = list(data.columns)
    for name in result.schema.names:
        if name == "spans" and not spans:
            continue
        out_name = prefix + name
        values: Any = result.column(name)
        if out_name in names:
            columns[names.index(out_name)] = values
        else:
            names.append(out_name)
            columns.append(values)
    if isinstance(data, pa.Table):
        # A table's columns are chunked; one chunk per new column is fine for Arrow.
        return pa.Table.from_arrays(
            [c if isinstance(c, pa.ChunkedArray) else pa.chunked_array([c]) for c in columns],
            names=names,
            metadata=data.schema.metadata,
        )
    return pa.RecordBatch.from_arrays(columns, names=names, metadata=data.schema.metadata)


class ArrowScorer:
    """A callable that annotates Arrow batches: ``scorer(batch) -> batch with unspin columns``.

    Its arguments are settings only (``model`` is a path or ``None`` for the embedded model),
    and the detector is built on first use, so the scorer is cheap to pickle and each worker
    process loads the model itself, by memory map (once per process: models are cached).

    This is the callable class for Ray Data's ``map_batches(..., batch_format="pyarrow")``
    and the body of Spark's ``mapInArrow`` (see :mod:`unspin.ray`, :mod:`unspin.spark`).
    """

    def __init__(
        self,
        model: Optional[str] = None,
        params: Optional[Mapping[str, float]] = None,
        threads: Optional[int] = None,
        column: str = "text",
        prefix: str = "unspin_",
        restored: bool = False,
        spans: bool = True,
    ) -> None:
        self.model = None if model is None else str(model)
        self.params = dict(params) if params else None
        self.threads = threads
        self.column = column
        self.prefix = prefix
        self.restored = restored
        self.spans = spans
        self._detector: Optional[Detector] = None

    @property
    def detector(self) -> Detector:
        """The detector, built on first use in the process that uses it."""
        if self._detector is None:
            self._detector = Detector(self.model, self.params, self.threads)
        return self._detector

    def __call__(self, data: "ArrowData") -> "ArrowData":
        return annotate(self.detector, data, self.column, self.prefix, self.restored, self.spans)

    def __getstate__(self) -> dict:
        # Settings only: the detector is rebuilt where the scorer is used.
        state = dict(self.__dict__)
        state["_detector"] = None
        return state

    def __repr__(self) -> str:
        return (
            f"ArrowScorer(model={self.model!r}, params={self.params!r}, threads={self.threads!r}, "
            f"column={self.column!r}, prefix={self.prefix!r}, restored={self.restored!r}, spans={self.spans!r})"
        )


__all__ = ["ArrowScorer", "annotate", "output_fields", "check_schema"]
