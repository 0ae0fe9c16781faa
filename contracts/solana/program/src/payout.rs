//! Paying out an inbound token transfer: release from the vault (home token) or mint the
//! bridged token, to a token account of the right mint owned by the beneficiary.

use pinocchio::{
    AccountView, Address,
    cpi::{Seed, Signer},
};

use crate::accounts;
use crate::checks;
use crate::cpi;
use crate::error::BridgeError;
use crate::state;
use crate::token::{TokenInfo, check_mint, check_token_account};

/// The accounts a payout uses, all checked by [`Payout::check`].
pub struct Payout<'a> {
    /// The token's SPL mint.
    pub mint: &'a AccountView,
    /// The vault (home tokens) or this program id (bridged).
    pub vault: &'a AccountView,
    /// The beneficiary's token account.
    pub beneficiary_token: &'a AccountView,
    /// The authority PDA.
    pub authority: &'a AccountView,
    /// SPL Token.
    pub token_program: &'a AccountView,
    /// The authority PDA's bump (set by `check`).
    pub authority_bump: u8,
}

impl<'a> Payout<'a> {
    /// Checks every account against the token config and the beneficiary, and refuses a
    /// beneficiary that is this program or its authority PDA (`InvalidBeneficiary`: the owner of
    /// the vaults, whose tokens nobody could ever take out).
    pub fn check(
        &mut self,
        program_id: &Address,
        info: &TokenInfo,
        beneficiary: &[u8; 32],
    ) -> Result<(), BridgeError> {
        checks::token_program(self.token_program)?;
        self.authority_bump = accounts::authority(self.authority, program_id)?;
        if beneficiary == program_id.as_array()
            || beneficiary == self.authority.address().as_array()
        {
            return Err(BridgeError::InvalidBeneficiary);
        }
        checks::writable(self.beneficiary_token)?;
        check_token_account(self.beneficiary_token, &info.mint, beneficiary)?;
        if info.is_home {
            check_mint(self.mint, &info.mint, None)?;
            checks::address(self.vault, &info.vault)?;
            checks::writable(self.vault)?;
            check_token_account(self.vault, &info.mint, self.authority.address().as_array())?;
        } else {
            check_mint(self.mint, &info.mint, Some(self.authority.address()))?;
            checks::writable(self.mint)?;
            checks::address(self.vault, program_id)?;
        }
        Ok(())
    }

    /// Moves `amount` to the beneficiary.
    pub fn pay(&self, info: &TokenInfo, amount: u64) -> Result<(), BridgeError> {
        let bump = [self.authority_bump];
        let seeds = [Seed::from(state::SEED_AUTHORITY), Seed::from(&bump)];
        let signers = [Signer::from(&seeds)];
        if info.is_home {
            cpi::token_transfer(
                self.vault,
                self.beneficiary_token,
                self.authority,
                amount,
                &signers,
            )
        } else {
            cpi::token_mint_to(
                self.mint,
                self.beneficiary_token,
                self.authority,
                amount,
                &signers,
            )
        }
    }
}
