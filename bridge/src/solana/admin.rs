//! Builders of the program's administration instructions: `initialize`, `propose` with its
//! timelocked [`Action`]s, `execute_proposal`, `cancel_proposal`, `approve_proposal`, `pause`,
//! `cancel_queued` and `close_signatures`. Accounts are listed in the IDL's order.

use trestle_core::solana::SolanaAddress;
use trestle_core::solana::address::{
    SYSTEM_PROGRAM_ID, SYSVAR_CLOCK_ID, SYSVAR_RENT_ID, TOKEN_PROGRAM_ID,
};
use trestle_core::solana::instruction::{AccountMeta, Instruction};

use crate::error::{Error, Result};
use crate::solana::loader::BPF_LOADER_UPGRADEABLE_ID;
use crate::solana::state::RemoteKind;
use crate::solana::{Args, BridgeProgram, ReceiptKey};

/// A bucket's configuration (`BucketLimits`), both non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BucketLimits {
    /// Most it holds (local units).
    pub capacity: u64,
    /// Units added per second.
    pub refill_per_second: u64,
}

/// A timelocked admin action (`propose`, then `execute_proposal` after the admin delay and
/// before 14 days more). The Borsh enum tag is the variant's position.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// 0: rotates the validator set of remote `domain`; `epoch` must be above its current one.
    SetValidatorSet {
        /// The remote (origin) domain.
        domain: u32,
        /// The new epoch.
        epoch: u64,
        /// Signatures needed (`ceil(2n/3) <= threshold <= n`).
        threshold: u8,
        /// Strictly ascending, non-zero, 1..=255.
        validators: Vec<[u8; 20]>,
    },
    /// 1: creates or replaces remote `domain`: its bridge, kind and validator set (on an
    /// existing remote the epoch must increase).
    SetRemote {
        /// The remote domain.
        domain: u32,
        /// Its bridge, 32 bytes: an EVM address left-padded with 12 zero bytes (the program
        /// refuses another for [`RemoteKind::Evm`]: `OutOfRange`), or a program id.
        bridge: [u8; 32],
        /// What it pays (EVM: 20-byte addresses only).
        kind: RemoteKind,
        /// Validator-set epoch, >= 1.
        epoch: u64,
        /// Signatures needed.
        threshold: u8,
        /// Strictly ascending, non-zero, 1..=255.
        validators: Vec<[u8; 20]>,
    },
    /// 2: registers a token: a home token (`home_domain` is this bridge's, locked in a vault)
    /// or a bridged mint (minted and burned by the authority PDA). Its routes come with
    /// [`Action::SetRoute`].
    RegisterToken {
        /// The token's home domain.
        home_domain: u32,
        /// The token's address at home (the mint for home tokens).
        home_token: [u8; 32],
        /// The SPL mint here.
        mint: SolanaAddress,
        /// Message amount = local amount * 10^scale_exp (0 for home tokens).
        scale_exp: u8,
        /// Inbound amounts at or above it (local units) wait `timelock_delay`; non-zero.
        timelock_threshold: u64,
        /// Seconds; positive.
        timelock_delay: i64,
    },
    /// 3: a registered token's timelock.
    SetTokenLimits {
        /// The token id.
        token_id: [u8; 32],
        /// Inbound amounts at or above it wait.
        timelock_threshold: u64,
        /// Seconds.
        timelock_delay: i64,
    },
    /// 4: lifts the current pause (proposed only while paused; executes only if still paused
    /// by the same pause: the program records the config's pause count at `propose`).
    Unpause,
    /// 5: new admin and guardian (different keys); the guardian cannot veto it. One that
    /// replaces the sitting guardian waits 30 days (or the admin delay, if longer) unless that
    /// guardian consents ([`BridgeProgram::approve_proposal`]).
    SetRoles {
        /// New admin.
        admin: SolanaAddress,
        /// New guardian.
        guardian: SolanaAddress,
    },
    /// 6: creates or updates the route (`token_id`, `domain`); the token must be registered
    /// and the remote `domain` configured (`UnknownRemote`).
    SetRoute {
        /// The token id.
        token_id: [u8; 32],
        /// The remote.
        domain: u32,
        /// Remote local = home / 10^remote_exp (at most 77).
        remote_exp: u8,
        /// The largest remote local amount; 0 disables sends.
        remote_max: u128,
        /// Inbound bucket.
        inbound: BucketLimits,
        /// Outbound bucket.
        outbound: BucketLimits,
    },
    /// 7: the admin delay, 1 s to 30 days.
    SetAdminDelay {
        /// Seconds.
        admin_delay: i64,
    },
    /// 8: cancels a queued transfer (as the guardian's `cancel_queued`).
    VoidQueued {
        /// The receipt.
        key: ReceiptKey,
    },
    /// 9: sends a cancelled transfer back to its origin (once), after governance has checked
    /// on the origin that it was really sent there.
    RefundCancelled {
        /// The receipt.
        key: ReceiptKey,
    },
    /// 10: upgrades the program from `buffer`, whose authority must already be the
    /// upgrade-authority PDA when it is proposed, and whose program bytes must hash to
    /// `code_hash` when proposed and when executed.
    Upgrade {
        /// The buffer holding the new program.
        buffer: SolanaAddress,
        /// Receives the buffer's lamports.
        spill: SolanaAddress,
        /// sha256 of the buffer's data after its 37-byte header
        /// ([`crate::solana::loader::buffer_code_hash`] of the buffer account, or
        /// [`crate::solana::loader::code_hash`] of the bytes written to an exactly sized one).
        code_hash: [u8; 32],
    },
    /// 11: the delivery fees of `destination` (a configured remote: `UnknownRemote`), any
    /// values; creates its fee config (and the fee vault) if missing. Every field but
    /// `last_update` is encoded: the program keeps the oracle's last update time.
    SetFeeConfig {
        /// The destination domain.
        destination: u32,
        /// The fees (`last_update` is not sent; it decodes as 0).
        config: crate::FeeConfig,
    },
    /// 12: the fee oracle (updates prices within bounds; neither the admin nor the guardian:
    /// `OutOfRange`) and the fee beneficiary (receives `withdraw_fees`); the zero key is none.
    /// Creates the fee roles (and the fee vault) if missing.
    SetFeeRoles {
        /// The fee oracle.
        oracle: SolanaAddress,
        /// The fee beneficiary.
        beneficiary: SolanaAddress,
    },
}

