//! Schema migrations, one code path for SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! Migrations run at start (`daojia serve`) or by `daojia migrate`. They are append-only:
//! a released migration is never edited; a change is a new migration.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_jobs;
mod m0003_orders;
mod m0004_booking;
mod m0005_rework;
mod m0006_area_items;
mod m0010_privacy;
mod util;

/// The ordered list of migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_jobs::Migration),
            Box::new(m0003_orders::Migration),
            Box::new(m0004_booking::Migration),
            Box::new(m0005_rework::Migration),
            Box::new(m0006_area_items::Migration),
            Box::new(m0010_privacy::Migration),
        ]
    }
}
