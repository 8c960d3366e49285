//! A property test: random sequences of actions by random actors, run against
//! the real service and against a reference model small enough to read at a
//! glance. After every sequence: each wish's status and claimant equal the
//! model's, no wish has two live claims, the event log replays to the current
//! status, and the time bank holds exactly the hours of the completions.

use std::collections::HashMap;

use proptest::prelude::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, User, spawn_app};

const WISHES: usize = 2;
/// Actors: the resident, staff, two approved volunteers, another resident.
const ACTORS: [&str; 5] = ["resident", "staff", "v0", "v1", "stranger"];
const ACTIONS: [&str; 10] =
    ["approve", "return", "reject", "withdraw", "claim", "release", "fulfil", "confirm", "dispute", "cancel"];

#[derive(Clone, Debug)]
struct Op {
    wish: usize,
    action: &'static str,
    actor: &'static str,
    /// Quarter hours reported by `fulfil`.
    quarters: i64,
}

/// Who would normally take an action; most ops use such an actor so that
/// sequences get far, the rest use anyone to probe what must be refused.
fn natural(action: &str, coin: usize) -> &'static str {
    match action {
        "approve" | "return" | "reject" | "cancel" => "staff",
        "withdraw" | "confirm" | "dispute" => "resident",
        "release" if coin % 3 == 0 => "staff",
        _ => ["v0", "v1"][coin % 2],
    }
}

fn op() -> impl Strategy<Value = Op> {
    (0..WISHES, prop::sample::select(&ACTIONS[..]), prop::sample::select(&ACTORS[..]), 0..10usize, 1..20i64).prop_map(
        |(wish, action, anyone, coin, quarters)| {
            let actor = if coin < 6 { natural(action, coin) } else { anyone };
            Op { wish, action, actor, quarters }
        },
    )
}

/// The reference model of one wish.
#[derive(Clone, Debug)]
struct Wish {
    status: &'static str,
    claimant: Option<&'static str>,
    hours_centi: i64,
}

/// What the model says an action does: the next state, or `None` when it must be refused.
fn step(w: &Wish, op: &Op) -> Option<Wish> {
    let (s, who) = (w.status, op.actor);
    let staff = who == "staff";
    let to = |status| Some(Wish { status, ..w.clone() });
    match op.action {
        "approve" if staff && s == "pending_review" => to("open"),
        "return" if staff && s == "pending_review" => to("returned"),
        "reject" if staff && s == "pending_review" => to("rejected"),
        "withdraw" if who == "resident" && ["pending_review", "returned", "open"].contains(&s) => to("withdrawn"),
        "claim" if who.starts_with('v') && s == "open" => {
            Some(Wish { status: "claimed", claimant: Some(who), ..w.clone() })
        }
        "release" if (staff || w.claimant == Some(who)) && s == "claimed" => {
            Some(Wish { status: "open", claimant: None, hours_centi: 0 })
        }
        "fulfil" if w.claimant == Some(who) && s == "claimed" => {
            Some(Wish { status: "fulfilled", hours_centi: op.quarters * 25, ..w.clone() })
        }
        "confirm" if who == "resident" && s == "fulfilled" => to("completed"),
        "dispute" if who == "resident" && s == "fulfilled" => {
            Some(Wish { status: "claimed", hours_centi: 0, ..w.clone() })
        }
        "cancel" if staff && ["pending_review", "returned", "open", "claimed", "fulfilled"].contains(&s) => {
            Some(Wish { status: "cancelled", claimant: None, hours_centi: 0 })
        }
        _ => None,
    }
}

