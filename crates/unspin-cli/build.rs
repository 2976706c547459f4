//! Embeds `models/default.unspin` when it exists, so `target/release/unspin` works with no
//! files beside it. Without it the binary still builds and asks for `--model`.
use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(embedded_model)");
    println!("cargo:rerun-if-env-changed=UNSPIN_EMBED_MODEL");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../..");
    let path = std::env::var("UNSPIN_EMBED_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("models/default.unspin"));
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
