//! `microwish backup PATH`: a consistent copy of a live SQLite database.

use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_backup_of_a_live_database_opens_with_every_row() {
    let app = spawn_app().await;
    let city = app.city().await;
    let resident = app.resident(city.community, "王秀英").await;
    for i in 0..5 {
        app.submit(&resident, &format!("心愿{i}")).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.db");
    if app.state.db.backend() != sea_orm::DbBackend::Sqlite {
        let err = app.state.db.backup(&path).await.unwrap_err();
        assert!(err.to_string().contains("pg_dump"), "{err}");
        return;
    }
    // Writers carry on while the copy is taken.
    let (copied, _) = tokio::join!(app.state.db.backup(&path), app.submit(&resident, "备份时提交"));
    copied.unwrap();
    let copy = microwish::store::Db::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let n = entity::wishes::Entity::find().count(copy.read()).await.unwrap();
    assert!(n == 5 || n == 6, "a snapshot before or after the concurrent submission, got {n}");
    assert_eq!(
        entity::users::Entity::find().count(copy.read()).await.unwrap(),
        5,
        "the admin, three staff and the resident"
    );
    // Never over an existing file.
    assert!(app.state.db.backup(&path).await.is_err());
}
