//! SOL and SPL token operations: transfers, mint creation and minting, with associated
//! token accounts created when they are missing.

use trestle_core::solana::address::{SYSTEM_PROGRAM_ID, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID};
use trestle_core::solana::instruction::{
    create_associated_token_account_idempotent, get_associated_token_address, system_transfer,
    transfer_checked,
};
use trestle_core::solana::{AccountMeta, Instruction, SolanaAddress, SolanaSigner};

use crate::client::SolanaClient;
use crate::error::{Error, Result};
use crate::landing::{Landed, TransactionRequest};

/// Bytes of an SPL mint account (Token and Token-2022 without extensions).
pub const MINT_SIZE: u64 = 82;

/// System program `CreateAccount`: a new account `new_account` (signer) with `lamports`,
/// `space` bytes of data, owned by `owner`, funded by `payer`.
pub fn create_account(
    payer: &SolanaAddress,
    new_account: &SolanaAddress,
    lamports: u64,
    space: u64,
    owner: &SolanaAddress,
) -> Instruction {
    let mut data = Vec::with_capacity(52);
    data.extend_from_slice(&0u32.to_le_bytes());
    data.extend_from_slice(&lamports.to_le_bytes());
    data.extend_from_slice(&space.to_le_bytes());
    data.extend_from_slice(owner.as_bytes());
    Instruction {
        program_id: SYSTEM_PROGRAM_ID,
        accounts: vec![
            AccountMeta::new(*payer, true),
            AccountMeta::new(*new_account, true),
        ],
        data,
    }
}

fn check_token_program(token_program: &SolanaAddress) -> Result<()> {
    if *token_program == TOKEN_PROGRAM_ID || *token_program == TOKEN_2022_PROGRAM_ID {
        Ok(())
    } else {
        Err(Error::InvalidSolanaMessage(format!(
            "{token_program} is neither SPL Token nor Token-2022"
        )))
    }
}

/// SPL Token / Token-2022 `InitializeMint2` (instruction 20) with no freeze authority.
/// Refuses a program that is not one of the two token programs.
pub fn initialize_mint2(
    token_program: &SolanaAddress,
    mint: &SolanaAddress,
    mint_authority: &SolanaAddress,
    decimals: u8,
) -> Result<Instruction> {
    check_token_program(token_program)?;
    let mut data = Vec::with_capacity(35);
    data.push(20);
    data.push(decimals);
    data.extend_from_slice(mint_authority.as_bytes());
    data.push(0); // COption::None: no freeze authority
    Ok(Instruction {
        program_id: *token_program,
        accounts: vec![AccountMeta::new(*mint, false)],
        data,
    })
}

/// SPL Token / Token-2022 `MintToChecked` (instruction 14): mints `amount` base units of
/// `mint` into the token account `destination`; `authority` signs.
pub fn mint_to_checked(
    token_program: &SolanaAddress,
    mint: &SolanaAddress,
    destination: &SolanaAddress,
    authority: &SolanaAddress,
    amount: u64,
    decimals: u8,
) -> Result<Instruction> {
    check_token_program(token_program)?;
    let mut data = Vec::with_capacity(10);
    data.push(14);
    data.extend_from_slice(&amount.to_le_bytes());
    data.push(decimals);
    Ok(Instruction {
        program_id: *token_program,
        accounts: vec![
            AccountMeta::new(*mint, false),
            AccountMeta::new(*destination, false),
            AccountMeta::new_readonly(*authority, true),
        ],
        data,
    })
}

impl SolanaClient {
    /// Lands a SOL transfer of `lamports` from `from` (who pays the fee) to `to`.
    pub async fn transfer_sol(
        &self,
        from: &SolanaSigner,
        to: &SolanaAddress,
        lamports: u64,
    ) -> Result<Landed> {
        let ix = system_transfer(&from.pubkey(), to, lamports);
        self.land(TransactionRequest::new(from, vec![ix])).await
    }