fn encode_bucket(args: Args, b: &BucketLimits) -> Args {
    args.u64(b.capacity).u64(b.refill_per_second)
}

impl Action {
    /// The Borsh encoding (tag, then fields).
    pub fn encode(&self) -> Vec<u8> {
        let args = Args::default();
        match self {
            Action::SetValidatorSet {
                domain,
                epoch,
                threshold,
                validators,
            } => args
                .u8(0)
                .u32(*domain)
                .u64(*epoch)
                .u8(*threshold)
                .addresses(validators),
            Action::SetRemote {
                domain,
                bridge,
                kind,
                epoch,
                threshold,
                validators,
            } => args
                .u8(1)
                .u32(*domain)
                .fixed(bridge)
                .u8(kind.to_u8())
                .u64(*epoch)
                .u8(*threshold)
                .addresses(validators),
            Action::RegisterToken {
                home_domain,
                home_token,
                mint,
                scale_exp,
                timelock_threshold,
                timelock_delay,
            } => args
                .u8(2)
                .u32(*home_domain)
                .fixed(home_token)
                .fixed(&mint.0)
                .u8(*scale_exp)
                .u64(*timelock_threshold)
                .i64(*timelock_delay),
            Action::SetTokenLimits {
                token_id,
                timelock_threshold,
                timelock_delay,
            } => args
                .u8(3)
                .fixed(token_id)
                .u64(*timelock_threshold)
                .i64(*timelock_delay),
            Action::Unpause => args.u8(4),
            Action::SetRoles { admin, guardian } => args.u8(5).fixed(&admin.0).fixed(&guardian.0),
            Action::SetRoute {
                token_id,
                domain,
                remote_exp,
                remote_max,
                inbound,
                outbound,
            } => encode_bucket(
                encode_bucket(
                    args.u8(6)
                        .fixed(token_id)
                        .u32(*domain)
                        .u8(*remote_exp)
                        .u128(*remote_max),
                    inbound,
                ),
                outbound,
            ),
            Action::SetAdminDelay { admin_delay } => args.u8(7).i64(*admin_delay),
            Action::VoidQueued { key } => key.encode(args.u8(8)),
            Action::RefundCancelled { key } => key.encode(args.u8(9)),
            Action::Upgrade {
                buffer,
                spill,
                code_hash,
            } => args
                .u8(10)
                .fixed(&buffer.0)
                .fixed(&spill.0)
                .fixed(code_hash),
            Action::SetFeeConfig {
                destination,
                config,
            } => args
                .u8(11)
                .u32(*destination)
                .u128(config.gas_price)
                .u128(config.exchange_rate)
                .u128(config.fixed_cost)
                .u64(config.message_gas)
                .u64(config.signatures_gas)
                .u64(config.transfer_gas)
                .u32(config.gas_per_byte),
            Action::SetFeeRoles {
                oracle,
                beneficiary,
            } => args.u8(12).fixed(&oracle.0).fixed(&beneficiary.0),
        }
        .into_data()
    }

