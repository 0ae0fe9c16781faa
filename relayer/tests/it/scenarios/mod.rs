//! Operational scenarios end to end on two anvil chains with the Solidity bridge deployed:
//! the destination's guardian and admin at work (timelock cancelled, rate limit, pause,
//! validator-set rotation), validators and RPC endpoints going down, and the relayer killed
//! mid-flight. Validators and relayers are the real daemons (in-process, or the `trestle`
//! binary), every store SQLite unless the test says PostgreSQL.

mod balance;
mod dropped;
mod failures;
mod guardian;
mod restart;
mod rotation;
mod rpc;