fn body(op: &Op) -> Value {
    match op.action {
        "return" | "reject" | "release" | "dispute" | "cancel" => json!({"note": "模型测试"}),
        "fulfil" => json!({"hours": op.quarters as f64 / 4.0}),
        "confirm" => json!({"rating": 5}),
        _ => json!({}),
    }
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let app = spawn_app().await;
    let city = app.city().await;
    let mut people: HashMap<&str, User> = HashMap::new();
    people.insert("resident", app.resident(city.community, "王秀英").await);
    people.insert("stranger", app.resident(city.community, "李桂兰").await);
    people.insert("v0", app.volunteer(city.community, &city.staff, "熊卫东").await);
    people.insert("v1", app.volunteer(city.community, &city.staff, "胡建国").await);
    people.insert("staff", city.staff.clone());
    let mut ids = Vec::new();
    let mut model = Vec::new();
    for i in 0..WISHES {
        ids.push(app.submit(&people["resident"], &format!("心愿{i}")).await);
        model.push(Wish { status: "pending_review", claimant: None, hours_centi: 0 });
    }
    let mut credited: HashMap<&str, i64> = HashMap::new();
    for op in &ops {
        let expected = step(&model[op.wish], op);
        let res = app.act(ids[op.wish], op.action, &people[op.actor], body(op)).await;
        prop_assert_eq!(res.status.is_success(), expected.is_some(), "{:?} answered {} {}", op, res.status, res.body);
        if !res.status.is_success() {
            prop_assert!(res.status.is_client_error(), "{:?} answered {}", op, res.status);
        }
        if let Some(next) = expected {
            if op.action == "confirm" {
                *credited.entry(next.claimant.unwrap_or("?")).or_default() += next.hours_centi;
            }
            model[op.wish] = next;
        }
    }
    check(&app, &ids, &model, &people, &credited).await
}

async fn check(
    app: &TestApp,
    ids: &[Uuid],
    model: &[Wish],
    people: &HashMap<&str, User>,
    credited: &HashMap<&str, i64>,
) -> Result<(), TestCaseError> {
    let db = app.state.db.read();
    for (id, want) in ids.iter().zip(model) {
        let got = app.wish(*id, Some(&people["staff"].token)).await;
        prop_assert_eq!(got.body["status"].as_str(), Some(want.status));
        let holder = want.claimant.map(|c| json!(people[c].id)).unwrap_or(Value::Null);
        prop_assert_eq!(&got.body["claimant"].get("id").cloned().unwrap_or(Value::Null), &holder);
        // At most one live claim, and it is the model's claimant's.
        let live = entity::claims::Entity::find()
            .filter(entity::claims::Column::WishId.eq(*id))
            .filter(entity::claims::Column::EndedAt.is_null())
            .all(db)
            .await
            .unwrap();
        prop_assert!(live.len() <= 1, "{} live claims on {}", live.len(), id);
        let holds = matches!(want.status, "claimed" | "fulfilled" | "completed");
        prop_assert_eq!(live.len(), usize::from(holds));
        // The event log replays to the current status.
        let events = app.get(&format!("/api/v1/wishes/{id}/events"), Some(&people["staff"].token)).await;
        let mut at: Option<String> = None;
        for e in events.body.as_array().unwrap() {
            prop_assert_eq!(e["from_status"].as_str().map(str::to_owned), at.clone(), "chain broken at {}", e);
            at = e["to_status"].as_str().map(str::to_owned);
        }
        prop_assert_eq!(at.as_deref(), Some(want.status));
    }
    // Hours are credited once per completion, to whom the model says, and sum to zero.
    let entries = entity::ledger_entries::Entity::find().all(db).await.unwrap();
    prop_assert_eq!(entries.iter().map(|e| i64::from(e.hours_centi)).sum::<i64>(), 0);
    let completions = model.iter().filter(|w| w.status == "completed").count();
    prop_assert_eq!(entries.len(), 2 * completions);
    for who in ["v0", "v1"] {
        let got: i64 = entries
            .iter()
            .filter(|e| e.account_kind == "user" && e.account_id == people[who].id)
            .map(|e| i64::from(e.hours_centi))
            .sum();
        prop_assert_eq!(got, credited.get(who).copied().unwrap_or(0), "hours of {}", who);
    }
    Ok(())
}

#[test]
fn random_action_sequences_agree_with_the_model() {
    let config = ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(ops in prop::collection::vec(op(), 1..60))| {
        // A runtime per case: dropping it stops that case's server and closes its connections.
        tokio::runtime::Runtime::new().unwrap().block_on(run(ops))?;
    });
}
