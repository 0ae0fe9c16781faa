//! Builders of the program's delivery-fee instructions (docs/protocol.md, "Delivery fees"):
//! the fee oracle's `update_fee_prices`, `quote` (the fee in its return data, read by
//! simulating it), `pay_for_gas` (a top-up for a sent message) and `withdraw_fees` (to the fee
//! beneficiary), and the guardian's `clear_fee_oracle` (removes the fee oracle at once).
//! Governance configures fees with [`super::admin::Action::SetFeeConfig`] and
//! [`super::admin::Action::SetFeeRoles`]. Accounts are listed in the IDL's order.

use trestle_core::solana::SolanaAddress;
use trestle_core::solana::address::{SYSTEM_PROGRAM_ID, SYSVAR_CLOCK_ID};
use trestle_core::solana::instruction::{AccountMeta, Instruction};

use crate::error::{Error, Result};
use crate::solana::{Args, BridgeProgram};

impl BridgeProgram {
    /// `update_fee_prices(destination, gas_price, exchange_rate)` by the fee oracle: refused
    /// for another signer (`NotFeeOracle`), an unconfigured destination (`FeeNotConfigured`),
    /// within 60 s of the last update (`FeeUpdateTooSoon`) or a price moved by more than a
    /// factor of two (`FeeChangeTooLarge`). Accounts: oracle (signer), fee roles, fee config
    /// (writable), clock.
    pub fn update_fee_prices(
        &self,
        oracle: &SolanaAddress,
        destination: u32,
        gas_price: u128,
        exchange_rate: u128,
    ) -> Instruction {
        Instruction {
            program_id: self.id,
            accounts: vec![
                AccountMeta::new_readonly(*oracle, true),
                AccountMeta::new_readonly(self.fee_roles(), false),
                AccountMeta::new(self.fee_config(destination), false),
                AccountMeta::new_readonly(SYSVAR_CLOCK_ID, false),
            ],
            data: Args::instruction("update_fee_prices")
                .u32(destination)
                .u128(gas_price)
                .u128(exchange_rate)
                .into_data(),
        }
    }

    /// `quote(destination, gas_limit, body_len)`: the fee in lamports of a message to
    /// `destination`, as the program's return data ([`decode_quote`]); a token transfer is
    /// quoted with its fee config's `transfer_gas` and a 97-byte body. Accounts: fee config.
    pub fn quote(&self, destination: u32, gas_limit: u64, body_len: u64) -> Instruction {
        Instruction {
            program_id: self.id,
            accounts: vec![AccountMeta::new_readonly(
                self.fee_config(destination),
                false,
            )],
            data: Args::instruction("quote")
                .u32(destination)
                .u64(gas_limit)
                .u64(body_len)
                .into_data(),
        }
    }

    /// `pay_for_gas(id, destination, lamports)`: `payer` adds `lamports` (non-zero) to what
    /// was paid for delivering message `id` (`GasPaid`); works while paused. Accounts: payer
    /// (signer, writable), fee vault (writable), system program, event authority, program.
    pub fn pay_for_gas(
        &self,
        payer: &SolanaAddress,
        id: &[u8; 32],
        destination: u32,
        lamports: u64,
    ) -> Instruction {
        Instruction {
            program_id: self.id,
            accounts: vec![
                AccountMeta::new(*payer, true),
                AccountMeta::new(self.fee_vault(), false),
                AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
                AccountMeta::new_readonly(self.event_authority(), false),
                AccountMeta::new_readonly(self.id, false),
            ],
            data: Args::instruction("pay_for_gas")
                .fixed(id)
                .u32(destination)
                .u64(lamports)
                .into_data(),
        }
    }

