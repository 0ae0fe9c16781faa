//! Decoders of the Solana bridge program's accounts. Each account is its Anchor discriminator
//! (`sha256("account:<Name>")[..8]`) followed by the Borsh encoding of its fields in the
//! IDL's order; every decoder checks the discriminator and the length and names the account in
//! its error ([`Error::InvalidAccount`]).

use trestle_core::solana::SolanaAddress;

use crate::error::{Error, Result};
use crate::solana::account_discriminator;
use crate::solana::admin::Action;

/// Most validators in a remote's set (the protocol cap); a `Remote` is sized for it.
pub const MAX_VALIDATORS: usize = 255;

/// A cursor over account data that names the account in its errors.
struct Fields<'a> {
    account: &'static str,
    data: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    /// Checks the discriminator of `account` and that `data` is at least `min_len` bytes.
    fn open(account: &'static str, data: &'a [u8], min_len: usize) -> Result<Self> {
        if data.len() < min_len {
            return Err(invalid(
                account,
                format!("{} bytes; at least {min_len} expected", data.len()),
            ));
        }
        if data.get(..8) != Some(account_discriminator(account).as_slice()) {
            return Err(invalid(
                account,
                "the discriminator is not this account type's".to_owned(),
            ));
        }
        Ok(Self {
            account,
            data,
            pos: 8,
        })
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.saturating_add(n);
        let out = self.data.get(self.pos..end).ok_or_else(|| {
            invalid(
                self.account,
                format!("{} bytes end before offset {end}", self.data.len()),
            )
        })?;
        self.pos = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    fn bool(&mut self, field: &str) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(invalid(
                self.account,
                format!("{field} is {other}, not a bool"),
            )),
        }
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn u128(&mut self) -> Result<u128> {
        Ok(u128::from_le_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    fn address(&mut self) -> Result<SolanaAddress> {
        Ok(SolanaAddress(self.array()?))
    }

    /// A `Vec<[u8; 20]>` of at most `max` entries.
    fn addresses20(&mut self, field: &str, max: usize) -> Result<Vec<[u8; 20]>> {
        let n = self.u32()? as usize;
        if n > max {
            return Err(invalid(
                self.account,
                format!("{field} holds {n} entries; at most {max} fit"),
            ));
        }
        let flat = self.take(n * 20)?;
        Ok(flat
            .chunks_exact(20)
            .map(|c| {
                let mut a = [0u8; 20];
                a.copy_from_slice(c);
                a
            })
            .collect())
    }

    /// Refuses bytes after the last field (for accounts allocated to their exact size).
    fn finish(&self) -> Result<()> {
        if self.pos == self.data.len() {
            Ok(())
        } else {
            Err(invalid(
                self.account,
                format!("{} bytes; the fields end at {}", self.data.len(), self.pos),
            ))
        }
    }
}

fn invalid(account: &'static str, reason: String) -> Error {
    Error::InvalidAccount { account, reason }
}

/// `Config` (PDA `["config"]`): the bridge's own settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// PDA bump.
    pub bump: u8,
    /// This bridge's domain.
    pub domain: u32,
    /// Proposes timelocked actions.
    pub admin: SolanaAddress,
    /// Pauses, cancels queued transfers and proposals.
    pub guardian: SolanaAddress,
    /// Whether `send`/`deliver`/`execute_*` are refused.
    pub paused: bool,
    /// When the latest pause began (unix seconds; 0 before the first pause).
    pub paused_at: i64,
    /// The nonce the next `send` (or refund) uses.
    pub outbound_nonce: u64,
    /// Seconds between `propose` and `execute_proposal`.
    pub admin_delay: i64,
    /// The id the next proposal gets.
    pub next_proposal: u64,
    /// How many times the bridge was paused. An `Unpause` executes only if this is still what
    /// it was when the unpause was proposed (during the current pause).
    pub pause_count: u64,
}

impl Config {
    /// Account size.
    pub const LEN: usize = 118;

    /// Decodes a `Config` account's data.
    pub fn decode(data: &[u8]) -> Result<Self> {
        let mut f = Fields::open("Config", data, Self::LEN)?;
        let config = Self {
            bump: f.u8()?,
            domain: f.u32()?,
            admin: f.address()?,
            guardian: f.address()?,
            paused: f.bool("paused")?,
            paused_at: f.i64()?,
            outbound_nonce: f.u64()?,
            admin_delay: f.i64()?,
            next_proposal: f.u64()?,
            pause_count: f.u64()?,
        };
        f.finish()?;
        Ok(config)
    }
}

