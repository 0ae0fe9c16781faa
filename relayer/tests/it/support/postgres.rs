//! The throw-away PostgreSQL server of the relayer's tests ([`trestle_tests::postgres`]).

pub use trestle_tests::postgres::{Postgres, Tls};