    /// Decodes a Borsh `Action` (all of `bytes`, no trailing bytes).
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader { data: bytes };
        let action = match r.u8()? {
            0 => Action::SetValidatorSet {
                domain: r.u32()?,
                epoch: r.u64()?,
                threshold: r.u8()?,
                validators: r.addresses()?,
            },
            1 => Action::SetRemote {
                domain: r.u32()?,
                bridge: r.array()?,
                kind: {
                    let kind = r.u8()?;
                    RemoteKind::from_u8(kind)
                        .ok_or_else(|| bad_action(format!("unknown remote kind {kind}")))?
                },
                epoch: r.u64()?,
                threshold: r.u8()?,
                validators: r.addresses()?,
            },
            2 => Action::RegisterToken {
                home_domain: r.u32()?,
                home_token: r.array()?,
                mint: SolanaAddress(r.array()?),
                scale_exp: r.u8()?,
                timelock_threshold: r.u64()?,
                timelock_delay: r.i64()?,
            },
            3 => Action::SetTokenLimits {
                token_id: r.array()?,
                timelock_threshold: r.u64()?,
                timelock_delay: r.i64()?,
            },
            4 => Action::Unpause,
            5 => Action::SetRoles {
                admin: SolanaAddress(r.array()?),
                guardian: SolanaAddress(r.array()?),
            },
            6 => Action::SetRoute {
                token_id: r.array()?,
                domain: r.u32()?,
                remote_exp: r.u8()?,
                remote_max: u128::from_le_bytes(r.array()?),
                inbound: r.bucket()?,
                outbound: r.bucket()?,
            },
            7 => Action::SetAdminDelay {
                admin_delay: r.i64()?,
            },
            8 => Action::VoidQueued { key: r.key()? },
            9 => Action::RefundCancelled { key: r.key()? },
            10 => Action::Upgrade {
                buffer: SolanaAddress(r.array()?),
                spill: SolanaAddress(r.array()?),
                code_hash: r.array()?,
            },
            11 => Action::SetFeeConfig {
                destination: r.u32()?,
                config: crate::FeeConfig {
                    gas_price: u128::from_le_bytes(r.array()?),
                    exchange_rate: u128::from_le_bytes(r.array()?),
                    fixed_cost: u128::from_le_bytes(r.array()?),
                    message_gas: r.u64()?,
                    signatures_gas: r.u64()?,
                    transfer_gas: r.u64()?,
                    gas_per_byte: r.u32()?,
                    last_update: 0,
                },
            },
            12 => Action::SetFeeRoles {
                oracle: SolanaAddress(r.array()?),
                beneficiary: SolanaAddress(r.array()?),
            },
            tag => return Err(bad_action(format!("unknown action tag {tag}"))),
        };
        if !r.data.is_empty() {
            return Err(bad_action(format!(
                "{} bytes after the action",
                r.data.len()
            )));
        }
        Ok(action)
    }

    /// Whether the guardian can cancel (veto) a pending proposal of this action: any but
    /// `SetRoles` and `Unpause`.
    pub fn guardian_can_veto(&self) -> bool {
        !matches!(self, Action::SetRoles { .. } | Action::Unpause)
    }

    /// Whether this action replaces `guardian` (the sitting one): a `SetRoles` naming another
    /// guardian, which waits 30 days unless `guardian` approves it.
    pub fn replaces_guardian(&self, guardian: &SolanaAddress) -> bool {
        matches!(self, Action::SetRoles { guardian: next, .. } if next != guardian)
    }

    /// The accounts `propose` needs after its five fixed ones: the buffer of an `Upgrade`
    /// (read-only; the program checks its authority and code hash); the fee roles `["fees"]`
    /// of a `SetRoles` (read-only, which may not exist yet: the program refuses a fee oracle as
    /// admin or guardian); none for any other action.
    pub fn propose_accounts(&self, program: &BridgeProgram) -> Vec<AccountMeta> {
        match self {
            Action::Upgrade { buffer, .. } => vec![AccountMeta::new_readonly(*buffer, false)],
            Action::SetRoles { .. } => vec![AccountMeta::new_readonly(program.fee_roles(), false)],
            _ => Vec::new(),
        }
    }

    /// The accounts `execute_proposal` needs after its five fixed ones, for a bridge whose
    /// domain is `local_domain` (which tells a home token from a bridged one). `VoidQueued` and
    /// `RefundCancelled` also need the token id of their receipt (`Receipt::token_id`), given as
    /// `receipt_token` (refused when missing).
    pub fn execute_accounts(
        &self,
        program: &BridgeProgram,
        local_domain: u32,
        receipt_token: Option<&[u8; 32]>,
    ) -> Result<Vec<AccountMeta>> {
        let needs_token = || {
            receipt_token.ok_or_else(|| {
                bad_action("VoidQueued and RefundCancelled need the receipt's token id".to_owned())
            })
        };
        Ok(match self {
            Action::SetValidatorSet { domain, .. } | Action::SetRemote { domain, .. } => {
                vec![AccountMeta::new(program.remote(*domain), false)]
            }
            Action::RegisterToken {
                home_domain,
                home_token,
                mint,
                ..
            } => {
                let id = crate::token_id(
                    *home_domain,
                    &trestle_core::chain::UniversalAddress(*home_token),
                );
                let vault = if *home_domain == local_domain {
                    AccountMeta::new(program.vault(mint), false)
                } else {
                    AccountMeta::new_readonly(program.id, false)
                };
                vec![
                    AccountMeta::new(program.token(&id), false),
                    AccountMeta::new_readonly(*mint, false),
                    vault,
                    AccountMeta::new_readonly(program.authority(), false),
                    AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
                ]
            }
            Action::SetTokenLimits { token_id, .. } => {
                vec![AccountMeta::new(program.token(token_id), false)]
            }
            Action::SetRoute {
                token_id, domain, ..
            } => vec![
                AccountMeta::new_readonly(program.token(token_id), false),
                AccountMeta::new(program.route(token_id, *domain), false),
                AccountMeta::new_readonly(program.remote(*domain), false),
            ],
            Action::VoidQueued { key } => vec![
                AccountMeta::new(program.receipt(key), false),
                AccountMeta::new(program.route(needs_token()?, key.origin), false),
            ],
            Action::RefundCancelled { key } => vec![
                AccountMeta::new(program.receipt(key), false),
                AccountMeta::new_readonly(program.token(needs_token()?), false),
                AccountMeta::new_readonly(program.remote(key.origin), false),
                AccountMeta::new_readonly(program.event_authority(), false),
                AccountMeta::new_readonly(program.id, false),
            ],
            Action::Upgrade { buffer, spill, .. } => vec![
                AccountMeta::new(program.program_data(), false),
                AccountMeta::new(program.id, false),
                AccountMeta::new(*buffer, false),
                AccountMeta::new(*spill, false),
                AccountMeta::new_readonly(SYSVAR_RENT_ID, false),
                AccountMeta::new_readonly(program.upgrade_authority(), false),
                AccountMeta::new_readonly(BPF_LOADER_UPGRADEABLE_ID, false),
            ],
            Action::SetFeeConfig { destination, .. } => vec![
                AccountMeta::new(program.fee_config(*destination), false),
                AccountMeta::new(program.fee_vault(), false),
                AccountMeta::new_readonly(program.remote(*destination), false),
            ],
            Action::SetFeeRoles { .. } => vec![
                AccountMeta::new(program.fee_roles(), false),
                AccountMeta::new(program.fee_vault(), false),
            ],
            Action::SetRoles { .. } => vec![AccountMeta::new_readonly(program.fee_roles(), false)],
            Action::Unpause | Action::SetAdminDelay { .. } => Vec::new(),
        })
    }
}

