//! Liveness, readiness and metrics.

use actix_web::{HttpResponse, web};

use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

#[utoipa::path(get, path = "/healthz", tag = "operations", operation_id = "get_health",
    responses((status = 200, description = "The process is up", body = String, example = "ok")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok")
}

#[utoipa::path(get, path = "/readyz", tag = "operations", operation_id = "get_readiness",
    responses(
        (status = 200, description = "The database answers", body = String, example = "ready"),
        (status = 503, description = "The database does not answer", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    if state.db.ping().await {
        Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ready"))
    } else {
        Err(ApiError::Unavailable)
    }
}

#[utoipa::path(get, path = "/metrics", tag = "operations", operation_id = "get_metrics",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    // Gauges of the database's state, read when scraped; a failed read leaves the last values.
    if let Ok(by_status) = crate::store::wishes::count_by_status(&state.db).await {
        for (status, n) in by_status {
            metrics::gauge!("microwish_wishes", "status" => status).set(n as f64);
        }
    }
    if let Ok(pending) = crate::store::webhooks::pending_count(&state.db).await {
        metrics::gauge!("microwish_webhook_deliveries_pending").set(pending as f64);
    }
    // Present from the first scrape, so a rate over it starts at zero.
    metrics::counter!("webhook_delivery_failures_total").increment(0);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(crate::telemetry::metrics_handle().render())
}
