//! `unspin.Detector`: checks and restores texts, one at a time or in Arrow batches.

use crate::batch::{self, Texts};
use crate::errors::unspin_error;
use crate::model::{params_dict, PyModel};
use crate::offsets::CodePoints;
use arrow_array::Array;
use arrow_pyarrow::ToPyArrow;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};
use rayon::prelude::*;
use std::path::PathBuf;
use unspin_core::{Detector, Report};

/// Finds machine-spun text and restores the original words.
///
/// ``Detector()`` uses the model embedded in the wheel; ``Detector(model=PATH)`` memory-maps a
/// model file; ``Detector(model=unspin.Model(...))`` shares an already loaded one. ``params``
/// overrides decoder parameters by name (``Model.params`` lists them), as the CLI's
/// ``--param NAME=VALUE`` does. ``threads`` sets how many threads a batch call uses (default:
/// one per core, or ``RAYON_NUM_THREADS``).
///
/// A detector is immutable and thread-safe, and every call releases the GIL while it works.
/// It pickles as its settings (the model's path, or the embedded model, and the parameter
/// overrides), so a worker process that unpickles it loads the model itself, by memory map.
#[pyclass(module = "unspin", name = "Detector", frozen)]
pub struct PyDetector {
    det: Detector,
    model: Py<PyModel>,
    /// The overrides as given, in order: what pickling stores.
    overrides: Vec<(String, f64)>,
    threads: Option<usize>,
    /// A pool of its own when `threads` is given; else batches use rayon's global pool.
    pool: Option<rayon::ThreadPool>,
}

impl PyDetector {
    /// The parameter overrides as a dict, or `None` when there are none.
    fn overrides_dict<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        if self.overrides.is_empty() {
            return Ok(None);
        }
        let d = PyDict::new(py);
        for (k, v) in &self.overrides {
            d.set_item(k, v)?;
        }
        Ok(Some(d))
    }

    /// Runs `f` over every non-null text in parallel, on this detector's pool, in order.
    fn par_map<T: Send>(
        &self,
        texts: &[Option<&str>],
        f: impl Fn(&str) -> T + Sync + Send,
    ) -> Vec<Option<T>> {
        let work = || {
            texts
                .par_iter()
                .map(|t| t.map(&f))
                .collect::<Vec<Option<T>>>()
        };
        match &self.pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }
}

