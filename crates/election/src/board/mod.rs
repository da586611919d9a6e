//! The bulletin board as a transparency log (spec/record.md §8–§9).

pub mod checkpoint;
pub mod log;
pub mod merkle;
pub mod messages;
