//! Scan corpora with unspin.
