//! `unspin serve` under hostile load on loopback, bounded in time (about 30 s): thousands of idle
//! connections, slowloris headers and bodies, oversized and malformed requests, clients that
//! leave mid-request and mid-response, all at once, twice. Meanwhile and afterwards the server
//! answers `/healthz` and gives correct `/v1/check` answers; afterwards its open files are back
//! to where they were, and its memory does not grow from one round to the next.
//!
//! The server is this test binary run again as a child (`child_server`), through
//! `unspin_server::run` as `unspin serve` runs it, so that its memory (`/proc/PID/status`) and
//! file descriptors are its own. Figures are printed (`--nocapture`).

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use unspin_core::{fixture, Detector};

/// The child's settings: short timeouts, so that the test is short.
const HEADER_TIMEOUT: Duration = Duration::from_secs(2);
const TIMEOUT: Duration = Duration::from_secs(4);
const MAX_CONNECTIONS: usize = 1024;

/// Runs the server when started by the test below; a no-op otherwise.
#[test]
fn child_server() {
    if std::env::var("UNSPIN_SERVE_CHILD").is_err() {
        return;
    }
    let args = unspin_server::ServeArgs {
        addr: "127.0.0.1:0".into(),
        max_body: 1 << 20,
        timeout: TIMEOUT,
        header_timeout: HEADER_TIMEOUT,
        workers: 2,
        max_queue: 128,
        max_connections: MAX_CONNECTIONS,
    };
    let det = Detector::new(fixture::tiny_model());
    if let Err(e) = unspin_server::run(&args, det) {
        eprintln!("unspin: {e}");
        std::process::exit(2);
    }
    std::process::exit(0);
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_server",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env("UNSPIN_SERVE_CHILD", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let addr = loop {
            line.clear();
            assert!(err.read_line(&mut line).unwrap() > 0, "the server died");
            if let Some(rest) = line.split("listening on http://").nth(1) {
                break rest.split_whitespace().next().unwrap().parse().unwrap();
            }
        };
        // Keep draining standard error, so that the server never blocks on it.
        std::thread::spawn(move || {
            let mut l = String::new();
            while err.read_line(&mut l).unwrap_or(0) > 0 {
                l.clear();
            }
        });
        Server { child, addr }
    }

    fn status_field(&self, name: &str) -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let l = s.lines().find(|l| l.starts_with(name)).unwrap();
        l[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .unwrap()
    }

    /// Resident memory in MiB.
    fn rss_mib(&self) -> f64 {
        self.status_field("VmRSS:") as f64 / 1024.0
    }

    fn hwm_mib(&self) -> f64 {
        self.status_field("VmHWM:") as f64 / 1024.0
    }

    fn open_files(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .unwrap()
            .count()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one request on a new connection and reads the answer to the end: status and body.
async fn request(addr: SocketAddr, bytes: &[u8]) -> (u16, Vec<u8>) {
    let mut t = TcpStream::connect(addr).await.unwrap();
    t.write_all(bytes).await.unwrap();
    let mut out = Vec::new();
    t.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out);
    let status = text
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
    let body = match out.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(i) => out[i + 4..].to_vec(),
        None => Vec::new(),
    };
    (status, body)
}

async fn healthz(addr: SocketAddr) -> Duration {
    let t0 = Instant::now();
    let (status, body) = tokio::time::timeout(
        Duration::from_secs(20),
        request(
            addr,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ),
    )
    .await
    .expect("/healthz answered");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    t0.elapsed()
}

fn post(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

const TEXT: &str = "He mentioned at a press convention on Monday that the inventory market fell.";

/// A `/v1/check` answer, compared with the engine's own report.
async fn correct_check(addr: SocketAddr) {
    let det = Detector::new(fixture::tiny_model());
    let body = serde_json::json!({ "text": TEXT }).to_string();
    let (status, got) = request(addr, &post("/v1/check", &body)).await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_slice(&got).unwrap();
    let r = det.check(TEXT);
    assert_eq!(v["score"], (r.score * 10000.0).round() / 10000.0);
    assert_eq!(v["words"], r.words);
    let spans: Vec<(u64, u64)> = v["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["start"].as_u64().unwrap(), s["end"].as_u64().unwrap()))
        .collect();
    let want: Vec<(u64, u64)> = r
        .spans
        .iter()
        .map(|s| (s.start as u64, s.end as u64))
        .collect();
    assert_eq!(spans, want);
    assert!(!spans.is_empty());
}

/// The soft limit on open files.
fn fd_limit() -> usize {
    let l = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    l.lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1024)
}

/// Opens `n` connections at once that send nothing.
async fn idle(addr: SocketAddr, n: usize) -> Vec<TcpStream> {
    let all: Vec<_> = (0..n)
        .map(|_| tokio::spawn(async move { TcpStream::connect(addr).await }))
        .collect();
    let mut v = Vec::with_capacity(n);
    for t in all {
        if let Ok(Ok(s)) = t.await {
            v.push(s);
        }
    }
    v
}

/// Whether the server closed the connection (within `limit`), and what it sent.
async fn closed_within(t: &mut TcpStream, limit: Duration) -> (bool, String) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let end = Instant::now() + limit;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, t.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (true, String::from_utf8_lossy(&out).into()),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (false, String::from_utf8_lossy(&out).into()),
        }
    }
}

