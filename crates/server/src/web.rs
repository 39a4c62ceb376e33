//! The three web apps and the API docs page, built by `npm run build` in `web/` and embedded
//! in the binary (read from disk in debug builds). `/` is the customer H5 app, `/worker/`
//! the worker PWA, `/admin/` the console, `/api/docs/` the API reference. Unknown paths
//! inside an app get its `index.html` (client-side routing). In development,
//! `server.dev_proxy` forwards these paths to a Vite dev server instead.

use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web/dist/"]
// An unbuilt checkout still compiles, whatever a build script shared through the target
// directory did or did not create.
#[allow_missing = true]
struct Dist;

/// True when the web apps were built before this binary (or, in debug, are on disk now).
pub fn built() -> bool {
    Dist::get("customer/index.html").is_some()
}

/// Which app serves a path, and the path inside it.
fn locate(path: &str) -> (&'static str, &str) {
    let path = path.trim_start_matches('/');
    for (prefix, app) in [
        ("worker/", "worker"),
        ("admin/", "admin"),
        ("api/docs/", "docs"),
    ] {
        if let Some(rest) = path.strip_prefix(prefix) {
            return (app, rest);
        }
    }
    ("customer", path)
}

/// Serves a web-app path.
pub async fn serve(State(state): State<AppState>, req: Request) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    if let Some(base) = &state.config.server.dev_proxy {
        return proxy(base, req.uri()).await;
    }
    let path = req.uri().path();
    match path {
        "/worker" | "/admin" | "/api/docs" => {
            return Redirect::permanent(&format!("{path}/")).into_response();
        }
        _ => {}
    }
    let (app, rest) = locate(path);
    let file = if rest.is_empty() {
        "index.html".to_string()
    } else {
        rest.to_string()
    };
    if let Some(res) = asset(&format!("{app}/{file}")) {
        return res;
    }
    // A path that looks like a file is a real 404; anything else is a client-side route.
    let looks_like_file = file
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'));
    if !looks_like_file && let Some(res) = asset(&format!("{app}/index.html")) {
        return res;
    }
    if !built() {
        return not_built();
    }
    (StatusCode::NOT_FOUND, "not found").into_response()
}

fn asset(path: &str) -> Option<Response> {
    let file = Dist::get(path)?;
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let cache = if path.contains("/assets/") {
        "public, max-age=31536000, immutable"
    } else {
        // index.html, the service worker and the manifest must be revalidated, so a new
        // release reaches phones promptly.
        "no-cache"
    };
    let mut res = Response::new(Body::from(file.data.into_owned()));
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if path.ends_with("sw.js") {
        h.insert(
            "service-worker-allowed",
            HeaderValue::from_static("/worker/"),
        );
    }
    Some(res)
}

fn not_built() -> Response {
    let html = "<!doctype html><meta charset=utf-8><title>Daojia</title>\
        <h1>The web apps are not built</h1>\
        <p>Run <code>npm --prefix web ci &amp;&amp; npm --prefix web run build</code>, then rebuild <code>daojia</code> \
        (or use <code>scripts/demo.sh</code>, which does both). The API is up: see <a href=/healthz>/healthz</a>.</p>";
    let mut res = (StatusCode::SERVICE_UNAVAILABLE, html).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

async fn proxy(base: &str, uri: &Uri) -> Response {
    let target = format!(
        "{}{}",
        base.trim_end_matches('/'),
        uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    );
    match reqwest::get(&target).await {
        Ok(upstream) => {
            let status =
                StatusCode::from_u16(upstream.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let ct = upstream
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok());
            let body = upstream.bytes().await.unwrap_or_default();
            let mut res = (status, body).into_response();
            if let Some(ct) = ct {
                res.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            res
        }
        Err(e) => (
            StatusCode::BAD_GATEWAY,
            format!("dev proxy: cannot reach {base}: {e}"),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn each_path_belongs_to_one_app() {
        assert_eq!(locate("/"), ("customer", ""));
        assert_eq!(locate("/orders/1"), ("customer", "orders/1"));
        assert_eq!(locate("/worker/"), ("worker", ""));
        assert_eq!(locate("/worker/assets/a.js"), ("worker", "assets/a.js"));
        assert_eq!(locate("/admin/staff"), ("admin", "staff"));
        assert_eq!(locate("/api/docs/index.html"), ("docs", "index.html"));
    }
}
