//! Who may do what to a wish: pure decisions over facts the store gathers.

use super::wish::{WishAction, WishStatus};

use uuid::Uuid;

/// The signed-in person and the roles that do not depend on one wish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub id: Uuid,
    pub is_admin: bool,
    /// Areas this person is staff of (they act on everything below them too).
    pub staff_areas: Vec<Uuid>,
}

impl Caller {
    /// Admins only; `why` tells everyone else what they may not do.
    pub fn require_admin(&self, why: &'static str) -> Result<(), AdminOnly> {
        if self.is_admin { Ok(()) } else { Err(AdminOnly(why)) }
    }

    /// Staff of the area at `path` or of one above it; admins are staff everywhere.
    pub fn is_staff_of(&self, path: &str) -> bool {
        self.is_admin || super::area::is_staff_of(&self.staff_areas, path)
    }
}

/// Refused: the action is for admins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AdminOnly(pub &'static str);

/// What is true of the caller with respect to one wish.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// The resident who submitted the wish.
    pub resident: bool,
    /// Staff of the wish's community or of an area above it (admins count).
    pub staff: bool,
    /// The current claimant: the individual, or an admin of the claimant unit.
    pub claimant: bool,
    /// Any member (admin or member) of the claimant unit.
    pub claimant_unit_member: bool,
    /// Eligible to take this wish in the way the request asks (see [`eligible`]).
    pub eligible: bool,
    /// The background scheduler, not a person.
    pub scheduler: bool,
}

/// How a person would take a wish: for themself, or on behalf of a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Candidate {
    /// An individual: are they an approved party member or volunteer of the community?
    Person { approved_registrant: bool },
    /// A unit: is it a partner of the community, and is the caller one of its admins?
    Unit { partner: bool, admin: bool },
}

/// May this candidate hold a wish of the community?
pub fn eligible(candidate: Candidate) -> bool {
    match candidate {
        Candidate::Person { approved_registrant } => approved_registrant,
        Candidate::Unit { partner, admin } => partner && admin,
    }
}

/// Why an action was refused; the text is shown to the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("只有社区工作人员可以执行此操作")]
    StaffOnly,
    #[error("只有心愿发布人可以执行此操作")]
    ResidentOnly,
    #[error("不能认领自己发布的心愿")]
    OwnWish,
    #[error("只有已报到并审核通过的党员、志愿者或共建单位管理员可以认领")]
    NotEligible,
    #[error("只有当前认领人或社区工作人员可以释放")]
    ClaimantOrStaffOnly,
    #[error("只有当前认领人可以报告完成")]
    ClaimantOnly,
    #[error("此操作只由系统定时执行")]
    SchedulerOnly,
}

/// Decides whether the caller described by `f` may perform `action`.
pub fn authorize(action: WishAction, f: &Facts) -> Result<(), Denied> {
    use WishAction as A;
    let (allowed, denial) = match action {
        A::Approve | A::Return | A::Reject | A::Assign | A::Cancel | A::Reopen => (f.staff, Denied::StaffOnly),
        A::Withdraw | A::Dispute => (f.resident, Denied::ResidentOnly),
        A::Confirm => (f.resident || f.scheduler, Denied::ResidentOnly),
        A::Claim if f.resident => (false, Denied::OwnWish),
        A::Claim => (f.eligible, Denied::NotEligible),
        A::Release => (f.claimant || f.staff, Denied::ClaimantOrStaffOnly),
        A::Fulfil => (f.claimant || f.claimant_unit_member, Denied::ClaimantOnly),
        A::Expire => (f.scheduler, Denied::SchedulerOnly),
    };
    if allowed { Ok(()) } else { Err(denial) }
}

/// May the caller edit the wish (PATCH)? Only its resident.
pub fn authorize_edit(f: &Facts) -> Result<(), Denied> {
    if f.resident { Ok(()) } else { Err(Denied::ResidentOnly) }
}

/// May the caller know the wish exists at all?
pub fn can_view(status: WishStatus, f: &Facts) -> bool {
    status.is_public() || f.resident || f.staff
}

/// May the caller see the address and contact phone?
pub fn sees_contact(f: &Facts) -> bool {
    f.resident || f.staff || f.claimant || f.claimant_unit_member
}

/// May the caller see the resident's full name?
pub fn sees_full_name(f: &Facts) -> bool {
    f.resident || f.staff
}

#[cfg(test)]
mod tests {
    use super::*;
    use WishAction as A;

    fn who(name: &str) -> Facts {
        let mut f = Facts::default();
        match name {
            "resident" => f.resident = true,
            "staff" => f.staff = true,
            "claimant" => {
                f.claimant = true;
                f.claimant_unit_member = true;
            }
            "unit_member" => f.claimant_unit_member = true,
            "eligible" => f.eligible = true,
            "scheduler" => f.scheduler = true,
            "stranger" => {}
            // A resident who is also a registered volunteer of their own community.
            "eligible_resident" => {
                f.resident = true;
                f.eligible = true;
            }
            other => panic!("unknown role {other}"),
        }
        f
    }

    #[test]
    fn the_authorization_table() {
        // action: the roles allowed; every other role is refused.
        let table: &[(WishAction, &[&str])] = &[
            (A::Approve, &["staff"]),
            (A::Return, &["staff"]),
            (A::Reject, &["staff"]),
            (A::Assign, &["staff"]),
            (A::Cancel, &["staff"]),
            (A::Reopen, &["staff"]),
            (A::Withdraw, &["resident", "eligible_resident"]),
            (A::Dispute, &["resident", "eligible_resident"]),
            (A::Confirm, &["resident", "eligible_resident", "scheduler"]),
            (A::Claim, &["eligible"]),
            (A::Release, &["claimant", "staff"]),
            (A::Fulfil, &["claimant", "unit_member"]),
            (A::Expire, &["scheduler"]),
        ];
        let roles =
            ["resident", "staff", "claimant", "unit_member", "eligible", "scheduler", "stranger", "eligible_resident"];
        assert_eq!(table.len(), WishAction::ALL.len());
        for (action, allowed) in table {
            for role in roles {
                let got = authorize(*action, &who(role));
                assert_eq!(got.is_ok(), allowed.contains(&role), "{action} by {role}: {got:?}");
            }
        }
    }

    #[test]
    fn a_resident_cannot_claim_their_own_wish_even_when_eligible() {
        assert_eq!(authorize(A::Claim, &who("eligible_resident")), Err(Denied::OwnWish));
    }

    #[test]
    fn eligibility() {
        assert!(eligible(Candidate::Person { approved_registrant: true }));
        assert!(!eligible(Candidate::Person { approved_registrant: false }));
        assert!(eligible(Candidate::Unit { partner: true, admin: true }));
        assert!(!eligible(Candidate::Unit { partner: true, admin: false }));
        assert!(!eligible(Candidate::Unit { partner: false, admin: true }));
    }

    #[test]
    fn visibility_and_contact_data() {
        for status in WishStatus::ALL {
            assert_eq!(can_view(status, &who("stranger")), status.is_public());
            assert!(can_view(status, &who("resident")));
            assert!(can_view(status, &who("staff")));
        }
        for role in ["resident", "staff", "claimant", "unit_member"] {
            assert!(sees_contact(&who(role)), "{role}");
        }
        for role in ["eligible", "stranger", "scheduler"] {
            assert!(!sees_contact(&who(role)), "{role}");
        }
        assert!(sees_full_name(&who("resident")) && sees_full_name(&who("staff")));
        assert!(!sees_full_name(&who("claimant")));
    }
}
