"""unspin: find machine-spun text and put the original words back.

    import unspin

    det = unspin.Detector()                 # the model embedded in the wheel
    det.restore("He mentioned the inventory market fell.")
    report = det.check(text)                # {"score", "verdict", "words", "spans"}
    batch = det.check_batch(texts)          # a pyarrow.RecordBatch, computed in parallel

The package mirrors the Rust crate ``unspin-core``:

* :class:`Model` and :class:`Detector` wrap ``unspin_core::Model`` and ``unspin_core::Detector``;
* :mod:`unspin.errors` holds ``unspin_core::Error`` as Python exceptions;
* :mod:`unspin.report` mirrors ``unspin_core::report`` (verdicts, span kinds, ``apply_spans``).

Batches go through Apache Arrow (:meth:`Detector.check_batch`, :mod:`unspin.arrow`), and the
adapters :mod:`unspin.datatrove`, :mod:`unspin.ray` and :mod:`unspin.spark` scale that out.
Offsets always count code points, as Python's ``str`` does.
"""

from ._unspin import HAS_EMBEDDED_MODEL, Detector, Model, __version__, check_schema
from .errors import ModelError, ParamError, UnspinError
from .report import SPAN_KINDS, VERDICTS, apply_spans

__all__ = [
    "Detector",
    "Model",
    "UnspinError",
    "ModelError",
    "ParamError",
    "HAS_EMBEDDED_MODEL",
    "VERDICTS",
    "SPAN_KINDS",
    "apply_spans",
    "check_schema",
    "__version__",
]
