//! The routes: the JSON API, its OpenAPI document and the web page.

use crate::config::Config;
use crate::pool::{Pool, PoolError};
use crate::web;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Extension;
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::time::Instant;
use unspin_core::report::{apply_spans, Span};
use unspin_core::{Detector, Report};

/// What the handlers share.
#[derive(Clone)]
pub(crate) struct AppState {
    det: Detector,
    pool: Arc<Pool>,
    max_body: usize,
    timeout: Duration,
}

/// The application: every route, with the request deadline around them.
///
/// [`crate::serve`] runs it; a program with its own server can mount it instead.
pub fn router(det: Detector, cfg: &Config) -> Router {
    let min_words = det.params().min_words;
    let state = AppState {
        det,
        pool: Arc::new(Pool::new(cfg.workers, cfg.max_queue)),
        max_body: cfg.max_body,
        timeout: cfg.timeout,
    };
    Router::new()
        .route("/v1/check", post(check))
        .route("/v1/restore", post(restore))
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi))
        .merge(web::routes(min_words))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), deadline))
        .with_state(state)
}

/// An error answer: `{"error": "..."}` with its status.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct Body<'a> {
            error: &'a str,
        }
        let mut r = json_response(
            self.status,
            &Body {
                error: &self.message,
            },
        );
        if matches!(
            self.status,
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS
        ) {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        r
    }
}

/// A JSON response; API answers are never cached (they depend on the request body anyway).
fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    // Serializing these types cannot fail: no maps with non-string keys, no failing Serialize.
    let body = serde_json::to_vec(value).expect("API types serialize");
    json_bytes(status, body)
}

fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// When the request must be answered by; the body reader and the queue honour it.
#[derive(Clone, Copy)]
struct Deadline(Instant);

/// Bounds every request in time. Handlers that wait (reading the body, queueing for a worker)
/// answer with a precise error before it passes; this catches the rest.
async fn deadline(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let at = Instant::now() + st.timeout;
    req.extensions_mut().insert(Deadline(at));
    // A small grace, so that the handler's own, more precise timeout answers first.
    match tokio::time::timeout_at(at + Duration::from_millis(50), next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the request took longer than {}", fmt_duration(st.timeout)),
        )
        .into_response(),
    }
}

fn fmt_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// The request body of `/v1/check` and `/v1/restore`.
#[derive(Deserialize)]
struct TextRequest {
    text: String,
}

/// A `{"text": ...}` body, read with the size limit, the content-type check and the deadline.
struct TextBody(String);

impl FromRequest<AppState> for TextBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, st: &AppState) -> Result<TextBody, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "expected Content-Type: application/json with a body like {\"text\": \"...\"}",
            ));
        }
        let too_large = || {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the request body is over the limit of {} bytes",
                    st.max_body
                ),
            )
        };
        // Refuse a declared oversize body before reading a byte of it.
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > st.max_body as u64) {
            return Err(too_large());
        }
        let at = req
            .extensions()
            .get::<Deadline>()
            .map_or_else(|| Instant::now() + st.timeout, |d| d.0);
        // The limit also covers chunked bodies, which declare no length.
        let body = Limited::new(req.into_body(), st.max_body);
        let bytes = match tokio::time::timeout_at(at, body.collect()).await {
            Err(_) => {
                return Err(ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "the request body did not arrive in time",
                ))
            }
            Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => return Err(too_large()),
            Ok(Err(e)) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("could not read the request body: {e}"),
                ))
            }
            Ok(Ok(c)) => c.to_bytes(),
        };
        parse_text(&bytes).map(TextBody)
    }
}

/// `application/json`, `application/json; charset=utf-8` or any `application/*+json`.
pub fn is_json(h: &HeaderMap) -> bool {
    let Some(ct) = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn parse_text(bytes: &Bytes) -> Result<String, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "the request body is empty: expected {\"text\": \"...\"}",
        ));
    }
    // serde would also take `["..."]` for the struct; only an object is a request.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "the request body must be a JSON object: {\"text\": \"...\"}",
        ));
    }
    match serde_json::from_slice::<TextRequest>(bytes) {
        Ok(r) => Ok(r.text),
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("invalid request body: {e}; expected {{\"text\": \"...\"}}"),
        )),
    }
}

/// A span as the API gives it: the engine's span plus its offsets in UTF-16 code units.
#[derive(Serialize)]
struct ApiSpan<'a> {
    #[serde(flatten)]
    span: &'a Span,
    /// Offset of the span's start in UTF-16 code units (a JavaScript string index).
    utf16_start: usize,
    /// Offset one past its end in UTF-16 code units.
    utf16_end: usize,
}

/// The spans with their UTF-16 offsets, computed in one pass over the text.
fn api_spans<'a>(text: &str, spans: &'a [Span]) -> Vec<ApiSpan<'a>> {
    let (mut byte, mut unit) = (0usize, 0usize);
    let mut to = |b: usize| {
        if b < byte {
            // Spans come in order; start over if one ever does not.
            (byte, unit) = (0, 0);
        }
        unit += text[byte..b].chars().map(char::len_utf16).sum::<usize>();
        byte = b;
        unit
    };
    spans
        .iter()
        .map(|s| ApiSpan {
            span: s,
            utf16_start: to(s.start),
            utf16_end: to(s.end),
        })
        .collect()
}

