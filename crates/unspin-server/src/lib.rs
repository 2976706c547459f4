//! The unspin HTTP server.
