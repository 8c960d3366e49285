//! The `wishes` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "wishes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub community_id: Uuid,
    pub resident_id: Uuid,
    pub title: String,
    pub description: String,
    pub catalogue_item_id: Option<Uuid>,
    pub list: Option<String>,
    pub status: String,
    pub deadline: Option<DateTimeUtc>,
    pub address: Option<String>,
    pub contact_phone: Option<String>,
    pub claimant_kind: Option<String>,
    pub claimant_user_id: Option<Uuid>,
    pub claimant_unit_id: Option<Uuid>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub claimed_at: Option<DateTimeUtc>,
    pub fulfilled_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub hours_centi: Option<i32>,
    pub rating: Option<i16>,
    pub feedback: Option<String>,
    pub review_note: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deadline_reminded_at: Option<DateTimeUtc>,
    /// Seconds from submission to the latest review decision.
    pub review_secs: Option<i64>,
    /// Seconds from the review to the current claim.
    pub claim_secs: Option<i64>,
    /// Seconds from submission to completion.
    pub complete_secs: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
