//! The API against a real server on loopback, with the fixture model.

use reqwest::{header, Client, StatusCode};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use unspin_core::{fixture, Detector};
use unspin_server::{serve, Config, Error};

const SPUN: &str = "The inventory market fell sharply on Monday.";
const SPUN2: &str = "He mentioned at a press convention on Monday that the inventory market fell.";

fn det() -> Detector {
    Detector::new(fixture::tiny_model())
}

/// A server on 127.0.0.1:0, stopped by `stop`.
struct TestServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), Error>>,
}

impl TestServer {
    async fn start(cfg: Config) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(serve(listener, det(), cfg, async move {
            let _ = rx.await;
        }));
        TestServer {
            addr,
            stop: Some(tx),
            task,
        }
    }

    async fn default() -> TestServer {
        TestServer::start(Config::default()).await
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Signals shutdown and waits for the server to return.
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the server stops in time")
            .unwrap()
            .unwrap();
    }
}

fn client() -> Client {
    // No proxy: a proxy from the environment must not intercept loopback traffic.
    Client::builder().no_proxy().build().unwrap()
}

async fn post_json(s: &TestServer, path: &str, body: &Value) -> (StatusCode, Value) {
    let r = client().post(s.url(path)).json(body).send().await.unwrap();
    let status = r.status();
    assert_eq!(
        r.headers()[header::CONTENT_TYPE],
        "application/json",
        "{path}"
    );
    (status, r.json().await.unwrap())
}

/// What the CLI prints for `check --json`, without `path`, plus the UTF-16 offsets.
fn expected_check(text: &str) -> Value {
    let r = det().check(text);
    let mut v = json!({
        "score": (r.score * 10000.0).round() / 10000.0,
        "verdict": r.verdict,
        "words": r.words,
        "spans": r.spans,
    });
    add_utf16(text, &mut v["spans"]);
    v
}

fn add_utf16(text: &str, spans: &mut Value) {
    for s in spans.as_array_mut().unwrap() {
        let u = |b: u64| text[..b as usize].encode_utf16().count();
        let (a, b) = (s["start"].as_u64().unwrap(), s["end"].as_u64().unwrap());
        s["utf16_start"] = u(a).into();
        s["utf16_end"] = u(b).into();
    }
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn assert_error(status: StatusCode, body: &Value, want: StatusCode) {
    assert_eq!(status, want, "{body}");
    assert_eq!(keys(body), ["error"], "{body}");
    assert!(!body["error"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn check_answers_like_the_cli() {
    let s = TestServer::default().await;
    for text in [SPUN, SPUN2, "", "Hi."] {
        let (status, body) = post_json(&s, "/v1/check", &json!({ "text": text })).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, expected_check(text), "{text:?}");
    }
    let (_, body) = post_json(&s, "/v1/check", &json!({ "text": SPUN })).await;
    assert_eq!(keys(&body), ["score", "spans", "verdict", "words"]);
    assert_eq!(body["spans"][0]["text"], "inventory");
    assert_eq!(body["spans"][0]["suggestion"], "stock");
    s.stop().await;
}

#[tokio::test]
async fn restore_returns_the_restored_text_and_spans() {
    let s = TestServer::default().await;
    let (status, body) = post_json(&s, "/v1/restore", &json!({ "text": SPUN2 })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys(&body), ["restored", "spans"]);
    assert_eq!(body["restored"], det().restore(SPUN2));
    assert_eq!(
        body["restored"],
        "He said at a press conference on Monday that the stock market fell."
    );
    assert_eq!(body["spans"], expected_check(SPUN2)["spans"]);
    s.stop().await;
}

#[tokio::test]
async fn offsets_point_into_non_ascii_text() {
    let s = TestServer::default().await;
    // Accents, typographic quotes and an astral emoji before, between and after the spans.
    let text = "Café “news” 😀 — The inventory market fell sharply on Monday. Ünïcode: he mentioned it 👍.";
    let (status, body) = post_json(&s, "/v1/restore", &json!({ "text": text })).await;
    assert_eq!(status, StatusCode::OK);
    let spans = body["spans"].as_array().unwrap();
    assert!(spans.len() >= 2, "{body}");
    let units: Vec<u16> = text.encode_utf16().collect();
    for sp in spans {
        let g = |k: &str| sp[k].as_u64().unwrap() as usize;
        assert_eq!(&text[g("start")..g("end")], sp["text"]);
        let js = String::from_utf16(&units[g("utf16_start")..g("utf16_end")]).unwrap();
        assert_eq!(js, sp["text"]);
    }
    assert_eq!(
        body["restored"],
        "Café “news” 😀 — The stock market fell sharply on Monday. Ünïcode: he said it 👍."
    );
    s.stop().await;
}

#[tokio::test]
async fn healthz_and_head() {
    let s = TestServer::default().await;
    let r = client().get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v,
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
    );
    let r = client().head(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    s.stop().await;
}

/// `$ref` → the schema it names.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let p = r.strip_prefix('#').unwrap();
            resolve(
                doc,
                doc.pointer(p).unwrap_or_else(|| panic!("dangling {r}")),
            )
        }
        None => v,
    }
}

