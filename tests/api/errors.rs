//! Bad input gets a problem response and changes nothing; never a 5xx.

use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    for body in ["{", "not json", "[]", "\"x\"", r#"{"phone": 1, "password": "x"}"#] {
        let res = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{body}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let p: serde_json::Value = res.json().await.unwrap();
        assert_eq!(p["code"], "malformed_request");
        assert_eq!(p["status"], 400);
        assert!(p["type"].is_string() && p["title"].is_string() && p["detail"].is_string());
    }
}

#[tokio::test]
async fn invalid_values_are_422_with_every_field_named() {
    let app = spawn_app().await;
    let res = app
        .post("/api/v1/auth/register", None, json!({"phone": "12345", "password": "short", "display_name": ""}))
        .await;
    res.assert_problem(422, "validation_failed");
    let mut fields: Vec<&str> =
        res.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["display_name", "password", "phone"]);
    let missing = app.post("/api/v1/auth/register", None, json!({"phone": "13912345678"})).await;
    missing.assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn bodies_over_64_kib_are_413() {
    let app = spawn_app().await;
    let big = json!({"phone": "13912345678", "password": "x".repeat(70 * 1024), "display_name": "x"});
    app.post("/api/v1/auth/register", None, big).await.assert_problem(413, "payload_too_large");
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_as_problems() {
    let app = spawn_app().await;
    app.get("/api/v1/nothing-here", None).await.assert_problem(404, "not_found");
    app.send(Method::DELETE, "/api/v1/auth/login", None, None, &[]).await.assert_problem(405, "method_not_allowed");
    app.get("/api/v1/wishes/not-a-uuid", None).await.assert_problem(404, "not_found");
    app.get("/api/v1/wishes?limit=1000", None).await.assert_problem(400, "malformed_request");
    app.get("/api/v1/wishes?status=nonsense", None).await.assert_problem(400, "malformed_request");
    app.get("/api/v1/wishes?cursor=%%%", None).await.assert_problem(400, "malformed_request");
}
