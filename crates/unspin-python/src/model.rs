//! `unspin.Model`: a loaded model, from a file (memory-mapped) or the one embedded in the wheel.

use crate::errors::{is_a_directory, load_error, unspin_error};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;
use unspin_core::Model;

/// Whether this build carries a model (see build.rs).
pub const HAS_EMBEDDED: bool = cfg!(embedded_model);

/// What `Detector()` says when the wheel was built without a model.
const NO_EMBEDDED: &str = "no model: this build of unspin has no embedded model \
    (models/default.unspin did not exist when the wheel was built). Pass model=PATH, e.g. \
    unspin.Detector(model=\"models/default.unspin\"), or rebuild the wheel after \
    `scripts/setup.sh` has built the model";

/// The embedded model, parsed once per process and shared by every detector: parsing verifies
/// a checksum over the whole model, which is worth doing once, not per `Detector()`.
#[cfg(embedded_model)]
fn embedded_model() -> Result<Model, Option<unspin_core::Error>> {
    static BYTES: &[u8] = include_bytes!(env!("UNSPIN_EMBEDDED_MODEL_PATH"));
    static MODEL: OnceLock<Result<Model, String>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            Model::from_bytes(unspin_core::Bytes::from_static(BYTES)).map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| Some(unspin_core::Error::Corrupt(e)))
}

#[cfg(not(embedded_model))]
fn embedded_model() -> Result<Model, Option<unspin_core::Error>> {
    Err(None)
}

/// Identifies one version of a model file: a file replaced in place (the model builder renames
/// a new file over the old one) gets a new key, so it is loaded afresh.
type FileKey = (PathBuf, u64, Option<SystemTime>);

/// Models opened from files, per process. Workers of Spark, Ray or datatrove build a detector
/// per partition or task from its pickled settings; the cache makes that a lookup instead of a
/// new map and parse (about 0.1 s for the default model). Entries hold only a memory map.
fn open_cached(path: &Path) -> unspin_core::Result<Model> {
    static CACHE: OnceLock<Mutex<HashMap<FileKey, Model>>> = OnceLock::new();
    let meta = std::fs::metadata(path)?;
    let key = (path.to_path_buf(), meta.len(), meta.modified().ok());
    let cache = CACHE.get_or_init(Default::default);
    if let Some(m) = cache.lock().unwrap().get(&key) {
        return Ok(m.clone());
    }
    // Loaded outside the lock: two threads racing for one file both load it, which is harmless.
    let model = Model::open(path)?;
    cache.lock().unwrap().insert(key, model.clone());
    Ok(model)
}

/// A model for checking and restoring text.
///
/// ``Model()`` is the model embedded in the wheel; ``Model(path)`` memory-maps a model file
/// (``.unspin``), so processes that open the same file share its pages. A model is immutable,
/// cheap to share, and pickles as its path.
#[pyclass(module = "unspin", name = "Model", frozen)]
pub struct PyModel {
    pub(crate) model: Model,
    /// Absolute path of the file, or `None` for the embedded model.
    pub(crate) path: Option<PathBuf>,
}

impl PyModel {
    /// Loads the model at `path`, or the embedded one, with the GIL released.
    pub fn load(py: Python<'_>, path: Option<PathBuf>) -> PyResult<PyModel> {
        let Some(path) = path else {
            return match py.detach(embedded_model) {
                Ok(model) => Ok(PyModel { model, path: None }),
                Err(Some(e)) => Err(load_error(py, None, e)),
                Err(None) => Err(unspin_error(py, "ModelError", NO_EMBEDDED.to_string())),
            };
        };
        // Absolute, so that the pickled path means the same file in a worker with another
        // working directory.
        let path = std::path::absolute(&path).unwrap_or(path);
        if path.is_dir() {
            return Err(is_a_directory(&path));
        }
        match py.detach(|| open_cached(&path)) {
            Ok(model) => Ok(PyModel {
                model,
                path: Some(path),
            }),
            Err(e) => Err(load_error(py, Some(&path), e)),
        }
    }

    /// `'embedded'` or the path as a Python `repr`, for `repr`s.
    pub fn source(&self, py: Python<'_>) -> PyResult<String> {
        let s = match &self.path {
            Some(p) => p.display().to_string(),
            None => "embedded".to_string(),
        };
        Ok(PyString::new(py, &s).repr()?.to_string())
    }
}

/// The parameters as a dict `{name: value}`, in their documented order.
pub fn params_dict<'py>(
    py: Python<'py>,
    params: &unspin_core::params::Params,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in params.entries() {
        d.set_item(k, v as f64)?;
    }
    Ok(d)
}

#[pymethods]
impl PyModel {
    /// Loads a model: the embedded one when ``path`` is ``None``, else the file at ``path``.
    #[new]
    #[pyo3(signature = (path=None))]
    fn new(py: Python<'_>, path: Option<PathBuf>) -> PyResult<PyModel> {
        PyModel::load(py, path)
    }

    /// The model file's absolute path, or ``None`` for the embedded model.
    #[getter]
    fn path(&self) -> Option<String> {
        self.path.as_ref().map(|p| p.display().to_string())
    }

    /// Whether this is the model embedded in the wheel.
    #[getter]
    fn embedded(&self) -> bool {
        self.path.is_none()
    }

    /// Size of the model in bytes.
    #[getter]
    fn size(&self) -> usize {
        self.model.size()
    }

    /// Number of phrases in the lexicon.
    #[getter]
    fn phrases(&self) -> usize {
        self.model.lexicon().len()
    }

    /// Number of (spun, original) candidate pairs in the lexicon.
    #[getter]
    fn candidate_pairs(&self) -> usize {
        self.model.lexicon().candidate_count()
    }

    /// Number of tortured-phrase fingerprints.
    #[getter]
    fn fingerprints(&self) -> usize {
        self.model.fingerprint_count()
    }

    /// Number of tortured phrases composed from the listed ones' word substitutions.
    #[getter]
    fn composed_fingerprints(&self) -> usize {
        self.model.composed_count()
    }

    /// Build metadata, as JSON text (possibly empty).
    #[getter]
    fn metadata(&self) -> &str {
        self.model.metadata()
    }

    /// The parameters stored in the model, ``{name: value}``.
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        params_dict(py, self.model.params())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Model({}, size={}, phrases={})",
            self.source(py)?,
            self.model.size(),
            self.model.lexicon().len()
        ))
    }

    /// Pickles as the path (or ``None``): the unpickling process maps the file itself.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyType>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let path = slf.get().path();
        Ok((slf.get_type(), PyTuple::new(py, [path])?))
    }
}
