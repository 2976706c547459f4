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
//! open connections. Checks run on a bounded pool of blocking threads with a bounded queue.

mod api;
mod config;
mod pool;
mod web;

pub use api::router;
pub use config::{default_workers, parse_duration, parse_size, Config, ServeArgs};

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
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
/// progress finish (closing idle keep-alive connections at once) and returns.
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
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(cfg.max_connections.max(1)));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(cfg.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        // Wait for a free connection slot first: past the cap, clients queue in the backlog.
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => s.expect("the semaphore is never closed"),
            _ = &mut shutdown => break,
        };
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
        // Small JSON answers: send them now, not after Nagle's delay.
        let _ = stream.set_nodelay(true);
        let conn =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // Errors here are the client's doing (reset, timeout): nothing to report.
            let _ = conn.await;
            drop(slot);
        });
    }
    drop(listener);
    let open = cfg.max_connections.max(1) - slots.available_permits();
    if open > 0 {
        eprintln!("unspin: shutting down: waiting for {open} open connection(s)");
    }
    let limit = cfg.timeout.max(cfg.header_timeout) + Duration::from_secs(1);
    if tokio::time::timeout(limit, graceful.shutdown())
        .await
        .is_err()
    {
        eprintln!("unspin: connections still open after {limit:?}: closing them");
    }
    Ok(())
}
