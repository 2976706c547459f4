//! The unspin HTTP server: a JSON API and a web page that shows the spin.

use unspin_core::Detector;

/// Errors of the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An I/O error (binding the address, for instance).
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// `unspin serve` arguments.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
}

/// Serves until SIGTERM or Ctrl-C.
pub fn run(_args: &ServeArgs, _det: Detector) -> Result<(), Error> {
    unimplemented!("serve")
}
