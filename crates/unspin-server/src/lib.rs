//! The unspin HTTP server: a JSON API and a web page that shows the spin.
//!
//! Routes (see `GET /openapi.json` for the full contract):
//!
//! | route | what |
//! | --- | --- |
//! | `POST /v1/check` | `{"text"}` → `{"score", "verdict", "words", "spans"}`, as `unspin check --json` |
//! | `POST /v1/restore` | `{"text"}` → `{"restored", "spans"}` |
//! | `GET /healthz` | `{"status": "ok", "version"}` |
//! | `GET /openapi.json` | the OpenAPI 3 document |
//! | `GET /` | the web page (all assets embedded in the binary) |
//!
//! Span offsets `start`/`end` are byte offsets into the request's text (UTF-8), as in the CLI;
//! every span also carries `utf16_start`/`utf16_end`, the same offsets in UTF-16 code units,
//! which index JavaScript strings directly.
//!
//! Errors are `{"error": "..."}`: 400 (bad JSON, no `text`), 404, 405, 408 (body too slow),
//! 413 (body over `--max-body`), 415 (not `application/json`), 503 (queue full or deadline).
//!
//! The server is hyper's HTTP/1.1 connection loop around an axum router, so that it can bound
//! what axum's own `serve` cannot: the time a client takes to send its headers, and the number of
//! open connections (at the cap, the oldest connection without a request in progress is closed
//! to make room: see [`serve`]). Checks run on a bounded pool of blocking threads with a bounded
//! queue.

mod api;
mod config;
mod pool;
mod web;

/// How the server reads a request's content type (also the fuzz target's oracle).
#[doc(hidden)]
pub use api::is_json;
pub use api::router;
pub use config::{default_workers, parse_duration, parse_size, Config, ServeArgs};

use hyper::body::{Frame, Incoming, SizeHint};
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use unspin_core::Detector;

/// Errors of the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// Any other I/O error (starting the runtime, installing signal handlers).
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Serves until SIGTERM or Ctrl-C, then stops accepting, lets open requests finish and returns.
/// A second signal during that drain quits at once.
pub fn run(args: &ServeArgs, det: Detector) -> Result<(), Error> {
    let cfg = Config::from(args);
    // Async threads only move bytes; the checks run on the blocking pool, bounded by `workers`.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cfg.workers.clamp(1, 4))
        .max_blocking_threads(cfg.workers + 2)
        .thread_name("unspin-serve")
        .enable_all()
        .build()?;
    let result = rt.block_on(async {
        let listener = TcpListener::bind(&args.addr)
            .await
            .map_err(|source| Error::Bind {
                addr: args.addr.clone(),
                source,
            })?;
        let addr = listener.local_addr()?;
        // Handlers first, then the announcement: a supervisor that reads it may signal at once.
        let mut signals = Signals::new()?;
        announce(addr, &cfg);
        let (first_tx, first_rx) = tokio::sync::oneshot::channel::<()>();
        let signals = async move {
            signals.recv().await;
            let _ = first_tx.send(());
            signals.recv().await;
            eprintln!("unspin: second signal: quitting now");
            Ok::<(), Error>(())
        };
        let server = serve(listener, det, cfg.clone(), async move {
            let _ = first_rx.await;
        });
        tokio::select! {
            r = server => r,
            r = signals => r,
        }
    });
    // Jobs still running on the blocking pool are abandoned, not awaited.
    rt.shutdown_timeout(Duration::from_millis(100));
    result
}

