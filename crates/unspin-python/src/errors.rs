//! Core errors as Python exceptions.
//!
//! The exception classes are defined in Python (`unspin/errors.py`) because `ModelError` and
//! `ParamError` derive from both `UnspinError` and `ValueError`, and PyO3's `create_exception!`
//! takes one base only. Errors are rare, so each is looked up when raised.

use pyo3::exceptions::{PyIsADirectoryError, PyOSError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyType;
use std::path::Path;
use unspin_core::Error;

/// An exception of class `unspin.errors.<name>` with message `msg`.
pub fn unspin_error(py: Python<'_>, name: &str, msg: String) -> PyErr {
    let class = py
        .import("unspin.errors")
        .and_then(|m| m.getattr(name))
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
    match class {
        Ok(class) => PyErr::from_type(class, msg),
        // Only when the extension module is used without its Python package.
        Err(_) => PyRuntimeError::new_err(msg),
    }
}

/// The Python exception for a failure to load the model at `path` (`None`: the embedded one).
pub fn load_error(py: Python<'_>, path: Option<&Path>, e: Error) -> PyErr {
    match e {
        Error::Io(io) => os_error(io, path),
        Error::Param(msg) => unspin_error(py, "ParamError", msg),
        other => {
            let what = match path {
                Some(p) => format!("cannot load model {}", p.display()),
                None => "the embedded model is corrupt".to_string(),
            };
            unspin_error(py, "ModelError", format!("{what}: {other}"))
        }
    }
}

/// `OSError(errno, strerror, filename)`: Python picks the subclass from the errno
/// (`FileNotFoundError`, `PermissionError`, ...), as it does for its own `open`.
pub fn os_error(io: std::io::Error, path: Option<&Path>) -> PyErr {
    let file = path.map(|p| p.display().to_string());
    match io.raw_os_error() {
        Some(code) => {
            let text = io.to_string();
            // Rust appends " (os error N)"; Python's message shows the errno itself.
            let strerror = text
                .strip_suffix(&format!(" (os error {code})"))
                .unwrap_or(&text)
                .to_string();
            PyOSError::new_err((code, strerror, file))
        }
        None => PyOSError::new_err(match file {
            Some(f) => format!("cannot open model file {f}: {io}"),
            None => format!("cannot open model file: {io}"),
        }),
    }
}

/// `IsADirectoryError` for a model path that names a folder (mapping one fails obscurely).
pub fn is_a_directory(path: &Path) -> PyErr {
    PyIsADirectoryError::new_err((
        21,
        "Is a directory, not a model file",
        path.display().to_string(),
    ))
}
