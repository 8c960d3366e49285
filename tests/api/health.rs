use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_and_readyz_answer_200() {
    let app = spawn_app().await;
    app.get("/healthz", None).await.assert(200);
    app.get("/readyz", None).await.assert(200);
}

#[tokio::test]
async fn metrics_count_requests_by_route_with_latency() {
    let app = spawn_app().await;
    app.get("/healthz", None).await.assert(200);
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = res.text().await.unwrap();
    assert!(text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"}"#), "{text}");
    assert!(text.contains("http_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains(r#"microwish_wishes{status="open"}"#), "{text}");
    assert!(text.contains("microwish_webhook_deliveries_pending"), "{text}");
    assert!(text.contains("webhook_delivery_failures_total"), "{text}");
}
