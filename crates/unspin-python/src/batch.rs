//! Batches as Apache Arrow: texts in (pyarrow arrays, chunked arrays or Python sequences),
//! record batches out, through the Arrow C data interface (no copy of the texts on the way in).

use crate::offsets::CodePoints;
use arrow_array::cast::AsArray;
use arrow_array::{
    make_array, Array, ArrayRef, Float64Array, Int64Array, LargeStringArray, ListArray,
    RecordBatch, StringArray, StructArray,
};
use arrow_buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_pyarrow::FromPyArrow;
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyString;
use std::sync::Arc;
use unspin_core::Report;

/// The texts of one batch call, kept alive (and their memory owned) while the engine borrows
/// them with the GIL released.
pub enum Texts {
    /// Arrow string arrays (one per chunk), shared with pyarrow through the C data interface.
    Arrow(Vec<ArrayRef>),
    /// Python `str` objects (or `None`), from a list or any other iterable.
    Python(Vec<Option<PyBackedStr>>),
}

impl Texts {
    /// Reads `obj`: a pyarrow string array (`string`, `large_string` or `string_view`), a
    /// chunked array of one of those, or an iterable of `str` and `None`.
    pub fn extract(obj: &Bound<'_, PyAny>) -> PyResult<Texts> {
        let py = obj.py();
        if obj.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "texts must be a sequence or an Arrow array of strings, not one str: \
                 use check()/restore() for a single text",
            ));
        }
        if obj.hasattr(pyo3::intern!(py, "__arrow_c_array__"))? {
            return Ok(Texts::Arrow(vec![string_array(obj)?]));
        }
        if obj.hasattr(pyo3::intern!(py, "__arrow_c_stream__"))?
            && obj.hasattr(pyo3::intern!(py, "chunks"))?
        {
            // A pyarrow.ChunkedArray (a table's column): each chunk in turn, no concatenation.
            let chunks = obj.getattr(pyo3::intern!(py, "chunks"))?;
            let arrays = chunks
                .try_iter()?
                .map(|c| string_array(&c?))
                .collect::<PyResult<Vec<_>>>()?;
            return Ok(Texts::Arrow(arrays));
        }
        if obj.hasattr(pyo3::intern!(py, "__arrow_c_stream__"))? {
            return Err(PyTypeError::new_err(
                "texts must be an Arrow array of strings, not a table or a stream: \
                 pass its text column, e.g. table.column(\"text\")",
            ));
        }
        let iter = obj.try_iter().map_err(|_| {
            PyTypeError::new_err(format!(
                "texts must be a sequence or an Arrow array of strings, not {}",
                type_name(obj)
            ))
        })?;
        let texts = iter
            .map(|t| {
                let t = t?;
                t.extract::<Option<PyBackedStr>>().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "texts must hold str or None, not {}",
                        type_name(&t)
                    ))
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(Texts::Python(texts))
    }

    /// Every text, in order, `None` for a null.
    pub fn views(&self) -> Vec<Option<&str>> {
        match self {
            Texts::Python(v) => v.iter().map(|t| t.as_deref()).collect(),
            Texts::Arrow(arrays) => {
                let mut out = Vec::with_capacity(arrays.iter().map(|a| a.len()).sum());
                for a in arrays {
                    match a.data_type() {
                        DataType::Utf8 => out.extend(a.as_string::<i32>().iter()),
                        DataType::LargeUtf8 => out.extend(a.as_string::<i64>().iter()),
                        DataType::Utf8View => out.extend(a.as_string_view().iter()),
                        _ => unreachable!("checked by string_array"),
                    }
                }
                out
            }
        }
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "this type".into())
}

/// One Arrow array of strings from a pyarrow (or other `__arrow_c_array__`) object.
fn string_array(obj: &Bound<'_, PyAny>) -> PyResult<ArrayRef> {
    // Validates the data, UTF-8 included, before any of it is read as `str`.
    let data = arrow_data_from(obj)?;
    match data.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ok(make_array(data)),
        DataType::Struct(_) => Err(PyTypeError::new_err(
            "texts must be an Arrow array of strings, not a record batch: pass its text \
             column, e.g. batch.column(\"text\")",
        )),
        other => Err(PyTypeError::new_err(format!(
            "texts must be an Arrow array of strings (string, large_string or string_view), \
             not {other}"
        ))),
    }
}

fn arrow_data_from(obj: &Bound<'_, PyAny>) -> PyResult<arrow_data::ArrayData> {
    arrow_data::ArrayData::from_pyarrow_bound(obj)
}

/// Rounds a score as the CLI's `check --json` prints it.
pub fn round_score(score: f64) -> f64 {
    (score * 10000.0).round() / 10000.0
}

/// The fields of one span in `check_batch`'s `spans` column.
fn span_fields() -> Fields {
    Fields::from(vec![
        Field::new("start", DataType::Int64, true),
        Field::new("end", DataType::Int64, true),
        Field::new("text", DataType::Utf8, true),
        Field::new("suggestion", DataType::Utf8, true),
        Field::new("confidence", DataType::Float64, true),
        Field::new("kind", DataType::Utf8, true),
        Field::new("evidence", DataType::Utf8, true),
    ])
}

fn span_item_field() -> Arc<Field> {
    Arc::new(Field::new("item", DataType::Struct(span_fields()), true))
}

