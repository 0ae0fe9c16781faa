//! Instruction builders that need no `Env` (token accounts, `send`, `execute_queued`,
//! `cancel_queued`, `close_signatures`, the governance actions) and the log reader.

use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

use super::*;

/// SPL token account bytes.
pub fn token_account_data(mint: &Pubkey, owner: &Pubkey, amount: u64) -> Vec<u8> {
    let mut data = vec![0u8; 165];
    data[0..32].copy_from_slice(mint.as_ref());
    data[32..64].copy_from_slice(owner.as_ref());
    data[64..72].copy_from_slice(&amount.to_le_bytes());
    data[108] = 1;
    data
}

/// The token accounts of `deliver` / `execute_queued`.
#[derive(Clone)]
pub struct TokenAccounts {
    pub token_config: Pubkey,
    pub mint: Pubkey,
    pub vault: Pubkey,
    pub beneficiary_token: Pubkey,
    pub authority: Pubkey,
    pub token_program: Pubkey,
}

impl TokenAccounts {
    pub fn home(token_id: &[u8; 32], mint: &Pubkey, beneficiary_token: &Pubkey) -> Self {
        Self {
            token_config: token_pda(token_id),
            mint: *mint,
            vault: vault_pda(mint),
            beneficiary_token: *beneficiary_token,
            authority: authority_pda(),
            token_program: TOKEN_PROGRAM,
        }
    }

    pub fn bridged(token_id: &[u8; 32], mint: &Pubkey, beneficiary_token: &Pubkey) -> Self {
        Self {
            vault: PROGRAM_ID,
            ..Self::home(token_id, mint, beneficiary_token)
        }
    }

    pub fn metas(&self) -> Vec<AccountMeta> {
        vec![
            AccountMeta::new(self.token_config, false),
            AccountMeta::new(self.mint, false),
            vault_meta(&self.vault),
            AccountMeta::new(self.beneficiary_token, false),
            AccountMeta::new_readonly(self.authority, false),
            AccountMeta::new_readonly(self.token_program, false),
        ]
    }
}

/// The vault account of `send`/`deliver`/`execute_queued`: writable for a home token's vault;
/// this program's id, read-only, for a bridged mint (nothing is written there).
pub fn vault_meta(vault: &Pubkey) -> AccountMeta {
    if *vault == PROGRAM_ID {
        AccountMeta::new_readonly(PROGRAM_ID, false)
    } else {
        AccountMeta::new(*vault, false)
    }
}

/// `execute_queued` instruction.
pub fn execute_queued_ix(id: &[u8; 32], t: &TokenAccounts) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new_readonly(config_pda(), false),
        AccountMeta::new(receipt_pda(id), false),
        AccountMeta::new_readonly(CLOCK, false),
    ];
    accounts.extend(t.metas());
    Instruction::new_with_bytes(PROGRAM_ID, &Borsh::ix("execute_queued").raw(id).0, accounts)
}

/// `close_signatures` instruction: `payer` closes the staged set at `set`.
pub fn close_signatures_ix(payer: &Pubkey, set: &Pubkey) -> Instruction {
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("close_signatures").0,
        vec![
            AccountMeta::new(*payer, true),
            AccountMeta::new(*set, false),
        ],
    )
}

/// `cancel_queued` instruction.
pub fn cancel_queued_ix(guardian: &Pubkey, id: &[u8; 32]) -> Instruction {
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("cancel_queued").raw(id).0,
        vec![
            AccountMeta::new_readonly(*guardian, true),
            AccountMeta::new_readonly(config_pda(), false),
            AccountMeta::new(receipt_pda(id), false),
        ],
    )
}

/// `send` instruction.
#[allow(clippy::too_many_arguments)]
pub fn send_ix(
    sender: &Pubkey,
    destination: u32,
    beneficiary: &[u8; 32],
    amount: u64,
    token_id: &[u8; 32],
    sender_token: &Pubkey,
    mint: &Pubkey,
    vault: &Pubkey,
) -> Instruction {
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("send")
            .u32(destination)
            .raw(beneficiary)
            .u64(amount)
            .0,
        vec![
            AccountMeta::new_readonly(*sender, true),
            AccountMeta::new(config_pda(), false),
            AccountMeta::new_readonly(remote_pda(destination), false),
            AccountMeta::new(token_pda(token_id), false),
            AccountMeta::new(*sender_token, false),
            AccountMeta::new(*mint, false),
            vault_meta(vault),
            AccountMeta::new_readonly(TOKEN_PROGRAM, false),
            AccountMeta::new_readonly(CLOCK, false),
        ],
    )
}

/// The "Program data:" fields logged by the program (base64-decoded).
pub fn program_data(logs: &[String]) -> Vec<Vec<Vec<u8>>> {
    use base64::Engine as _;
    logs.iter()
        .filter_map(|l| l.strip_prefix("Program data: "))
        .map(|rest| {
            rest.split(' ')
                .map(|f| base64::engine::general_purpose::STANDARD.decode(f).unwrap())
                .collect()
        })
        .collect()
}

/// The `SetRemote` action (tag 1).
pub fn set_remote_action(
    domain: u32,
    bridge: &[u8; 32],
    epoch: u64,
    threshold: u8,
    validators: &[[u8; 20]],
) -> Vec<u8> {
    Borsh::default()
        .u8(1)
        .u32(domain)
        .raw(bridge)
        .u64(epoch)
        .u8(threshold)
        .addrs(validators)
        .0
}

/// The `SetValidatorSet` action (tag 0) for remote `domain`.
pub fn rotate_action(domain: u32, epoch: u64, threshold: u8, validators: &[[u8; 20]]) -> Vec<u8> {
    Borsh::default()
        .u8(0)
        .u32(domain)
        .u64(epoch)
        .u8(threshold)
        .addrs(validators)
        .0
}
