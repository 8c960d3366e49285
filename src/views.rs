//! API representations shared by the handlers and the event outbox.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::fields::{hours_from_centi, mask_name};
use crate::domain::policy::{self, Facts};
use crate::domain::wish::{ClaimantKind, ServiceList, WishStatus};
use crate::store::wishes::WishRecord;

/// Who holds a wish.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClaimantView {
    pub kind: ClaimantKind,
    pub id: Uuid,
    pub name: String,
}

/// A wish as the caller may see it: the resident's name is masked and the
/// contact fields are `null` unless the caller is entitled to them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WishView {
    pub id: Uuid,
    pub community_id: Uuid,
    pub resident_id: Uuid,
    /// Full for the resident and staff; otherwise masked ("王*").
    #[schema(example = "王*")]
    pub resident_name: String,
    #[schema(example = "为卧床老人借一台轮椅")]
    pub title: String,
    #[schema(example = "家中老人术后卧床,需要轮椅一个月")]
    pub description: String,
    pub catalogue_item_id: Option<Uuid>,
    pub list: Option<ServiceList>,
    pub status: WishStatus,
    pub deadline: Option<DateTime<Utc>>,
    /// Only for the resident, staff of the community and the current claimant.
    #[schema(example = "青山湖区湖坊镇某小区3栋2单元")]
    pub address: Option<String>,
    /// Only for the resident, staff of the community and the current claimant.
    pub contact_phone: Option<String>,
    pub claimant: Option<ClaimantView>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub fulfilled_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Hours of service reported at fulfilment.
    #[schema(example = 2.5)]
    pub hours: Option<f64>,
    pub rating: Option<i16>,
    pub feedback: Option<String>,
    /// The reviewer's note; only for the resident and staff.
    pub review_note: Option<String>,
    /// Increases with every change; the `ETag`, and what `If-Match` compares.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl WishView {
    /// Renders `rec` for a caller who sees the full name and/or the contact fields.
    pub fn render(rec: &WishRecord, full_name: bool, contact: bool) -> Self {
        let w = &rec.wish;
        let claimant = crate::store::wishes::claimant_of(w).map(|(kind, id)| ClaimantView {
            kind,
            id,
            name: rec.claimant_name.clone().unwrap_or_default(),
        });
        WishView {
            id: w.id,
            community_id: w.community_id,
            resident_id: w.resident_id,
            resident_name: if full_name { rec.resident_name.clone() } else { mask_name(&rec.resident_name) },
            title: w.title.clone(),
            description: w.description.clone(),
            catalogue_item_id: w.catalogue_item_id,
            list: w.list.as_deref().and_then(ServiceList::parse),
            status: rec.status(),
            deadline: w.deadline,
            address: if contact { w.address.clone() } else { None },
            contact_phone: if contact { w.contact_phone.clone() } else { None },
            claimant,
            claimed_at: w.claimed_at,
            fulfilled_at: w.fulfilled_at,
            completed_at: w.completed_at,
            hours: w.hours_centi.map(hours_from_centi),
            rating: w.rating,
            feedback: w.feedback.clone(),
            review_note: if full_name { w.review_note.clone() } else { None },
            version: w.version,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }

    /// Renders `rec` for a caller described by `f`.
    pub fn for_viewer(rec: &WishRecord, f: &Facts) -> Self {
        Self::render(rec, policy::sees_full_name(f), policy::sees_contact(f))
    }
}
