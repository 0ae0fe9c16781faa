//! Test helpers.

pub mod postgres;
