//! Operational scenarios end to end on two anvil chains with the Solidity bridge deployed:
//! the destination's guardian and admin at work (timelock cancelled, rate limit, pause,
//! validator-set rotation), validators and RPC endpoints going down, a validator endpoint
//! turned hostile, an origin RPC endpoint forging logs. Validators and relayers
//! are the real daemons, in process, every store SQLite unless the test says PostgreSQL. The
//! relayer killed mid-flight (SIGKILL) is a `trestle relayer run` process: trestle-cli's
//! `relayer_run::restart`.

mod balance;
mod dropped;
mod failures;
mod fees;
mod fresh_store;
mod guardian;
mod hostile;
mod hsm;
mod instance;
mod quorum;
mod rotation;
mod rpc;
mod stuck;
