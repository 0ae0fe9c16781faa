#![doc = include_str!("../README.md")]

pub mod chain;
pub mod config;
pub mod erc20;
pub mod error;
pub mod fees;
pub mod heads;
pub mod indexer;
pub mod nonce;
pub mod rpc;
pub mod sender;

pub use chain::{BlockHeader, EvmChain, LogFilter, Receipt};
pub use config::{CapPolicy, EvmChainConfig, FeeConfig, FeeModel, Finality, Preset, RpcConfig};
pub use erc20::{Erc20, Transfer};
pub use error::{Error, Result};
pub use fees::Fees;
pub use heads::{Head, HeadWatcher, HeadWatcherConfig};
pub use indexer::{Cursor, Indexer, IndexerStep};
pub use nonce::{NonceGuard, NonceManager};
pub use rpc::{EndpointStatus, Rejection, RpcPool, classify_rejection};
pub use sender::{EvmSender, LandingPolicy, PendingTx, SendJournal, Signed, TxRequest};
