//! The wish state machine: statuses, actions and the one function that
//! decides which action leads where (CONTRACT.md §5).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Where a wish stands in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WishStatus {
    PendingReview,
    Returned,
    Rejected,
    Withdrawn,
    Open,
    Claimed,
    Fulfilled,
    Completed,
    Cancelled,
    Expired,
}

/// Everything that can happen to a wish after it was submitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WishAction {
    Approve,
    Return,
    Reject,
    Withdraw,
    Claim,
    Assign,
    Release,
    Fulfil,
    Confirm,
    Dispute,
    Cancel,
    Expire,
    Reopen,
}

/// The action is not allowed from the wish's current status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a wish that is {from}")]
pub struct InvalidTransition {
    pub from: WishStatus,
    pub action: WishAction,
}

impl WishStatus {
    pub const ALL: [WishStatus; 10] = [
        WishStatus::PendingReview,
        WishStatus::Returned,
        WishStatus::Rejected,
        WishStatus::Withdrawn,
        WishStatus::Open,
        WishStatus::Claimed,
        WishStatus::Fulfilled,
        WishStatus::Completed,
        WishStatus::Cancelled,
        WishStatus::Expired,
    ];

    /// Statuses anyone, even without a token, may see.
    pub const PUBLIC: [WishStatus; 4] =
        [WishStatus::Open, WishStatus::Claimed, WishStatus::Fulfilled, WishStatus::Completed];

    pub fn as_str(self) -> &'static str {
        match self {
            WishStatus::PendingReview => "pending_review",
            WishStatus::Returned => "returned",
            WishStatus::Rejected => "rejected",
            WishStatus::Withdrawn => "withdrawn",
            WishStatus::Open => "open",
            WishStatus::Claimed => "claimed",
            WishStatus::Fulfilled => "fulfilled",
            WishStatus::Completed => "completed",
            WishStatus::Cancelled => "cancelled",
            WishStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The name staff and residents know it by.
    pub fn label(self) -> &'static str {
        match self {
            WishStatus::PendingReview => "待审核",
            WishStatus::Returned => "已退回",
            WishStatus::Rejected => "未通过",
            WishStatus::Withdrawn => "已撤回",
            WishStatus::Open => "待认领",
            WishStatus::Claimed => "已认领",
            WishStatus::Fulfilled => "待确认",
            WishStatus::Completed => "已完成",
            WishStatus::Cancelled => "已取消",
            WishStatus::Expired => "已过期",
        }
    }

    pub fn is_public(self) -> bool {
        Self::PUBLIC.contains(&self)
    }

    /// Over: nothing more will be done for the resident (its contact data is
    /// erased once closed longer than the retention period).
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            WishStatus::Completed
                | WishStatus::Cancelled
                | WishStatus::Expired
                | WishStatus::Rejected
                | WishStatus::Withdrawn
        )
    }

    /// The resident may still edit the wish (PATCH).
    pub fn is_editable(self) -> bool {
        matches!(self, WishStatus::PendingReview | WishStatus::Returned)
    }
}

impl std::fmt::Display for WishStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl WishAction {
    pub const ALL: [WishAction; 13] = [
        WishAction::Approve,
        WishAction::Return,
        WishAction::Reject,
        WishAction::Withdraw,
        WishAction::Claim,
        WishAction::Assign,
        WishAction::Release,
        WishAction::Fulfil,
        WishAction::Confirm,
        WishAction::Dispute,
        WishAction::Cancel,
        WishAction::Expire,
        WishAction::Reopen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WishAction::Approve => "approve",
            WishAction::Return => "return",
            WishAction::Reject => "reject",
            WishAction::Withdraw => "withdraw",
            WishAction::Claim => "claim",
            WishAction::Assign => "assign",
            WishAction::Release => "release",
            WishAction::Fulfil => "fulfil",
            WishAction::Confirm => "confirm",
            WishAction::Dispute => "dispute",
            WishAction::Cancel => "cancel",
            WishAction::Expire => "expire",
            WishAction::Reopen => "reopen",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The notification event this action emits (CONTRACT.md §7).
    pub fn event_name(self) -> &'static str {
        match self {
            WishAction::Approve => "wish.approved",
            WishAction::Return => "wish.returned",
            WishAction::Reject => "wish.rejected",
            WishAction::Withdraw => "wish.withdrawn",
            WishAction::Claim | WishAction::Assign => "wish.claimed",
            WishAction::Release => "wish.released",
            WishAction::Fulfil => "wish.fulfilled",
            WishAction::Confirm => "wish.completed",
            WishAction::Dispute => "wish.disputed",
            WishAction::Cancel => "wish.cancelled",
            WishAction::Expire => "wish.expired",
            WishAction::Reopen => "wish.reopened",
        }
    }
}

