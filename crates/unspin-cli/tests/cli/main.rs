//! Integration tests of the `unspin` binary.
//!
//! - `fixture`: the CLI contract on the small in-memory fixture model (no downloaded data).
//! - `errors`: exit code 2 and a message naming the input for every kind of bad input.
//! - `real_model`: end to end on the real model (`models/default.unspin` or the embedded one);
//!   skipped with a notice when there is none, unless `UNSPIN_REQUIRE_DATA=1`.

mod common;
mod errors;
mod fixture;
mod hostile;
mod real_model;
