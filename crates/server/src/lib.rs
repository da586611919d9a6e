//! The Psephos voting service. For now: the durable bulletin board.
#![forbid(unsafe_code)]

/// The store's errors.
pub mod error;
/// The durable bulletin board: the `Store` trait, SQLite and PostgreSQL.
pub mod store;
