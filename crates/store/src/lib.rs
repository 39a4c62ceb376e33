//! Persistence for Daojia: entities, migrations and repositories over SQLite, PostgreSQL and MySQL.
