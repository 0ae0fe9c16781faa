//! The builder of the program's `send` instruction: lock (home token, into its vault) or burn
//! (bridged mint) `amount` local units of a registered token and emit a token-transfer message
//! to `destination` for `beneficiary` (`MessageSent`, as a self-CPI event and a log line).
//!
//! Accounts, in the IDL's order: `sender` (signer, writable: it pays the delivery fee),
//! `config` (writable), `remote`
//! (`["remote", destination]`), `token_config` (`["token", token id]`), `route` (writable,
//! `["route", token id, destination]`), `sender_token` (writable), `mint` (writable), `vault`
//! (writable `["vault", mint]` for a home token; the program id, read-only, for a bridged mint),
//! `token_program` (SPL Token), `clock` (sysvar), `event_authority` (`["__event_authority"]`),
//! `program` (the bridge), `fee_config` (`["fee_config", destination]`; it may not exist: the
//! destination is free), `fee_vault` (writable, `["fee_vault"]`), `system_program`. Arguments:
//! `destination: u32`, `token_id: [u8; 32]`, `beneficiary: [u8; 32]`, `amount: u64`, `max_fee:
//! u64` (lamports).
//!
//! The program charges exactly the destination's token-transfer quote
//! ([`crate::FeeConfig::quote_transfer`] of the `fee_config` account, 0 without one) from the
//! sender into the fee vault, and refuses the send (`FeeTooLow`, the quote in its log) when the
//! quote is above `max_fee`.

use trestle_core::solana::SolanaAddress;
use trestle_core::solana::address::{SYSTEM_PROGRAM_ID, SYSVAR_CLOCK_ID, TOKEN_PROGRAM_ID};
use trestle_core::solana::instruction::{AccountMeta, Instruction};

use super::{Args, BridgeProgram};

/// How the program moves the sender's tokens: decided by the token's registration, which the
/// program checks (a `send` built with the wrong kind is refused on chain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A token whose home is this Solana deployment: locked into the vault `["vault", mint]`.
    Home,
    /// A token bridged in from another chain: the program's mint, burnt from the sender.
    Bridged,
}

/// What a `send` moves and where: the inputs of [`send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SendParams {
    /// The owner of `sender_token`; signs the transaction.
    pub sender: SolanaAddress,
    /// The bridge token id (`keccak256(home domain || home token)`, see [`crate::token`]).
    pub token_id: [u8; 32],
    /// The SPL mint of the token on this chain.
    pub mint: SolanaAddress,
    /// The sender's token account of `mint` (usually its associated token account).
    pub sender_token: SolanaAddress,
    /// Home (lock into the vault) or bridged (burn).
    pub kind: TokenKind,
    /// The destination domain.
    pub destination: u32,
    /// The recipient on the destination chain, as a 32-byte universal address.
    pub beneficiary: [u8; 32],
    /// The amount in the mint's base units.
    pub amount: u64,
}

/// The program's instruction name (its Anchor discriminator is `sha256("global:send")[..8]`).
pub const NAME: &str = "send";

/// The `send` instruction for `params` on `program`, paying no delivery fee (`max_fee` 0):
/// accepted for a destination without fees only ([`send_paying`] for the others).
pub fn send(program: &BridgeProgram, params: &SendParams) -> Instruction {
    send_paying(program, params, 0)
}

