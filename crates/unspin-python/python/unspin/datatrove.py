"""datatrove: a batch-aware filter that scores documents and drops the spun ones.

::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from unspin.datatrove import UnspinFilter

    LocalPipelineExecutor(pipeline=[
        JsonlReader("data/"),
        UnspinFilter(exclusion_writer=JsonlWriter("out/spun")),
        JsonlWriter("out/kept"),
    ], tasks=4, workers=2).run()

Every document, kept or dropped, gets ``unspin_score``, ``unspin_verdict`` and
``unspin_words`` in its metadata (and ``unspin_spans`` with ``keep_spans=True``); dropped ones
go to the exclusion writer with ``filter_reason="unspin_spun"``.
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional, Tuple, Union

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.writers.disk_base import DiskWriter

from ._unspin import Detector


class UnspinFilter(BaseFilter):
    """Drops documents whose unspin score is at or above ``threshold`` (default: the model's
    ``spun_threshold``, as ``unspin scan --split`` does), and records the scores of all.

    Documents are checked ``batch_size`` at a time with :meth:`unspin.Detector.check_batch`,
    in parallel on ``threads`` threads (default: one per core; set 1 when datatrove already
    runs a worker per core). ``model`` is a model path, or ``None`` for the embedded model;
    ``params`` overrides decoder parameters. The filter pickles as these settings: each
    datatrove worker builds its own detector.
    """

    name = "🌀 unspin"

    def __init__(
        self,
        threshold: Optional[float] = None,
        model: Optional[str] = None,
        params: Optional[Mapping[str, float]] = None,
        threads: Optional[int] = None,
        batch_size: int = 256,
        keep_spans: bool = False,
        metadata_prefix: str = "unspin_",
        exclusion_writer: Optional[DiskWriter] = None,
    ) -> None:
        super().__init__(exclusion_writer=exclusion_writer, batch_size=batch_size)
        self.model = None if model is None else str(model)
        self.params = dict(params) if params else None
        self.threads = threads
        self.keep_spans = keep_spans
        self.metadata_prefix = metadata_prefix
        self._detector: Optional[Detector] = None
        # Built here so that a missing or broken model fails when the pipeline is set up, not
        # in a worker halfway through a run.
        detector = self.detector
        self.threshold = float(detector.params["spun_threshold"] if threshold is None else threshold)

    @property
    def detector(self) -> Detector:
        """The detector, built on first use in each process."""
        if self._detector is None:
            self._detector = Detector(self.model, self.params, self.threads)
        return self._detector

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_detector"] = None
        return state

    def filter(self, doc: Document) -> Union[bool, Tuple[bool, str]]:
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: List[Document]) -> List[Union[bool, Tuple[bool, str]]]:
        result = self.detector.check_batch([doc.text for doc in batch])
        scores = result.column("score").to_pylist()
        verdicts = result.column("verdict").to_pylist()
        words = result.column("words").to_pylist()
        spans: List[Any] = result.column("spans").to_pylist() if self.keep_spans else []
        p = self.metadata_prefix
        out: List[Union[bool, Tuple[bool, str]]] = []
        for i, doc in enumerate(batch):
            doc.metadata[p + "score"] = scores[i]
            doc.metadata[p + "verdict"] = verdicts[i]
            doc.metadata[p + "words"] = words[i]
            if self.keep_spans:
                doc.metadata[p + "spans"] = spans[i]
            self.stat_update(f"verdict_{verdicts[i]}")
            out.append(True if scores[i] < self.threshold else (False, "unspin_spun"))
        return out


__all__ = ["UnspinFilter"]