    /// Creates the mint `mint` (a new key that signs) under `token_program` with `decimals`
    /// and `mint_authority`, rent-exempt, paid by `payer`.
    pub async fn create_mint(
        &self,
        payer: &SolanaSigner,
        mint: &SolanaSigner,
        mint_authority: &SolanaAddress,
        decimals: u8,
        token_program: &SolanaAddress,
    ) -> Result<Landed> {
        check_token_program(token_program)?;
        let rent = self.minimum_balance_for_rent_exemption(MINT_SIZE).await?;
        let instructions = vec![
            create_account(
                &payer.pubkey(),
                &mint.pubkey(),
                rent,
                MINT_SIZE,
                token_program,
            ),
            initialize_mint2(token_program, &mint.pubkey(), mint_authority, decimals)?,
        ];
        self.land(TransactionRequest::new(payer, instructions).signer(mint))
            .await
    }

    /// The instruction creating `wallet`'s associated token account for `mint`, paid by
    /// `payer`, when the account does not exist yet (idempotent, so a concurrent creation
    /// does not fail the transaction).
    async fn ata_if_missing(
        &self,
        payer: &SolanaAddress,
        wallet: &SolanaAddress,
        mint: &SolanaAddress,
        token_program: &SolanaAddress,
    ) -> Result<(SolanaAddress, Option<Instruction>)> {
        let ata = get_associated_token_address(wallet, mint, token_program)?;
        if self.account(&ata).await?.is_some() {
            return Ok((ata, None));
        }
        let create =
            create_associated_token_account_idempotent(payer, wallet, mint, token_program)?;
        Ok((ata, Some(create)))
    }

    /// Mints `amount` base units of `mint` to `wallet`'s associated token account (created
    /// when missing, paid by `payer`); `authority` is the mint authority and signs.
    pub async fn mint_to(
        &self,
        payer: &SolanaSigner,
        mint: &SolanaAddress,
        authority: &SolanaSigner,
        wallet: &SolanaAddress,
        amount: u64,
    ) -> Result<Landed> {
        let (token_program, decimals) = self.mint_info(mint).await?;
        let (ata, create) = self
            .ata_if_missing(&payer.pubkey(), wallet, mint, &token_program)
            .await?;
        let mut instructions: Vec<Instruction> = create.into_iter().collect();
        instructions.push(mint_to_checked(
            &token_program,
            mint,
            &ata,
            &authority.pubkey(),
            amount,
            decimals,
        )?);
        self.land(TransactionRequest::new(payer, instructions).signer(authority))
            .await
    }

    /// Transfers `amount` base units of `mint` from `owner`'s associated token account to
    /// `to_wallet`'s, creating the recipient's account (paid by `owner`) when missing.
    /// `TransferChecked` is used, with the decimals read from the mint.
    pub async fn transfer_tokens(
        &self,
        owner: &SolanaSigner,
        mint: &SolanaAddress,
        to_wallet: &SolanaAddress,
        amount: u64,
    ) -> Result<Landed> {
        let (token_program, decimals) = self.mint_info(mint).await?;
        let source = get_associated_token_address(&owner.pubkey(), mint, &token_program)?;
        let (destination, create) = self
            .ata_if_missing(&owner.pubkey(), to_wallet, mint, &token_program)
            .await?;
        let mut instructions: Vec<Instruction> = create.into_iter().collect();
        instructions.push(transfer_checked(
            &token_program,
            &source,
            mint,
            &destination,
            &owner.pubkey(),
            amount,
            decimals,
        )?);
        self.land(TransactionRequest::new(owner, instructions))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instruction_layouts() {
        let a = SolanaAddress([1; 32]);
        let b = SolanaAddress([2; 32]);
        let ix = create_account(&a, &b, 3, 82, &TOKEN_PROGRAM_ID);
        assert_eq!(ix.data[..4], [0, 0, 0, 0]);
        assert_eq!(ix.data[4..12], 3u64.to_le_bytes());
        assert_eq!(ix.data[12..20], 82u64.to_le_bytes());
        assert_eq!(ix.data[20..], *TOKEN_PROGRAM_ID.as_bytes());

        let ix = initialize_mint2(&TOKEN_PROGRAM_ID, &a, &b, 6).unwrap();
        assert_eq!(ix.data.len(), 35);
        assert_eq!(ix.data[..2], [20, 6]);
        assert_eq!(ix.data[34], 0);

        let ix = mint_to_checked(&TOKEN_2022_PROGRAM_ID, &a, &b, &a, 5, 6).unwrap();
        assert_eq!(ix.data, [14, 5, 0, 0, 0, 0, 0, 0, 0, 6]);
        assert!(mint_to_checked(&a, &a, &b, &a, 5, 6).is_err());
    }
}