impl std::fmt::Display for WishAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The single definition of the wish state machine.
///
/// Every (status, action) pair is listed without a wildcard so that a new
/// status or action does not compile until each pair is decided.
pub fn transition(from: WishStatus, action: WishAction) -> Result<WishStatus, InvalidTransition> {
    use WishAction as A;
    use WishStatus as S;
    let to = match (from, action) {
        (S::PendingReview, A::Approve) => Some(S::Open),
        (S::PendingReview, A::Return) => Some(S::Returned),
        (S::PendingReview, A::Reject) => Some(S::Rejected),
        (S::PendingReview | S::Returned | S::Open, A::Withdraw) => Some(S::Withdrawn),
        (S::Open, A::Claim | A::Assign) => Some(S::Claimed),
        (S::Claimed, A::Release) => Some(S::Open),
        (S::Claimed, A::Fulfil) => Some(S::Fulfilled),
        (S::Fulfilled, A::Confirm) => Some(S::Completed),
        (S::Fulfilled, A::Dispute) => Some(S::Claimed),
        (S::PendingReview | S::Returned | S::Open | S::Claimed | S::Fulfilled, A::Cancel) => Some(S::Cancelled),
        (S::Open, A::Expire) => Some(S::Expired),
        (S::Expired, A::Reopen) => Some(S::Open),

        (S::Returned | S::Rejected | S::Withdrawn | S::Open | S::Claimed, A::Approve)
        | (S::Fulfilled | S::Completed | S::Cancelled | S::Expired, A::Approve)
        | (S::Returned | S::Rejected | S::Withdrawn | S::Open | S::Claimed, A::Return)
        | (S::Fulfilled | S::Completed | S::Cancelled | S::Expired, A::Return)
        | (S::Returned | S::Rejected | S::Withdrawn | S::Open | S::Claimed, A::Reject)
        | (S::Fulfilled | S::Completed | S::Cancelled | S::Expired, A::Reject)
        | (S::Rejected | S::Withdrawn | S::Claimed | S::Fulfilled, A::Withdraw)
        | (S::Completed | S::Cancelled | S::Expired, A::Withdraw)
        | (S::PendingReview | S::Returned | S::Rejected | S::Withdrawn, A::Claim | A::Assign)
        | (S::Claimed | S::Fulfilled | S::Completed, A::Claim | A::Assign)
        | (S::Cancelled | S::Expired, A::Claim | A::Assign)
        | (S::PendingReview | S::Returned | S::Rejected | S::Withdrawn, A::Release)
        | (S::Open | S::Fulfilled | S::Completed | S::Cancelled | S::Expired, A::Release)
        | (S::PendingReview | S::Returned | S::Rejected | S::Withdrawn, A::Fulfil)
        | (S::Open | S::Fulfilled | S::Completed | S::Cancelled | S::Expired, A::Fulfil)
        | (S::PendingReview | S::Returned | S::Rejected | S::Withdrawn, A::Confirm)
        | (S::Open | S::Claimed | S::Completed | S::Cancelled | S::Expired, A::Confirm)
        | (S::PendingReview | S::Returned | S::Rejected | S::Withdrawn, A::Dispute)
        | (S::Open | S::Claimed | S::Completed | S::Cancelled | S::Expired, A::Dispute)
        | (S::Rejected | S::Withdrawn | S::Completed | S::Cancelled | S::Expired, A::Cancel)
        | (S::PendingReview | S::Returned | S::Rejected | S::Withdrawn, A::Expire)
        | (S::Claimed | S::Fulfilled | S::Completed | S::Cancelled | S::Expired, A::Expire)
        | (S::PendingReview | S::Returned | S::Rejected | S::Withdrawn, A::Reopen)
        | (S::Open | S::Claimed | S::Fulfilled | S::Completed | S::Cancelled, A::Reopen) => None,
    };
    to.ok_or(InvalidTransition { from, action })
}

/// Who holds a claimed wish.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimantKind {
    User,
    Unit,
}

impl ClaimantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimantKind::User => "user",
            ClaimantKind::Unit => "unit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ClaimantKind::User => "个人",
            ClaimantKind::Unit => "单位",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(ClaimantKind::User),
            "unit" => Some(ClaimantKind::Unit),
            _ => None,
        }
    }
}

/// The three lists of the service catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceList {
    /// 公共服务
    Public,
    /// 社会服务
    Social,
    /// 志愿服务
    Volunteer,
}

impl ServiceList {
    pub const ALL: [ServiceList; 3] = [ServiceList::Public, ServiceList::Social, ServiceList::Volunteer];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceList::Public => "public",
            ServiceList::Social => "social",
            ServiceList::Volunteer => "volunteer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ServiceList::Public => "公共服务",
            ServiceList::Social => "社会服务",
            ServiceList::Volunteer => "志愿服务",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// Whom staff dispatch a wish to ("派单").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assignee {
    User(Uuid),
    Unit(Uuid),
}

