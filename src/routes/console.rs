//! The staff console (社区工作台) at `/console/`: static files compiled into
//! the binary, talking to the public API only. Nothing is fetched from the
//! internet, and a strict Content-Security-Policy allows scripts and styles
//! from this origin alone.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};

use crate::error::ApiError;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "index.html",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../../console/index.html"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../console/app.js"),
    },
    Asset {
        name: "style.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../console/style.css"),
    },
];

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                   form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Debug builds read the files from `MICROWISH_CONSOLE_DIR` when it is set,
/// so the console can be edited without rebuilding; release builds never do.
fn body(asset: &Asset) -> Bytes {
    #[cfg(debug_assertions)]
    if let Some(dir) = std::env::var_os("MICROWISH_CONSOLE_DIR")
        && let Ok(bytes) = std::fs::read(std::path::Path::new(&dir).join(asset.name))
    {
        return Bytes::from(bytes);
    }
    // The compiled-in copy, served without copying it.
    Bytes::from_static(asset.body)
}

fn serve(name: &str) -> Result<HttpResponse, ApiError> {
    let asset = ASSETS.iter().find(|a| a.name == name).ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        // Small files that change with the binary: revalidate every time.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body(asset)))
}

/// `GET /console/`
pub async fn index() -> Result<HttpResponse, ApiError> {
    serve("index.html")
}

/// `GET /console/{file}`
pub async fn asset(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    serve(&file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_what_the_binary_serves() {
        let page = std::str::from_utf8(ASSETS[0].body).unwrap_or_default();
        assert!(!page.contains("http://") && !page.contains("https://"), "no remote assets");
        for a in ASSETS {
            assert!(!a.body.is_empty(), "{} is empty", a.name);
        }
    }
}