/// What one round of the attack measured.
struct Round {
    n_held: usize,
    opened_in: Duration,
    fds_flood: usize,
    rss_flood: f64,
    hz_flood: Duration,
    hz_during: Duration,
    heads: Duration,
    bodies: Duration,
    closed: usize,
}

/// One round: every kind of hostile client at once, then /healthz and a checked answer.
async fn attack(server: &Server) -> Round {
    let addr = server.addr;
    // 1. Idle connections: as many as the open-file limit allows, up to 2,000, all at once:
    //    more than the server's cap of 1,024, so that new ones make the oldest idle ones close.
    let n_idle = 2000.min(fd_limit().saturating_sub(400));
    let t0 = Instant::now();
    let held = idle(addr, n_idle).await;
    let n_held = held.len();
    let opened_in = t0.elapsed();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let fds_flood = server.open_files();
    let rss_flood = server.rss_mib();
    // While they are held, /healthz is answered at once: it closes the oldest idle one.
    let hz_flood = healthz(addr).await;

    // 2. Slowloris: headers a few bytes at a time, and bodies a byte at a time.
    let mut slow_heads = Vec::new();
    for i in 0..100 {
        slow_heads.push(tokio::spawn(async move {
            let mut t = TcpStream::connect(addr).await.unwrap();
            let t0 = Instant::now();
            let _ = t.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await;
            let mut k = 0;
            loop {
                tokio::time::sleep(Duration::from_millis(100 + i % 50)).await;
                if t.write_all(format!("X-{k}: y\r\n").as_bytes())
                    .await
                    .is_err()
                {
                    break;
                }
                k += 1;
                if t0.elapsed() > Duration::from_secs(15) {
                    panic!("a slowloris client was never cut off");
                }
            }
            let (closed, got) = closed_within(&mut t, Duration::from_secs(5)).await;
            assert!(closed && !got.contains(" 200 "), "{got}");
            t0.elapsed()
        }));
    }
    let mut slow_bodies = Vec::new();
    for _ in 0..50 {
        slow_bodies.push(tokio::spawn(async move {
            let mut t = TcpStream::connect(addr).await.unwrap();
            let t0 = Instant::now();
            t.write_all(b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"text\": \"").await.unwrap();
            let (mut r, mut w) = t.into_split();
            let trickle = tokio::spawn(async move {
                while w.write_all(b"a").await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            });
            // Read until the whole answer is in (the connection may stay open after it).
            let mut out = Vec::new();
            let mut buf = [0u8; 1024];
            while !out.ends_with(b"\"}") && t0.elapsed() < Duration::from_secs(15) {
                match tokio::time::timeout(Duration::from_secs(1), r.read(&mut buf)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => break,
                    Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
                    Err(_) => {}
                }
            }
            let took = t0.elapsed();
            trickle.abort();
            let got = String::from_utf8_lossy(&out).to_string();
            assert!(got.starts_with("HTTP/1.1 408"), "{got}");
            assert!(got.contains("{\"error\":"), "{got}");
            took
        }));
    }

    // 3. Oversized: a declared 100 MB body (refused before it is sent), a chunked body that
    //    runs past the limit, 1 MB of headers.
    let mut big = Vec::new();
    for i in 0..40 {
        big.push(tokio::spawn(async move {
            match i % 3 {
                0 => {
                    let (s, b) = request(addr, b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n").await;
                    assert_eq!(s, 413, "{}", String::from_utf8_lossy(&b));
                }
                1 => {
                    let t = TcpStream::connect(addr).await.unwrap();
                    let (mut r, mut w) = t.into_split();
                    let writer = tokio::spawn(async move {
                        w.write_all(b"POST /v1/restore HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").await?;
                        let chunk = format!("10000\r\n{}\r\n", "x".repeat(0x10000));
                        for _ in 0..40 {
                            w.write_all(chunk.as_bytes()).await?;
                        }
                        Ok::<_, std::io::Error>(w)
                    });
                    // Read as it writes: the answer comes while the body is still being sent
                    // (the server may then reset the connection, which loses nothing read).
                    let mut out = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !out.ends_with(b"\"}") {
                        match tokio::time::timeout(Duration::from_secs(10), r.read(&mut buf)).await {
                            Ok(Ok(n)) if n > 0 => out.extend_from_slice(&buf[..n]),
                            _ => break,
                        }
                    }
                    writer.abort();
                    let got = String::from_utf8_lossy(&out);
                    assert!(got.starts_with("HTTP/1.1 413"), "{got:.200}");
                }
                _ => {
                    let mut t = TcpStream::connect(addr).await.unwrap();
                    let mut req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n".to_vec();
                    for k in 0..10_000 {
                        req.extend_from_slice(format!("X-{k}: {}\r\n", "v".repeat(90)).as_bytes());
                    }
                    req.extend_from_slice(b"\r\n");
                    let _ = t.write_all(&req).await;
                    let (closed, got) = closed_within(&mut t, Duration::from_secs(10)).await;
                    assert!(closed && !got.contains(" 200 "), "{got}");
                }
            }
        }));
    }

    // 4. Malformed requests and clients that leave early.
    let deep = format!(
        "{{\"text\": \"{TEXT}\", \"a\": {}{}}}",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    let mut bad = Vec::new();
    for i in 0..300 {
        let deep = deep.clone();
        bad.push(tokio::spawn(async move {
            let (req, want): (Vec<u8>, Option<u16>) = match i % 10 {
                0 => (b"\x16\x03\x01\x02\x00garbage\r\n\r\n".to_vec(), Some(400)),
                1 => (b"GET /healthz HTTP/9.9\r\n\r\n".to_vec(), None),
                2 => (b"GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n".to_vec(), Some(400)),
                3 => (post("/v1/check", "{\"text\": "), Some(400)),
                4 => ([&post("/v1/check", "{\"text\": \"ab\"}")[..15], b"\xff\xfe"].concat(), None),
                5 => (post("/v1/check", "{\"text\": \"a\\ud800\"}"), Some(400)),
                6 => (post("/v1/check", &deep), Some(200)),
                7 => (b"POST /v1/check HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello".to_vec(), Some(415)),
                8 => (b"DELETE /v1/check HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(), Some(405)),
                _ => {
                    // Leave mid-body, and mid-response.
                    let mut t = TcpStream::connect(addr).await.unwrap();
                    let _ = t.write_all(&post("/v1/check", &format!("{{\"text\": \"{TEXT}\"}}"))[..120]).await;
                    drop(t);
                    let mut t = TcpStream::connect(addr).await.unwrap();
                    let _ = t.write_all(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n").await;
                    let mut one = [0u8; 1];
                    let _ = t.read(&mut one).await;
                    drop(t);
                    return;
                }
            };
            let mut t = TcpStream::connect(addr).await.unwrap();
            let _ = t.write_all(&req).await;
            let (_, got) = closed_within(&mut t, Duration::from_secs(15)).await;
            if let Some(w) = want {
                assert!(got.starts_with(&format!("HTTP/1.1 {w}")), "{i}: {got:.300}");
                // hyper's own answer to what is not HTTP has no body; the API's are JSON.
                if w != 200 && got.contains("application/json") {
                    assert!(got.contains("{\"error\":"), "{got:.300}");
                }
            }
        }));
    }
    // While all this goes on.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let hz_during = healthz(addr).await;
    let mut heads = Vec::new();
    for t in slow_heads {
        heads.push(t.await.unwrap());
    }
    let mut bodies = Vec::new();
    for t in slow_bodies {
        bodies.push(t.await.unwrap());
    }
    for t in big.into_iter().chain(bad) {
        t.await.unwrap();
    }
    correct_check(addr).await;

    // 5. The idle connections: the server has closed every one it accepted, to make room for
    //    newer ones or at the header timeout.
    //    On a busy machine the server may still be working through the kernel's accept queue,
    //    so wait until the cap is reached or the header timeout has had time to act again. One
    //    task watches each connection: polled one after another, 2,000 of them took seconds a
    //    pass, which used up the wait.
    let deadline = Instant::now() + HEADER_TIMEOUT + Duration::from_secs(4);
    let n_closed = Arc::new(AtomicUsize::new(0));
    let watchers: Vec<_> = held
        .into_iter()
        .map(|mut t| {
            let n_closed = Arc::clone(&n_closed);
            tokio::spawn(async move {
                let left = deadline.saturating_duration_since(Instant::now());
                let (closed, got) = closed_within(&mut t, left).await;
                n_closed.fetch_add(closed as usize, Ordering::Relaxed);
                got
            })
        })
        .collect();
    let closed = loop {
        let n = n_closed.load(Ordering::Relaxed);
        if n >= MAX_CONNECTIONS.min(n_held) || Instant::now() > deadline {
            break n;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    for w in &watchers {
        w.abort();
    }
    for w in watchers {
        match w.await {
            // An idle connection gets no answer, only closed.
            Ok(got) => assert!(got.is_empty(), "{got}"),
            Err(e) => assert!(e.is_cancelled(), "{e}"),
        }
    }

    let max = |v: &[Duration]| v.iter().max().copied().unwrap_or_default();
    Round {
        n_held,
        opened_in,
        fds_flood,
        rss_flood,
        hz_flood,
        hz_during,
        heads: max(&heads),
        bodies: max(&bodies),
        closed,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_clients_leave_the_server_healthy() {
    let t_start = Instant::now();
    let server = Server::start();
    let addr = server.addr;
    // Warm up (the model, the thread pools, the allocator), then take the baseline.
    for _ in 0..20 {
        correct_check(addr).await;
    }
    healthz(addr).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (rss0, fds0) = (server.rss_mib(), server.open_files());
    // Two rounds: the second shows whether anything is left over from the first.
    let mut after = Vec::new();
    for round in 1..=2 {
        let r = attack(&server).await;
        // Afterwards: healthy, correct, and back to its open files and memory.
        tokio::time::sleep(HEADER_TIMEOUT + Duration::from_millis(500)).await;
        let hz_after = healthz(addr).await;
        correct_check(addr).await;
        let mut fds1 = server.open_files();
        for _ in 0..20 {
            if fds1 <= fds0 + 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
            fds1 = server.open_files();
        }
        let rss1 = server.rss_mib();
        eprintln!(
            "soak round {round}: {} idle connections opened in {:.2?} (server open files {fds0} -> {}); \
             /healthz with them held: {:.2?}; 100 slowloris headers cut after at most {:.2?}; \
             50 slow bodies answered 408 after at most {:.2?}; 40 oversized, 300 malformed or \
             abandoned requests; /healthz during: {:.2?}, after: {hz_after:.2?}; {} idle \
             connections closed by the server; RSS {rss0:.1} MiB at the start, {:.1} MiB with the \
             idle connections held, peak {:.1} MiB, {rss1:.1} MiB after; open files {fds1} after; \
             {:.1?} since the start",
            r.n_held,
            r.opened_in,
            r.fds_flood,
            r.hz_flood,
            r.heads,
            r.bodies,
            r.hz_during,
            r.closed,
            r.rss_flood,
            server.hwm_mib(),
            t_start.elapsed()
        );
        assert!(r.hz_flood < Duration::from_secs(1), "{:?}", r.hz_flood);
        assert!(r.hz_during < Duration::from_secs(1), "{:?}", r.hz_during);
        assert!(r.heads < HEADER_TIMEOUT + Duration::from_secs(2));
        assert!(r.bodies < TIMEOUT + Duration::from_secs(2));
        // Every connection the server had accepted during the flood it closed. How many it
        // accepted depends on the kernel: when its accept queue overflows it drops the
        // handshake, and the client's side of the connection waits, neither accepted nor
        // closed. The server's open files during the flood count the accepted ones.
        let accepted = r.fds_flood.saturating_sub(fds0);
        assert!(
            r.closed >= MAX_CONNECTIONS.min(accepted),
            "{} closed, {accepted} accepted",
            r.closed
        );
        assert!(fds1 <= fds0 + 2, "open files {fds0} -> {fds1}");
        after.push((rss1, server.hwm_mib(), accepted));
    }
    // Memory: the server trims its heap when the last connection of a flood closes, so memory
    // goes back to near where it started (7 -> 9 MiB here; the margin is for other allocators
    // and platforms without malloc_trim), and neither it nor the peak grows between rounds,
    // but for the connections held: how many the kernel lets through varies from round to round
    // (above), and each one held costs the server about 14 KiB (a round with 1,024 accepted
    // peaked 8.4 MiB above one with 387), counted here at 32. The peak also moves with how many
    // requests happen to be in flight at once: on a machine busy with other work, a second round
    // with fewer connections accepted (975 against 1,024) peaked 8.3 MiB above the first, so the
    // margin is 16 MiB. A leak of what a flood's connections hold (2,000 of them, about 28 MiB)
    // still shows, and RSS after the second round must stay under the first round's peak.
    let ((rss1, peak1, accepted1), (rss2, peak2, accepted2)) = (after[0], after[1]);
    let held_more = accepted2.saturating_sub(accepted1) as f64 * 32.0 / 1024.0;
    assert!(rss1 <= rss0 + 16.0, "RSS {rss0:.1} -> {rss1:.1} MiB");
    assert!(
        rss2 <= peak1,
        "RSS after round 2 {rss2:.1} MiB, peak of round 1 {peak1:.1} MiB"
    );
    assert!(
        peak2 <= peak1 + 16.0 + held_more,
        "peak {peak1:.1} -> {peak2:.1} MiB ({accepted1} -> {accepted2} connections accepted)"
    );
}
