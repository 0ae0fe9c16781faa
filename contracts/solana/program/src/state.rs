//! Account layouts. Each account is its Anchor discriminator followed by the Borsh encoding of
//! its fields (little-endian integers, `u32`-prefixed vectors), in the order the IDL lists them.
//! Offsets below are byte offsets into the account data; each constant is named after its IDL
//! field (upper case), a vector's length prefix `<FIELD>_LEN` (the tests check both against the
//! IDL). PDA seeds use little-endian integers, as Anchor encodes integer arguments.

/// Seeds of the config PDA: `["config"]`.
pub const SEED_CONFIG: &[u8] = b"config";
/// Seeds of a remote PDA: `["remote", domain (u32 LE)]`.
pub const SEED_REMOTE: &[u8] = b"remote";
/// Seeds of a token config PDA: `["token", token id]`.
pub const SEED_TOKEN: &[u8] = b"token";
/// Seeds of a route PDA: `["route", token id, domain (u32 LE)]`.
pub const SEED_ROUTE: &[u8] = b"route";
/// Seeds of a vault token account PDA: `["vault", mint]`.
pub const SEED_VAULT: &[u8] = b"vault";
/// Seeds of the authority PDA (vault owner, bridged mints' mint authority): `["authority"]`.
pub const SEED_AUTHORITY: &[u8] = b"authority";
/// Seeds of a messenger PDA, which signs the calls to one recipient program:
/// `["messenger", recipient program id]`.
pub const SEED_MESSENGER: &[u8] = b"messenger";
/// Seeds of a receipt PDA: `["receipt", origin (u32 LE), origin bridge, nonce (u64 LE)]`.
pub const SEED_RECEIPT: &[u8] = b"receipt";
/// Seeds of a staged signature set: `["signatures", message id, epoch (u64 LE), payer]`.
pub const SEED_SIGNATURES: &[u8] = b"signatures";
/// Seeds of a proposal: `["proposal", id (u64 LE)]`.
pub const SEED_PROPOSAL: &[u8] = b"proposal";
/// Seeds of the event authority PDA (Anchor's `emit_cpi!`): `["__event_authority"]`.
pub const SEED_EVENT_AUTHORITY: &[u8] = b"__event_authority";
/// Seeds of the PDA the program's upgrade authority is handed to: `["upgrade_authority"]`.
pub const SEED_UPGRADE_AUTHORITY: &[u8] = b"upgrade_authority";
/// Seeds of a destination's delivery-fee configuration: `["fee_config", destination (u32 LE)]`.
pub const SEED_FEE_CONFIG: &[u8] = b"fee_config";
/// Seeds of the fee roles (oracle, beneficiary): `["fees"]`.
pub const SEED_FEE_ROLES: &[u8] = b"fees";
/// Seeds of the fee vault, which holds the delivery fees paid: `["fee_vault"]`.
pub const SEED_FEE_VAULT: &[u8] = b"fee_vault";

/// `Config` (PDA `["config"]`).
pub mod config {
    /// `bump: u8`
    pub const BUMP: usize = 8;
    /// `domain: u32`
    pub const DOMAIN: usize = 9;
    /// `admin: Pubkey`
    pub const ADMIN: usize = 13;
    /// `guardian: Pubkey`
    pub const GUARDIAN: usize = 45;
    /// `paused: bool`
    pub const PAUSED: usize = 77;
    /// `paused_at: i64` (when the latest pause began; 0 before the first pause)
    pub const PAUSED_AT: usize = 78;
    /// `outbound_nonce: u64`
    pub const OUTBOUND_NONCE: usize = 86;
    /// `admin_delay: i64` (seconds)
    pub const ADMIN_DELAY: usize = 94;
    /// `next_proposal: u64`
    pub const NEXT_PROPOSAL: usize = 102;
    /// `pause_count: u64` (pauses so far: `pause` adds one; an `Unpause` executes only for the
    /// pause it was proposed in)
    pub const PAUSE_COUNT: usize = 110;
    /// Size.
    pub const LEN: usize = 118;
}