/// The `send` instruction for `params` on `program`, paying at most `max_fee` lamports of
/// delivery fee (the program charges exactly the quote).
///
/// Builds what the program expects and nothing more: it does not check that the token is
/// registered, that `destination` is a known remote with a route, that the amount is
/// representable there, that the beneficiary is payable or that `max_fee` covers the quote;
/// the program refuses those (`UnknownRemote`, `RouteDisabled`, `BadAmount`,
/// `InvalidBeneficiary`, `FeeTooLow`, ...).
pub fn send_paying(program: &BridgeProgram, params: &SendParams, max_fee: u64) -> Instruction {
    let vault = match params.kind {
        TokenKind::Home => AccountMeta::new(program.vault(&params.mint), false),
        TokenKind::Bridged => AccountMeta::new_readonly(program.id, false),
    };
    let accounts = vec![
        AccountMeta::new(params.sender, true),
        AccountMeta::new(program.config(), false),
        AccountMeta::new_readonly(program.remote(params.destination), false),
        AccountMeta::new_readonly(program.token(&params.token_id), false),
        AccountMeta::new(program.route(&params.token_id, params.destination), false),
        AccountMeta::new(params.sender_token, false),
        AccountMeta::new(params.mint, false),
        vault,
        AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
        AccountMeta::new_readonly(SYSVAR_CLOCK_ID, false),
        AccountMeta::new_readonly(program.event_authority(), false),
        AccountMeta::new_readonly(program.id, false),
        AccountMeta::new_readonly(program.fee_config(params.destination), false),
        AccountMeta::new(program.fee_vault(), false),
        AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
    ];
    let data = Args::instruction(NAME)
        .u32(params.destination)
        .fixed(&params.token_id)
        .fixed(&params.beneficiary)
        .u64(params.amount)
        .u64(max_fee)
        .into_data();
    Instruction {
        program_id: program.id,
        accounts,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solana::LOCAL_PROGRAM_ID;

    fn program() -> BridgeProgram {
        BridgeProgram::new(SolanaAddress::parse(LOCAL_PROGRAM_ID).unwrap())
    }

    fn params(kind: TokenKind) -> SendParams {
        SendParams {
            sender: SolanaAddress([1; 32]),
            token_id: [2; 32],
            mint: SolanaAddress([3; 32]),
            sender_token: SolanaAddress([4; 32]),
            kind,
            destination: 0x0102_0304,
            beneficiary: [5; 32],
            amount: 0x1122_3344_5566_7788,
        }
    }

    #[test]
    fn data_is_discriminator_then_borsh_args() {
        let ix = send(&program(), &params(TokenKind::Home));
        // The IDL's discriminator of `send`.
        let disc = [102u8, 251, 20, 187, 65, 75, 12, 69];
        assert_eq!(&ix.data[..8], &disc);
        assert_eq!(&ix.data[8..12], &[4, 3, 2, 1]);
        assert_eq!(&ix.data[12..44], &[2; 32]);
        assert_eq!(&ix.data[44..76], &[5; 32]);
        assert_eq!(
            &ix.data[76..84],
            &[0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]
        );
        assert_eq!(&ix.data[84..], &[0; 8], "max_fee 0");
        assert_eq!(ix.data.len(), 8 + 4 + 32 + 32 + 8 + 8);
        let paying = send_paying(&program(), &params(TokenKind::Home), 0x0102);
        assert_eq!(&paying.data[84..], &[2, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(paying.accounts, ix.accounts);
        assert_eq!(ix.program_id, program().id);
    }

    #[test]
    fn accounts_follow_the_idl_for_a_home_token() {
        let p = program();
        let ix = send(&p, &params(TokenKind::Home));
        let expected = [
            (SolanaAddress([1; 32]), true, true),
            (p.config(), false, true),
            (p.remote(0x0102_0304), false, false),
            (p.token(&[2; 32]), false, false),
            (p.route(&[2; 32], 0x0102_0304), false, true),
            (SolanaAddress([4; 32]), false, true),
            (SolanaAddress([3; 32]), false, true),
            (p.vault(&SolanaAddress([3; 32])), false, true),
            (TOKEN_PROGRAM_ID, false, false),
            (SYSVAR_CLOCK_ID, false, false),
            (p.event_authority(), false, false),
            (p.id, false, false),
            (p.fee_config(0x0102_0304), false, false),
            (p.fee_vault(), false, true),
            (SYSTEM_PROGRAM_ID, false, false),
        ];
        let got: Vec<_> = ix
            .accounts
            .iter()
            .map(|m| (m.pubkey, m.is_signer, m.is_writable))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn a_bridged_mint_passes_the_program_id_as_vault() {
        let p = program();
        let ix = send(&p, &params(TokenKind::Bridged));
        assert_eq!(ix.accounts.len(), 15);
        assert_eq!(ix.accounts[7], AccountMeta::new_readonly(p.id, false));
        // Everything else is as for a home token.
        let home = send(&p, &params(TokenKind::Home));
        for i in (0..15).filter(|i| *i != 7) {
            assert_eq!(ix.accounts[i], home.accounts[i]);
        }
        assert_eq!(ix.data, home.data);
    }

    #[test]
    fn pdas_depend_on_destination_token_and_mint() {
        let p = program();
        let a = send(&p, &params(TokenKind::Home));
        let mut other = params(TokenKind::Home);
        other.destination = 7;
        other.token_id = [9; 32];
        other.mint = SolanaAddress([8; 32]);
        let b = send(&p, &other);
        for i in [2, 3, 4, 7, 12] {
            assert_ne!(a.accounts[i].pubkey, b.accounts[i].pubkey, "account {i}");
        }
        assert_eq!(a.accounts[1].pubkey, b.accounts[1].pubkey);
    }
}