/// An action with its validated arguments, ready for the store.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Approve {
        list: Option<ServiceList>,
        catalogue_item_id: Option<Uuid>,
        deadline: Option<DateTime<Utc>>,
        note: Option<String>,
    },
    Return {
        note: String,
    },
    Reject {
        note: String,
    },
    Withdraw {
        note: Option<String>,
    },
    Claim {
        unit_id: Option<Uuid>,
        note: Option<String>,
    },
    Assign {
        to: Assignee,
    },
    Release {
        note: String,
    },
    Fulfil {
        note: Option<String>,
        hours_centi: i32,
    },
    /// `rating` is `None` only for the scheduler's auto-confirmation.
    Confirm {
        rating: Option<i16>,
        feedback: Option<String>,
    },
    Dispute {
        note: String,
    },
    Cancel {
        note: String,
    },
    Expire,
    Reopen {
        deadline: DateTime<Utc>,
    },
}

impl Command {
    pub fn action(&self) -> WishAction {
        match self {
            Command::Approve { .. } => WishAction::Approve,
            Command::Return { .. } => WishAction::Return,
            Command::Reject { .. } => WishAction::Reject,
            Command::Withdraw { .. } => WishAction::Withdraw,
            Command::Claim { .. } => WishAction::Claim,
            Command::Assign { .. } => WishAction::Assign,
            Command::Release { .. } => WishAction::Release,
            Command::Fulfil { .. } => WishAction::Fulfil,
            Command::Confirm { .. } => WishAction::Confirm,
            Command::Dispute { .. } => WishAction::Dispute,
            Command::Cancel { .. } => WishAction::Cancel,
            Command::Expire => WishAction::Expire,
            Command::Reopen { .. } => WishAction::Reopen,
        }
    }

    /// The note recorded on the event.
    pub fn note(&self) -> Option<&str> {
        match self {
            Command::Approve { note, .. } | Command::Withdraw { note } | Command::Claim { note, .. } => note.as_deref(),
            Command::Fulfil { note, .. } => note.as_deref(),
            Command::Return { note }
            | Command::Reject { note }
            | Command::Release { note }
            | Command::Dispute { note }
            | Command::Cancel { note } => Some(note),
            Command::Confirm { feedback, .. } => feedback.as_deref(),
            Command::Assign { .. } | Command::Expire | Command::Reopen { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use WishAction as A;
    use WishStatus as S;

    /// CONTRACT.md §5, transcribed as (action, from statuses, to).
    const TABLE: &[(WishAction, &[WishStatus], WishStatus)] = &[
        (A::Approve, &[S::PendingReview], S::Open),
        (A::Return, &[S::PendingReview], S::Returned),
        (A::Reject, &[S::PendingReview], S::Rejected),
        (A::Withdraw, &[S::PendingReview, S::Returned, S::Open], S::Withdrawn),
        (A::Claim, &[S::Open], S::Claimed),
        (A::Assign, &[S::Open], S::Claimed),
        (A::Release, &[S::Claimed], S::Open),
        (A::Fulfil, &[S::Claimed], S::Fulfilled),
        (A::Confirm, &[S::Fulfilled], S::Completed),
        (A::Dispute, &[S::Fulfilled], S::Claimed),
        (A::Cancel, &[S::PendingReview, S::Returned, S::Open, S::Claimed, S::Fulfilled], S::Cancelled),
        (A::Expire, &[S::Open], S::Expired),
        (A::Reopen, &[S::Expired], S::Open),
    ];

    #[test]
    fn every_status_action_pair_matches_the_contract_table() {
        assert_eq!(TABLE.len(), WishAction::ALL.len());
        for action in WishAction::ALL {
            let (_, froms, to) = TABLE.iter().find(|(a, _, _)| *a == action).expect("every action is in the table");
            for from in WishStatus::ALL {
                let got = transition(from, action);
                if froms.contains(&from) {
                    assert_eq!(got, Ok(*to), "{action} from {from}");
                } else {
                    assert_eq!(got, Err(InvalidTransition { from, action }), "{action} from {from}");
                }
            }
        }
    }

    #[test]
    fn terminal_statuses_allow_nothing_but_reopen_of_expired() {
        for from in [S::Rejected, S::Withdrawn, S::Completed, S::Cancelled] {
            for action in WishAction::ALL {
                assert!(transition(from, action).is_err(), "{action} from {from}");
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for s in WishStatus::ALL {
            assert_eq!(WishStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).ok(), Some(serde_json::json!(s.as_str())));
        }
        for a in WishAction::ALL {
            assert_eq!(WishAction::parse(a.as_str()), Some(a));
        }
        for l in ServiceList::ALL {
            assert_eq!(ServiceList::parse(l.as_str()), Some(l));
        }
        assert_eq!(WishStatus::parse("nope"), None);
    }
}