/// What a remote chain can pay: decides which beneficiaries `send` accepts for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RemoteKind {
    /// An EVM chain: only 20-byte addresses (a beneficiary's upper 12 bytes must be zero).
    Evm,
    /// A Solana chain: any non-zero key.
    Solana,
}

impl RemoteKind {
    /// The stored byte (0 EVM, 1 Solana).
    pub fn to_u8(self) -> u8 {
        match self {
            Self::Evm => 0,
            Self::Solana => 1,
        }
    }

    /// The kind of byte `b`.
    pub fn from_u8(b: u8) -> Option<Self> {
        match b {
            0 => Some(Self::Evm),
            1 => Some(Self::Solana),
            _ => None,
        }
    }
}

/// `Remote` (PDA `["remote", domain (u32 LE)]`): another domain's bridge, its kind and the
/// validator set that attests messages from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// PDA bump.
    pub bump: u8,
    /// The remote domain.
    pub domain: u32,
    /// Its bridge (an EVM address left-padded to 32 bytes, or a program id); the origin bridge of
    /// its messages' receipts.
    pub bridge: [u8; 32],
    /// What it pays.
    pub kind: RemoteKind,
    /// Validator-set epoch (signed into every attestation digest).
    pub epoch: u64,
    /// Signatures needed.
    pub threshold: u8,
    /// Validator addresses, strictly ascending.
    pub validators: Vec<[u8; 20]>,
}

impl Remote {
    /// Bytes before the first validator.
    pub const VALIDATORS_OFFSET: usize = 59;
    /// Account size: room for [`MAX_VALIDATORS`].
    pub const LEN: usize = Self::VALIDATORS_OFFSET + 20 * MAX_VALIDATORS;

    /// Decodes a `Remote` account's data (the space after the validators is unused).
    pub fn decode(data: &[u8]) -> Result<Self> {
        let mut f = Fields::open("Remote", data, Self::VALIDATORS_OFFSET)?;
        let bump = f.u8()?;
        let domain = f.u32()?;
        let bridge = f.array()?;
        let kind_byte = f.u8()?;
        let kind = RemoteKind::from_u8(kind_byte)
            .ok_or_else(|| invalid("Remote", format!("unknown kind {kind_byte}")))?;
        Ok(Self {
            bump,
            domain,
            bridge,
            kind,
            epoch: f.u64()?,
            threshold: f.u8()?,
            validators: f.addresses20("validators", MAX_VALIDATORS)?,
        })
    }
}

/// A token bucket (rate limit) inside a [`Route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// Most it holds (local units).
    pub capacity: u64,
    /// Refill per second.
    pub refill_per_second: u64,
    /// Level at `last_update`.
    pub level: u64,
    /// Unix time of the last update.
    pub last_update: i64,
}

/// `TokenConfig` (PDA `["token", token id]`): a registered token. Its limits per remote are
/// in its [`Route`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenConfig {
    /// PDA bump.
    pub bump: u8,
    /// `keccak256(home_domain BE || home_token)`.
    pub token_id: [u8; 32],
    /// The SPL mint here.
    pub mint: SolanaAddress,
    /// True: locked in the vault here; false: a bridged mint, burned and minted.
    pub is_home: bool,
    /// The token's home domain.
    pub home_domain: u32,
    /// The token's address at home.
    pub home_token: [u8; 32],
    /// Message amount = local amount * 10^scale_exp.
    pub scale_exp: u8,
    /// The vault PDA (home tokens); the program id for bridged ones.
    pub vault: SolanaAddress,
    /// The vault's bump.
    pub vault_bump: u8,
    /// Inbound transfers at or above it (local units) are queued.
    pub timelock_threshold: u64,
    /// Seconds a queued transfer waits.
    pub timelock_delay: i64,
}

impl TokenConfig {
    /// Account size.
    pub const LEN: usize = 160;

