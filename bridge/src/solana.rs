//! A client of the Solana bridge program (`contracts/solana`, protocol version 2): its
//! addresses (PDAs), instruction builders with Anchor's wire conventions (8-byte
//! discriminators, Borsh arguments), account decoders and events, on `trestle-core`'s Solana
//! types (no solana crate).
//!
//! The program's IDL is `contracts/solana/idl/trestle_bridge.json` and its instruction reference
//! `contracts/solana/README.md`; every builder here lists accounts in the IDL's order. PDA seeds
//! use little-endian integers, as Anchor encodes integer arguments.

use sha2::{Digest as _, Sha256};
use trestle_core::solana::SolanaAddress;

use crate::message::Message;

pub mod admin;
pub mod events;
pub mod fees;
pub mod loader;
pub mod relay;
pub mod send;
pub mod state;

/// The id the program's tests and the local network load it at.
pub const LOCAL_PROGRAM_ID: &str = "TRESTLEbridge111111111111111111111111111111";

/// Anchor's instruction discriminator: `sha256("global:<name>")[..8]`.
pub fn instruction_discriminator(name: &str) -> [u8; 8] {
    first8(&Sha256::digest(format!("global:{name}").as_bytes()))
}

/// Anchor's account discriminator: `sha256("account:<Name>")[..8]`.
pub fn account_discriminator(name: &str) -> [u8; 8] {
    first8(&Sha256::digest(format!("account:{name}").as_bytes()))
}

/// Anchor's event discriminator: `sha256("event:<Name>")[..8]`.
pub fn event_discriminator(name: &str) -> [u8; 8] {
    first8(&Sha256::digest(format!("event:{name}").as_bytes()))
}

fn first8(hash: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    out.copy_from_slice(hash.get(..8).unwrap_or(&[0; 8]));
    out
}

/// A Borsh writer for instruction arguments, starting with the instruction's discriminator.
#[derive(Debug, Clone, Default)]
pub struct Args(Vec<u8>);

impl Args {
    /// Data of instruction `name`: its discriminator, then the arguments pushed after.
    pub fn instruction(name: &str) -> Self {
        Self(instruction_discriminator(name).to_vec())
    }
    /// A `u8`.
    pub fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }
    /// A `u32`, little-endian.
    pub fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// A `u64`, little-endian.
    pub fn u64(mut self, v: u64) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// An `i64`, little-endian.
    pub fn i64(mut self, v: i64) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// A `u128`, little-endian.
    pub fn u128(mut self, v: u128) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// Fixed bytes (`[u8; N]`), as they are.
    pub fn fixed(mut self, v: &[u8]) -> Self {
        self.0.extend_from_slice(v);
        self
    }
    /// `Vec<u8>` / `bytes`: a `u32` length, then the bytes.
    ///
    /// Lengths above `u32::MAX` cannot occur in a Solana transaction (1,232 bytes).
    pub fn bytes(self, v: &[u8]) -> Self {
        let len = u32::try_from(v.len()).unwrap_or(u32::MAX);
        self.u32(len).fixed(v)
    }
    /// `Vec<[u8; 20]>`: a `u32` count, then the addresses.
    pub fn addresses(self, v: &[[u8; 20]]) -> Self {
        let len = u32::try_from(v.len()).unwrap_or(u32::MAX);
        let mut out = self.u32(len);
        for a in v {
            out = out.fixed(a);
        }
        out
    }
    /// The encoded data.
    pub fn into_data(self) -> Vec<u8> {
        self.0
    }
}

/// What identifies a delivered message on Solana: `(origin domain, origin bridge, nonce)`, the
/// seeds of its receipt. The origin bridge is the origin remote's bridge when it was delivered
/// (the `Remote` account's `bridge`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReceiptKey {
    /// The origin domain.
    pub origin: u32,
    /// The origin's bridge (32 bytes: an EVM address left-padded, or a program id).
    pub origin_bridge: [u8; 32],
    /// The origin's outbound nonce.
    pub nonce: u64,
}

impl ReceiptKey {
    /// The key of `message` from an origin whose bridge is `origin_bridge`.
    pub fn of(message: &Message, origin_bridge: &[u8; 32]) -> Self {
        Self {
            origin: message.origin,
            origin_bridge: *origin_bridge,
            nonce: message.nonce,
        }
    }

    /// Borsh `origin: u32, origin_bridge: [u8; 32], nonce: u64` after `args`.
    pub fn encode(&self, args: Args) -> Args {
        args.u32(self.origin)
            .fixed(&self.origin_bridge)
            .u64(self.nonce)
    }
}

/// The bridge program at `id`: its PDAs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BridgeProgram {
    /// The program id.
    pub id: SolanaAddress,
}

impl BridgeProgram {
    /// The program at `id`.
    pub const fn new(id: SolanaAddress) -> Self {
        Self { id }
    }

    /// The canonical PDA of `seeds` under this program and its bump.
    pub fn pda_and_bump(&self, seeds: &[&[u8]]) -> (SolanaAddress, u8) {
        // Seeds here are at most 4 and at most 32 bytes each: find_program_address only fails
        // on longer ones, or when no bump in 0..=255 is off the curve (probability ~2^-256).
        SolanaAddress::find_program_address(seeds, &self.id).unwrap_or((SolanaAddress([0; 32]), 0))
    }

