//! Account layouts. Each account is its Anchor discriminator followed by the Borsh encoding of
//! its fields (little-endian integers, `u32`-prefixed vectors), in the order the IDL lists them.
//! Offsets below are byte offsets into the account data.

/// Seeds of the config PDA: `["config"]`.
pub const SEED_CONFIG: &[u8] = b"config";
/// Seeds of a remote PDA: `["remote", domain (u32 BE)]`.
pub const SEED_REMOTE: &[u8] = b"remote";
/// Seeds of a token config PDA: `["token", token id]`.
pub const SEED_TOKEN: &[u8] = b"token";
/// Seeds of a vault token account PDA: `["vault", mint]`.
pub const SEED_VAULT: &[u8] = b"vault";
/// Seeds of the authority PDA (vault owner, bridged mints' mint authority): `["authority"]`.
pub const SEED_AUTHORITY: &[u8] = b"authority";
/// Seeds of the messenger PDA, which signs the calls to message recipients: `["messenger"]`.
pub const SEED_MESSENGER: &[u8] = b"messenger";
/// Seeds of a receipt PDA: `["receipt", message id]`.
pub const SEED_RECEIPT: &[u8] = b"receipt";
/// Seeds of a staged signature set: `["signatures", message id, epoch (u64 BE), payer]`.
pub const SEED_SIGNATURES: &[u8] = b"signatures";
/// Seeds of a proposal: `["proposal", id (u64 BE)]`.
pub const SEED_PROPOSAL: &[u8] = b"proposal";

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
    /// `outbound_nonce: u64`
    pub const OUTBOUND_NONCE: usize = 78;
    /// `admin_delay: i64` (seconds)
    pub const ADMIN_DELAY: usize = 86;
    /// `next_proposal: u64`
    pub const NEXT_PROPOSAL: usize = 94;
    /// Size.
    pub const LEN: usize = 102;
}

/// `Remote` (PDA `["remote", domain BE]`): the bridge of another domain and the validator set
/// that attests the messages from it (one set per origin, as the EVM bridge's `remote(origin)`).
pub mod remote {
    /// `bump: u8`
    pub const BUMP: usize = 8;
    /// `domain: u32`
    pub const DOMAIN: usize = 9;
    /// `bridge: [u8; 32]`
    pub const BRIDGE: usize = 13;
    /// `epoch: u64` (of the validator set that attests messages from this domain)
    pub const EPOCH: usize = 45;
    /// `threshold: u8`
    pub const THRESHOLD: usize = 53;
    /// `validators: Vec<[u8; 20]>` (length)
    pub const VALIDATORS_LEN: usize = 54;
    /// first validator
    pub const VALIDATORS: usize = 58;
    /// Allocated size: room for 255 validators.
    pub const LEN: usize = VALIDATORS + 20 * crate::validators::MAX_VALIDATORS;
}

/// `TokenConfig` (PDA `["token", token id]`).
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
    /// `timelock_threshold: u64` (local units; transfers at or above it are queued)
    pub const TIMELOCK_THRESHOLD: usize = 144;
    /// `timelock_delay: i64` (seconds)
    pub const TIMELOCK_DELAY: usize = 152;
    /// `inbound: Bucket`
    pub const INBOUND: usize = 160;
    /// `outbound: Bucket`
    pub const OUTBOUND: usize = 192;
    /// Size.
    pub const LEN: usize = 224;
}

/// `Bucket` (inside `TokenConfig`): `capacity: u64, refill_per_second: u64, level: u64,
/// last_update: i64`.
pub mod bucket {
    /// `capacity`
    pub const CAPACITY: usize = 0;
    /// `refill_per_second`
    pub const REFILL: usize = 8;
    /// `level`
    pub const LEVEL: usize = 16;
    /// `last_update`
    pub const LAST_UPDATE: usize = 24;
}

/// `Receipt` (PDA `["receipt", message id]`): its existence means the message was delivered.
pub mod receipt {
    /// `bump: u8`
    pub const BUMP: usize = 8;
    /// `status: u8` (see `STATUS_*`)
    pub const STATUS: usize = 9;
    /// `queue_reason: u8` (see `REASON_*`)
    pub const REASON: usize = 10;
    /// `message_id: [u8; 32]`
    pub const MESSAGE_ID: usize = 11;
    /// `origin: u32`
    pub const ORIGIN: usize = 43;
    /// `nonce: u64`
    pub const NONCE: usize = 47;
    /// `sender: [u8; 32]`
    pub const SENDER: usize = 55;
    /// `kind: u8`
    pub const KIND: usize = 87;
    /// `token_id: [u8; 32]`
    pub const TOKEN_ID: usize = 88;
    /// `amount: u64` (local units)
    pub const AMOUNT: usize = 120;
    /// `beneficiary: Pubkey` (token transfers) or the recipient (messages)
    pub const BENEFICIARY: usize = 128;
    /// `delivered_at: i64`
    pub const DELIVERED_AT: usize = 160;
    /// `release_at: i64`
    pub const RELEASE_AT: usize = 168;
    /// `payload_hash: [u8; 32]` (keccak256 of the body of an arbitrary message)
    pub const PAYLOAD_HASH: usize = 176;
    /// Size.
    pub const LEN: usize = 208;
    /// A token transfer paid out.
    pub const STATUS_EXECUTED: u8 = 1;
    /// A token transfer waiting (timelock or rate limit).
    pub const STATUS_QUEUED: u8 = 2;
    /// A queued transfer the guardian cancelled.
    pub const STATUS_CANCELLED: u8 = 3;
    /// An arbitrary message, recorded for its recipient program to read.
    pub const STATUS_RECEIVED: u8 = 4;
    /// An arbitrary message whose recipient was called (`execute_message`).
    pub const STATUS_MESSAGE_EXECUTED: u8 = 5;
    /// Not queued.
    pub const REASON_NONE: u8 = 0;
    /// Amount at or above the token's timelock threshold.
    pub const REASON_TIMELOCK: u8 = 1;
    /// Amount above the inbound bucket.
    pub const REASON_RATE_LIMIT: u8 = 2;
}

/// `SignatureSet` (PDA `["signatures", message id, epoch BE, payer]`): signers verified so far.
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

/// `Proposal` (PDA `["proposal", id BE]`): an admin action behind the timelock.
pub mod proposal {
    /// `bump: u8`
    pub const BUMP: usize = 8;
    /// `id: u64`
    pub const ID: usize = 9;
    /// `status: u8` (0 pending, 1 executed, 2 cancelled)
    pub const STATUS: usize = 17;
    /// `eta: i64` (executable at or after)
    pub const ETA: usize = 18;
    /// `action: bytes` (Borsh `Action`; length)
    pub const ACTION_LEN: usize = 26;
    /// first action byte
    pub const ACTION: usize = 30;
    /// Pending.
    pub const PENDING: u8 = 0;
    /// Executed.
    pub const EXECUTED: u8 = 1;
    /// Cancelled.
    pub const CANCELLED: u8 = 2;
}