fn announce(addr: SocketAddr, cfg: &Config) {
    eprintln!(
        "unspin: listening on http://{addr} (workers {}, max body {} bytes, timeout {:?}); \
         Ctrl-C or SIGTERM stops",
        cfg.workers, cfg.max_body, cfg.timeout
    );
    if !addr.ip().is_loopback() {
        eprintln!(
            "unspin: note: {} is reachable from other machines; the API has no authentication",
            addr.ip()
        );
    }
}

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> Result<Signals, Error> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Signals {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// Resolves on the next signal.
    async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Serves `listener` until `shutdown` resolves, then stops accepting, lets the requests in
/// progress finish (closing the connections without one at once) and returns.
///
/// At most `max_connections` connections are open. When a client connects at the cap, the
/// oldest connection without a request in progress (idle between requests, or still sending
/// its headers) is closed to make room; connections with a request in progress are never cut,
/// and a new client waits for one of them to finish if there is nothing else to close. Idle and
/// slow clients therefore cannot lock others out, however many they open.
///
/// The drain is bounded: requests have their deadline and headers theirs, so after the longer
/// of the two (plus a second) the connections still open are dropped.
pub async fn serve(
    listener: TcpListener,
    det: Detector,
    cfg: Config,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    let app = router(det, &cfg);
    let max = cfg.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(max));
    let conns = Arc::new(Conns::default());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(cfg.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    'accept: loop {
        let (stream, _peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: pause instead of spinning.
                    eprintln!("unspin: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let slot = match slots.clone().try_acquire_owned() {
            Ok(s) => s,
            // At the cap: make room by closing the oldest connection without a request in
            // progress; with none, wait for a request to finish (each has a deadline).
            Err(_) => loop {
                conns.evict_oldest_unbusy();
                tokio::select! {
                    s = slots.clone().acquire_owned() => break s.expect("the semaphore is never closed"),
                    _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                    _ = &mut shutdown => break 'accept,
                }
            },
        };
        // Small JSON answers: send them now, not after Nagle's delay.
        let _ = stream.set_nodelay(true);
        let busy = Arc::new(AtomicUsize::new(0));
        let svc = Tracked {
            inner: TowerToHyperService::new(app.clone()),
            busy: busy.clone(),
        };
        let conn = http.serve_connection(TokioIo::new(stream), svc);
        let (evict_tx, evict_rx) = tokio::sync::oneshot::channel::<()>();
        let id = conns.add(busy.clone(), evict_tx);
        let conns = conns.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let _registered = Registered(id, conns);
            tokio::pin!(conn);
            // Errors here are the client's doing (reset, timeout): nothing to report.
            tokio::select! {
                _ = conn.as_mut() => return,
                _ = stop.wait_for(|s| *s) => {}
                _ = evict_rx => {}
            }
            // Asked to close: at once without a request in progress, else once it is answered.
            if busy.load(Ordering::Acquire) == 0 {
                return;
            }
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let open = max - slots.available_permits();
    if open > 0 {
        eprintln!("unspin: shutting down: waiting for {open} open connection(s)");
    }
    let limit = cfg.timeout.max(cfg.header_timeout) + Duration::from_secs(1);
    if tokio::time::timeout(limit, slots.acquire_many(max as u32))
        .await
        .is_err()
    {
        eprintln!("unspin: connections still open after {limit:?}: closing them");
    }
    Ok(())
}

/// The open connections, oldest first, with their request counts and the way to ask each to
/// close.
#[derive(Default)]
struct Conns {
    next: AtomicU64,
    open: Mutex<BTreeMap<u64, Conn>>,
    /// The most connections open at once since the heap was last trimmed.
    peak: AtomicUsize,
}

/// A flood of at least this many connections is worth trimming the heap after.
const TRIM_AFTER_CONNECTIONS: usize = 64;

/// An open connection: its requests in progress, and the way to ask it to close.
type Conn = (Arc<AtomicUsize>, tokio::sync::oneshot::Sender<()>);

impl Conns {
    fn add(&self, busy: Arc<AtomicUsize>, evict: tokio::sync::oneshot::Sender<()>) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let mut open = self.open.lock().expect("conns lock");
        open.insert(id, (busy, evict));
        self.peak.fetch_max(open.len(), Ordering::Relaxed);
        id
    }

    /// Forgets a connection; when the last one of a flood closes, returns the heap's free
    /// memory to the system, so that memory after an attack goes back to where it was rather
    /// than staying at the allocator's high-water mark.
    fn remove(&self, id: u64) {
        let mut open = self.open.lock().expect("conns lock");
        open.remove(&id);
        if open.is_empty() && self.peak.load(Ordering::Relaxed) >= TRIM_AFTER_CONNECTIONS {
            self.peak.store(0, Ordering::Relaxed);
            drop(open);
            trim_heap();
        }
    }

    /// Asks the oldest connection without a request in progress to close.
    fn evict_oldest_unbusy(&self) {
        let mut open = self.open.lock().expect("conns lock");
        let id = open
            .iter()
            .find(|(_, (busy, _))| busy.load(Ordering::Acquire) == 0)
            .map(|(&id, _)| id);
        if let Some((_, tx)) = id.and_then(|id| open.remove(&id)) {
            let _ = tx.send(());
        }
    }
}

/// Removes a connection from [`Conns`] when its task ends.
struct Registered(u64, Arc<Conns>);

impl Drop for Registered {
    fn drop(&mut self) {
        self.1.remove(self.0);
    }
}

/// Releases free heap memory to the system (glibc's `malloc_trim`; a no-op elsewhere).
fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own heap structures under its own locks.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The router as hyper calls it, counting the connection's requests in progress: from the
/// moment its headers are in until its answer has been written.
#[derive(Clone)]
struct Tracked {
    inner: TowerToHyperService<axum::Router>,
    busy: Arc<AtomicUsize>,
}

/// One request in progress, for as long as it lives.
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn new(n: Arc<AtomicUsize>) -> Busy {
        n.fetch_add(1, Ordering::AcqRel);
        Busy(n)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<Response<axum::body::Body>, Infallible>> + Send>>;

impl hyper::service::Service<Request<Incoming>> for Tracked {
    type Response = Response<axum::body::Body>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn call(&self, req: Request<Incoming>) -> ResponseFuture {
        let busy = Busy::new(self.busy.clone());
        let answer = self.inner.call(req);
        Box::pin(async move {
            let r = answer.await?;
            // hyper drops the body once it is written (or the connection is gone).
            Ok(r.map(|body| axum::body::Body::new(Guarded { body, _busy: busy })))
        })
    }
}

/// A response body that holds its request's [`Busy`].
struct Guarded {
    body: axum::body::Body,
    _busy: Busy,
}

impl hyper::body::Body for Guarded {
    type Data = hyper::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
