//! The web application's pages (agent desktop, supervisor console, reports): one HTML shell
//! for every page and the bundle built from `web/` (committed, so that neither `cargo build`
//! nor the README's run command needs Node; the test command rebuilds it from the lockfile
//! and fails if it differs). The shell picks the page from the path.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;

/// The pages, each served the same shell.
pub const PAGES: [&str; 3] = ["/agent", "/supervisor", "/reports"];

const SHELL: &str = include_str!("../assets/web/index.html");
const SCRIPT: &str = include_str!("../assets/web/app.js");
const STYLE: &str = include_str!("../assets/web/app.css");

/// Revalidate every time: the assets change with the binary, and are small.
const NO_CACHE: (axum::http::HeaderName, &str) = (CACHE_CONTROL, "no-cache");

pub fn router<S: Clone + Send + Sync + 'static>() -> axum::Router<S> {
    let mut router = axum::Router::new()
        .route(
            "/assets/app.js",
            get(|| async {
                (
                    [(CONTENT_TYPE, "text/javascript; charset=utf-8"), NO_CACHE],
                    SCRIPT,
                )
            }),
        )
        .route(
            "/assets/app.css",
            get(|| async { ([(CONTENT_TYPE, "text/css; charset=utf-8"), NO_CACHE], STYLE) }),
        );
    for page in PAGES {
        router = router.route(page, get(shell));
    }
    router
}

async fn shell() -> impl IntoResponse {
    ([NO_CACHE], axum::response::Html(SHELL))
}