    /// Decodes a `TokenConfig` account's data.
    pub fn decode(data: &[u8]) -> Result<Self> {
        let mut f = Fields::open("TokenConfig", data, Self::LEN)?;
        let token = Self {
            bump: f.u8()?,
            token_id: f.array()?,
            mint: f.address()?,
            is_home: f.bool("is_home")?,
            home_domain: f.u32()?,
            home_token: f.array()?,
            scale_exp: f.u8()?,
            vault: f.address()?,
            vault_bump: f.u8()?,
            timelock_threshold: f.u64()?,
            timelock_delay: f.i64()?,
        };
        f.finish()?;
        Ok(token)
    }
}

/// `Route` (PDA `["route", token id, domain (u32 LE)]`): a token's route to and from one
/// remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// PDA bump.
    pub bump: u8,
    /// The token id.
    pub token_id: [u8; 32],
    /// The remote domain.
    pub domain: u32,
    /// Remote local amount = home amount / 10^remote_exp.
    pub remote_exp: u8,
    /// The largest remote local amount; 0 disables sends.
    pub remote_max: u128,
    /// Sent to the remote minus received from it (local units): the ledger (as
    /// [`crate::RouteLedger::net`]).
    pub ledger: i128,
    /// Whether deliveries from the remote need `ledger >= amount`.
    pub inbound_bounded: bool,
    /// Whether sends to the remote need `-ledger >= amount`.
    pub outbound_bounded: bool,
    /// Inbound rate limit.
    pub inbound: Bucket,
    /// Outbound rate limit.
    pub outbound: Bucket,
}

impl Route {
    /// Account size.
    pub const LEN: usize = 144;

    /// Decodes a `Route` account's data.
    pub fn decode(data: &[u8]) -> Result<Self> {
        let mut f = Fields::open("Route", data, Self::LEN)?;
        let bucket = |f: &mut Fields| -> Result<Bucket> {
            Ok(Bucket {
                capacity: f.u64()?,
                refill_per_second: f.u64()?,
                level: f.u64()?,
                last_update: f.i64()?,
            })
        };
        let route = Self {
            bump: f.u8()?,
            token_id: f.array()?,
            domain: f.u32()?,
            remote_exp: f.u8()?,
            remote_max: u128::from_le_bytes(f.array()?),
            ledger: i128::from_le_bytes(f.array()?),
            inbound_bounded: f.bool("inbound_bounded")?,
            outbound_bounded: f.bool("outbound_bounded")?,
            inbound: bucket(&mut f)?,
            outbound: bucket(&mut f)?,
        };
        f.finish()?;
        Ok(route)
    }

    /// The ledger as the Rust reference keeps it.
    pub fn route_ledger(&self) -> crate::RouteLedger {
        crate::RouteLedger {
            inbound_bounded: self.inbound_bounded,
            outbound_bounded: self.outbound_bounded,
            net: self.ledger,
        }
    }
}

/// What became of a delivered message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReceiptStatus {
    /// A token transfer paid out.
    Executed,
    /// A token transfer waiting (see [`QueueReason`]).
    Queued,
    /// A queued transfer the guardian cancelled or the admin voided.
    Cancelled,
    /// An arbitrary message, recorded; its recipient is not called yet.
    Received,
    /// An arbitrary message whose recipient was called (`execute_message`).
    MessageExecuted,
    /// A cancelled transfer sent back to its origin (`RefundCancelled`).
    Refunded,
}

impl ReceiptStatus {
    /// The status byte.
    pub fn to_u8(self) -> u8 {
        match self {
            Self::Executed => 1,
            Self::Queued => 2,
            Self::Cancelled => 3,
            Self::Received => 4,
            Self::MessageExecuted => 5,
            Self::Refunded => 6,
        }
    }

    /// The status of byte `b`.
    pub fn from_u8(b: u8) -> Option<Self> {
        Some(match b {
            1 => Self::Executed,
            2 => Self::Queued,
            3 => Self::Cancelled,
            4 => Self::Received,
            5 => Self::MessageExecuted,
            6 => Self::Refunded,
            _ => return None,
        })
    }
}

/// Why a transfer was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueReason {
    /// Not queued.
    None,
    /// At or above the token's timelock threshold.
    Timelock,
    /// Above what the inbound bucket held.
    RateLimit,
}