fn required(doc: &Value, schema: &Value) -> Vec<String> {
    let s = resolve(doc, schema);
    let mut r: Vec<String> = s["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    r.sort();
    let mut props: Vec<String> = s["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    props.sort();
    assert_eq!(r, props, "every property is always present");
    r
}

#[tokio::test]
async fn openapi_matches_the_handlers() {
    let s = TestServer::default().await;
    let r = client().get(s.url("/openapi.json")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));

    // Every documented operation is served, with the documented status and fields.
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            documented.push((method.to_uppercase(), path.clone()));
            let req = client().request(method.to_uppercase().parse().unwrap(), s.url(path));
            let req = if method == "post" {
                let ex =
                    &resolve(&doc, &op["requestBody"])["content"]["application/json"]["example"];
                req.json(ex)
            } else {
                req
            };
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "{method} {path}");
            let ok = &op["responses"]["200"]["content"];
            let (ctype, media) = ok.as_object().unwrap().iter().next().unwrap();
            let got_ctype = resp.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .to_string();
            assert!(got_ctype.starts_with(ctype.as_str()), "{path}: {got_ctype}");
            if ctype != "application/json" || media["schema"].get("$ref").is_none() {
                continue;
            }
            let body: Value = resp.json().await.unwrap();
            let schema = resolve(&doc, &media["schema"]);
            assert_eq!(keys(&body), required(&doc, schema), "{path}");
            assert_eq!(keys(&media["example"]), keys(&body), "{path} example");
            if let Some(spans) = body.get("spans") {
                let span_schema = &schema["properties"]["spans"]["items"];
                for sp in spans.as_array().unwrap() {
                    assert_eq!(keys(sp), required(&doc, span_schema), "{path} span");
                }
                assert!(!spans.as_array().unwrap().is_empty());
            }
        }
    }
    // And every API route is documented.
    for route in [
        ("POST", "/v1/check"),
        ("POST", "/v1/restore"),
        ("GET", "/healthz"),
        ("GET", "/openapi.json"),
        ("GET", "/"),
    ] {
        assert!(
            documented.contains(&(route.0.into(), route.1.into())),
            "{route:?} is not in openapi.json"
        );
    }
    // Error answers are documented with the Error schema.
    for code in ["400", "405", "408", "413", "415", "503"] {
        let r = resolve(&doc, &doc["paths"]["/v1/check"]["post"]["responses"][code]);
        let schema = &r["content"]["application/json"]["schema"];
        assert_eq!(required(&doc, schema), ["error"], "{code}");
    }
    s.stop().await;
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_from_the_binary() {
    let s = TestServer::default().await;
    for (path, ctype) in [
        ("/", "text/html"),
        ("/app.js", "text/javascript"),
        ("/style.css", "text/css"),
        ("/favicon.svg", "image/svg+xml"),
        ("/example.txt", "text/plain"),
    ] {
        let r = client().get(s.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let h = r.headers().clone();
        assert!(h[header::CONTENT_TYPE].to_str().unwrap().starts_with(ctype));
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        if path == "/" {
            assert!(h[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("script-src 'self'"));
        }
        let body = r.text().await.unwrap();
        assert!(body.len() > 100, "{path} is too short to be real");
        // Offline: nothing is fetched from elsewhere.
        if path != "/example.txt" {
            for bad in [
                "src=\"http",
                "href=\"http",
                "url(http",
                "@import",
                "fetch('http",
            ] {
                assert!(
                    !body.contains(bad),
                    "{path} refers to an outside resource: {bad}"
                );
            }
        }
    }
    let page = client()
        .get(s.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for asset in ["/app.js", "/style.css", "/favicon.svg"] {
        assert!(page.contains(asset), "the page loads {asset}");
    }
    // The engine's `min_words` (the fixture's 5), for the page's word on "unsure" texts.
    assert!(page.contains("<html lang=\"en\" data-min-words=\"5\">"));
    // The bundled example shows the engine at work.
    let ex = client()
        .get(s.url("/example.txt"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ex.contains("inventory market"), "{ex}");
    s.stop().await;
}

#[tokio::test]
async fn bad_requests_are_400() {
    let s = TestServer::default().await;
    let c = client();
    for (body, what) in [
        ("{\"text\": ", "truncated JSON"),
        ("not json", "not JSON"),
        ("{}", "no text"),
        ("{\"txt\": \"a\"}", "misspelt field"),
        ("{\"text\": 42}", "text not a string"),
        ("{\"text\": null}", "null text"),
        ("[\"text\"]", "an array"),
        ("", "empty body"),
        ("{\"text\": \"a\" \"b\"}", "trailing garbage"),
        ("{\"text\": \"\\x\"}", "bad escape"),
        ("{\"text\": \"\\ud800\"}", "lone surrogate"),
        ("\"text\"", "a bare string"),
    ] {
        for path in ["/v1/check", "/v1/restore"] {
            eprintln!("{path}: {what}");
            let r = c
                .post(s.url(path))
                .header(header::CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = r.status();
            assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
            assert_error(status, &r.json().await.unwrap(), StatusCode::BAD_REQUEST);
        }
    }
    // Unknown fields are ignored, for clients newer than the server.
    let (status, _) = post_json(&s, "/v1/check", &json!({"text": SPUN, "lang": "en"})).await;
    assert_eq!(status, StatusCode::OK);
    s.stop().await;
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let s = TestServer::default().await;
    let c = client();
    let body = json!({ "text": SPUN }).to_string();
    for ctype in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let mut req = c.post(s.url("/v1/check")).body(body.clone());
        if let Some(t) = ctype {
            req = req.header(header::CONTENT_TYPE, t);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        assert_error(
            status,
            &r.json().await.unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        );
    }
    // Parameters and +json types are fine.
    for ctype in [
        "application/json; charset=utf-8",
        "application/vnd.unspin+json",
    ] {
        let r = c
            .post(s.url("/v1/check"))
            .header(header::CONTENT_TYPE, ctype)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{ctype}");
    }
    s.stop().await;
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    // The default limit, 1 MiB: one byte over is refused, one byte under is not.
    let s = TestServer::default().await;
    let c = client();
    // `{"text": "` is 10 bytes and `"}` 2: bodies of exactly 1 MiB and one byte more.
    let body = |n: usize| format!("{{\"text\": \"{}\"}}", "x".repeat(n - 12));
    assert_eq!(body(1 << 20).len(), 1 << 20);
    let r = c
        .post(s.url("/v1/check"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body(1 << 20))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c
        .post(s.url("/v1/check"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body((1 << 20) + 1))
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_error(
        status,
        &r.json().await.unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
    );
    s.stop().await;

    // A small limit, and a chunked body that declares no length.
    let s = TestServer::start(Config {
        max_body: 1000,
        ..Config::default()
    })
    .await;
    let big = format!("{{\"text\": \"{}\"}}", "word ".repeat(400));
    let r = c
        .post(s.url("/v1/restore"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_error(
        status,
        &r.json().await.unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
    );
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big
        .into_bytes()
        .chunks(300)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let r = c
        .post(s.url("/v1/check"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(reqwest::Body::wrap_stream(futures_stream(chunks)))
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_error(
        status,
        &r.json().await.unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
    );
    s.stop().await;
}

/// A stream of chunks without pulling in the futures crate.
fn futures_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    struct It(std::vec::IntoIter<Result<Vec<u8>, std::io::Error>>);
    impl futures_core::Stream for It {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    It(chunks.into_iter())
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let s = TestServer::default().await;
    let c = client();
    for path in [
        "/nope",
        "/v1",
        "/v1/check/extra",
        "/v2/check",
        "/app.js.map",
    ] {
        let r = c.get(s.url(path)).send().await.unwrap();
        let status = r.status();
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        assert_error(status, &r.json().await.unwrap(), StatusCode::NOT_FOUND);
    }
    for (method, path, allow) in [
        ("GET", "/v1/check", "POST"),
        ("PUT", "/v1/restore", "POST"),
        ("DELETE", "/v1/check", "POST"),
        ("POST", "/healthz", "GET"),
        ("POST", "/", "GET"),
        ("POST", "/openapi.json", "GET"),
    ] {
        let r = c
            .request(method.parse().unwrap(), s.url(path))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let allowed = r.headers()[header::ALLOW].to_str().unwrap().to_string();
        assert!(allowed.contains(allow), "{method} {path}: Allow: {allowed}");
        assert_error(
            status,
            &r.json().await.unwrap(),
            StatusCode::METHOD_NOT_ALLOWED,
        );
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_parallel_requests() {
    let s = TestServer::start(Config {
        workers: 2,
        ..Config::default()
    })
    .await;
    let c = client();
    let texts: Vec<String> = (0..64)
        .map(|i| format!("{} {SPUN2} Item {i}.", SPUN.repeat(1 + i % 5)))
        .collect();
    let mut tasks = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let (c, url, t) = (
            c.clone(),
            s.url(if i % 2 == 0 {
                "/v1/check"
            } else {
                "/v1/restore"
            }),
            t.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = c
                .post(url)
                .json(&json!({ "text": t }))
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        if i % 2 == 0 {
            assert_eq!(body, expected_check(&texts[i]));
        } else {
            assert_eq!(body["restored"], det().restore(&texts[i]));
        }
    }
    s.stop().await;
}

/// Sends raw bytes; returns the stream.
async fn raw(addr: SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut t = TcpStream::connect(addr).await.unwrap();
    t.write_all(bytes).await.unwrap();
    t
}

/// Reads until the peer closes, or `limit` passes.
async fn read_all(t: &mut TcpStream, limit: Duration) -> String {
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(limit, t.read_to_end(&mut buf)).await;
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_408() {
    let s = TestServer::start(Config {
        timeout: Duration::from_millis(300),
        ..Config::default()
    })
    .await;
    let mut t = raw(
        s.addr,
        b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"text\":",
    )
    .await;
    let answer = read_all(&mut t, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("{\"error\":"), "{answer}");
    s.stop().await;
}

#[tokio::test]
async fn slow_headers_are_cut_off() {
    let s = TestServer::start(Config {
        header_timeout: Duration::from_millis(200),
        ..Config::default()
    })
    .await;
    let t0 = std::time::Instant::now();
    let mut t = raw(s.addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await;
    // The server closes the connection; the answer never comes.
    let answer = read_all(&mut t, Duration::from_secs(5)).await;
    assert!(
        t0.elapsed() < Duration::from_secs(3),
        "closed after {:?}",
        t0.elapsed()
    );
    assert!(!answer.contains("200 OK"), "{answer}");
    s.stop().await;
}

#[tokio::test]
async fn connections_are_capped_and_idle_ones_make_room() {
    let s = TestServer::start(Config {
        max_connections: 1,
        ..Config::default()
    })
    .await;
    let req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut buf = [0u8; 1024];
    // The first connection gets its answer and stays open (keep-alive), idle...
    let mut a = raw(s.addr, req).await;
    let n = a.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // ...so the second closes it to make room, and is served at once.
    let mut b = raw(s.addr, req).await;
    let n = tokio::time::timeout(Duration::from_secs(2), b.read(&mut buf))
        .await
        .expect("served at once")
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    assert_eq!(read_all(&mut a, Duration::from_secs(2)).await, "");
    // A connection that has sent nothing, or half its headers, makes room too.
    let mut c = raw(s.addr, b"GET /healthz HTTP/1.1\r\nHo").await;
    assert_eq!(read_all(&mut b, Duration::from_secs(2)).await, "");
    let mut d = raw(s.addr, req).await;
    let n = tokio::time::timeout(Duration::from_secs(2), d.read(&mut buf))
        .await
        .expect("served at once")
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    assert_eq!(read_all(&mut c, Duration::from_secs(2)).await, "");

    // A request in progress is never cut: the next client waits for it...
    let body = format!("{{\"text\": {}}}", serde_json::to_string(SPUN).unwrap());
    let head = format!(
        "POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (first, rest) = body.split_at(10);
    drop(d);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut e = raw(s.addr, format!("{head}{first}").as_bytes()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut f = raw(s.addr, req).await;
    let waited = tokio::time::timeout(Duration::from_millis(300), f.read(&mut buf)).await;
    assert!(waited.is_err(), "the request in progress was cut");
    // ...which is answered in full, and its connection then closed to make room.
    e.write_all(rest.as_bytes()).await.unwrap();
    let answer = read_all(&mut e, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with('}'), "{answer}");
    let n = tokio::time::timeout(Duration::from_secs(5), f.read(&mut buf))
        .await
        .expect("served once the request in progress was answered")
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    s.stop().await;
}

#[tokio::test]
async fn shutdown_lets_requests_in_progress_finish() {
    let mut s = TestServer::default().await;
    let body = format!("{{\"text\": {}}}", serde_json::to_string(SPUN).unwrap());
    let head = format!(
        "POST /v1/restore HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // A request in progress: headers sent, body half sent.
    let (first, rest) = body.split_at(10);
    let mut t = raw(s.addr, format!("{head}{first}").as_bytes()).await;
    // And an idle keep-alive connection, which shutdown closes at once.
    let mut idle = raw(s.addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let mut buf = [0u8; 1024];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));

    tokio::time::sleep(Duration::from_millis(100)).await;
    let _ = s.stop.take().unwrap().send(());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!s.task.is_finished(), "the server waits for the request");
    assert_eq!(read_all(&mut idle, Duration::from_secs(2)).await, "");
    // New connections are refused.
    assert!(TcpStream::connect(s.addr).await.is_err());

    t.write_all(rest.as_bytes()).await.unwrap();
    let answer = read_all(&mut t, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("The stock market fell sharply on Monday."),
        "{answer}"
    );
    tokio::time::timeout(Duration::from_secs(5), s.task)
        .await
        .expect("the server stops once the request is answered")
        .unwrap()
        .unwrap();
}
