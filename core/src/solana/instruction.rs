//! Solana instructions and builders for the few programs a wallet calls: System, Compute
//! Budget, SPL Token / Token-2022, Associated Token Account and Memo.

use crate::error::{Error, Result};
use crate::solana::address::{
    ASSOCIATED_TOKEN_PROGRAM_ID, COMPUTE_BUDGET_PROGRAM_ID, MEMO_PROGRAM_ID, SYSTEM_PROGRAM_ID,
    SolanaAddress, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID,
};

/// One account an instruction reads or writes, and whether it must sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountMeta {
    /// The account's address.
    pub pubkey: SolanaAddress,
    /// Whether the transaction must carry this account's signature.
    pub is_signer: bool,
    /// Whether the instruction may modify the account.
    pub is_writable: bool,
}

impl AccountMeta {
    /// A writable account.
    pub const fn new(pubkey: SolanaAddress, is_signer: bool) -> Self {
        Self {
            pubkey,
            is_signer,
            is_writable: true,
        }
    }

    /// A read-only account.
    pub const fn new_readonly(pubkey: SolanaAddress, is_signer: bool) -> Self {
        Self {
            pubkey,
            is_signer,
            is_writable: false,
        }
    }
}

/// A call to an on-chain program: which program, which accounts, and opaque data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Instruction {
    /// The program to run.
    pub program_id: SolanaAddress,
    /// The accounts the program sees, in order.
    pub accounts: Vec<AccountMeta>,
    /// The program-specific instruction data.
    pub data: Vec<u8>,
}

/// System program `Transfer`: moves `lamports` from `from` (signer) to `to`.
pub fn system_transfer(from: &SolanaAddress, to: &SolanaAddress, lamports: u64) -> Instruction {
    let mut data = Vec::with_capacity(12);
    data.extend_from_slice(&2u32.to_le_bytes());
    data.extend_from_slice(&lamports.to_le_bytes());
    Instruction {
        program_id: SYSTEM_PROGRAM_ID,
        accounts: vec![AccountMeta::new(*from, true), AccountMeta::new(*to, false)],
        data,
    }
}

/// Compute Budget `SetComputeUnitLimit`: caps the transaction's compute units.
pub fn set_compute_unit_limit(units: u32) -> Instruction {
    let mut data = vec![2u8];
    data.extend_from_slice(&units.to_le_bytes());
    Instruction {
        program_id: COMPUTE_BUDGET_PROGRAM_ID,
        accounts: Vec::new(),
        data,
    }
}

/// Compute Budget `SetComputeUnitPrice`: the priority fee, in micro-lamports per compute unit.
pub fn set_compute_unit_price(micro_lamports: u64) -> Instruction {
    let mut data = vec![3u8];
    data.extend_from_slice(&micro_lamports.to_le_bytes());
    Instruction {
        program_id: COMPUTE_BUDGET_PROGRAM_ID,
        accounts: Vec::new(),
        data,
    }
}

/// Memo program v2: records `memo` (UTF-8) in the transaction, signed by `signers`.
pub fn memo(memo: &str, signers: &[SolanaAddress]) -> Instruction {
    Instruction {
        program_id: MEMO_PROGRAM_ID,
        accounts: signers
            .iter()
            .map(|s| AccountMeta::new_readonly(*s, true))
            .collect(),
        data: memo.as_bytes().to_vec(),
    }
}

/// Refuses a token program id other than SPL Token and Token-2022.
fn check_token_program(token_program: &SolanaAddress) -> Result<()> {
    if *token_program == TOKEN_PROGRAM_ID || *token_program == TOKEN_2022_PROGRAM_ID {
        Ok(())
    } else {
        Err(Error::InvalidSolanaMessage(format!(
            "token program {token_program} is neither SPL Token ({TOKEN_PROGRAM_ID}) nor \
             Token-2022 ({TOKEN_2022_PROGRAM_ID})"
        )))
    }
}

/// SPL Token / Token-2022 `TransferChecked` (instruction 12): moves `amount` base units of
/// `mint` from the token account `source` to the token account `destination`, checking the
/// mint's `decimals`. `owner` signs. Refuses a `token_program` that is not one of the two.
pub fn transfer_checked(
    token_program: &SolanaAddress,
    source: &SolanaAddress,
    mint: &SolanaAddress,
    destination: &SolanaAddress,
    owner: &SolanaAddress,
    amount: u64,
    decimals: u8,
) -> Result<Instruction> {
    check_token_program(token_program)?;
    let mut data = Vec::with_capacity(10);
    data.push(12u8);
    data.extend_from_slice(&amount.to_le_bytes());
    data.push(decimals);
    Ok(Instruction {
        program_id: *token_program,
        accounts: vec![
            AccountMeta::new(*source, false),
            AccountMeta::new_readonly(*mint, false),
            AccountMeta::new(*destination, false),
            AccountMeta::new_readonly(*owner, true),
        ],
        data,
    })
}

