//! The committed OpenAPI document is the one the code generates and serves.

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_committed_spec_matches_the_code_and_is_served() {
    let generated = microwish::routes::openapi_document();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/api-spec/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "api-spec/openapi.json is out of date: regenerate it with `cargo run -- openapi > api-spec/openapi.json`"
    );
    let app = spawn_app().await;
    let served = app.client.get(app.url("/api-docs/openapi.json")).send().await.unwrap().text().await.unwrap();
    assert_eq!(served, generated);
    let doc: serde_json::Value = serde_json::from_str(&served).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
}

#[tokio::test]
async fn the_browsable_reference_is_served_from_the_binary() {
    let app = spawn_app().await;
    let get = |path: &str| app.client.get(app.url(path)).send();
    let index = get("/api-docs/").await.unwrap();
    assert_eq!(index.status(), 200);
    assert!(index.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = index.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "no asset from a CDN: {html}");
    let bundle = get("/api-docs/swagger-ui-bundle.js").await.unwrap();
    assert_eq!(bundle.status(), 200);
    assert!(bundle.bytes().await.unwrap().len() > 100_000);
    let init = get("/api-docs/swagger-initializer.js").await.unwrap().text().await.unwrap();
    assert!(init.contains("/api-docs/openapi.json"), "{init}");
    let redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let bare = redirect.get(app.url("/api-docs")).send().await.unwrap();
    assert_eq!(bare.status(), 308);
    assert_eq!(bare.headers()["location"], "/api-docs/");
}
