#![doc = include_str!("../README.md")]

mod client;
mod config;
mod endpoints;
mod error;
mod events;
mod fees;
mod landing;
mod logs;
mod lookup_table;
mod submit;
mod token;

pub use client::{AccountInfo, Blockhash, SOL_DECIMALS, SolanaClient};
pub use config::{Commitment, Commitments, LandingConfig, MAX_SIGNATURE_PAGE, SolanaConfig};
pub use error::{Error, Result};
pub use events::{
    ListedTransaction, ProgramInstruction, ProgramTransaction, ProgramTransactions,
    UnparseableTransaction,
};
pub use fees::{MAX_COMPUTE_UNIT_LIMIT, compute_unit_limit, percentile_fee};
pub use landing::{Landed, Simulation, TransactionRequest};
pub use logs::{ParsedLogs, ProgramData, parse_logs};
pub use lookup_table::{
    EXTEND_CHUNK, LOOKUP_TABLE_MAX_ADDRESSES, LOOKUP_TABLE_META_SIZE, LookupTableState,
    create_lookup_table, extend_lookup_table, parse_lookup_table,
};
pub use token::{MINT_SIZE, create_account, initialize_mint2, mint_to_checked};