fn bad_action(reason: String) -> Error {
    Error::InvalidInstruction {
        what: "Action",
        reason,
    }
}

/// A Borsh reader over an action's bytes.
struct Reader<'a> {
    data: &'a [u8],
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        if self.data.len() < n {
            return Err(bad_action(format!(
                "ends {} bytes early",
                n - self.data.len()
            )));
        }
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    fn addresses(&mut self) -> Result<Vec<[u8; 20]>> {
        let n = self.u32()? as usize;
        let flat = self.take(n.saturating_mul(20))?;
        Ok(flat
            .chunks_exact(20)
            .map(|c| {
                let mut a = [0u8; 20];
                a.copy_from_slice(c);
                a
            })
            .collect())
    }
    fn bucket(&mut self) -> Result<BucketLimits> {
        Ok(BucketLimits {
            capacity: self.u64()?,
            refill_per_second: self.u64()?,
        })
    }
    fn key(&mut self) -> Result<ReceiptKey> {
        Ok(ReceiptKey {
            origin: self.u32()?,
            origin_bridge: self.array()?,
            nonce: self.u64()?,
        })
    }
}

impl BridgeProgram {
    /// The program-data account of this program under the upgradeable loader
    /// (`find_program_address([program id], BPFLoaderUpgradeab1e…)`).
    pub fn program_data(&self) -> SolanaAddress {
        SolanaAddress::find_program_address(&[&self.id.0], &BPF_LOADER_UPGRADEABLE_ID)
            .map(|(a, _)| a)
            .unwrap_or(SolanaAddress([0; 32]))
    }

