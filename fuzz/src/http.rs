//! Body of the fuzz target `http`: the HTTP API of `unspin serve` (crate `unspin-server`, its
//! router with the fixture model) on arbitrary requests.
//!
//! This file stands alone: it is a module of the fuzz crate and is also compiled, by path, into
//! `crates/unspin-server/tests/hostile.rs`, which replays every seed and regression file through
//! it.
//!
//! The first input byte chooses how the rest is sent:
//!
//! - bit 0 clear: the rest is read loosely as a request (a request line `METHOD URI`, header
//!   lines up to an empty line, then the body; a part that is not valid is replaced or left
//!   out), which goes to the router as the server hands it requests
//!   (`hyper_util::service::TowerToHyperService`). The answer must be exactly the one the API
//!   promises: the status from the route, the method, the content type, the size and the body,
//!   and for a `text` the engine's own report.
//! - bit 0 set: the rest is sent as raw bytes over an in-memory connection to hyper's HTTP/1.1
//!   connection handler, set up as `unspin_server::serve` sets it up (plus `half_close`, so that
//!   the answers to a request sent before the end of the input are still written). What comes
//!   back must be a sequence of well-formed HTTP/1.1 responses, one per request that reached
//!   the router (plus at most one empty error response of hyper's own, for bytes that are not
//!   HTTP), each one as the API promises for its route and method.
//! - bit 1: a server with a 256-byte body limit instead of the default 1 MiB.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};
use http_body_util::BodyExt;
use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde::Deserialize;
use serde_json::Value;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use unspin_core::Detector;
use unspin_server::{is_json, Config};

/// The small body limit.
pub const SMALL_BODY: usize = 256;

struct Env {
    rt: tokio::runtime::Runtime,
    det: Detector,
    routers: [(axum::Router, Config); 2],
}

fn env() -> &'static Env {
    static E: OnceLock<Env> = OnceLock::new();
    E.get_or_init(|| {
        let det = Detector::new(unspin_core::fixture::tiny_model());
        let cfg = Config {
            workers: 1,
            timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            ..Config::default()
        };
        let small = Config {
            max_body: SMALL_BODY,
            ..cfg.clone()
        };
        Env {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
            routers: [
                (unspin_server::router(det.clone(), &cfg), cfg),
                (unspin_server::router(det.clone(), &small), small),
            ],
            det,
        }
    })
}

/// The routes and their methods (GET routes answer HEAD too).
const ROUTES: &[(&str, &str)] = &[
    ("/v1/check", "POST"),
    ("/v1/restore", "POST"),
    ("/healthz", "GET"),
    ("/openapi.json", "GET"),
    ("/", "GET"),
    ("/app.js", "GET"),
    ("/style.css", "GET"),
    ("/favicon.svg", "GET"),
    ("/example.txt", "GET"),
];

/// What is known of a request when its answer is checked.
#[derive(Clone, Debug)]
pub struct ReqInfo {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    /// The body, when the request was built here (not when hyper parsed it).
    pub body: Option<Vec<u8>>,
}

/// A request read loosely from `data` (see the module documentation).
pub fn loose_request(data: &[u8]) -> (ReqInfo, Request<Body>) {
    let mut lines = data.split_inclusive(|&c| c == b'\n');
    let trim = |l: &[u8]| -> Vec<u8> {
        let l = l.strip_suffix(b"\n").unwrap_or(l);
        l.strip_suffix(b"\r").unwrap_or(l).to_vec()
    };
    let mut consumed = 0;
    let first = lines.next().map(|l| {
        consumed += l.len();
        trim(l)
    });
    let first = first.unwrap_or_default();
    let mut parts = first.split(|&c| c == b' ').filter(|p| !p.is_empty());
    let method = parts
        .next()
        .and_then(|m| Method::from_bytes(m).ok())
        .unwrap_or(Method::POST);
    let uri = parts
        .next()
        .and_then(|u| Uri::try_from(u).ok())
        .unwrap_or_else(|| Uri::from_static("/v1/check"));
    let mut headers = HeaderMap::new();
    for l in lines {
        consumed += l.len();
        let l = trim(l);
        if l.is_empty() {
            break;
        }
        let Some(i) = l.iter().position(|&c| c == b':') else {
            continue;
        };
        let v = l[i + 1..].trim_ascii();
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(&l[..i]), HeaderValue::from_bytes(v)) {
            headers.append(n, v);
        }
    }
    let body = data[consumed.min(data.len())..].to_vec();
    let mut req = Request::new(Body::from(body.clone()));
    *req.method_mut() = method.clone();
    *req.uri_mut() = uri.clone();
    *req.headers_mut() = headers.clone();
    let info = ReqInfo {
        method,
        path: uri.path().to_string(),
        headers,
        body: Some(body),
    };
    (info, req)
}