    /// The canonical PDA of `seeds` under this program.
    pub fn pda(&self, seeds: &[&[u8]]) -> SolanaAddress {
        self.pda_and_bump(seeds).0
    }
    /// `["config"]`.
    pub fn config(&self) -> SolanaAddress {
        self.pda(&[b"config"])
    }
    /// `["authority"]`: mint authority of bridged mints and owner of vaults.
    pub fn authority(&self) -> SolanaAddress {
        self.pda(&[b"authority"])
    }
    /// `["__event_authority"]`: signs the self-CPI events (Anchor's `emit_cpi!`).
    pub fn event_authority(&self) -> SolanaAddress {
        self.pda(&[b"__event_authority"])
    }
    /// `["upgrade_authority"]`: the program's upgrade authority once handed over (upgrades go
    /// through the timelocked `Upgrade` action).
    pub fn upgrade_authority(&self) -> SolanaAddress {
        self.pda(&[b"upgrade_authority"])
    }
    /// `["messenger", recipient]`: signs the `receive_message` calls into `recipient` only.
    pub fn messenger(&self, recipient: &SolanaAddress) -> SolanaAddress {
        self.messenger_and_bump(recipient).0
    }
    /// The messenger PDA of `recipient` and its bump (the bump sets part of the compute
    /// `execute_message` needs, see [`relay::execute_message_compute_limit`]).
    pub fn messenger_and_bump(&self, recipient: &SolanaAddress) -> (SolanaAddress, u8) {
        self.pda_and_bump(&[b"messenger", &recipient.0])
    }
    /// `["remote", domain (u32 LE)]`.
    pub fn remote(&self, domain: u32) -> SolanaAddress {
        self.pda(&[b"remote", &domain.to_le_bytes()])
    }
    /// `["token", token id]`.
    pub fn token(&self, token_id: &[u8; 32]) -> SolanaAddress {
        self.pda(&[b"token", token_id])
    }
    /// `["route", token id, domain (u32 LE)]`.
    pub fn route(&self, token_id: &[u8; 32], domain: u32) -> SolanaAddress {
        self.pda(&[b"route", token_id, &domain.to_le_bytes()])
    }
    /// `["vault", mint]`.
    pub fn vault(&self, mint: &SolanaAddress) -> SolanaAddress {
        self.pda(&[b"vault", &mint.0])
    }
    /// `["receipt", origin (u32 LE), origin bridge, nonce (u64 LE)]`.
    pub fn receipt(&self, key: &ReceiptKey) -> SolanaAddress {
        self.pda(&[
            b"receipt",
            &key.origin.to_le_bytes(),
            &key.origin_bridge,
            &key.nonce.to_le_bytes(),
        ])
    }
    /// `["signatures", message id, epoch (u64 LE), payer]`.
    pub fn signature_set(
        &self,
        message_id: &[u8; 32],
        epoch: u64,
        payer: &SolanaAddress,
    ) -> SolanaAddress {
        self.pda(&[b"signatures", message_id, &epoch.to_le_bytes(), &payer.0])
    }
    /// `["proposal", proposal id (u64 LE)]`.
    pub fn proposal(&self, proposal_id: u64) -> SolanaAddress {
        self.pda(&[b"proposal", &proposal_id.to_le_bytes()])
    }
    /// `["fee_config", destination (u32 LE)]`: the delivery fees of a destination (the
    /// account may not exist: the destination is then free).
    pub fn fee_config(&self, destination: u32) -> SolanaAddress {
        self.pda(&[b"fee_config", &destination.to_le_bytes()])
    }
    /// `["fees"]`: the fee oracle and the fee beneficiary.
    pub fn fee_roles(&self) -> SolanaAddress {
        self.pda(&[b"fees"])
    }
    /// `["fee_vault"]`: holds the delivery fees paid.
    pub fn fee_vault(&self) -> SolanaAddress {
        self.pda(&[b"fee_vault"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program() -> BridgeProgram {
        BridgeProgram::new(SolanaAddress::parse(LOCAL_PROGRAM_ID).unwrap())
    }

    #[test]
    fn integer_seeds_are_little_endian() {
        let p = program();
        let le = |seeds: &[&[u8]]| SolanaAddress::find_program_address(seeds, &p.id).unwrap().0;
        assert_eq!(p.remote(0x0102_0304), le(&[b"remote", &[4, 3, 2, 1]]));
        assert_eq!(p.proposal(7), le(&[b"proposal", &7u64.to_le_bytes()]));
        assert_eq!(
            p.route(&[9; 32], 5),
            le(&[b"route", &[9; 32], &5u32.to_le_bytes()])
        );
        let key = ReceiptKey {
            origin: 1,
            origin_bridge: [2; 32],
            nonce: 3,
        };
        assert_eq!(
            p.receipt(&key),
            le(&[
                b"receipt",
                &1u32.to_le_bytes(),
                &[2; 32],
                &3u64.to_le_bytes()
            ])
        );
        // Every recipient has its own messenger.
        assert_ne!(
            p.messenger(&SolanaAddress([1; 32])),
            p.messenger(&SolanaAddress([2; 32]))
        );
    }

    #[test]
    fn discriminators_are_anchors() {
        // The IDL's values (contracts/solana/idl/trestle_bridge.json).
        assert_eq!(
            instruction_discriminator("send"),
            [102, 251, 20, 187, 65, 75, 12, 69]
        );
        assert_eq!(
            account_discriminator("Route"),
            [80, 179, 58, 115, 52, 19, 146, 134]
        );
        assert_eq!(
            event_discriminator("MessageSent"),
            [116, 70, 224, 76, 128, 28, 110, 55]
        );
    }
}
