//! `microwish seed-demo`: a living demo city — areas, staff, residents,
//! party members and volunteers, co-build units, offers, and about two
//! hundred wishes in every status with their full timelines. Everything goes
//! through the store and the state machine, as real use would. Running it
//! again changes nothing and prints the logins again.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::config::Settings;
use crate::domain::area::AreaLevel;
use crate::domain::policy::Caller;
use crate::domain::wish::{Assignee, Command};
use crate::error::ApiError;
use crate::store::community::{self, MemberRole, PartnerKind, RegistrationKind, UnitKind};
use crate::store::wishes::{self, Actor, NewWish, Submitted};
use crate::store::{self, Db, areas, catalogue, offers, users};

/// The password of every demo account.
pub const PASSWORD: &str = "demo-pass-1";
const MARKER: &str = "demo_seeded";

const COMMUNITIES: &[(&str, &str, &str)] = &[
    // (district, street, community)
    ("东湖区", "百花洲街道", "百花洲社区"),
    ("东湖区", "百花洲街道", "墩子塘社区"),
    ("东湖区", "豫章街道", "豫章社区"),
    ("青山湖区", "湖坊镇", "顺化门社区"),
    ("青山湖区", "湖坊镇", "上海路社区"),
];

const RESIDENTS: &[&str] = &[
    "王秀英",
    "李桂兰",
    "张建国",
    "刘淑珍",
    "陈国强",
    "杨玉梅",
    "赵德明",
    "黄美华",
    "周志刚",
    "吴秀兰",
    "徐海燕",
    "孙建华",
    "胡丽娟",
    "朱永福",
    "高春梅",
    "林文斌",
    "何玉珍",
    "郭红霞",
    "马国平",
    "罗桂芳",
    "梁志强",
    "宋金凤",
    "郑明亮",
    "谢淑英",
    "韩玉兰",
    "唐建平",
    "冯秀珍",
    "于海涛",
    "董丽华",
    "萧文静",
    "程国华",
    "曹秀梅",
    "袁志明",
    "邓桂英",
    "许建军",
    "傅玉芬",
    "沈德胜",
    "曾凤英",
    "彭国庆",
    "吕秀云",
];

/// Party members and volunteers, four per community; every other one a party member.
const HELPERS: &[&str] = &[
    "熊卫东",
    "万晓燕",
    "涂志勇",
    "龚雅琴",
    "饶建新",
    "欧阳倩",
    "喻国栋",
    "闵佳怡",
    "付振华",
    "聂思琪",
    "甘立军",
    "章婷婷",
    "魏宏伟",
    "卢晓琳",
    "黎光明",
    "温雪梅",
    "钟浩然",
    "熊佳慧",
    "邹永红",
    "廖诗雨",
];

const UNITS: &[(&str, UnitKind, &str)] = &[
    ("国网南昌供电公司", UnitKind::CoBuild, "SOC-FIX-01"),
    ("南昌大学第一附属医院", UnitKind::CoBuild, "VOL-MED-01"),
    ("江西师范大学", UnitKind::CoBuild, "VOL-EDU-01"),
    ("中国银行南昌分行", UnitKind::CoBuild, "VOL-CIV-03"),
    ("南昌水业集团", UnitKind::CoBuild, "SOC-FIX-06"),
    ("洪城物业服务中心", UnitKind::ResidentUnit, "VOL-CON-01"),
];

