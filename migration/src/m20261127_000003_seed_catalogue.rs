//! Offers, and the service catalogue's three lists seeded with their items:
//! public services (公共服务), social services (社会服务) and volunteer
//! services (志愿服务), as a Nanchang community publishes them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (list, group, code, name, description)
const ITEMS: &[(&str, &str, &str, &str, &str)] = &[
    // ---- 公共服务 ----
    ("public", "助老", "PUB-ELD-01", "高龄津贴代办", "协助80岁以上老人申领高龄津贴,上门收集材料、代为递交"),
    ("public", "助老", "PUB-ELD-02", "居家养老服务申请", "为失能、半失能老人申请政府购买的居家养老服务"),
    ("public", "助老", "PUB-ELD-03", "老年人助餐", "对接社区长者食堂,为行动不便老人安排送餐"),
    ("public", "助老", "PUB-ELD-04", "适老化改造评估", "上门评估卫生间扶手、防滑地面等适老化改造需求"),
    ("public", "助残", "PUB-DIS-01", "残疾人证办理指导", "指导并协助办理、换领残疾人证"),
    ("public", "助残", "PUB-DIS-02", "辅具适配申请", "协助申请轮椅、助行器、助听器等康复辅具"),
    ("public", "助残", "PUB-DIS-03", "残疾人两项补贴申领", "协助申领困难残疾人生活补贴和重度残疾人护理补贴"),
    ("public", "社会救助", "PUB-AID-01", "低保申请协助", "讲解最低生活保障政策,协助准备材料提出申请"),
    ("public", "社会救助", "PUB-AID-02", "临时救助申请", "因突发事件生活困难的家庭申请临时救助"),
    ("public", "社会救助", "PUB-AID-03", "特困人员供养咨询", "特困人员认定与供养政策咨询"),
    ("public", "医疗健康", "PUB-MED-01", "家庭医生签约", "联系社区卫生服务中心上门签约家庭医生"),
    ("public", "医疗健康", "PUB-MED-02", "老年人免费体检预约", "为65岁以上老人预约年度免费健康体检"),
    ("public", "医疗健康", "PUB-MED-03", "慢病随访", "高血压、糖尿病等慢病患者定期随访与用药指导"),
    ("public", "医疗健康", "PUB-MED-04", "疫苗接种预约", "协助老人、儿童预约疫苗接种"),
    ("public", "医疗健康", "PUB-MED-05", "医保报销代办", "协助整理票据、办理异地就医备案与医保报销"),
    ("public", "就业", "PUB-JOB-01", "就业岗位推荐", "为失业人员、就业困难人员推荐合适岗位"),
    ("public", "就业", "PUB-JOB-02", "职业技能培训报名", "协助报名政府补贴的职业技能培训"),
    ("public", "就业", "PUB-JOB-03", "灵活就业社保补贴", "协助申领灵活就业人员社会保险补贴"),
    ("public", "法律", "PUB-LAW-01", "法律援助申请", "经济困难群众申请法律援助的咨询与转介"),
    ("public", "法律", "PUB-LAW-02", "人民调解", "邻里、家庭纠纷的人民调解"),
    ("public", "政务代办", "PUB-GOV-01", "户籍证件代办", "协助行动不便居民办理身份证、户口等证件"),
    ("public", "政务代办", "PUB-GOV-02", "社保卡办理", "协助办理、补换社会保障卡"),
    ("public", "政务代办", "PUB-GOV-03", "养老保险认证", "协助退休人员完成养老金领取资格认证"),
    ("public", "助学", "PUB-EDU-01", "困难学生资助申请", "协助困难家庭学生申请教育资助"),
    ("public", "住房", "PUB-HOU-01", "公租房申请指导", "公共租赁住房申请条件讲解与材料准备"),
    // ---- 社会服务 ----
    ("social", "家政维修", "SOC-FIX-01", "水电维修", "水管漏水、电路跳闸、灯具更换等小型维修"),
    ("social", "家政维修", "SOC-FIX-02", "家电维修", "冰箱、洗衣机、空调等家电检修"),
    ("social", "家政维修", "SOC-FIX-03", "门窗锁具维修", "门锁更换、窗户纱窗修理"),
    ("social", "家政维修", "SOC-FIX-04", "燃气安全检查", "燃气管道、灶具安全检查与隐患整改"),
    ("social", "家政维修", "SOC-FIX-05", "家庭保洁", "困难家庭、独居老人居室清洁"),
    ("social", "家政维修", "SOC-FIX-06", "管道疏通", "下水道、马桶堵塞疏通"),
    ("social", "医疗健康", "SOC-MED-01", "上门护理", "专业护士上门换药、测血糖、压疮护理"),
    ("social", "医疗健康", "SOC-MED-02", "康复训练指导", "术后、卒中后居家康复训练指导"),
    ("social", "医疗健康", "SOC-MED-03", "轮椅借用", "短期借用轮椅、助行器等辅具"),
    ("social", "心理", "SOC-PSY-01", "心理咨询", "专业心理咨询师一对一咨询"),
    ("social", "心理", "SOC-PSY-02", "青少年心理辅导", "学业压力、亲子关系等青少年心理辅导"),
    ("social", "心理", "SOC-PSY-03", "家庭关系调适", "婚姻家庭矛盾的专业社工介入"),
    ("social", "助学", "SOC-EDU-01", "课业辅导", "中小学生作业辅导与学习方法指导"),
    ("social", "助学", "SOC-EDU-02", "四点半课堂", "放学后托管与兴趣课程"),
    ("social", "助学", "SOC-EDU-03", "学习用品捐赠", "为困难家庭儿童提供书包、文具等学习用品"),
    ("social", "助学", "SOC-EDU-04", "爱心助学金", "共建单位设立的助学金结对资助"),
    ("social", "法律", "SOC-LAW-01", "律师咨询", "律师提供婚姻、继承、劳动等法律咨询"),
    ("social", "法律", "SOC-LAW-02", "遗嘱公证咨询", "遗嘱订立与公证流程咨询"),
    ("social", "就业", "SOC-JOB-01", "创业指导", "小微创业项目指导与担保贷款咨询"),
    ("social", "就业", "SOC-JOB-02", "简历与面试辅导", "求职简历修改与模拟面试"),
    ("social", "文体", "SOC-CUL-01", "文艺演出进社区", "组织文艺团体到社区演出"),
    ("social", "文体", "SOC-CUL-02", "健身指导", "社会体育指导员教授太极、广场舞等健身项目"),
    ("social", "文体", "SOC-CUL-03", "老年大学课程", "书法、绘画、智能手机等老年课程"),
    ("social", "便民", "SOC-CON-01", "理发服务", "为行动不便老人上门理发"),
    ("social", "便民", "SOC-CON-02", "衣物缝补", "衣物修补、改衣"),
    ("social", "便民", "SOC-CON-03", "家电以旧换新对接", "对接商家为困难家庭提供家电以旧换新"),
    ("social", "助残", "SOC-DIS-01", "残疾人托养", "残疾人日间照料与托养服务"),
    // ---- 志愿服务 ----
    ("volunteer", "助老", "VOL-ELD-01", "陪伴聊天", "定期探访独居、空巢老人,陪伴聊天"),
    ("volunteer", "助老", "VOL-ELD-02", "读书读报", "为视力不好的老人读书读报"),
    ("volunteer", "助老", "VOL-ELD-03", "陪同就医", "陪同老人到医院挂号、就诊、取药"),
    ("volunteer", "助老", "VOL-ELD-04", "代购代买", "为行动不便居民代购生活用品、药品"),
    ("volunteer", "助老", "VOL-ELD-05", "智能手机教学", "教老人使用健康码、移动支付、视频通话"),
    ("volunteer", "助老", "VOL-ELD-06", "节日慰问", "传统节日上门慰问困难老人"),
    ("volunteer", "助残", "VOL-DIS-01", "助残出行", "陪同残疾人外出办事、康复"),
    ("volunteer", "助学", "VOL-EDU-01", "作业辅导", "志愿者为留守、困难家庭儿童辅导作业"),
    ("volunteer", "助学", "VOL-EDU-02", "亲子阅读", "绘本阅读、亲子共读活动"),
    ("volunteer", "助学", "VOL-EDU-03", "暑期托管", "暑期公益托管与安全教育"),
    ("volunteer", "环境", "VOL-ENV-01", "楼道清理", "清理楼道堆物、小广告"),
    ("volunteer", "环境", "VOL-ENV-02", "垃圾分类宣传", "入户宣传指导垃圾分类"),
    ("volunteer", "环境", "VOL-ENV-03", "绿化养护", "小区绿地补种、除草、浇水"),
    ("volunteer", "文明实践", "VOL-CIV-01", "文明劝导", "交通路口、公共场所文明劝导"),
    ("volunteer", "文明实践", "VOL-CIV-02", "政策宣讲", "党的政策、惠民政策进楼栋宣讲"),
    ("volunteer", "文明实践", "VOL-CIV-03", "反诈宣传", "防范电信网络诈骗入户宣传"),
    ("volunteer", "平安", "VOL-SAF-01", "治安巡逻", "红袖标夜间巡逻、安全隐患排查"),
    ("volunteer", "平安", "VOL-SAF-02", "消防安全检查", "楼道消防通道、电动车充电隐患检查"),
    ("volunteer", "便民", "VOL-CON-01", "搬运帮忙", "帮助老人、残疾人搬运家具和重物"),
    ("volunteer", "便民", "VOL-CON-02", "爱心理发", "志愿者定期上门义剪"),
    ("volunteer", "便民", "VOL-CON-03", "家电小修", "志愿者上门修理小家电、更换灯泡"),
    ("volunteer", "医疗健康", "VOL-MED-01", "义诊", "医务志愿者量血压、测血糖、健康咨询"),
    ("volunteer", "心理", "VOL-PSY-01", "心灵关爱热线", "心理志愿者电话陪伴与情绪疏导"),
    ("volunteer", "文体", "VOL-CUL-01", "文体活动组织", "组织社区运动会、文艺汇演"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Offers::Table)
                .col(pk_uuid(Offers::Id))
                .col(uuid(Offers::CatalogueItemId))
                .col(uuid(Offers::CommunityId))
                .col(string_len(Offers::ProviderKind, 8))
                .col(uuid(Offers::ProviderId))
                .col(uuid(Offers::CreatedBy))
                .col(text_null(Offers::Note))
                .col(timestamp_with_time_zone(Offers::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Offers::Table, Offers::CatalogueItemId)
                        .to(CatalogueItems::Table, CatalogueItems::Id),
                )
                .foreign_key(ForeignKey::create().from(Offers::Table, Offers::CommunityId).to(Areas::Table, Areas::Id))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_offers_provider_item")
                .table(Offers::Table)
                .col(Offers::CommunityId)
                .col(Offers::CatalogueItemId)
                .col(Offers::ProviderKind)
                .col(Offers::ProviderId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("idx_offers_provider").table(Offers::Table).col(Offers::ProviderId).to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_catalogue_items_list")
                .table(CatalogueItems::Table)
                .col(CatalogueItems::List)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_wishes_catalogue_item")
                .table(Wishes::Table)
                .col(Wishes::CatalogueItemId)
                .col(Wishes::Status)
                .to_owned(),
        )
        .await?;

        let now = chrono::Utc::now();
        let mut insert = Query::insert();
        insert.into_table(CatalogueItems::Table).columns([
            CatalogueItems::Id,
            CatalogueItems::List,
            CatalogueItems::GroupName,
            CatalogueItems::Code,
            CatalogueItems::Name,
            CatalogueItems::Description,
            CatalogueItems::Active,
            CatalogueItems::SortOrder,
            CatalogueItems::CreatedAt,
            CatalogueItems::UpdatedAt,
        ]);
        for (i, (list, group, code, name, description)) in ITEMS.iter().enumerate() {
            insert.values_panic([
                uuid::Uuid::now_v7().into(),
                (*list).into(),
                (*group).into(),
                (*code).into(),
                (*name).into(),
                (*description).into(),
                true.into(),
                (i as i32 * 10).into(),
                now.into(),
                now.into(),
            ]);
        }
        m.exec_stmt(insert).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_wishes_catalogue_item").table(Wishes::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(Offers::Table).to_owned()).await?;
        let codes: Vec<&str> = ITEMS.iter().map(|i| i.2).collect();
        m.exec_stmt(
            Query::delete()
                .from_table(CatalogueItems::Table)
                .and_where(Expr::col(CatalogueItems::Code).is_in(codes))
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Offers {
    Table,
    Id,
    CatalogueItemId,
    CommunityId,
    ProviderKind,
    ProviderId,
    CreatedBy,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CatalogueItems {
    Table,
    Id,
    List,
    GroupName,
    Code,
    Name,
    Description,
    Active,
    SortOrder,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Areas {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Wishes {
    Table,
    CatalogueItemId,
    Status,
}