impl QueueReason {
    /// The reason of byte `b`.
    pub fn from_u8(b: u8) -> Option<Self> {
        Some(match b {
            0 => Self::None,
            1 => Self::Timelock,
            2 => Self::RateLimit,
            _ => return None,
        })
    }
}

/// `Receipt` (PDA `["receipt", origin (u32 LE), origin bridge, nonce (u64 LE)]`): its existence
/// means the message was delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// PDA bump.
    pub bump: u8,
    /// Status.
    pub status: ReceiptStatus,
    /// Why it is queued ([`QueueReason::None`] otherwise).
    pub queue_reason: QueueReason,
    /// The message id.
    pub message_id: [u8; 32],
    /// Origin domain.
    pub origin: u32,
    /// The origin's bridge at delivery.
    pub origin_bridge: [u8; 32],
    /// The origin's nonce.
    pub nonce: u64,
    /// Sender at the origin.
    pub sender: [u8; 32],
    /// Body kind (0 message, 1 token transfer).
    pub kind: u8,
    /// Token id (token transfers).
    pub token_id: [u8; 32],
    /// Amount in local units (token transfers).
    pub amount: u64,
    /// Beneficiary (token transfers) or recipient program (messages).
    pub beneficiary: SolanaAddress,
    /// Unix time of delivery.
    pub delivered_at: i64,
    /// When a queued transfer becomes executable.
    pub release_at: i64,
    /// keccak256 of an arbitrary message's payload.
    pub payload_hash: [u8; 32],
    /// An arbitrary message's gas limit (compute units for its recipient).
    pub gas_limit: u64,
    /// The refund message's id once refunded (zero before).
    pub refund_id: [u8; 32],
}

impl Receipt {
    /// Account size.
    pub const LEN: usize = 280;

    /// Decodes a `Receipt` account's data.
    pub fn decode(data: &[u8]) -> Result<Self> {
        let mut f = Fields::open("Receipt", data, Self::LEN)?;
        let bump = f.u8()?;
        let status_byte = f.u8()?;
        let status = ReceiptStatus::from_u8(status_byte)
            .ok_or_else(|| invalid("Receipt", format!("unknown status {status_byte}")))?;
        let reason_byte = f.u8()?;
        let queue_reason = QueueReason::from_u8(reason_byte)
            .ok_or_else(|| invalid("Receipt", format!("unknown queue reason {reason_byte}")))?;
        let receipt = Self {
            bump,
            status,
            queue_reason,
            message_id: f.array()?,
            origin: f.u32()?,
            origin_bridge: f.array()?,
            nonce: f.u64()?,
            sender: f.array()?,
            kind: f.u8()?,
            token_id: f.array()?,
            amount: f.u64()?,
            beneficiary: f.address()?,
            delivered_at: f.i64()?,
            release_at: f.i64()?,
            payload_hash: f.array()?,
            gas_limit: f.u64()?,
            refund_id: f.array()?,
        };
        f.finish()?;
        Ok(receipt)
    }

    /// The key of this receipt (its PDA's seeds).
    pub fn key(&self) -> crate::solana::ReceiptKey {
        crate::solana::ReceiptKey {
            origin: self.origin,
            origin_bridge: self.origin_bridge,
            nonce: self.nonce,
        }
    }
}

/// `SignatureSet` (PDA `["signatures", message id, epoch (u64 LE), payer]`): signers staged
/// by `post_signatures` for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureSet {
    /// PDA bump.
    pub bump: u8,
    /// Validator-set epoch of the digest.
    pub epoch: u64,
    /// The message id.
    pub message_id: [u8; 32],
    /// The attestation digest the signers signed.
    pub digest: [u8; 32],
    /// Who staged it (and gets its rent back).
    pub payer: SolanaAddress,
    /// Verified signers, strictly ascending.
    pub signers: Vec<[u8; 20]>,
}

impl SignatureSet {
    /// Bytes before the first signer.
    pub const SIGNERS_OFFSET: usize = 117;