/// (catalogue code, title, description)
const WISHES: &[(&str, &str, &str)] = &[
    ("SOC-MED-03", "为卧床老人借一台轮椅", "母亲髋关节术后卧床,出院复查需要轮椅,想借用一个月"),
    ("VOL-CON-03", "楼道灯坏了想请人修一下", "3栋2单元四楼楼道灯不亮,老人晚上上下楼不方便"),
    ("VOL-ELD-02", "想找人给我读读报纸", "眼睛白内障看不清字,希望每周有人来读两次报纸"),
    ("VOL-EDU-01", "孩子数学作业需要辅导", "孩子上四年级,父母在外打工,希望有人辅导数学作业"),
    ("SOC-EDU-03", "给孙女添一个新书包", "孙女下学期上一年级,家里困难,想要一个书包和文具"),
    ("VOL-ELD-05", "教我用手机视频通话", "想和在外地的儿子视频,不会用智能手机"),
    ("VOL-ELD-03", "陪我去医院复查", "每月要去医院拿降压药,腿脚不便需要人陪同"),
    ("SOC-FIX-01", "厨房水管漏水", "厨房水槽下面的水管一直滴水,自己修不好"),
    ("VOL-ELD-04", "帮忙代买米和油", "独居,提不动重物,希望有人帮忙买一袋米和一桶油"),
    ("VOL-ENV-01", "清理楼道里的杂物", "楼道堆了很多旧纸箱,有消防隐患"),
    ("SOC-PSY-01", "想找人聊聊心里的烦恼", "老伴去世后一直睡不好,想找心理老师聊聊"),
    ("VOL-CON-02", "上门理个发", "瘫痪在床,头发很长了,希望有人上门理发"),
    ("PUB-MED-01", "签约家庭医生", "想为患糖尿病的父亲签约家庭医生"),
    ("SOC-LAW-01", "咨询房屋继承问题", "父母留下的房子兄弟姐妹之间如何继承,想咨询律师"),
    ("VOL-CON-01", "帮忙把旧沙发搬下楼", "家里换了新沙发,旧沙发太重搬不动"),
    ("PUB-GOV-03", "养老金认证不会操作", "每年要做养老金资格认证,不会在手机上操作"),
    ("VOL-ELD-01", "希望有人陪老人聊聊天", "父亲一个人在家,子女工作忙,希望有人常来看看"),
    ("SOC-FIX-04", "检查一下燃气灶", "燃气灶打火有异味,担心漏气"),
    ("VOL-EDU-02", "周末亲子阅读活动", "想带孩子参加绘本阅读,希望社区组织"),
    ("PUB-DIS-02", "申请一台助听器", "听力越来越差,听说可以申请辅具"),
];

struct Person {
    caller: Caller,
    name: String,
    phone: String,
}

impl Person {
    fn login(&self, role: &str) -> String {
        format!("  {}  {role}:{}\n", self.phone, self.name)
    }
}

