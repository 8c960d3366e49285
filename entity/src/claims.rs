//! The `claims` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub wish_id: Uuid,
    pub kind: String,
    pub user_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    pub claimed_by: Uuid,
    pub assigned: bool,
    pub claimed_at: DateTimeUtc,
    pub fulfilled_by: Option<Uuid>,
    pub fulfilled_at: Option<DateTimeUtc>,
    pub hours_centi: Option<i32>,
    pub ended_at: Option<DateTimeUtc>,
    pub end_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