/// An answer, as received.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Deserialize)]
struct TextRequest {
    text: String,
}

/// The status the API owes a request whose body is known.
fn expected_status(req: &ReqInfo, max_body: usize) -> Option<u16> {
    let route = ROUTES.iter().find(|(p, _)| *p == req.path);
    let Some(&(_, method)) = route else {
        return Some(404);
    };
    let allowed = req.method.as_str() == method || (method == "GET" && req.method == Method::HEAD);
    if !allowed {
        return Some(405);
    }
    if method == "GET" {
        return Some(200);
    }
    if !is_json(&req.headers) {
        return Some(415);
    }
    let declared = req
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_body as u64) {
        return Some(413);
    }
    let body = req.body.as_ref()?;
    if body.len() > max_body {
        return Some(413);
    }
    let object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    match serde_json::from_slice::<TextRequest>(body) {
        Ok(_) if object => Some(200),
        _ => Some(400),
    }
}

/// Checks an answer against what the API promises for `req`.
pub fn check_answer(req: &ReqInfo, a: &Answer, max_body: usize) {
    let shown = || {
        format!(
            "{} {} -> {} {:?} {}",
            req.method,
            req.path,
            a.status,
            a.headers,
            String::from_utf8_lossy(&a.body)
        )
    };
    assert!((100..600).contains(&a.status), "{}", shown());
    let head = req.method == Method::HEAD;
    match expected_status(req, max_body) {
        Some(want) => assert_eq!(a.status, want, "{}", shown()),
        None => {
            // A POST whose body hyper read: what is known of it is checked.
            let ok = if is_json(&req.headers) {
                [200, 400, 413].contains(&a.status)
            } else {
                a.status == 415
            };
            assert!(ok, "{}", shown());
        }
    }
    let ctype = a.header("content-type").unwrap_or("");
    if a.status >= 400 {
        assert_eq!(ctype, "application/json", "{}", shown());
        if !head {
            let v: Value =
                serde_json::from_slice(&a.body).unwrap_or_else(|e| panic!("{e}: {}", shown()));
            let m = v.as_object().expect("an object");
            assert_eq!(m.len(), 1, "{}", shown());
            assert!(
                m["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{}",
                shown()
            );
        }
        return;
    }
    assert!(!ctype.is_empty(), "{}", shown());
    if head || req.method != Method::POST {
        return;
    }
    let v: Value = serde_json::from_slice(&a.body).unwrap_or_else(|e| panic!("{e}: {}", shown()));
    let text = req.body.as_ref().map(|b| {
        serde_json::from_slice::<TextRequest>(b)
            .expect("answered 200")
            .text
    });
    let spans = v["spans"].as_array().expect("spans");
    for s in spans {
        let n = |k: &str| s[k].as_u64().unwrap_or_else(|| panic!("{k}: {}", shown())) as usize;
        let (b0, b1, u0, u1) = (n("start"), n("end"), n("utf16_start"), n("utf16_end"));
        assert!(b0 < b1 && u0 < u1 && u1 - u0 <= b1 - b0, "{}", shown());
        if let Some(t) = &text {
            assert_eq!(s["text"], t[b0..b1], "{}", shown());
            assert_eq!(t[..b0].encode_utf16().count(), u0);
            assert_eq!(t[..b1].encode_utf16().count(), u1);
        }
    }
    let det = &env().det;
    if req.path == "/v1/check" {
        let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["score", "spans", "verdict", "words"], "{}", shown());
        let score = v["score"].as_f64().expect("a score");
        assert!((0.0..=1.0).contains(&score), "{}", shown());
        if let Some(t) = &text {
            let r = det.check(t);
            assert_eq!(score, (r.score * 10000.0).round() / 10000.0);
            assert_eq!(v["verdict"], r.verdict.to_string());
            assert_eq!(v["words"].as_u64(), Some(r.words as u64));
            assert_eq!(spans.len(), r.spans.len());
        }
    } else {
        let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["restored", "spans"], "{}", shown());
        if let Some(t) = &text {
            assert_eq!(v["restored"], det.restore(t), "{}", shown());
        }
    }
}

/// The `http` target.
pub fn http(data: &[u8]) {
    let Some((&b, rest)) = data.split_first() else {
        return;
    };
    let e = env();
    let (router, cfg) = &e.routers[((b >> 1) & 1) as usize];
    if b & 1 == 0 {
        let (info, req) = loose_request(rest);
        let svc = TowerToHyperService::new(router.clone());
        let a = e.rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(30), async {
                let r = svc.call(req).await.expect("infallible");
                let (parts, body) = r.into_parts();
                let body = body.collect().await.expect("a response body").to_bytes();
                Answer {
                    status: parts.status.as_u16(),
                    headers: parts
                        .headers
                        .iter()
                        .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
                        .collect(),
                    body: body.to_vec(),
                }
            })
            .await
            .expect("an answer within 30 s")
        });
        check_answer(&info, &a, cfg.max_body);
    } else {
        raw(rest, router, cfg);
    }
}