/// The schema of `check_batch`'s result. Every column is nullable: a null text gets a null row.
/// `restored_type` adds the `restored` column with that string type.
pub fn check_schema(restored_type: Option<DataType>) -> Schema {
    let mut fields = vec![
        Field::new("score", DataType::Float64, true),
        Field::new("verdict", DataType::Utf8, true),
        Field::new("words", DataType::Int64, true),
        Field::new("spans", DataType::List(span_item_field()), true),
    ];
    if let Some(t) = restored_type {
        fields.push(Field::new("restored", t, true));
    }
    Schema::new(fields)
}

fn to_value_error(e: ArrowError) -> PyErr {
    PyValueError::new_err(format!("cannot build the Arrow result: {e}"))
}

/// A string array of `texts`, `large_string` only when the bytes would overflow `string`'s
/// 32-bit offsets.
pub fn string_column<'a>(texts: impl Iterator<Item = Option<&'a str>> + Clone) -> ArrayRef {
    let bytes: usize = texts.clone().map(|t| t.map_or(0, str::len)).sum();
    if bytes < i32::MAX as usize {
        Arc::new(StringArray::from_iter(texts))
    } else {
        Arc::new(LargeStringArray::from_iter(texts))
    }
}

/// `check_batch`'s record batch from each text and its report (`None` for a null text), with
/// span offsets in code points. Runs without the GIL.
pub fn reports_to_batch(
    rows: &[Option<(&str, Report)>],
    restored: Option<&[Option<String>]>,
) -> PyResult<RecordBatch> {
    let n = rows.len();
    let score = Float64Array::from_iter(
        rows.iter()
            .map(|r| r.as_ref().map(|(_, rep)| round_score(rep.score))),
    );
    let verdict = StringArray::from_iter(
        rows.iter()
            .map(|r| r.as_ref().map(|(_, rep)| verdict_str(rep.verdict))),
    );
    let words = Int64Array::from_iter(
        rows.iter()
            .map(|r| r.as_ref().map(|(_, rep)| rep.words as i64)),
    );

    let total: usize = rows.iter().flatten().map(|(_, rep)| rep.spans.len()).sum();
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0i32);
    let (mut starts, mut ends, mut confs) = (
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
    );
    let (mut texts, mut sugs, mut kinds, mut evs) = (
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
        Vec::with_capacity(total),
    );
    for (text, rep) in rows.iter().flatten() {
        let mut cp = CodePoints::new(text);
        for s in &rep.spans {
            starts.push(cp.at(s.start) as i64);
            ends.push(cp.at(s.end) as i64);
            confs.push(s.confidence);
            texts.push(s.text.as_str());
            sugs.push(s.suggestion.as_deref());
            kinds.push(kind_str(s.kind));
            evs.push(s.evidence.as_str());
        }
    }
    // List offsets per row, spans counted above in the same order.
    let mut at = 0i32;
    for r in rows {
        if let Some((_, rep)) = r {
            at = at
                .checked_add(rep.spans.len() as i32)
                .ok_or_else(|| PyValueError::new_err("too many spans in one batch: split it"))?;
        }
        offsets.push(at);
    }
    let string_bytes: usize = texts.iter().map(|t| t.len()).sum::<usize>()
        + evs.iter().map(|t| t.len()).sum::<usize>()
        + sugs.iter().flatten().map(|t| t.len()).sum::<usize>();
    if string_bytes >= i32::MAX as usize {
        return Err(PyValueError::new_err(
            "the spans of this batch hold over 2 GiB of text: split the batch",
        ));
    }
    let spans = StructArray::try_new(
        span_fields(),
        vec![
            Arc::new(Int64Array::from(starts)),
            Arc::new(Int64Array::from(ends)),
            Arc::new(StringArray::from(texts)),
            Arc::new(StringArray::from(sugs)),
            Arc::new(Float64Array::from(confs)),
            Arc::new(StringArray::from(kinds)),
            Arc::new(StringArray::from(evs)),
        ],
        None,
    )
    .map_err(to_value_error)?;
    let valid = NullBuffer::from(rows.iter().map(Option::is_some).collect::<Vec<_>>());
    let list = ListArray::try_new(
        span_item_field(),
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        Arc::new(spans),
        Some(valid),
    )
    .map_err(to_value_error)?;

    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(score),
        Arc::new(verdict),
        Arc::new(words),
        Arc::new(list),
    ];
    let mut restored_type = None;
    if let Some(r) = restored {
        let col = string_column(r.iter().map(|t| t.as_deref()));
        restored_type = Some(col.data_type().clone());
        columns.push(col);
    }
    RecordBatch::try_new(Arc::new(check_schema(restored_type)), columns).map_err(to_value_error)
}

/// A verdict as the CLI writes it.
pub fn verdict_str(v: unspin_core::Verdict) -> &'static str {
    match v {
        unspin_core::Verdict::Spun => "spun",
        unspin_core::Verdict::Clean => "clean",
        unspin_core::Verdict::Unsure => "unsure",
    }
}

/// A span kind as the CLI writes it.
pub fn kind_str(k: unspin_core::SpanKind) -> &'static str {
    match k {
        unspin_core::SpanKind::Substitution => "substitution",
        unspin_core::SpanKind::Fingerprint => "fingerprint",
        unspin_core::SpanKind::Artifact => "artifact",
    }
}