/// Seeds the demo city into `db`, or prints its logins if it is there already.
pub async fn seed(db: &Db, settings: &Settings) -> anyhow::Result<()> {
    if let Some(logins) = store::setting(db, MARKER).await? {
        println!("演示数据已存在,未重复创建。\n{logins}");
        return Ok(());
    }
    let hash = crate::auth::password::hash(PASSWORD.to_owned(), settings.argon2_memory_kib).await?;
    let admin_id = crate::startup::create_admin(db, settings, "13800000000", PASSWORD, "演示管理员").await?;
    let admin = areas::caller(db, admin_id).await?;

    let city = areas::create(db, "南昌市".into(), AreaLevel::City, None).await?;
    let mut districts: Vec<(&str, Uuid)> = Vec::new();
    let mut streets: Vec<(&str, Uuid)> = Vec::new();
    let mut communities: Vec<Uuid> = Vec::new();
    let mut phone_seq = 0u32;
    let mut person = |role: u32| {
        phone_seq += 1;
        format!("138{role:02}{phone_seq:06}")
    };
    for (district, street, name) in COMMUNITIES {
        let d = match districts.iter().find(|(n, _)| n == district) {
            Some((_, id)) => *id,
            None => {
                let id = areas::create(db, (*district).into(), AreaLevel::District, Some(city.id)).await?.id;
                districts.push((district, id));
                id
            }
        };
        let s = match streets.iter().find(|(n, _)| n == street) {
            Some((_, id)) => *id,
            None => {
                let id = areas::create(db, (*street).into(), AreaLevel::Street, Some(d)).await?.id;
                streets.push((street, id));
                id
            }
        };
        communities.push(areas::create(db, (*name).into(), AreaLevel::Community, Some(s)).await?.id);
    }

    let new_user = async |name: &str, phone: String, home: Option<Uuid>| -> anyhow::Result<Person> {
        let u = users::create(
            db.write(),
            users::NewUser {
                phone: phone.clone(),
                password_hash: hash.clone(),
                display_name: name.to_owned(),
                is_admin: false,
                home_community_id: home,
            },
        )
        .await?;
        Ok(Person { caller: areas::caller(db, u.id).await?, name: name.to_owned(), phone })
    };

    // Staff: one per community, one per street above.
    let mut staff = Vec::new();
    for (i, c) in communities.iter().enumerate() {
        let p = new_user(&format!("{}工作人员", COMMUNITIES[i].2), person(1), None).await?;
        areas::add_staff(db, &admin, *c, p.caller.id).await?;
        staff.push(areas::caller(db, p.caller.id).await.map(|caller| Person { caller, ..p })?);
    }
    let street_staff = new_user("湖坊镇街道干部", person(1), None).await?;
    areas::add_staff(db, &admin, streets[2].1, street_staff.caller.id).await?;

    // Residents, eight per community.
    let mut residents: Vec<Vec<Person>> = Vec::new();
    for (i, c) in communities.iter().enumerate() {
        let mut here = Vec::new();
        for name in RESIDENTS.iter().skip(i * 8).take(8) {
            here.push(new_user(name, person(2), Some(*c)).await?);
        }
        residents.push(here);
    }

    // Party members and volunteers, four per community, approved by staff; one more pending.
    let mut helpers: Vec<Vec<Person>> = Vec::new();
    for (i, c) in communities.iter().enumerate() {
        let mut here = Vec::new();
        for (h, name) in HELPERS.iter().skip(i * 4).take(4).enumerate() {
            let kind = if h % 2 == 0 { RegistrationKind::PartyMember } else { RegistrationKind::Volunteer };
            let p = new_user(name, person(3), None).await?;
            let reg =
                community::register(db, p.caller.id, *c, kind, Some("到社区报到,愿意参加志愿服务".into())).await?;
            community::review_registration(db, &staff[i].caller, reg.id, true, Some("欢迎报到".into())).await?;
            here.push(p);
        }
        let waiting = new_user(&format!("新报到志愿者{}", i + 1), person(3), None).await?;
        community::register(db, waiting.caller.id, *c, RegistrationKind::Volunteer, None).await?;
        helpers.push(here);
    }

    // Co-build units, each paired with communities and run by an admin.
    let items = catalogue::list(db, None, None, false).await?;
    let item = |code: &str| items.iter().find(|i| i.code == code).map(|i| i.id);
    let mut unit_admins: Vec<(Person, Uuid, usize)> = Vec::new();
    for (u, (name, kind, specialty)) in UNITS.iter().enumerate() {
        let unit = community::create_unit(
            db,
            community::NewUnit {
                name: (*name).into(),
                kind: *kind,
                contact_name: "联络员".into(),
                contact_phone: person(5),
            },
        )
        .await?;
        let boss = new_user(&format!("{name}党支部书记"), person(4), None).await?;
        community::set_member(db, &admin, unit.id, boss.caller.id, MemberRole::Admin).await?;
        let worker = new_user(&format!("{name}职工"), person(4), None).await?;
        community::set_member(db, &admin, unit.id, worker.caller.id, MemberRole::Member).await?;
        let home = u % communities.len();
        for (c, community_id) in communities.iter().enumerate() {
            let kind = if *kind == UnitKind::ResidentUnit { PartnerKind::Resident } else { PartnerKind::Paired };
            if c == home || (c + u) % 2 == 0 {
                community::add_partner(db, &staff[c].caller, *community_id, unit.id, kind).await?;
                if let Some(it) = item(specialty) {
                    offers::create(
                        db,
                        &boss.caller,
                        it,
                        *community_id,
                        Some(unit.id),
                        Some("单位党员志愿服务队".into()),
                    )
                    .await?;
                }
            }
        }
        unit_admins.push((boss, unit.id, home));
    }

    // Offers of the people: each helper offers two or three items.
    for (c, here) in helpers.iter().enumerate() {
        for (h, p) in here.iter().enumerate() {
            for k in 0..(2 + h % 2) {
                let (code, _, _) = WISHES[(c * 4 + h * 3 + k) % WISHES.len()];
                if let Some(it) = item(code) {
                    // A duplicate pick is simply skipped.
                    match offers::create(db, &p.caller, it, communities[c], None, None).await {
                        Ok(_) | Err(ApiError::Conflict(_)) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
    }

    // Two hundred wishes in every status.
    let plan: &[(&str, usize)] = &[
        ("pending_review", 30),
        ("returned", 10),
        ("rejected", 8),
        ("withdrawn", 8),
        ("open", 50),
        ("claimed", 35),
        ("fulfilled", 20),
        ("completed", 30),
        ("cancelled", 5),
        ("expired", 4),
    ];
    let limits = wishes::ClaimLimits { person: u32::MAX, unit: u32::MAX };
    // A lived-in past: each wish gets a submission time in the last twelve
    // weeks and hours between its steps; wishes are made oldest first so that
    // id order stays submission order.
    let real_now = crate::clock::now();
    let mut history: Vec<(&str, usize, Timeline)> = Vec::new();
    let mut n = 0usize;
    for (status, count) in plan {
        for _ in 0..*count {
            n += 1;
            history.push((status, n, Timeline::new(status, n, real_now)));
        }
    }
    history.sort_by_key(|(_, _, t)| t.submitted);
    for (status, n, t) in history {
        let c = n % communities.len();
        let resident = &residents[c][n % residents[c].len()];
        let (code, title, description) = WISHES[n % WISHES.len()];
        let new = NewWish {
            title: title.into(),
            description: description.into(),
            catalogue_item_id: item(code),
            deadline: None,
            address: Some(format!("{}{}栋{}单元", COMMUNITIES[c].2, n % 12 + 1, n % 3 + 1)),
            contact_phone: Some(resident.phone.clone()),
        };
        let rec =
            match crate::clock::at(t.submitted, wishes::submit(db, resident.caller.id, new, None, |_| String::new()))
                .await?
            {
                Submitted::Created(rec) => rec,
                Submitted::Replayed(_) => continue,
            };
        let id = rec.wish.id;
        let s = &staff[c].caller;
        let r = &resident.caller;
        let helper = &helpers[c][n % helpers[c].len()].caller;
        let act = async |when: DateTime<Utc>, who: Actor<'_>, cmd: Command| {
            crate::clock::at(when, wishes::act(db, who, id, cmd, None, limits)).await
        };
        let approve = Command::Approve {
            list: None,
            catalogue_item_id: None,
            deadline: None,
            note: Some("情况属实,同意发布".into()),
        };
        match status {
            "pending_review" => {}
            "returned" => {
                act(t.reviewed, Actor::Person(s), Command::Return { note: "请补充具体时间和联系方式".into() }).await?;
            }
            "rejected" => {
                act(t.reviewed, Actor::Person(s), Command::Reject { note: "该需求请通过物业报修渠道处理".into() })
                    .await?;
            }
            "withdrawn" => {
                act(t.reviewed, Actor::Person(r), Command::Withdraw { note: Some("家人已经帮忙解决了".into()) })
                    .await?;
            }
            "cancelled" => {
                act(t.reviewed, Actor::Person(s), approve).await?;
                act(t.claimed, Actor::Person(s), Command::Cancel { note: "居民已搬离本社区".into() }).await?;
            }
            "expired" => {
                let deadline = Some(t.claimed);
                let approve = Command::Approve { list: None, catalogue_item_id: None, deadline, note: None };
                act(t.reviewed, Actor::Person(s), approve).await?;
                act(t.fulfilled, Actor::Scheduler, Command::Expire).await?;
            }
            _ => {
                act(t.reviewed, Actor::Person(s), approve).await?;
                if status == "open" {
                    continue;
                }
                // Some wishes go to units by dispatch (派单), most are claimed by people.
                let by_unit = unit_admins.iter().find(|(_, _, home)| *home == c).filter(|_| n % 5 == 0);
                let holder = match by_unit {
                    Some((boss, unit, _)) => {
                        act(t.claimed, Actor::Person(s), Command::Assign { to: Assignee::Unit(*unit) }).await?;
                        &boss.caller
                    }
                    None => {
                        let claim = Command::Claim { unit_id: None, note: Some("我来帮忙".into()) };
                        act(t.claimed, Actor::Person(helper), claim).await?;
                        helper
                    }
                };
                if status == "claimed" {
                    continue;
                }
                let fulfil = Command::Fulfil {
                    note: Some("已完成,居民很满意".into()),
                    hours_centi: 100 + (n as i32 % 4) * 50,
                };
                act(t.fulfilled, Actor::Person(holder), fulfil).await?;
                if status == "completed" {
                    let confirm = Command::Confirm {
                        rating: Some(4 + (n % 2) as i16),
                        feedback: Some("感谢社区和志愿者的帮助!".into()),
                    };
                    act(t.confirmed, Actor::Person(r), confirm).await?;
                }
            }
        }
    }
    let (boss, _, _) = &unit_admins[0];
    let logins = format!(
        "登录账号(密码均为 {PASSWORD}):\n  13800000000  管理员:演示管理员\n{}{}{}{}{}",
        staff[0].login("社区工作人员"),
        street_staff.login("街道干部"),
        residents[0][0].login("居民"),
        helpers[0][0].login("党员/志愿者"),
        boss.login("单位管理员"),
    );
    store::setting_or_insert(db, MARKER, &logins).await?;
    println!("演示城市已创建:{} 个社区,{n} 个心愿。\n{logins}", communities.len());
    Ok(())
}

/// When the steps of one demo wish happened.
struct Timeline {
    submitted: DateTime<Utc>,
    reviewed: DateTime<Utc>,
    claimed: DateTime<Utc>,
    fulfilled: DateTime<Utc>,
    confirmed: DateTime<Utc>,
}

impl Timeline {
    /// Varied but repeatable hours between the steps; a wish that is done
    /// started long enough ago to be done by now, and fulfilled wishes are
    /// recent enough that the auto-confirmation has not come yet.
    fn new(status: &str, n: usize, now: DateTime<Utc>) -> Timeline {
        let h = |x: usize| chrono::Duration::minutes(x as i64 * 60 + (n * 17 % 60) as i64);
        let (review, claim, fulfil, confirm) =
            (h(1 + n * 7 % 30), h(2 + n * 11 % 70), h(4 + n * 13 % 90), h(2 + n * 5 % 46));
        let steps = match status {
            "pending_review" => chrono::Duration::zero(),
            "returned" | "rejected" | "withdrawn" | "open" => review,
            "claimed" | "cancelled" => review + claim,
            "fulfilled" | "expired" => review + claim + fulfil,
            _ => review + claim + fulfil + confirm,
        };
        // How long ago the last step was.
        let since = match status {
            "pending_review" => h(n * 3 % 96),
            "fulfilled" => h(n % 72),
            _ => h(n * 37 % (11 * 7 * 24)),
        };
        let submitted = now - since - steps - chrono::Duration::minutes(5);
        let reviewed = submitted + review;
        let claimed = reviewed + claim;
        let fulfilled = claimed + fulfil;
        Timeline { submitted, reviewed, claimed, fulfilled, confirmed: fulfilled + confirm }
    }
}