#[pymethods]
impl PyDetector {
    #[new]
    #[pyo3(signature = (model=None, params=None, threads=None))]
    fn new(
        py: Python<'_>,
        model: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyDict>>,
        threads: Option<usize>,
    ) -> PyResult<PyDetector> {
        let model: Py<PyModel> = match model {
            None => Py::new(py, PyModel::load(py, None)?)?,
            Some(m) => match m.cast::<PyModel>() {
                Ok(m) => m.clone().unbind(),
                Err(_) => {
                    let path: PathBuf =
                        m.extract().map_err(|_| {
                            PyTypeError::new_err(format!(
                            "model must be a path (str or os.PathLike), an unspin.Model or None, \
                             not {}",
                            m.get_type().name().map(|n| n.to_string()).unwrap_or_default()
                        ))
                        })?;
                    Py::new(py, PyModel::load(py, Some(path))?)?
                }
            },
        };
        let mut p = model.get().model.params().clone();
        let mut overrides = Vec::new();
        if let Some(params) = params {
            for (k, v) in params.iter() {
                let name: String = k.extract().map_err(|_| {
                    PyTypeError::new_err("params keys must be parameter names (str)")
                })?;
                let value: f64 = v.extract().map_err(|_| {
                    PyTypeError::new_err(format!("params[{name:?}] must be a number"))
                })?;
                p.set(&name, value as f32)
                    .map_err(|e| unspin_error(py, "ParamError", e.to_string()))?;
                overrides.push((name, value));
            }
        }
        let pool = match threads {
            None => None,
            Some(0) => return Err(PyValueError::new_err("threads must be at least 1")),
            Some(n) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .thread_name(|i| format!("unspin-{i}"))
                    .build()
                    .map_err(|e| PyValueError::new_err(format!("cannot start threads: {e}")))?,
            ),
        };
        let det = Detector::with_params(model.get().model.clone(), p);
        Ok(PyDetector {
            det,
            model,
            overrides,
            threads,
            pool,
        })
    }

    /// Scores one text and lists its suspicious spans.
    ///
    /// Returns a dict shaped like one line of ``unspin check --json`` (without ``path``):
    /// ``score`` (0..1, rounded to 4 decimals), ``verdict`` (``"spun"``, ``"clean"`` or
    /// ``"unsure"``), ``words``, and ``spans``, each a dict with ``start``, ``end``, ``text``,
    /// ``suggestion`` (``None`` when no original is confident enough), ``confidence``,
    /// ``kind`` (``"substitution"``, ``"fingerprint"`` or ``"artifact"``) and ``evidence``.
    /// ``start`` and ``end`` count code points: ``text[start:end] == span["text"]``.
    fn check<'py>(&self, py: Python<'py>, text: PyBackedStr) -> PyResult<Bound<'py, PyDict>> {
        let report = py.detach(|| self.det.check(&text));
        report_dict(py, &text, &report)
    }

    /// The text with every span that ``check`` reports with a suggestion replaced; every other
    /// character stays as it was.
    fn restore(&self, py: Python<'_>, text: PyBackedStr) -> String {
        py.detach(|| self.det.restore(&text))
    }

    /// Checks many texts in parallel and returns a ``pyarrow.RecordBatch``, one row per text.
    ///
    /// ``texts`` is a ``pyarrow`` string array (``string``, ``large_string`` or
    /// ``string_view``), a chunked array (a table's column), or a sequence of ``str``. Columns:
    /// ``score`` (float64, rounded as in ``check``), ``verdict`` (string), ``words`` (int64)
    /// and ``spans``: a list of structs with the fields of ``check``'s spans, offsets in code
    /// points. With ``restored=True`` a ``restored`` string column follows, from the same
    /// decoding pass. A null text gives a null row. The GIL is released while the batch runs.
    #[pyo3(signature = (texts, *, restored=false))]
    fn check_batch<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        restored: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let owner = Texts::extract(texts)?;
        let views = owner.views();
        let batch = py.detach(|| {
            let reports = self.par_map(&views, |t| {
                let report = self.det.check(t);
                let fixed = restored.then(|| unspin_core::report::apply_spans(t, &report.spans));
                (report, fixed)
            });
            let mut rows = Vec::with_capacity(views.len());
            let mut fixed = Vec::with_capacity(if restored { views.len() } else { 0 });
            for (text, r) in views.iter().zip(reports) {
                match r {
                    Some((report, f)) => {
                        rows.push(Some((text.unwrap_or_default(), report)));
                        if restored {
                            fixed.push(f);
                        }
                    }
                    None => {
                        rows.push(None);
                        if restored {
                            fixed.push(None);
                        }
                    }
                }
            }
            batch::reports_to_batch(&rows, restored.then_some(fixed.as_slice()))
        })?;
        batch.to_pyarrow(py)
    }

    /// Restores many texts in parallel; returns a ``pyarrow`` string array, one per text (null
    /// for a null text). Takes what ``check_batch`` takes. The GIL is released meanwhile.
    fn restore_batch<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let owner = Texts::extract(texts)?;
        let views = owner.views();
        let array = py.detach(|| {
            let out = self.par_map(&views, |t| self.det.restore(t));
            batch::string_column(out.iter().map(|t| t.as_deref()))
        });
        array.to_data().to_pyarrow(py)
    }

    /// The model in use.
    #[getter]
    fn model(&self, py: Python<'_>) -> Py<PyModel> {
        self.model.clone_ref(py)
    }

    /// Every parameter in use, ``{name: value}``: the model's, with ``params`` applied.
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        params_dict(py, self.det.params())
    }

    /// Threads per batch call, or ``None`` for one per core.
    #[getter]
    fn threads(&self) -> Option<usize> {
        self.threads
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut s = format!("Detector(model={}", self.model.get().source(py)?);
        if let Some(params) = self.overrides_dict(py)? {
            s += &format!(", params={}", params.repr()?);
        }
        if let Some(t) = self.threads {
            s += &format!(", threads={t}");
        }
        Ok(s + ")")
    }

    /// Pickles as ``Detector(model_path_or_None, params, threads)``: settings only, never the
    /// model's bytes, so workers memory-map the model themselves.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyType>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let me = slf.get();
        let path = me
            .model
            .get()
            .path
            .as_ref()
            .map(|p| p.display().to_string());
        let args = (path, me.overrides_dict(py)?, me.threads).into_pyobject(py)?;
        Ok((slf.get_type(), args))
    }
}

/// `check`'s dict for `report` on `text`, with code-point offsets.
fn report_dict<'py>(py: Python<'py>, text: &str, report: &Report) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("score", batch::round_score(report.score))?;
    d.set_item("verdict", batch::verdict_str(report.verdict))?;
    d.set_item("words", report.words)?;
    let spans = PyList::empty(py);
    let mut cp = CodePoints::new(text);
    for s in &report.spans {
        let sd = PyDict::new(py);
        sd.set_item("start", cp.at(s.start))?;
        sd.set_item("end", cp.at(s.end))?;
        sd.set_item("text", &s.text)?;
        sd.set_item("suggestion", s.suggestion.as_deref())?;
        sd.set_item("confidence", s.confidence)?;
        sd.set_item("kind", batch::kind_str(s.kind))?;
        sd.set_item("evidence", &s.evidence)?;
        spans.append(sd)?;
    }
    d.set_item("spans", spans)?;
    Ok(d)
}
