//! The web page: plain HTML, CSS and JavaScript embedded in the binary, so that it works offline
//! and from a single file, with no build step.

use crate::api::AppState;
use axum::body::Bytes;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// An embedded file.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "/",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../web/index.html"),
    },
    Asset {
        path: "/app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/app.js"),
    },
    Asset {
        path: "/style.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../web/style.css"),
    },
    Asset {
        path: "/favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../web/favicon.svg"),
    },
    Asset {
        path: "/example.txt",
        content_type: "text/plain; charset=utf-8",
        body: include_bytes!("../web/example.txt"),
    },
];

/// Scripts and styles come from this origin only, and the page talks to this origin only: no
/// inline script can run even if a text were ever rendered unescaped.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn respond(a: &'static Asset, body: Bytes) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(a.content_type),
    );
    // Revalidate on every load: the assets change with the binary, and they are small.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if a.content_type.starts_with("text/html") {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    r
}

/// The page's routes (GET and HEAD). The page is told the engine's `min_words` (in a
/// `data-min-words` attribute of its root element), below which every text is "unsure", so that
/// it says why a text is "unsure" rightly whatever `--param` the server was started with.
pub(crate) fn routes(min_words: f32) -> Router<AppState> {
    ASSETS.iter().fold(Router::new(), |r, a| {
        let body = if a.path == "/" {
            Bytes::from(with_min_words(a.body, min_words))
        } else {
            Bytes::from_static(a.body)
        };
        r.route(a.path, get(move || async move { respond(a, body) }))
    })
}

/// The page's HTML with `min_words` in its root element's `data-min-words`.
fn with_min_words(page: &[u8], min_words: f32) -> Vec<u8> {
    let html = String::from_utf8_lossy(page);
    html.replacen(
        "<html lang=\"en\">",
        &format!("<html lang=\"en\" data-min-words=\"{min_words}\">"),
        1,
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_carries_min_words() {
        let page = with_min_words(ASSETS[0].body, 40.0);
        let page = String::from_utf8(page).unwrap();
        assert!(
            page.contains("<html lang=\"en\" data-min-words=\"40\">"),
            "{page}"
        );
        // Every other byte as embedded.
        assert_eq!(
            page.replacen(" data-min-words=\"40\"", "", 1).as_bytes(),
            ASSETS[0].body
        );
    }
}