/// `Remote` (PDA `["remote", domain LE]`): the bridge of another domain, what it can pay, and
/// the validator set that attests the messages from it (one set per origin, as the EVM
/// bridge's `remote(origin)`).
pub mod remote {
    /// `bump: u8`
    pub const BUMP: usize = 8;
    /// `domain: u32`
    pub const DOMAIN: usize = 9;
    /// `bridge: [u8; 32]`
    pub const BRIDGE: usize = 13;
    /// `kind: u8` (0 EVM, 1 Solana)
    pub const KIND: usize = 45;
    /// `epoch: u64` (of the validator set that attests messages from this domain)
    pub const EPOCH: usize = 46;
    /// `threshold: u8`
    pub const THRESHOLD: usize = 54;
    /// `validators: Vec<[u8; 20]>` (length)
    pub const VALIDATORS_LEN: usize = 55;
    /// first validator
    pub const VALIDATORS: usize = 59;
    /// Allocated size: room for 255 validators.
    pub const LEN: usize = VALIDATORS + 20 * crate::validators::MAX_VALIDATORS;
    /// An EVM chain: pays only 20-byte addresses (upper 12 bytes of a beneficiary zero).
    pub const KIND_EVM: u8 = 0;
    /// A Solana chain: pays any non-zero public key.
    pub const KIND_SOLANA: u8 = 1;
}

/// `TokenConfig` (PDA `["token", token id]`): a registered token. Its limits per remote are
/// in its routes.
pub mod token {
    /// `bump: u8`
    pub const BUMP: usize = 8;
    /// `token_id: [u8; 32]`
    pub const TOKEN_ID: usize = 9;
    /// `mint: Pubkey`
    pub const MINT: usize = 41;
    /// `is_home: bool` (true: locked in the vault; false: bridged mint, burned and minted)
    pub const IS_HOME: usize = 73;
    /// `home_domain: u32`
    pub const HOME_DOMAIN: usize = 74;
    /// `home_token: [u8; 32]`
    pub const HOME_TOKEN: usize = 78;
    /// `scale_exp: u8` (message amount = local amount * 10^scale_exp)
    pub const SCALE_EXP: usize = 110;
    /// `vault: Pubkey` (home tokens; the program id for bridged ones)
    pub const VAULT: usize = 111;
    /// `vault_bump: u8`
    pub const VAULT_BUMP: usize = 143;
    /// `timelock_threshold: u64` (local units; inbound transfers at or above it are queued)
    pub const TIMELOCK_THRESHOLD: usize = 144;
    /// `timelock_delay: i64` (seconds)
    pub const TIMELOCK_DELAY: usize = 152;
    /// Size.
    pub const LEN: usize = 160;
}

/// `Route` (PDA `["route", token id, domain LE]`): a token's route to and from one remote: the
/// remote's scale and maximum, the signed per-route ledger (local units: sent to the remote minus
/// received from it) with the directions it bounds, and both buckets.
pub mod route {
    /// `bump: u8`
    pub const BUMP: usize = 8;
    /// `token_id: [u8; 32]`
    pub const TOKEN_ID: usize = 9;
    /// `domain: u32` (the remote)
    pub const DOMAIN: usize = 41;
    /// `remote_exp: u8` (remote local = home / 10^remote_exp)
    pub const REMOTE_EXP: usize = 45;
    /// `remote_max: u128` (largest remote local amount; 0 = the route is disabled both ways)
    pub const REMOTE_MAX: usize = 46;
    /// `ledger: i128` (sent to the remote minus received from it, local units)
    pub const LEDGER: usize = 62;
    /// `inbound_bounded: bool` (deliveries need `ledger >= amount`; false only on the route
    /// from a bridged mint's home domain, the source of its supply)
    pub const INBOUND_BOUNDED: usize = 78;
    /// `outbound_bounded: bool` (sends need `-ledger >= amount`; true where the token is a
    /// bridged mint)
    pub const OUTBOUND_BOUNDED: usize = 79;
    /// `inbound: Bucket`
    pub const INBOUND: usize = 80;
    /// `outbound: Bucket`
    pub const OUTBOUND: usize = 112;
    /// Size.
    pub const LEN: usize = 144;
}

