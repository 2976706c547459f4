//! `unspin._unspin`: the extension module of the `unspin` Python package.
//!
//! It wraps `unspin-core` ([`unspin_core::Model`], [`unspin_core::Detector`]) for Python:
//! single texts as dicts shaped like the CLI's `check --json` lines, batches as Apache Arrow
//! record batches, offsets in code points as everywhere in Python, the GIL released while the
//! engine works and batches spread over threads with rayon. The pure-Python package around it
//! (`python/unspin`) adds the exception classes, the Arrow helpers and the datatrove, Ray and
//! Spark adapters.

mod batch;
mod detector;
mod errors;
mod model;
mod offsets;

use arrow_pyarrow::ToPyArrow;
use pyo3::prelude::*;

/// The ``pyarrow.Schema`` of ``Detector.check_batch``'s result (with ``restored=True``: with
/// its ``restored`` column).
#[pyfunction]
#[pyo3(signature = (restored=false))]
fn check_schema(py: Python<'_>, restored: bool) -> PyResult<Bound<'_, PyAny>> {
    batch::check_schema(restored.then_some(arrow_schema::DataType::Utf8)).to_pyarrow(py)
}

/// The bytes of the tiny fixture model (a handful of sentences; no model of English), for
/// tests and examples that must not depend on the real model.
#[pyfunction]
fn _tiny_model_bytes(py: Python<'_>) -> Bound<'_, pyo3::types::PyBytes> {
    pyo3::types::PyBytes::new(py, &unspin_core::fixture::tiny_model_bytes())
}

#[pymodule]
fn _unspin(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<model::PyModel>()?;
    m.add_class::<detector::PyDetector>()?;
    m.add_function(wrap_pyfunction!(check_schema, m)?)?;
    m.add_function(wrap_pyfunction!(_tiny_model_bytes, m)?)?;
    m.add("HAS_EMBEDDED_MODEL", model::HAS_EMBEDDED)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
