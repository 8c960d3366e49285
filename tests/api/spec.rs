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
