//! The route table and the OpenAPI document built from the handlers' annotations.

use actix_web::{HttpResponse, Resource, Route, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::ApiError;

pub mod areas;
pub mod auth;
pub mod catalogue;
pub mod community;
pub mod console;
pub mod health;
pub mod me;
pub mod notifications;
pub mod stats;
pub mod timebank;
pub mod webhooks;
pub mod wishes;

/// A resource whose undeclared methods answer 405 as a problem.
fn resource(path: &str, routes: impl IntoIterator<Item = Route>) -> Resource {
    let mut r =
        web::resource(path).default_service(web::to(|| async { Err::<HttpResponse, _>(ApiError::MethodNotAllowed) }));
    for route in routes {
        r = r.route(route);
    }
    r
}

/// Every route of the service, in one place.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, patch, post};
    cfg.service(resource("/healthz", [get().to(health::healthz)]))
        .service(resource("/readyz", [get().to(health::readyz)]))
        .service(resource("/metrics", [get().to(health::metrics)]))
        .service(resource(
            "/console",
            [get()
                .to(|| async { HttpResponse::PermanentRedirect().insert_header(("location", "/console/")).finish() })],
        ))
        .service(resource("/console/", [get().to(console::index)]))
        .service(resource("/console/{file}", [get().to(console::asset)]))
        .service(resource("/api-docs/openapi.json", [get().to(openapi_json)]))
        .service(resource(
            "/api-docs",
            [get()
                .to(|| async { HttpResponse::PermanentRedirect().insert_header(("location", "/api-docs/")).finish() })],
        ))
        // The browsable reference: Swagger UI's assets are compiled into the binary (no CDN).
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/api-docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::new(["/api-docs/openapi.json"]).try_it_out_enabled(true)),
        )
        .service(
            web::scope("/api/v1")
                .service(resource("/auth/register", [post().to(auth::register)]))
                .service(resource("/auth/login", [post().to(auth::login)]))
                .service(resource("/auth/refresh", [post().to(auth::refresh)]))
                .service(resource("/auth/logout", [post().to(auth::logout)]))
                .service(resource("/me", [get().to(me::get_me), patch().to(me::update_me)]))
                .service(resource("/me/password", [post().to(me::change_password)]))
                .service(resource("/me/matches", [get().to(catalogue::list_my_matches)]))
                .service(resource("/me/time-bank", [get().to(timebank::get_my_time_bank)]))
                .service(resource("/communities/{id}/leaderboard", [get().to(timebank::get_leaderboard)]))
                .service(resource("/me/notifications", [get().to(notifications::list_notifications)]))
                .service(resource("/me/notifications/read-all", [post().to(notifications::read_all_notifications)]))
                .service(resource("/me/notifications/{id}/read", [post().to(notifications::read_notification)]))
                .service(resource(
                    "/catalogue",
                    [get().to(catalogue::list_catalogue), post().to(catalogue::create_catalogue_item)],
                ))
                .service(resource(
                    "/catalogue/{id}",
                    [get().to(catalogue::get_catalogue_item), patch().to(catalogue::update_catalogue_item)],
                ))
                .service(resource("/offers", [get().to(catalogue::list_offers), post().to(catalogue::create_offer)]))
                .service(resource("/offers/{id}", [delete().to(catalogue::delete_offer)]))
                .service(resource("/areas", [get().to(areas::list_areas), post().to(areas::create_area)]))
                .service(resource("/areas/{id}", [get().to(areas::get_area)]))
                .service(resource("/areas/{id}/staff", [post().to(areas::add_staff)]))
                .service(resource("/areas/{id}/stats", [get().to(stats::get_area_stats)]))
                .service(resource("/areas/{id}/wishes.csv", [get().to(stats::export_area_wishes)]))
                .service(resource("/areas/{id}/staff/{user_id}", [delete().to(areas::remove_staff)]))
                .service(resource(
                    "/communities/{id}/registrations",
                    [get().to(community::list_registrations), post().to(community::create_registration)],
                ))
                .service(resource("/registrations/{id}/approve", [post().to(community::approve_registration)]))
                .service(resource("/registrations/{id}/reject", [post().to(community::reject_registration)]))
                .service(resource("/units", [post().to(community::create_unit)]))
                .service(resource("/units/{id}/members", [post().to(community::add_unit_member)]))
                .service(resource(
                    "/communities/{id}/partners",
                    [get().to(community::list_partners), post().to(community::add_partner)],
                ))
                .service(resource(
                    "/webhooks",
                    [get().to(webhooks::list_webhooks), post().to(webhooks::create_webhook)],
                ))
                .service(resource(
                    "/webhooks/{id}",
                    [get().to(webhooks::get_webhook), delete().to(webhooks::delete_webhook)],
                ))
                .service(resource("/webhooks/{id}/deliveries", [get().to(webhooks::list_webhook_deliveries)]))
                .service(resource(
                    "/webhooks/{id}/deliveries/{delivery_id}/retry",
                    [post().to(webhooks::retry_webhook_delivery)],
                ))
                .service(resource("/wishes", [get().to(wishes::list_wishes), post().to(wishes::create_wish)]))
                .service(resource("/wishes/{id}", [get().to(wishes::get_wish), patch().to(wishes::update_wish)]))
                .service(resource("/wishes/{id}/events", [get().to(wishes::list_wish_events)]))
                .service(resource("/wishes/{id}/matches", [get().to(catalogue::list_wish_matches)]))
                .service(resource("/wishes/{id}/approve", [post().to(wishes::approve_wish)]))
                .service(resource("/wishes/{id}/return", [post().to(wishes::return_wish)]))
                .service(resource("/wishes/{id}/reject", [post().to(wishes::reject_wish)]))
                .service(resource("/wishes/{id}/withdraw", [post().to(wishes::withdraw_wish)]))
                .service(resource("/wishes/{id}/claim", [post().to(wishes::claim_wish)]))
                .service(resource("/wishes/{id}/assign", [post().to(wishes::assign_wish)]))
                .service(resource("/wishes/{id}/release", [post().to(wishes::release_wish)]))
                .service(resource("/wishes/{id}/fulfil", [post().to(wishes::fulfil_wish)]))
                .service(resource("/wishes/{id}/confirm", [post().to(wishes::confirm_wish)]))
                .service(resource("/wishes/{id}/dispute", [post().to(wishes::dispute_wish)]))
                .service(resource("/wishes/{id}/cancel", [post().to(wishes::cancel_wish)]))
                .service(resource("/wishes/{id}/expire", [post().to(wishes::expire_wish)]))
                .service(resource("/wishes/{id}/reopen", [post().to(wishes::reopen_wish)])),
        );
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// The OpenAPI 3.1 document of the API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "microwish",
        description = "社区微心愿(三单制)服务接口:居民点单、社区审单、组织或个人领单。Community micro-wish matching under the three-list model.",
        license(name = "MIT")
    ),
    paths(
        health::healthz, health::readyz, health::metrics,
        auth::register, auth::login, auth::refresh, auth::logout,
        me::get_me, me::update_me, me::change_password,
        areas::create_area, areas::list_areas, areas::get_area, areas::add_staff, areas::remove_staff,
        community::create_registration, community::list_registrations, community::approve_registration,
        community::reject_registration, community::create_unit, community::add_unit_member,
        community::add_partner, community::list_partners,
        wishes::create_wish, wishes::list_wishes, wishes::get_wish, wishes::update_wish, wishes::list_wish_events,
        wishes::approve_wish, wishes::return_wish, wishes::reject_wish, wishes::withdraw_wish,
        wishes::claim_wish, wishes::assign_wish, wishes::release_wish, wishes::fulfil_wish,
        wishes::confirm_wish, wishes::dispute_wish, wishes::cancel_wish, wishes::expire_wish, wishes::reopen_wish,
        catalogue::list_catalogue, catalogue::get_catalogue_item, catalogue::create_catalogue_item,
        catalogue::update_catalogue_item, catalogue::create_offer, catalogue::list_offers, catalogue::delete_offer,
        catalogue::list_wish_matches, catalogue::list_my_matches,
        notifications::list_notifications, notifications::read_notification, notifications::read_all_notifications,
        webhooks::create_webhook, webhooks::list_webhooks, webhooks::get_webhook, webhooks::delete_webhook,
        webhooks::list_webhook_deliveries, webhooks::retry_webhook_delivery,
        timebank::get_my_time_bank, timebank::get_leaderboard,
        stats::get_area_stats, stats::export_area_wishes,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "注册、登录、令牌与个人资料"),
        (name = "areas", description = "市、县区、街镇、社区与工作人员"),
        (name = "community", description = "报到、共建单位与成员"),
        (name = "wishes", description = "微心愿:点单、查看、修改、时间线"),
        (name = "catalogue", description = "三张清单的服务目录、服务供给与匹配"),
        (name = "wish actions", description = "审单、领单、派单、完成、确认等状态流转"),
        (name = "notifications", description = "站内通知"),
        (name = "webhooks", description = "事件订阅(Standard Webhooks 签名)与投递记录"),
        (name = "time bank", description = "时间银行与排行榜"),
        (name = "statistics", description = "区域统计与心愿导出"),
        (name = "operations", description = "健康检查与监控指标"),
    )
)]
pub struct ApiDoc;

/// The document as served and as committed in `api-spec/openapi.json`.
pub fn openapi_document() -> String {
    let mut doc = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    doc.push('\n');
    doc
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(openapi_document())
}