    /// Decodes a `SignatureSet` account's data (sized for the remote's set when created).
    pub fn decode(data: &[u8]) -> Result<Self> {
        let mut f = Fields::open("SignatureSet", data, Self::SIGNERS_OFFSET)?;
        Ok(Self {
            bump: f.u8()?,
            epoch: f.u64()?,
            message_id: f.array()?,
            digest: f.array()?,
            payer: f.address()?,
            signers: f.addresses20("signers", MAX_VALIDATORS)?,
        })
    }
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProposalStatus {
    /// Waiting for its delay, or executable.
    Pending,
    /// Applied.
    Executed,
    /// Dropped by the admin or the guardian.
    Cancelled,
}

/// `Proposal` (PDA `["proposal", id (u64 LE)]`): a timelocked admin action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// PDA bump.
    pub bump: u8,
    /// Proposal id.
    pub id: u64,
    /// Status.
    pub status: ProposalStatus,
    /// Executable from this unix time until 14 days after.
    pub eta: i64,
    /// When it was proposed.
    pub created_at: i64,
    /// The config's pause count when it was proposed (an `Unpause` executes only during that
    /// pause).
    pub pause_count: u64,
    /// The guardian who consented to this guardian change (`approve_proposal`), if any.
    pub approved_by: Option<SolanaAddress>,
    /// The action.
    pub action: Action,
}

impl Proposal {
    /// Bytes before the action.
    pub const ACTION_OFFSET: usize = 78;

    /// Decodes a `Proposal` account's data.
    pub fn decode(data: &[u8]) -> Result<Self> {
        let mut f = Fields::open("Proposal", data, Self::ACTION_OFFSET)?;
        let bump = f.u8()?;
        let id = f.u64()?;
        let status = match f.u8()? {
            0 => ProposalStatus::Pending,
            1 => ProposalStatus::Executed,
            2 => ProposalStatus::Cancelled,
            other => return Err(invalid("Proposal", format!("unknown status {other}"))),
        };
        let eta = f.i64()?;
        let created_at = f.i64()?;
        let pause_count = f.u64()?;
        let approved_by = Some(f.address()?).filter(|a| a.0 != [0; 32]);
        let len = f.u32()? as usize;
        let bytes = f.take(len)?;
        f.finish()?;
        let action = Action::decode(bytes).map_err(|e| invalid("Proposal", e.to_string()))?;
        Ok(Self {
            bump,
            id,
            status,
            eta,
            created_at,
            pause_count,
            approved_by,
            action,
        })
    }
}

/// `FeeConfig` (PDA `["fee_config", destination (u32 LE)]`): the delivery fees of one
/// destination. No account: the destination is free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeConfigAccount {
    /// PDA bump.
    pub bump: u8,
    /// The destination domain.
    pub destination: u32,
    /// The configuration ([`crate::FeeConfig::quote`] computes what the program charges).
    pub config: crate::FeeConfig,
}

impl FeeConfigAccount {
    /// Account size.
    pub const LEN: usize = 97;

    /// Decodes a `FeeConfig` account's data.
    pub fn decode(data: &[u8]) -> Result<Self> {
        let mut f = Fields::open("FeeConfig", data, Self::LEN)?;
        let account = Self {
            bump: f.u8()?,
            destination: f.u32()?,
            config: crate::FeeConfig {
                gas_price: f.u128()?,
                exchange_rate: f.u128()?,
                fixed_cost: f.u128()?,
                message_gas: f.u64()?,
                signatures_gas: f.u64()?,
                transfer_gas: f.u64()?,
                gas_per_byte: f.u32()?,
                last_update: f.u64()?,
            },
        };
        f.finish()?;
        Ok(account)
    }
}

/// `FeeRoles` (PDA `["fees"]`): who updates prices and who receives the fees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeRoles {
    /// PDA bump.
    pub bump: u8,
    /// The fee oracle (`None`: nobody updates prices).
    pub oracle: Option<SolanaAddress>,
    /// The fee beneficiary (`None`: `withdraw_fees` is refused).
    pub beneficiary: Option<SolanaAddress>,
}

impl FeeRoles {
    /// Account size.
    pub const LEN: usize = 73;

    /// Decodes a `FeeRoles` account's data.
    pub fn decode(data: &[u8]) -> Result<Self> {
        let mut f = Fields::open("FeeRoles", data, Self::LEN)?;
        let some = |a: SolanaAddress| Some(a).filter(|a| a.0 != [0; 32]);
        let roles = Self {
            bump: f.u8()?,
            oracle: some(f.address()?),
            beneficiary: some(f.address()?),
        };
        f.finish()?;
        Ok(roles)
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