/// `Bucket` (inside `Route`): `capacity: u64, refill_per_second: u64, level: u64,
/// last_update: i64`.
pub mod bucket {
    /// `capacity`
    pub const CAPACITY: usize = 0;
    /// `refill_per_second`
    pub const REFILL_PER_SECOND: usize = 8;
    /// `level`
    pub const LEVEL: usize = 16;
    /// `last_update`
    pub const LAST_UPDATE: usize = 24;
}

/// `Receipt` (PDA `["receipt", origin LE, origin bridge, nonce LE]`): its existence means the
/// message was delivered.
pub mod receipt {
    /// `bump: u8`
    pub const BUMP: usize = 8;
    /// `status: u8` (see `STATUS_*`)
    pub const STATUS: usize = 9;
    /// `queue_reason: u8` (see `REASON_*`)
    pub const QUEUE_REASON: usize = 10;
    /// `message_id: [u8; 32]`
    pub const MESSAGE_ID: usize = 11;
    /// `origin: u32`
    pub const ORIGIN: usize = 43;
    /// `origin_bridge: [u8; 32]` (the remote's bridge at delivery)
    pub const ORIGIN_BRIDGE: usize = 47;
    /// `nonce: u64`
    pub const NONCE: usize = 79;
    /// `sender: [u8; 32]`
    pub const SENDER: usize = 87;
    /// `kind: u8`
    pub const KIND: usize = 119;
    /// `token_id: [u8; 32]`
    pub const TOKEN_ID: usize = 120;
    /// `amount: u64` (local units)
    pub const AMOUNT: usize = 152;
    /// `beneficiary: Pubkey` (token transfers) or the recipient program (messages)
    pub const BENEFICIARY: usize = 160;
    /// `delivered_at: i64`
    pub const DELIVERED_AT: usize = 192;
    /// `release_at: i64`
    pub const RELEASE_AT: usize = 200;
    /// `payload_hash: [u8; 32]` (keccak256 of an arbitrary message's payload)
    pub const PAYLOAD_HASH: usize = 208;
    /// `gas_limit: u64` (an arbitrary message's compute units for its recipient)
    pub const GAS_LIMIT: usize = 240;
    /// `refund_id: [u8; 32]` (the id of the refund message of a refunded transfer)
    pub const REFUND_ID: usize = 248;
    /// Size.
    pub const LEN: usize = 280;
    /// A token transfer paid out.
    pub const STATUS_EXECUTED: u8 = 1;
    /// A token transfer waiting (timelock or rate limit).
    pub const STATUS_QUEUED: u8 = 2;
    /// A queued transfer cancelled by the guardian or voided by the admin.
    pub const STATUS_CANCELLED: u8 = 3;
    /// An arbitrary message, recorded for `execute_message`.
    pub const STATUS_RECEIVED: u8 = 4;
    /// An arbitrary message whose recipient was called (`execute_message`).
    pub const STATUS_MESSAGE_EXECUTED: u8 = 5;
    /// A cancelled transfer whose refund message was sent (`RefundCancelled`).
    pub const STATUS_REFUNDED: u8 = 6;
    /// Not queued.
    pub const REASON_NONE: u8 = 0;
    /// Amount at or above the token's timelock threshold.
    pub const REASON_TIMELOCK: u8 = 1;
    /// Amount above the route's inbound bucket.
    pub const REASON_RATE_LIMIT: u8 = 2;
}

/// `SignatureSet` (PDA `["signatures", message id, epoch LE, payer]`): signers verified so far.
pub mod signature_set {
    /// `bump: u8`
    pub const BUMP: usize = 8;
    /// `epoch: u64`
    pub const EPOCH: usize = 9;
    /// `message_id: [u8; 32]`
    pub const MESSAGE_ID: usize = 17;
    /// `digest: [u8; 32]`
    pub const DIGEST: usize = 49;
    /// `payer: Pubkey`
    pub const PAYER: usize = 81;
    /// `signers: Vec<[u8; 20]>` (length)
    pub const SIGNERS_LEN: usize = 113;
    /// first signer
    pub const SIGNERS: usize = 117;
}

