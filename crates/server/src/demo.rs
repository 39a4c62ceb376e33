//! The demo city loader (pending).