/// Sends `data` over an in-memory connection to hyper with the router behind it; checks the
/// responses.
fn raw(data: &[u8], router: &axum::Router, cfg: &Config) {
    let e = env();
    let seen: Arc<Mutex<Vec<ReqInfo>>> = Arc::default();
    let log = seen.clone();
    let inner = TowerToHyperService::new(router.clone());
    let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
        log.lock().unwrap().push(ReqInfo {
            method: req.method().clone(),
            path: req.uri().path().to_string(),
            headers: req.headers().clone(),
            body: None,
        });
        inner.call(req)
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(cfg.header_timeout)
        .keep_alive(true)
        .half_close(true);
    let out = e.rt.block_on(async {
        let (mut client, server) = tokio::io::duplex(1 << 20);
        let conn = http.serve_connection(TokioIo::new(server), svc);
        let talk = async {
            client.write_all(data).await.expect("in memory");
            client.shutdown().await.expect("in memory");
            let mut out = Vec::new();
            client.read_to_end(&mut out).await.expect("in memory");
            out
        };
        tokio::time::timeout(Duration::from_secs(30), async {
            let (_, out) = tokio::join!(conn, talk);
            out
        })
        .await
        .expect("the connection ends within 30 s")
    });
    let seen = seen.lock().unwrap().clone();
    let answers = parse_responses(&out, &seen);
    assert!(
        answers.len() >= seen.len() && answers.len() <= seen.len() + 1,
        "{} requests, {} answers: {}",
        seen.len(),
        answers.len(),
        String::from_utf8_lossy(&out)
    );
    for (i, a) in answers.iter().enumerate() {
        match seen.get(i) {
            Some(req) => check_answer(req, a, cfg.max_body),
            None => {
                // hyper's own answer to bytes that are not a request: an empty error.
                assert!(a.status >= 400 && a.body.is_empty(), "{a:?}");
            }
        }
    }
}

/// Splits a connection's output into responses (1xx ones left out), framing each body as
/// HTTP/1.1 does; panics on anything that is not well-formed.
pub fn parse_responses(mut out: &[u8], reqs: &[ReqInfo]) -> Vec<Answer> {
    let mut answers = Vec::new();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    while !out.is_empty() {
        let end = find(out, b"\r\n\r\n")
            .unwrap_or_else(|| panic!("a response head without its end: {}", text(out)));
        let head = std::str::from_utf8(&out[..end]).expect("a response head is text");
        out = &out[end + 4..];
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap();
        let (version, rest) = status_line.split_once(' ').expect("a status line");
        assert!(
            version == "HTTP/1.1" || version == "HTTP/1.0",
            "{status_line}"
        );
        let status: u16 = rest[..3].parse().expect("a status code");
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (n, v) = l
                    .split_once(':')
                    .unwrap_or_else(|| panic!("header line {l:?}"));
                (n.to_ascii_lowercase(), v.trim().to_string())
            })
            .collect();
        if (100..200).contains(&status) {
            continue;
        }
        let get = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.as_str())
        };
        let head_req = reqs
            .get(answers.len())
            .is_some_and(|r| r.method == Method::HEAD);
        let body = if head_req || status == 204 || status == 304 {
            Vec::new()
        } else if get("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
            let mut body = Vec::new();
            loop {
                let e = find(out, b"\r\n").expect("a chunk size line");
                let size_s = std::str::from_utf8(&out[..e]).expect("a chunk size");
                let size = usize::from_str_radix(size_s.split(';').next().unwrap().trim(), 16)
                    .expect("a hex chunk size");
                out = &out[e + 2..];
                if size == 0 {
                    // No trailers from this server.
                    assert!(out.starts_with(b"\r\n"), "end of chunks: {}", text(out));
                    out = &out[2..];
                    break;
                }
                body.extend_from_slice(&out[..size]);
                assert_eq!(&out[size..size + 2], b"\r\n");
                out = &out[size + 2..];
            }
            body
        } else if let Some(n) = get("content-length") {
            let n: usize = n.parse().expect("a content length");
            assert!(n <= out.len(), "a body cut short: {n} > {}", out.len());
            let (b, r) = out.split_at(n);
            out = r;
            b.to_vec()
        } else {
            // Delimited by the end of the connection.
            std::mem::take(&mut out).to_vec()
        };
        answers.push(Answer {
            status,
            headers,
            body,
        });
    }
    answers
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
