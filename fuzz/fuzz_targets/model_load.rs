//! The model loader on hostile bytes. The first byte picks how the rest is used:
//!
//! - 0: as the whole file (almost always stopped by magic, length or checksum);
//! - 1: as the whole file with magic, version, length and checksum rewritten to be right, so
//!   the section table and the sections themselves are what is tested;
//! - 2: as a length at which the fixture or the CMU model is cut (header kept or fixed up);
//! - 3, 4: as a list of edits (`unspin_fuzz::edit`) to the sections of the fixture model (3) or
//!   of the CMU-LM model (4), after which the container is rebuilt with a valid checksum: this
//!   is what reaches the lexicon, LM, fingerprint and parameter parsers.
//!
//! Loading must give an error or a model; a model that loads must check and restore probe
//! texts without panicking, with valid spans. The body is `unspin_fuzz::model_load`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = unspin_fuzz::model_load(data, unspin_fuzz::skip_known());
});
