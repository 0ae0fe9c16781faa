//! Builders of the program's administration instructions: `initialize`, `propose` with its
//! timelocked [`Action`]s, `execute_proposal`, `cancel_proposal`, `pause`, `cancel_queued` and
//! `close_signatures`. Accounts are listed in the IDL's order.

use trestle_core::solana::SolanaAddress;
use trestle_core::solana::address::{SYSTEM_PROGRAM_ID, SYSVAR_CLOCK_ID, TOKEN_PROGRAM_ID};
use trestle_core::solana::instruction::{AccountMeta, Instruction};

use crate::error::{Error, Result};
use crate::solana::{Args, BridgeProgram};

/// The upgradeable BPF loader (`BPFLoaderUpgradeab1e11111111111111111111111`), owner of the
/// program and program-data accounts `initialize` checks.
pub const BPF_LOADER_UPGRADEABLE_ID: SolanaAddress = SolanaAddress([
    2, 168, 246, 145, 78, 136, 161, 176, 226, 16, 21, 62, 247, 99, 174, 43, 0, 194, 185, 61, 22,
    193, 36, 210, 192, 83, 122, 16, 4, 128, 0, 0,
]);

/// Rate limits and timelock of a token (`TokenLimits`), all non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenLimits {
    /// Inbound transfers at or above it (local units) are queued.
    pub timelock_threshold: u64,
    /// Seconds a queued transfer waits.
    pub timelock_delay: i64,
    /// Inbound bucket capacity.
    pub inbound_capacity: u64,
    /// Inbound refill per second.
    pub inbound_refill: u64,
    /// Outbound bucket capacity.
    pub outbound_capacity: u64,
    /// Outbound refill per second.
    pub outbound_refill: u64,
}

/// A timelocked admin action (`propose`, then `execute_proposal` after the admin delay). The
/// Borsh enum tag is the variant's position.
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
    /// 1: creates or replaces remote `domain`: its bridge and validator set (on an existing
    /// remote the epoch must increase).
    SetRemote {
        /// The remote domain.
        domain: u32,
        /// Its bridge, 32 bytes (an EVM address left-padded).
        bridge: [u8; 32],
        /// Validator-set epoch, >= 1.
        epoch: u64,
        /// Signatures needed.
        threshold: u8,
        /// Strictly ascending, non-zero, 1..=255.
        validators: Vec<[u8; 20]>,
    },
    /// 2: registers a token: a home token (`home_domain` is this bridge's, locked in a vault)
    /// or a bridged mint (minted and burned by the authority PDA).
    RegisterToken {
        /// The token's home domain.
        home_domain: u32,
        /// The token's address at home (the mint for home tokens).
        home_token: [u8; 32],
        /// The SPL mint here.
        mint: SolanaAddress,
        /// Message amount = local amount * 10^scale_exp (0 for home tokens).
        scale_exp: u8,
        /// Limits.
        limits: TokenLimits,
    },
    /// 3: new limits for a registered token.
    SetTokenLimits {
        /// The token id.
        token_id: [u8; 32],
        /// Limits.
        limits: TokenLimits,
    },
    /// 4: lifts a pause.
    Unpause,
    /// 5: new admin and guardian (different keys).
    SetRoles {
        /// New admin.
        admin: SolanaAddress,
        /// New guardian.
        guardian: SolanaAddress,
    },
}

