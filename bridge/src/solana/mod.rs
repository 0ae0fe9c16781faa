//! A client of the Solana bridge program (`contracts/solana`): its addresses (PDAs), instruction
//! builders with Anchor's wire conventions (8-byte discriminators, Borsh arguments) and account
//! decoders, on `trestle-core`'s Solana types (no solana crate).
//!
//! The program's IDL is `contracts/solana/idl/trestle_bridge.json`; every builder here lists
//! accounts in the IDL's order.

use sha2::{Digest as _, Sha256};
use trestle_core::solana::SolanaAddress;

pub mod admin;
pub mod events;
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

    /// The PDA of `seeds` under this program.
    pub fn pda(&self, seeds: &[&[u8]]) -> SolanaAddress {
        // Seeds here are at most 4 and at most 32 bytes each: find_program_address only fails
        // on longer ones, or when no bump in 0..=255 is off the curve (probability ~2^-256).
        SolanaAddress::find_program_address(seeds, &self.id)
            .map(|(a, _)| a)
            .unwrap_or(SolanaAddress([0; 32]))
    }
    /// `["config"]`.
    pub fn config(&self) -> SolanaAddress {
        self.pda(&[b"config"])
    }
    /// `["authority"]`: mint authority of bridged mints and owner of vaults.
    pub fn authority(&self) -> SolanaAddress {
        self.pda(&[b"authority"])
    }
    /// `["messenger"]`: signs `receive_message` calls into recipient programs.
    pub fn messenger(&self) -> SolanaAddress {
        self.pda(&[b"messenger"])
    }
    /// `["remote", domain (u32 BE)]`.
    pub fn remote(&self, domain: u32) -> SolanaAddress {
        self.pda(&[b"remote", &domain.to_be_bytes()])
    }
    /// `["token", token id]`.
    pub fn token(&self, token_id: &[u8; 32]) -> SolanaAddress {
        self.pda(&[b"token", token_id])
    }
    /// `["vault", mint]`.
    pub fn vault(&self, mint: &SolanaAddress) -> SolanaAddress {
        self.pda(&[b"vault", &mint.0])
    }
    /// `["receipt", message id]`.
    pub fn receipt(&self, message_id: &[u8; 32]) -> SolanaAddress {
        self.pda(&[b"receipt", message_id])
    }
    /// `["signatures", message id, epoch (u64 BE), payer]`.
    pub fn signature_set(
        &self,
        message_id: &[u8; 32],
        epoch: u64,
        payer: &SolanaAddress,
    ) -> SolanaAddress {
        self.pda(&[b"signatures", message_id, &epoch.to_be_bytes(), &payer.0])
    }
    /// `["proposal", proposal id (u64 BE)]`.
    pub fn proposal(&self, proposal_id: u64) -> SolanaAddress {
        self.pda(&[b"proposal", &proposal_id.to_be_bytes()])
    }
}
