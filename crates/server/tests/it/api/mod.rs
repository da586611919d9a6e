//! API tests (spec/api.md): every endpoint driven through the router with
//! `tower::ServiceExt::oneshot` against a fresh store (SQLite in a temporary
//! directory; the whole flow also on PostgreSQL and over a real port), the
//! happy path and bad input for each. After every refusal the store is
//! checked to be unchanged.

mod admin;
mod board;
mod flow;
mod hardening;
pub mod helpers;
mod openapi;
mod receipt_email;
pub mod schema;
pub mod setup;
mod trustees;
mod voting;