    /// `initialize(domain, admin, guardian, admin_delay)`: creates the config. `payer` must be
    /// the program's upgrade authority. Accounts: payer (signer, writable), config (writable),
    /// system program, program, program data.
    pub fn initialize(
        &self,
        payer: &SolanaAddress,
        domain: u32,
        admin: &SolanaAddress,
        guardian: &SolanaAddress,
        admin_delay: i64,
    ) -> Instruction {
        let data = Args::instruction("initialize")
            .u32(domain)
            .fixed(&admin.0)
            .fixed(&guardian.0)
            .i64(admin_delay)
            .into_data();
        Instruction {
            program_id: self.id,
            accounts: vec![
                AccountMeta::new(*payer, true),
                AccountMeta::new(self.config(), false),
                AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
                AccountMeta::new_readonly(self.id, false),
                AccountMeta::new_readonly(self.program_data(), false),
            ],
            data,
        }
    }

    /// `propose(action)` by `admin`; `proposal_id` is the config's `next_proposal`. Accounts:
    /// admin (signer, writable), config (writable), proposal (writable), clock, system program,
    /// then [`Action::propose_accounts`] (an `Upgrade`'s buffer, a `SetRoles`' fee roles).
    pub fn propose(&self, admin: &SolanaAddress, proposal_id: u64, action: &Action) -> Instruction {
        let mut accounts = vec![
            AccountMeta::new(*admin, true),
            AccountMeta::new(self.config(), false),
            AccountMeta::new(self.proposal(proposal_id), false),
            AccountMeta::new_readonly(SYSVAR_CLOCK_ID, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
        ];
        accounts.extend(action.propose_accounts(self));
        Instruction {
            program_id: self.id,
            accounts,
            data: Args::instruction("propose")
                .fixed(&action.encode())
                .into_data(),
        }
    }

    /// `approve_proposal(id)` by the sitting guardian: consents to the pending `SetRoles`
    /// `proposal_id` that replaces it, which then executes from its creation plus the admin
    /// delay (or at once, if that has passed) instead of 30 days. Accounts: guardian (signer),
    /// config, proposal (writable), clock.
    pub fn approve_proposal(&self, guardian: &SolanaAddress, proposal_id: u64) -> Instruction {
        Instruction {
            program_id: self.id,
            accounts: vec![
                AccountMeta::new_readonly(*guardian, true),
                AccountMeta::new_readonly(self.config(), false),
                AccountMeta::new(self.proposal(proposal_id), false),
                AccountMeta::new_readonly(SYSVAR_CLOCK_ID, false),
            ],
            data: Args::instruction("approve_proposal")
                .u64(proposal_id)
                .into_data(),
        }
    }

    /// `execute_proposal(id)` of `action` (what the proposal holds), paid by `payer`, on a
    /// bridge of domain `local_domain`. Accounts: payer (signer, writable), config (writable),
    /// proposal (writable), clock, system program, then [`Action::execute_accounts`] (whose
    /// `receipt_token` is needed by `VoidQueued` and `RefundCancelled`).
    pub fn execute_proposal(
        &self,
        payer: &SolanaAddress,
        proposal_id: u64,
        action: &Action,
        local_domain: u32,
        receipt_token: Option<&[u8; 32]>,
    ) -> Result<Instruction> {
        let mut accounts = vec![
            AccountMeta::new(*payer, true),
            AccountMeta::new(self.config(), false),
            AccountMeta::new(self.proposal(proposal_id), false),
            AccountMeta::new_readonly(SYSVAR_CLOCK_ID, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
        ];
        accounts.extend(action.execute_accounts(self, local_domain, receipt_token)?);
        Ok(Instruction {
            program_id: self.id,
            accounts,
            data: Args::instruction("execute_proposal")
                .u64(proposal_id)
                .into_data(),
        })
    }

    /// `cancel_proposal(id)` by the admin (any proposal) or the guardian (any but `SetRoles`
    /// and `Unpause`). Accounts: authority (signer), config, proposal (writable).
    pub fn cancel_proposal(&self, authority: &SolanaAddress, proposal_id: u64) -> Instruction {
        Instruction {
            program_id: self.id,
            accounts: vec![
                AccountMeta::new_readonly(*authority, true),
                AccountMeta::new_readonly(self.config(), false),
                AccountMeta::new(self.proposal(proposal_id), false),
            ],
            data: Args::instruction("cancel_proposal")
                .u64(proposal_id)
                .into_data(),
        }
    }

    /// `pause()` by the guardian (immediate; refused when already paused). Accounts: guardian
    /// (signer), config (writable), clock.
    pub fn pause(&self, guardian: &SolanaAddress) -> Instruction {
        Instruction {
            program_id: self.id,
            accounts: vec![
                AccountMeta::new_readonly(*guardian, true),
                AccountMeta::new(self.config(), false),
                AccountMeta::new_readonly(SYSVAR_CLOCK_ID, false),
            ],
            data: Args::instruction("pause").into_data(),
        }
    }

    /// `cancel_queued(origin, origin_bridge, nonce)` by the guardian, of the queued transfer of
    /// `key` whose token is `token_id` (`Receipt::token_id`: its route gets the amount back).
    /// Accounts: guardian (signer), config, receipt (writable), route (writable).
    pub fn cancel_queued(
        &self,
        guardian: &SolanaAddress,
        key: &ReceiptKey,
        token_id: &[u8; 32],
    ) -> Instruction {
        Instruction {
            program_id: self.id,
            accounts: vec![
                AccountMeta::new_readonly(*guardian, true),
                AccountMeta::new_readonly(self.config(), false),
                AccountMeta::new(self.receipt(key), false),
                AccountMeta::new(self.route(token_id, key.origin), false),
            ],
            data: key.encode(Args::instruction("cancel_queued")).into_data(),
        }
    }

    /// `close_signatures()`: `payer`, who staged the signature set of `message_id` at `epoch`,
    /// closes it and takes its rent back. Accounts: payer (signer, writable), signature set
    /// (writable).
    pub fn close_signatures(
        &self,
        payer: &SolanaAddress,
        message_id: &[u8; 32],
        epoch: u64,
    ) -> Instruction {
        Instruction {
            program_id: self.id,
            accounts: vec![
                AccountMeta::new(*payer, true),
                AccountMeta::new(self.signature_set(message_id, epoch, payer), false),
            ],
            data: Args::instruction("close_signatures").into_data(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ReceiptKey {
        ReceiptKey {
            origin: 1,
            origin_bridge: [2; 32],
            nonce: 3,
        }
    }

    fn actions() -> Vec<Action> {
        let bucket = BucketLimits {
            capacity: 3,
            refill_per_second: 4,
        };
        vec![
            Action::SetValidatorSet {
                domain: 1,
                epoch: 2,
                threshold: 1,
                validators: vec![[7; 20]],
            },
            Action::SetRemote {
                domain: 3,
                bridge: [9; 32],
                kind: RemoteKind::Solana,
                epoch: 1,
                threshold: 2,
                validators: vec![[1; 20], [2; 20]],
            },
            Action::RegisterToken {
                home_domain: 1,
                home_token: [4; 32],
                mint: SolanaAddress([5; 32]),
                scale_exp: 9,
                timelock_threshold: 1,
                timelock_delay: 2,
            },
            Action::SetTokenLimits {
                token_id: [6; 32],
                timelock_threshold: 1,
                timelock_delay: 2,
            },
            Action::Unpause,
            Action::SetRoles {
                admin: SolanaAddress([1; 32]),
                guardian: SolanaAddress([2; 32]),
            },
            Action::SetRoute {
                token_id: [6; 32],
                domain: 7,
                remote_exp: 9,
                remote_max: u128::MAX - 1,
                inbound: bucket,
                outbound: bucket,
            },
            Action::SetAdminDelay { admin_delay: 60 },
            Action::VoidQueued { key: key() },
            Action::RefundCancelled { key: key() },
            Action::Upgrade {
                buffer: SolanaAddress([8; 32]),
                spill: SolanaAddress([9; 32]),
                code_hash: [10; 32],
            },
            Action::SetFeeConfig {
                destination: 7,
                config: crate::FeeConfig {
                    gas_price: u128::MAX,
                    exchange_rate: 2,
                    fixed_cost: 3,
                    message_gas: 4,
                    signatures_gas: 5,
                    transfer_gas: 6,
                    gas_per_byte: 7,
                    // Not encoded: the program keeps its own.
                    last_update: 0,
                },
            },
            Action::SetFeeRoles {
                oracle: SolanaAddress([11; 32]),
                beneficiary: SolanaAddress([12; 32]),
            },
        ]
    }

    #[test]
    fn fee_actions_name_their_accounts() {
        let p = BridgeProgram::new(SolanaAddress([0x42; 32]));
        let all = actions();
        let config = all
            .iter()
            .find(|a| matches!(a, Action::SetFeeConfig { .. }))
            .unwrap();
        assert_eq!(config.encode().len(), 1 + 4 + 3 * 16 + 3 * 8 + 4);
        let accounts = config.execute_accounts(&p, 1, None).unwrap();
        assert_eq!(
            accounts,
            vec![
                AccountMeta::new(p.fee_config(7), false),
                AccountMeta::new(p.fee_vault(), false),
                AccountMeta::new_readonly(p.remote(7), false),
            ]
        );
        let roles = all
            .iter()
            .find(|a| matches!(a, Action::SetFeeRoles { .. }))
            .unwrap();
        assert_eq!(
            roles.execute_accounts(&p, 1, None).unwrap(),
            vec![
                AccountMeta::new(p.fee_roles(), false),
                AccountMeta::new(p.fee_vault(), false),
            ]
        );
        assert!(roles.guardian_can_veto() && roles.propose_accounts(&p).is_empty());
    }

    #[test]
    fn every_action_round_trips_and_trailing_bytes_are_refused() {
        for (tag, action) in actions().iter().enumerate() {
            let bytes = action.encode();
            assert_eq!(bytes.first().copied(), Some(tag as u8));
            assert_eq!(Action::decode(&bytes).unwrap(), *action);
            let mut long = bytes.clone();
            long.push(0);
            assert!(Action::decode(&long).is_err());
            if bytes.len() > 1 {
                assert!(Action::decode(&bytes[..bytes.len() - 1]).is_err());
            }
        }
        assert_eq!(
            Action::encode(&Action::SetRemote {
                domain: 1,
                bridge: [0xaa; 32],
                kind: RemoteKind::Evm,
                epoch: 7,
                threshold: 1,
                validators: vec![[0xbb; 20]],
            })
            .len(),
            1 + 4 + 32 + 1 + 8 + 1 + 4 + 20
        );
        assert!(Action::decode(&[11]).is_err());
        assert!(Action::decode(&[]).is_err());
        // A remote kind other than EVM and Solana.
        let mut bad = actions()[1].encode();
        bad[37] = 2;
        assert!(Action::decode(&bad).is_err());
    }

    #[test]
    fn void_and_refund_need_the_receipts_token() {
        let p = BridgeProgram::new(SolanaAddress([3; 32]));
        for action in [
            Action::VoidQueued { key: key() },
            Action::RefundCancelled { key: key() },
        ] {
            assert!(action.execute_accounts(&p, 2, None).is_err());
            let accounts = action.execute_accounts(&p, 2, Some(&[6; 32])).unwrap();
            assert_eq!(accounts[0].pubkey, p.receipt(&key()));
        }
        assert!(!Action::Unpause.guardian_can_veto());
        assert!(actions()[8].guardian_can_veto());
    }

    #[test]
    fn upgrade_proposals_name_their_buffer_and_guardian_changes_are_recognised() {
        let p = BridgeProgram::new(SolanaAddress([3; 32]));
        let admin = SolanaAddress([1; 32]);
        let upgrade = &actions()[10];
        assert_eq!(upgrade.encode().len(), 1 + 32 + 32 + 32);
        let ix = p.propose(&admin, 4, upgrade);
        assert_eq!(ix.accounts.len(), 6);
        let buffer = &ix.accounts[5];
        assert_eq!(
            (buffer.pubkey, buffer.is_signer, buffer.is_writable),
            (SolanaAddress([8; 32]), false, false)
        );
        let roles = &actions()[5];
        for action in actions()[..10].iter().filter(|a| *a != roles) {
            assert_eq!(p.propose(&admin, 4, action).accounts.len(), 5);
        }
        // A SetRoles names the fee roles, read-only, when proposed and when executed (the
        // program refuses the fee oracle as admin or guardian).
        let fee_roles = vec![AccountMeta::new_readonly(p.fee_roles(), false)];
        assert_eq!(p.propose(&admin, 4, roles).accounts[5..], fee_roles[..]);
        assert_eq!(roles.execute_accounts(&p, 2, None).unwrap(), fee_roles);
        assert!(roles.replaces_guardian(&SolanaAddress([9; 32])));
        assert!(!roles.replaces_guardian(&SolanaAddress([2; 32])));
        assert!(!Action::Unpause.replaces_guardian(&SolanaAddress([9; 32])));

        let approve = p.approve_proposal(&SolanaAddress([2; 32]), 4);
        let flags: Vec<_> = approve
            .accounts
            .iter()
            .map(|m| (m.pubkey, m.is_signer, m.is_writable))
            .collect();
        assert_eq!(
            flags,
            vec![
                (SolanaAddress([2; 32]), true, false),
                (p.config(), false, false),
                (p.proposal(4), false, true),
                (SYSVAR_CLOCK_ID, false, false),
            ]
        );
        assert_eq!(&approve.data[8..], &4u64.to_le_bytes());
    }

    #[test]
    fn set_route_names_its_token_route_and_remote() {
        let p = BridgeProgram::new(SolanaAddress([3; 32]));
        let accounts = actions()[6].execute_accounts(&p, 2, None).unwrap();
        let flags: Vec<_> = accounts
            .iter()
            .map(|m| (m.pubkey, m.is_signer, m.is_writable))
            .collect();
        assert_eq!(
            flags,
            vec![
                (p.token(&[6; 32]), false, false),
                (p.route(&[6; 32], 7), false, true),
                (p.remote(7), false, false),
            ]
        );
    }
}