/// `POST /v1/check` answer: a line of `unspin check --json` without `path`.
#[derive(Serialize)]
struct CheckResponse<'a> {
    score: f64,
    verdict: unspin_core::Verdict,
    words: usize,
    spans: Vec<ApiSpan<'a>>,
}

/// `POST /v1/restore` answer.
#[derive(Serialize)]
struct RestoreResponse<'a> {
    restored: String,
    spans: Vec<ApiSpan<'a>>,
}

fn check_body(text: &str, r: &Report) -> Vec<u8> {
    let v = CheckResponse {
        // Four decimals, as the CLI prints it.
        score: (r.score * 10000.0).round() / 10000.0,
        verdict: r.verdict,
        words: r.words,
        spans: api_spans(text, &r.spans),
    };
    serde_json::to_vec(&v).expect("API types serialize")
}

fn restore_body(text: &str, r: &Report) -> Vec<u8> {
    let v = RestoreResponse {
        restored: apply_spans(text, &r.spans),
        spans: api_spans(text, &r.spans),
    };
    serde_json::to_vec(&v).expect("API types serialize")
}

impl AppState {
    /// Checks `text` on a worker thread and builds the answer there too: both are CPU work that
    /// must not stall the async threads, which keep serving other connections meanwhile.
    async fn checked(
        &self,
        at: Instant,
        text: String,
        body: fn(&str, &Report) -> Vec<u8>,
    ) -> Result<Response, ApiError> {
        let det = self.det.clone();
        let job = self.pool.run(at, move || {
            let report = det.check(&text);
            body(&text, &report)
        });
        match job.await {
            Ok(bytes) => Ok(json_bytes(StatusCode::OK, bytes)),
            Err(PoolError::Busy) => Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is busy: too many requests are waiting; try again shortly",
            )),
            Err(PoolError::Timeout) => Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "no worker was free within the request's {} deadline; try again shortly",
                    fmt_duration(self.timeout)
                ),
            )),
            Err(PoolError::Panicked) => Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the check failed unexpectedly",
            )),
        }
    }
}

async fn check(
    State(st): State<AppState>,
    Extension(Deadline(at)): Extension<Deadline>,
    TextBody(text): TextBody,
) -> Result<Response, ApiError> {
    st.checked(at, text, check_body).await
}

async fn restore(
    State(st): State<AppState>,
    Extension(Deadline(at)): Extension<Deadline>,
    TextBody(text): TextBody,
) -> Result<Response, ApiError> {
    st.checked(at, text, restore_body).await
}

async fn healthz() -> Response {
    json_response(
        StatusCode::OK,
        &serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}),
    )
}

/// The OpenAPI document, with this build's version.
pub(crate) static OPENAPI: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut doc: serde_json::Value =
        serde_json::from_str(include_str!("openapi.json")).expect("openapi.json is valid JSON");
    doc["info"]["version"] = env!("CARGO_PKG_VERSION").into();
    serde_json::to_vec_pretty(&doc).expect("JSON serializes")
});

async fn openapi() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from(OPENAPI.as_slice()),
    )
        .into_response()
}

async fn not_found(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("no such page: {}", req.uri().path()),
    )
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} is not allowed on {}", req.method(), req.uri().path()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use unspin_core::SpanKind;

    fn span(text: &str, start: usize, end: usize) -> Span {
        Span {
            start,
            end,
            text: text[start..end].to_string(),
            suggestion: None,
            confidence: 0.5,
            kind: SpanKind::Substitution,
            evidence: String::new(),
        }
    }

    #[test]
    fn utf16_offsets_count_code_units() {
        // "é" is 2 bytes and 1 unit; "😀" is 4 bytes and 2 units.
        let t = "é 😀 inventory and mentioned";
        let a = t.find("inventory").unwrap();
        let b = t.find("mentioned").unwrap();
        let spans = [span(t, a, a + 9), span(t, b, b + 9)];
        let out = api_spans(t, &spans);
        let js: Vec<u16> = t.encode_utf16().collect();
        for s in &out {
            let got = String::from_utf16(&js[s.utf16_start..s.utf16_end]).unwrap();
            assert_eq!(got, s.span.text);
        }
        assert_eq!((out[0].utf16_start, out[0].utf16_end), (5, 14));
    }

    #[test]
    fn json_content_types() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::CONTENT_TYPE, v.parse().unwrap());
            is_json(&m)
        };
        assert!(h("application/json"));
        assert!(h("Application/JSON; charset=utf-8"));
        assert!(h("application/merge-patch+json"));
        assert!(!h("text/plain"));
        assert!(!h("application/x-www-form-urlencoded"));
        assert!(!is_json(&HeaderMap::new()));
    }
}
