//! Column helpers that hide the differences between the three databases.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema;

/// A UTC timestamp column. PostgreSQL gets `timestamptz`; MySQL gets `DATETIME(6)` rather
/// than `TIMESTAMP`, whose range ends in 2038 and which converts through the session time
/// zone; SQLite stores RFC 3339 text.
pub fn ts(backend: DatabaseBackend, name: &'static str) -> ColumnDef {
    match backend {
        DatabaseBackend::MySql => ColumnDef::new(name).custom("DATETIME(6)").not_null().take(),
        _ => schema::timestamp_with_time_zone(name),
    }
}

/// A nullable UTC timestamp column (see [`ts`]).
pub fn ts_null(backend: DatabaseBackend, name: &'static str) -> ColumnDef {
    match backend {
        DatabaseBackend::MySql => ColumnDef::new(name).custom("DATETIME(6)").null().take(),
        _ => schema::timestamp_with_time_zone_null(name),
    }
}

/// A short identifier-like string (codes, usernames, hashes): indexed, so bounded.
pub fn code(name: &'static str) -> ColumnDef {
    schema::string_len(name, 64)
}

/// A nullable bounded string.
pub fn code_null(name: &'static str) -> ColumnDef {
    schema::string_len_null(name, 64)
}

/// Creates a (possibly unique) index named `{table}_{cols}_idx`.
pub fn index(table: &'static str, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(format!("{table}_{}_idx", cols.join("_")))
        .table(table);
    for c in cols {
        idx.col(*c);
    }
    if unique {
        idx.unique();
    }
    idx.take()
}
