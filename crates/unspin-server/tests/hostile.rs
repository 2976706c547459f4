//! The seeds and regressions of the fuzz target `http`, replayed through its body
//! (`fuzz/src/http.rs`, compiled in here), so that CI runs them.

#[path = "../../../fuzz/src/http.rs"]
mod fuzzhttp;

use std::path::{Path, PathBuf};

fn fuzz_files(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut v = Vec::new();
    for d in ["corpus", "regressions"] {
        if let Ok(rd) = std::fs::read_dir(root.join(d).join(target)) {
            v.extend(rd.map(|e| e.unwrap().path()));
        }
    }
    v.sort();
    v
}

#[test]
fn fuzz_corpora_replay() {
    let files = fuzz_files("http");
    for f in &files {
        eprintln!("http {}", f.display());
        fuzzhttp::http(&std::fs::read(f).unwrap());
    }
    assert!(
        files.len() >= 20,
        "the seed corpus is in fuzz/corpus/http: {} files",
        files.len()
    );
}

const SPUN: &str = "The inventory market fell sharply on Monday.";

/// The seed corpus: `(first byte, request)`.
fn seeds() -> Vec<(u8, Vec<u8>)> {
    let json = |path: &str, body: &str| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    let check = json("/v1/check", &format!("{{\"text\": \"{SPUN}\"}}"));
    let restore = json(
        "/v1/restore",
        "{\"text\": \"\u{e9} \u{1f600} He mentioned the inventory market fell.\"}",
    );
    let deep = json(
        "/v1/check",
        &format!(
            "{{\"text\": \"x\", \"a\": {}{}}}",
            "[".repeat(300),
            "]".repeat(300)
        ),
    );
    let mut out = Vec::new();
    for mode in [0u8, 1] {
        for req in [
            check.clone(),
            restore.clone(),
            deep.clone(),
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            b"GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            b"PUT /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}".to_vec(),
            b"GET /nope/../v1/check?x=1 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            b"POST http://x/v1/restore HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\n{\"text\": \"a\"}\n".to_vec(),
            json("/v1/check", "{\"text\": 5}"),
            json("/v1/check", "[\"text\"]"),
            json("/v1/check", ""),
            json("/v1/check", "{\"text\": \"\\ud800\"}"),
            [&json("/v1/check", "{\"text\": \"a\"}")[..], b"\xff"].concat(),
            json("/v1/check", "{\"text\": \"We apply {profound learning|deep learning} to {the|a} data.\"}"),
            b"POST /v1/check HTTP/1.1\r\nContent-Type: application/vnd.x+json; charset=utf-8\r\nContent-Length: 99999999999\r\n\r\n{}".to_vec(),
        ] {
            out.push((mode, req));
        }
    }
    // A small body limit.
    out.push((
        2,
        json(
            "/v1/check",
            &format!("{{\"text\": \"{}\"}}", "word ".repeat(60)),
        ),
    ));
    out.push((
        3,
        json(
            "/v1/check",
            &format!("{{\"text\": \"{}\"}}", "word ".repeat(60)),
        ),
    ));
    // Raw bytes only: pipelining, chunked bodies, 100-continue, HTTP/1.0, close, garbage.
    let mut pipelined = check.clone();
    pipelined.extend_from_slice(
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nHEAD /healthz HTTP/1.1\r\n\r\n",
    );
    pipelined.extend_from_slice(&restore);
    for req in [
        pipelined,
        b"POST /v1/check HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"tex\r\n9\r\nt\": \"ab\"}\r\n0\r\n\r\n".to_vec(),
        b"POST /v1/check HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
        b"POST /v1/check HTTP/1.1\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 13\r\n\r\n{\"text\": \"a\"}".to_vec(),
        b"GET /healthz HTTP/1.0\r\n\r\n".to_vec(),
        b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n".to_vec(),
        b"POST /v1/check HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"text\":".to_vec(),
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec(),
        b"GET / HTTP/1.1\r\nHost x\r\n\r\n".to_vec(),
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".to_vec(),
    ] {
        out.push((1, req));
    }
    out
}

/// Writes the seed corpus of `http` (`cargo test -p unspin-server --test hostile -- --ignored
/// write_seeds`).
#[test]
#[ignore = "writes the seed corpus"]
fn write_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/http");
    std::fs::create_dir_all(&dir).unwrap();
    for (i, (mode, req)) in seeds().into_iter().enumerate() {
        let mut data = vec![mode];
        data.extend_from_slice(&req);
        let name = String::from_utf8_lossy(&req)
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join("-")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(30)
            .collect::<String>();
        std::fs::write(dir.join(format!("{i:02}-m{mode}-{name}")), data).unwrap();
    }
}
