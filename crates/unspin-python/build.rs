//! Embeds `models/default.unspin` in the extension module when it exists, as the CLI does, so
//! `unspin.Detector()` works straight after `pip install`. Without it the wheel still builds,
//! and `Detector()` asks for `model=PATH`.
//!
//! `UNSPIN_EMBED_MODEL=PATH` embeds another model file; `UNSPIN_EMBED_MODEL=none` embeds none
//! (a small wheel for quick development builds).
use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(embedded_model)");
    println!("cargo:rerun-if-env-changed=UNSPIN_EMBED_MODEL");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../..");
    let chosen = std::env::var("UNSPIN_EMBED_MODEL").ok();
    if chosen.as_deref() == Some("none") {
        return;
    }
    let path = chosen
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("models/default.unspin"));
    // Watching the folder (not only the file) notices a model that appears after a build
    // without one.
    println!("cargo:rerun-if-changed={}", root.join("models").display());
    if path.is_file() {
        println!("cargo:rerun-if-changed={}", path.display());
        println!("cargo:rustc-cfg=embedded_model");
        println!(
            "cargo:rustc-env=UNSPIN_EMBEDDED_MODEL_PATH={}",
            path.canonicalize().unwrap().display()
        );
    }
}