/// `Proposal` (PDA `["proposal", id LE]`): an admin action behind the timelock.
pub mod proposal {
    /// `bump: u8`
    pub const BUMP: usize = 8;
    /// `id: u64`
    pub const ID: usize = 9;
    /// `status: u8` (0 pending, 1 executed, 2 cancelled)
    pub const STATUS: usize = 17;
    /// `eta: i64` (executable from, until `eta + GRACE_PERIOD`)
    pub const ETA: usize = 18;
    /// `created_at: i64`
    pub const CREATED_AT: usize = 26;
    /// `pause_count: u64` (the config's pause count when proposed: an `Unpause` executes only
    /// if it is still the config's)
    pub const PAUSE_COUNT: usize = 34;
    /// `approved_by: Pubkey` (the guardian who consented to a guardian change with
    /// `approve_proposal`; zero when none did)
    pub const APPROVED_BY: usize = 42;
    /// `action: bytes` (Borsh `Action`; length)
    pub const ACTION_LEN: usize = 74;
    /// first action byte
    pub const ACTION: usize = 78;
    /// Pending.
    pub const PENDING: u8 = 0;
    /// Executed.
    pub const EXECUTED: u8 = 1;
    /// Cancelled.
    pub const CANCELLED: u8 = 2;
}

/// `FeeConfig` (PDA `["fee_config", destination LE]`): what a delivery to `destination` costs
/// (docs/protocol.md "Delivery fees", `trestle_bridge::FeeConfig`). No account (or all zero):
/// the destination is free.
pub mod fee_config {
    /// `bump: u8`
    pub const BUMP: usize = 8;
    /// `destination: u32`
    pub const DESTINATION: usize = 9;
    /// `gas_price: u128` (10^-9 destination base units per gas unit)
    pub const GAS_PRICE: usize = 13;
    /// `exchange_rate: u128` (lamports per destination base unit, times 10^18)
    pub const EXCHANGE_RATE: usize = 29;
    /// `fixed_cost: u128` (destination base units per delivery)
    pub const FIXED_COST: usize = 45;
    /// `message_gas: u64`
    pub const MESSAGE_GAS: usize = 61;
    /// `signatures_gas: u64`
    pub const SIGNATURES_GAS: usize = 69;
    /// `transfer_gas: u64`
    pub const TRANSFER_GAS: usize = 77;
    /// `gas_per_byte: u32`
    pub const GAS_PER_BYTE: usize = 85;
    /// `last_update: u64` (when the fee oracle last set the prices, seconds)
    pub const LAST_UPDATE: usize = 89;
    /// Size.
    pub const LEN: usize = 97;
}

/// `FeeRoles` (PDA `["fees"]`): who may update prices and who receives the fees. A zero key
/// is none.
pub mod fee_roles {
    /// `bump: u8`
    pub const BUMP: usize = 8;
    /// `oracle: Pubkey` (updates prices within bounds; never the admin or the guardian)
    pub const ORACLE: usize = 9;
    /// `beneficiary: Pubkey` (receives `withdraw_fees`)
    pub const BENEFICIARY: usize = 41;
    /// Size.
    pub const LEN: usize = 73;
}

/// `FeeVault` (PDA `["fee_vault"]`): holds the fees paid (its lamports above its rent-exempt
/// minimum).
pub mod fee_vault {
    /// `bump: u8`
    pub const BUMP: usize = 8;
    /// Size.
    pub const LEN: usize = 9;
}

/// How long a proposal stays executable after its ETA: 14 days.
pub const GRACE_PERIOD: i64 = 14 * 24 * 60 * 60;
/// The longest admin delay accepted (`initialize`, `SetAdminDelay`): 30 days, so no delay can
/// shut governance (and every unpause) out for good.
pub const MAX_ADMIN_DELAY: i64 = 30 * 24 * 60 * 60;
/// The longest token timelock delay accepted (`RegisterToken`, `SetTokenLimits`): 30 days
/// (docs/protocol.md `MAX_DELAY`, as the admin delay).
pub const MAX_TIMELOCK_DELAY: i64 = 30 * 24 * 60 * 60;
/// How long a proposal that replaces the guardian waits (or the admin delay, if longer) unless
/// the sitting guardian consents (`approve_proposal`): 30 days.
pub const GUARDIAN_CHANGE_DELAY: i64 = 30 * 24 * 60 * 60;