fn encode_limits(args: Args, l: &TokenLimits) -> Args {
    args.u64(l.timelock_threshold)
        .i64(l.timelock_delay)
        .u64(l.inbound_capacity)
        .u64(l.inbound_refill)
        .u64(l.outbound_capacity)
        .u64(l.outbound_refill)
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
                epoch,
                threshold,
                validators,
            } => args
                .u8(1)
                .u32(*domain)
                .fixed(bridge)
                .u64(*epoch)
                .u8(*threshold)
                .addresses(validators),
            Action::RegisterToken {
                home_domain,
                home_token,
                mint,
                scale_exp,
                limits,
            } => encode_limits(
                args.u8(2)
                    .u32(*home_domain)
                    .fixed(home_token)
                    .fixed(&mint.0)
                    .u8(*scale_exp),
                limits,
            ),
            Action::SetTokenLimits { token_id, limits } => {
                encode_limits(args.u8(3).fixed(token_id), limits)
            }
            Action::Unpause => args.u8(4),
            Action::SetRoles { admin, guardian } => args.u8(5).fixed(&admin.0).fixed(&guardian.0),
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
                epoch: r.u64()?,
                threshold: r.u8()?,
                validators: r.addresses()?,
            },
            2 => Action::RegisterToken {
                home_domain: r.u32()?,
                home_token: r.array()?,
                mint: SolanaAddress(r.array()?),
                scale_exp: r.u8()?,
                limits: r.limits()?,
            },
            3 => Action::SetTokenLimits {
                token_id: r.array()?,
                limits: r.limits()?,
            },
            4 => Action::Unpause,
            5 => Action::SetRoles {
                admin: SolanaAddress(r.array()?),
                guardian: SolanaAddress(r.array()?),
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

    /// The accounts `execute_proposal` needs after its five fixed ones, for a bridge whose
    /// domain is `local_domain` (which tells a home token from a bridged one).
    pub fn execute_accounts(&self, program: &BridgeProgram, local_domain: u32) -> Vec<AccountMeta> {
        match self {
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
                    program.vault(mint)
                } else {
                    program.id
                };
                vec![
                    AccountMeta::new(program.token(&id), false),
                    AccountMeta::new_readonly(*mint, false),
                    AccountMeta::new(vault, false),
                    AccountMeta::new_readonly(program.authority(), false),
                    AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
                ]
            }
            Action::SetTokenLimits { token_id, .. } => {
                vec![AccountMeta::new(program.token(token_id), false)]
            }
            Action::Unpause | Action::SetRoles { .. } => Vec::new(),
        }
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
    fn limits(&mut self) -> Result<TokenLimits> {
        Ok(TokenLimits {
            timelock_threshold: self.u64()?,
            timelock_delay: self.i64()?,
            inbound_capacity: self.u64()?,
            inbound_refill: self.u64()?,
            outbound_capacity: self.u64()?,
            outbound_refill: self.u64()?,
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
    /// admin (signer, writable), config (writable), proposal (writable), clock, system program.
    pub fn propose(&self, admin: &SolanaAddress, proposal_id: u64, action: &Action) -> Instruction {
        Instruction {
            program_id: self.id,
            accounts: vec![
                AccountMeta::new(*admin, true),
                AccountMeta::new(self.config(), false),
                AccountMeta::new(self.proposal(proposal_id), false),
                AccountMeta::new_readonly(SYSVAR_CLOCK_ID, false),
                AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
            ],
            data: Args::instruction("propose")
                .fixed(&action.encode())
                .into_data(),
        }
    }

    /// `execute_proposal(id)` of `action` (what the proposal holds), paid by `payer`, on a
    /// bridge of domain `local_domain`. Accounts: payer (signer, writable), config (writable),
    /// proposal (writable), clock, system program, then [`Action::execute_accounts`].
    pub fn execute_proposal(
        &self,
        payer: &SolanaAddress,
        proposal_id: u64,
        action: &Action,
        local_domain: u32,
    ) -> Instruction {
        let mut accounts = vec![
            AccountMeta::new(*payer, true),
            AccountMeta::new(self.config(), false),
            AccountMeta::new(self.proposal(proposal_id), false),
            AccountMeta::new_readonly(SYSVAR_CLOCK_ID, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
        ];
        accounts.extend(action.execute_accounts(self, local_domain));
        Instruction {
            program_id: self.id,
            accounts,
            data: Args::instruction("execute_proposal")
                .u64(proposal_id)
                .into_data(),
        }
    }

    /// `cancel_proposal(id)` by the admin or the guardian. Accounts: authority (signer),
    /// config, proposal (writable).
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

    /// `pause()` by the guardian (immediate). Accounts: guardian (signer), config (writable).
    pub fn pause(&self, guardian: &SolanaAddress) -> Instruction {
        Instruction {
            program_id: self.id,
            accounts: vec![
                AccountMeta::new_readonly(*guardian, true),
                AccountMeta::new(self.config(), false),
            ],
            data: Args::instruction("pause").into_data(),
        }
    }

    /// `cancel_queued(message_id)` by the guardian. Accounts: guardian (signer), config,
    /// receipt (writable).
    pub fn cancel_queued(&self, guardian: &SolanaAddress, message_id: &[u8; 32]) -> Instruction {
        Instruction {
            program_id: self.id,
            accounts: vec![
                AccountMeta::new_readonly(*guardian, true),
                AccountMeta::new_readonly(self.config(), false),
                AccountMeta::new(self.receipt(message_id), false),
            ],
            data: Args::instruction("cancel_queued")
                .fixed(message_id)
                .into_data(),
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

    fn limits() -> TokenLimits {
        TokenLimits {
            timelock_threshold: 1,
            timelock_delay: 2,
            inbound_capacity: 3,
            inbound_refill: 4,
            outbound_capacity: 5,
            outbound_refill: 6,
        }
    }

    #[test]
    fn every_action_round_trips_and_trailing_bytes_are_refused() {
        let actions = [
            Action::SetValidatorSet {
                domain: 1,
                epoch: 2,
                threshold: 1,
                validators: vec![[7; 20]],
            },
            Action::SetRemote {
                domain: 3,
                bridge: [9; 32],
                epoch: 1,
                threshold: 2,
                validators: vec![[1; 20], [2; 20]],
            },
            Action::RegisterToken {
                home_domain: 1,
                home_token: [4; 32],
                mint: SolanaAddress([5; 32]),
                scale_exp: 9,
                limits: limits(),
            },
            Action::SetTokenLimits {
                token_id: [6; 32],
                limits: limits(),
            },
            Action::Unpause,
            Action::SetRoles {
                admin: SolanaAddress([1; 32]),
                guardian: SolanaAddress([2; 32]),
            },
        ];
        for (tag, action) in actions.iter().enumerate() {
            let bytes = action.encode();
            assert_eq!(bytes.first().copied(), Some(tag as u8));
            assert_eq!(Action::decode(&bytes).unwrap(), *action);
            let mut long = bytes.clone();
            long.push(0);
            assert!(Action::decode(&long).is_err());
            assert!(Action::decode(&bytes[..bytes.len() - 1]).is_err());
        }
        assert_eq!(
            Action::encode(&Action::SetRemote {
                domain: 1,
                bridge: [0xaa; 32],
                epoch: 7,
                threshold: 1,
                validators: vec![[0xbb; 20]],
            })
            .len(),
            1 + 4 + 32 + 8 + 1 + 4 + 20
        );
        assert!(Action::decode(&[6]).is_err());
        assert!(Action::decode(&[]).is_err());
    }
}