    /// `withdraw_fees()` (anyone): pays what the fee vault holds above its rent-exempt minimum
    /// to `beneficiary`, which must be the fee roles' (`FeesWithdrawn`). Accounts: fee roles,
    /// fee vault (writable), beneficiary (writable).
    pub fn withdraw_fees(&self, beneficiary: &SolanaAddress) -> Instruction {
        Instruction {
            program_id: self.id,
            accounts: vec![
                AccountMeta::new_readonly(self.fee_roles(), false),
                AccountMeta::new(self.fee_vault(), false),
                AccountMeta::new(*beneficiary, false),
            ],
            data: Args::instruction("withdraw_fees").into_data(),
        }
    }

    /// `clear_fee_oracle()` by the guardian (immediate, also while paused; `NotGuardian` for
    /// anyone else): the fee roles keep their beneficiary and name no oracle any more, so a
    /// stolen oracle key stops moving prices until governance names another
    /// (`SetFeeRoles`). Emits `FeeOracleCleared`. Accounts: guardian (signer), config, fee
    /// roles (writable; may not exist).
    pub fn clear_fee_oracle(&self, guardian: &SolanaAddress) -> Instruction {
        Instruction {
            program_id: self.id,
            accounts: vec![
                AccountMeta::new_readonly(*guardian, true),
                AccountMeta::new_readonly(self.config(), false),
                AccountMeta::new(self.fee_roles(), false),
            ],
            data: Args::instruction("clear_fee_oracle").into_data(),
        }
    }
}

/// The fee (lamports) in the return data of a `quote` instruction: a little-endian `u64`.
pub fn decode_quote(return_data: &[u8]) -> Result<u64> {
    let bytes: [u8; 8] = return_data
        .try_into()
        .map_err(|_| Error::InvalidInstruction {
            what: "quote return data",
            reason: format!("{} bytes, not 8", return_data.len()),
        })?;
    Ok(u64::from_le_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solana::LOCAL_PROGRAM_ID;

    fn program() -> BridgeProgram {
        BridgeProgram::new(SolanaAddress::parse(LOCAL_PROGRAM_ID).unwrap())
    }

    #[test]
    fn fee_pdas_are_per_destination_and_fixed() {
        let p = program();
        let le = |seeds: &[&[u8]]| SolanaAddress::find_program_address(seeds, &p.id).unwrap().0;
        assert_eq!(
            p.fee_config(0x0102_0304),
            le(&[b"fee_config", &[4, 3, 2, 1]])
        );
        assert_ne!(p.fee_config(1), p.fee_config(2));
        assert_eq!(p.fee_roles(), le(&[b"fees"]));
        assert_eq!(p.fee_vault(), le(&[b"fee_vault"]));
    }

    #[test]
    fn builders_encode_their_arguments() {
        let p = program();
        let ix = p.update_fee_prices(&SolanaAddress([1; 32]), 5, 6, 7);
        assert_eq!(ix.data.len(), 8 + 4 + 16 + 16);
        assert_eq!(&ix.data[8..12], &5u32.to_le_bytes());
        assert_eq!(&ix.data[12..28], &6u128.to_le_bytes());
        assert_eq!(ix.accounts[2], AccountMeta::new(p.fee_config(5), false));
        let ix = p.pay_for_gas(&SolanaAddress([1; 32]), &[9; 32], 5, 10);
        assert_eq!(&ix.data[8..40], &[9; 32]);
        assert_eq!(&ix.data[44..], &10u64.to_le_bytes());
        assert_eq!(p.quote(5, 1, 2).data.len(), 8 + 4 + 8 + 8);
        assert_eq!(decode_quote(&7u64.to_le_bytes()).unwrap(), 7);
        assert!(decode_quote(&[0; 7]).is_err());
        let ix = p.clear_fee_oracle(&SolanaAddress([1; 32]));
        assert_eq!(ix.data.len(), 8);
        assert_eq!(
            ix.accounts,
            vec![
                AccountMeta::new_readonly(SolanaAddress([1; 32]), true),
                AccountMeta::new_readonly(p.config(), false),
                AccountMeta::new(p.fee_roles(), false),
            ]
        );
    }
}