/// The associated token account of `wallet` for `mint` under `token_program`: the program
/// address of seeds `[wallet, token_program, mint]` under the Associated Token Account program.
pub fn get_associated_token_address(
    wallet: &SolanaAddress,
    mint: &SolanaAddress,
    token_program: &SolanaAddress,
) -> Result<SolanaAddress> {
    let seeds: [&[u8]; 3] = [wallet.as_ref(), token_program.as_ref(), mint.as_ref()];
    SolanaAddress::find_program_address(&seeds, &ASSOCIATED_TOKEN_PROGRAM_ID).map(|(a, _)| a)
}

/// Associated Token Account `CreateIdempotent` (instruction 1): creates `wallet`'s associated
/// token account for `mint`, paid by `payer`, and succeeds without change when it exists.
/// Refuses a `token_program` that is not SPL Token or Token-2022.
pub fn create_associated_token_account_idempotent(
    payer: &SolanaAddress,
    wallet: &SolanaAddress,
    mint: &SolanaAddress,
    token_program: &SolanaAddress,
) -> Result<Instruction> {
    check_token_program(token_program)?;
    let ata = get_associated_token_address(wallet, mint, token_program)?;
    Ok(Instruction {
        program_id: ASSOCIATED_TOKEN_PROGRAM_ID,
        accounts: vec![
            AccountMeta::new(*payer, true),
            AccountMeta::new(ata, false),
            AccountMeta::new_readonly(*wallet, false),
            AccountMeta::new_readonly(*mint, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
            AccountMeta::new_readonly(*token_program, false),
        ],
        data: vec![1],
    })
}

/// An SPL token transfer between wallets: `from_owner`'s associated token account to
/// `to_wallet`'s. A wallet cannot know offline whether the recipient's token account exists,
/// so this returns two instructions: create the recipient's account (idempotent, paid by
/// `from_owner`), then `TransferChecked`.
pub fn spl_transfer(
    from_owner: &SolanaAddress,
    to_wallet: &SolanaAddress,
    mint: &SolanaAddress,
    amount: u64,
    decimals: u8,
    token_program: &SolanaAddress,
) -> Result<Vec<Instruction>> {
    let create =
        create_associated_token_account_idempotent(from_owner, to_wallet, mint, token_program)?;
    let source = get_associated_token_address(from_owner, mint, token_program)?;
    let destination = get_associated_token_address(to_wallet, mint, token_program)?;
    let transfer = transfer_checked(
        token_program,
        &source,
        mint,
        &destination,
        from_owner,
        amount,
        decimals,
    )?;
    Ok(vec![create, transfer])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instruction_data_layouts() {
        let a = SolanaAddress([1; 32]);
        let b = SolanaAddress([2; 32]);
        assert_eq!(
            system_transfer(&a, &b, 0x0102).data,
            [2, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            set_compute_unit_limit(200_000).data,
            [2, 0x40, 0x0d, 0x03, 0]
        );
        assert_eq!(set_compute_unit_price(1).data, [3, 1, 0, 0, 0, 0, 0, 0, 0]);
        let ix = transfer_checked(&TOKEN_PROGRAM_ID, &a, &b, &a, &b, 5, 6).unwrap();
        assert_eq!(ix.data, [12, 5, 0, 0, 0, 0, 0, 0, 0, 6]);
        assert!(transfer_checked(&a, &a, &b, &a, &b, 5, 6).is_err());
    }

    // Published answers: Solana.Swift's ATA test (mainnet USDC) and a @solana/spl-token
    // example's output (devnet USDC).
    #[test]
    fn associated_token_address_known_answers() {
        for (wallet, mint, ata) in [
            (
                "3h1zGmCwsRJnVk5BuRNMLsPaQu1y2aqXqXDWYCgrp5UG",
                "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
                "3uetDDizgTtadDHZzyy9BqxrjQcozMEkxzbKhfZF4tG3",
            ),
            (
                "5waJka9MrCgPFoLo3SQSjLDTGnkoDcwYYPnpk4YNJS6i",
                "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
                "HmBpVD6N1vuGvQpS8KrwWH6Tr8rSwXQBEDKn5VXW6yyw",
            ),
        ] {
            let wallet = SolanaAddress::parse(wallet).unwrap();
            let mint = SolanaAddress::parse(mint).unwrap();
            let got = get_associated_token_address(&wallet, &mint, &TOKEN_PROGRAM_ID).unwrap();
            assert_eq!(got.to_string(), ata);
        }
    }

    #[test]
    fn spl_transfer_creates_the_recipient_account_first() {
        let from = SolanaAddress([1; 32]);
        let to = SolanaAddress([2; 32]);
        let mint = SolanaAddress([3; 32]);
        let ixs = spl_transfer(&from, &to, &mint, 10, 6, &TOKEN_2022_PROGRAM_ID).unwrap();
        assert_eq!(ixs.len(), 2);
        assert_eq!(ixs[0].program_id, ASSOCIATED_TOKEN_PROGRAM_ID);
        assert_eq!(ixs[1].program_id, TOKEN_2022_PROGRAM_ID);
        let dest = get_associated_token_address(&to, &mint, &TOKEN_2022_PROGRAM_ID).unwrap();
        assert_eq!(ixs[0].accounts[1].pubkey, dest);
        assert_eq!(ixs[1].accounts[2].pubkey, dest);
    }
}
