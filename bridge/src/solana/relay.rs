//! Builders of the instructions a relayer sends to the program: `deliver` (inline signatures or
//! a staged set), `post_signatures` (staging a set in chunks), `execute_queued` (paying out a
//! queued transfer) and `execute_message` (handing an arbitrary message to its recipient
//! program), each with the accounts of the IDL in its order.
//!
//! Optional accounts the program does not use are passed as the program id (read-only), as
//! Anchor clients do: the staged signature set of an inline `deliver`, and the vault of a
//! bridged mint.

use trestle_core::solana::SolanaAddress;
use trestle_core::solana::address::{SYSTEM_PROGRAM_ID, SYSVAR_CLOCK_ID, TOKEN_PROGRAM_ID};
use trestle_core::solana::instruction::{
    AccountMeta, Instruction, create_associated_token_account_idempotent,
    get_associated_token_address,
};

use super::send::TokenKind;
use super::{Args, BridgeProgram};
use crate::body::Body;
use crate::error::{Error, Result};
use crate::message::Message;

/// Where a token transfer is paid: the token's mint on this chain and whether the bridge holds
/// it in a vault (home token) or mints it (bridged). Read from the token's `TokenConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Payout {
    /// The bridge token id (from the message body).
    pub token_id: [u8; 32],
    /// The SPL mint.
    pub mint: SolanaAddress,
    /// Home (released from the vault) or bridged (minted).
    pub kind: TokenKind,
    /// Who receives the tokens (the message body's beneficiary).
    pub beneficiary: SolanaAddress,
}

impl Payout {
    /// The beneficiary's associated token account of the mint (SPL Token), which the program
    /// pays into.
    pub fn beneficiary_token(&self) -> Result<SolanaAddress> {
        get_associated_token_address(&self.beneficiary, &self.mint, &TOKEN_PROGRAM_ID)
            .map_err(ata_error)
    }

    /// The idempotent instruction that creates the beneficiary's associated token account if
    /// it is missing, paid by `payer` (a transaction puts it before `deliver` or
    /// `execute_queued`).
    pub fn create_beneficiary_token(&self, payer: &SolanaAddress) -> Result<Instruction> {
        create_associated_token_account_idempotent(
            payer,
            &self.beneficiary,
            &self.mint,
            &TOKEN_PROGRAM_ID,
        )
        .map_err(ata_error)
    }

    /// The payout accounts as `deliver` and `execute_queued` list them: `token_config`,
    /// `mint`, `vault`, `beneficiary_token`, `authority`, `token_program`.
    fn accounts(&self, program: &BridgeProgram) -> Result<Vec<AccountMeta>> {
        let vault = match self.kind {
            TokenKind::Home => AccountMeta::new(program.vault(&self.mint), false),
            TokenKind::Bridged => AccountMeta::new_readonly(program.id, false),
        };
        Ok(vec![
            AccountMeta::new(program.token(&self.token_id), false),
            AccountMeta::new(self.mint, false),
            vault,
            AccountMeta::new(self.beneficiary_token()?, false),
            AccountMeta::new_readonly(program.authority(), false),
            AccountMeta::new_readonly(TOKEN_PROGRAM_ID, false),
        ])
    }
}

/// The associated token address is a PDA search, which fails only for off-curve-exhausted
/// seeds (probability ~2^-256); reported rather than unwrapped.
fn ata_error(e: trestle_core::Error) -> Error {
    Error::InvalidInstruction {
        what: "associated token account",
        reason: e.to_string(),
    }
}

/// The token id and beneficiary of a token-transfer message; `None` for an arbitrary message.
pub fn transfer_of(message: &Message) -> Result<Option<([u8; 32], SolanaAddress)>> {
    Ok(match Body::decode(&message.body)? {
        Body::TokenTransfer(t) => Some((t.token_id, SolanaAddress(t.beneficiary.0))),
        Body::Message { .. } => None,
    })
}

/// How `deliver` gets its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signatures {
    /// Inline: `r || s || v` per signer, strictly ascending by signer.
    Inline(Vec<u8>),
    /// Staged by `post_signatures` for this epoch by the same payer (closed by `deliver`).
    Staged {
        /// The epoch of the remote's set the signatures were made for.
        epoch: u64,
    },
}

/// The `deliver` instruction of `message` (encoded) paid by `payer`. A token transfer needs
/// its `payout` accounts; an arbitrary message takes none (a `payout` given for it is
/// ignored).
pub fn deliver(
    program: &BridgeProgram,
    payer: &SolanaAddress,
    message: &Message,
    signatures: &Signatures,
    payout: Option<&Payout>,
) -> Result<Instruction> {
    let encoded = message.encode();
    let id = message.id();
    let (set, inline): (AccountMeta, &[u8]) = match signatures {
        Signatures::Inline(bytes) => (AccountMeta::new_readonly(program.id, false), bytes),
        Signatures::Staged { epoch } => (
            AccountMeta::new(program.signature_set(&id, *epoch, payer), false),
            &[],
        ),
    };
    let mut accounts = vec![
        AccountMeta::new(*payer, true),
        AccountMeta::new_readonly(program.config(), false),
        AccountMeta::new_readonly(program.remote(message.origin), false),
        AccountMeta::new(program.receipt(&id), false),
        set,
        AccountMeta::new_readonly(SYSVAR_CLOCK_ID, false),
        AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
    ];
    if transfer_of(message)?.is_some()
        && let Some(payout) = payout
    {
        accounts.extend(payout.accounts(program)?);
    }
    let data = Args::instruction("deliver")
        .bytes(&encoded)
        .bytes(inline)
        .into_data();
    Ok(Instruction {
        program_id: program.id,
        accounts,
        data,
    })
}

/// The `post_signatures` instruction staging `signatures` (a chunk, strictly above the signers
/// staged before) for `message_id` from `origin` under `epoch`, paid by `payer`.
pub fn post_signatures(
    program: &BridgeProgram,
    payer: &SolanaAddress,
    message_id: &[u8; 32],
    origin: u32,
    epoch: u64,
    signatures: &[u8],
) -> Instruction {
    let accounts = vec![
        AccountMeta::new(*payer, true),
        AccountMeta::new_readonly(program.config(), false),
        AccountMeta::new_readonly(program.remote(origin), false),
        AccountMeta::new(program.signature_set(message_id, epoch, payer), false),
        AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
    ];
    let data = Args::instruction("post_signatures")
        .fixed(message_id)
        .u32(origin)
        .bytes(signatures)
        .into_data();
    Instruction {
        program_id: program.id,
        accounts,
        data,
    }
}

/// The `execute_queued` instruction paying out the queued transfer `message_id` to `payout`.
pub fn execute_queued(
    program: &BridgeProgram,
    message_id: &[u8; 32],
    payout: &Payout,
) -> Result<Instruction> {
    let mut accounts = vec![
        AccountMeta::new_readonly(program.config(), false),
        AccountMeta::new(program.receipt(message_id), false),
        AccountMeta::new_readonly(SYSVAR_CLOCK_ID, false),
    ];
    accounts.extend(payout.accounts(program)?);
    let data = Args::instruction("execute_queued")
        .fixed(message_id)
        .into_data();
    Ok(Instruction {
        program_id: program.id,
        accounts,
        data,
    })
}

/// The `execute_message` instruction handing the delivered arbitrary `message` to its
/// recipient program (the message's recipient), with `passthrough` accounts (at most 16) for
/// the recipient after the messenger.
pub fn execute_message(
    program: &BridgeProgram,
    message: &Message,
    passthrough: &[AccountMeta],
) -> Instruction {
    let id = message.id();
    let mut accounts = vec![
        AccountMeta::new_readonly(program.config(), false),
        AccountMeta::new(program.receipt(&id), false),
        AccountMeta::new_readonly(program.messenger(), false),
        AccountMeta::new_readonly(SolanaAddress(message.recipient.0), false),
    ];
    accounts.extend_from_slice(passthrough);
    let data = Args::instruction("execute_message")
        .bytes(&message.encode())
        .into_data();
    Instruction {
        program_id: program.id,
        accounts,
        data,
    }
}

#[cfg(test)]
mod tests {
    use trestle_core::chain::{U256, UniversalAddress};

    use super::*;
    use crate::body::TokenTransfer;
    use crate::solana::LOCAL_PROGRAM_ID;

    fn program() -> BridgeProgram {
        BridgeProgram::new(SolanaAddress::parse(LOCAL_PROGRAM_ID).unwrap())
    }

    fn transfer() -> Message {
        let body = Body::TokenTransfer(TokenTransfer {
            token_id: [7; 32],
            amount: U256::from(5u64),
            beneficiary: UniversalAddress([9; 32]),
        });
        Message::new(
            3,
            1,
            UniversalAddress([1; 32]),
            2,
            UniversalAddress(program().id.0),
            body.encode(),
        )
        .unwrap()
    }

    fn payout(kind: TokenKind) -> Payout {
        Payout {
            token_id: [7; 32],
            mint: SolanaAddress([8; 32]),
            kind,
            beneficiary: SolanaAddress([9; 32]),
        }
    }

    fn keys(ix: &Instruction) -> Vec<(SolanaAddress, bool, bool)> {
        ix.accounts
            .iter()
            .map(|m| (m.pubkey, m.is_signer, m.is_writable))
            .collect()
    }

    #[test]
    fn deliver_inline_lists_the_idl_accounts_in_order() {
        let p = program();
        let payer = SolanaAddress([4; 32]);
        let message = transfer();
        let sigs = vec![0xab; 130];
        let ix = deliver(
            &p,
            &payer,
            &message,
            &Signatures::Inline(sigs.clone()),
            Some(&payout(TokenKind::Bridged)),
        )
        .unwrap();
        let ata = payout(TokenKind::Bridged).beneficiary_token().unwrap();
        assert_eq!(
            keys(&ix),
            vec![
                (payer, true, true),
                (p.config(), false, false),
                (p.remote(1), false, false),
                (p.receipt(&message.id()), false, true),
                (p.id, false, false),
                (SYSVAR_CLOCK_ID, false, false),
                (SYSTEM_PROGRAM_ID, false, false),
                (p.token(&[7; 32]), false, true),
                (SolanaAddress([8; 32]), false, true),
                (p.id, false, false),
                (ata, false, true),
                (p.authority(), false, false),
                (TOKEN_PROGRAM_ID, false, false),
            ]
        );
        // The IDL's discriminator of `deliver`, then bytes(message), bytes(signatures).
        assert_eq!(&ix.data[..8], &[250, 131, 222, 57, 211, 229, 209, 147]);
        let encoded = message.encode();
        let n = encoded.len();
        assert_eq!(&ix.data[8..12], &(n as u32).to_le_bytes());
        assert_eq!(&ix.data[12..12 + n], encoded.as_slice());
        assert_eq!(&ix.data[12 + n..16 + n], &130u32.to_le_bytes());
        assert_eq!(&ix.data[16 + n..], sigs.as_slice());
    }

    #[test]
    fn deliver_staged_uses_the_signature_set_and_no_inline_bytes() {
        let p = program();
        let payer = SolanaAddress([4; 32]);
        let message = transfer();
        let ix = deliver(
            &p,
            &payer,
            &message,
            &Signatures::Staged { epoch: 5 },
            Some(&payout(TokenKind::Home)),
        )
        .unwrap();
        assert_eq!(
            ix.accounts[4].pubkey,
            p.signature_set(&message.id(), 5, &payer)
        );
        assert!(ix.accounts[4].is_writable);
        assert_eq!(ix.accounts[9].pubkey, p.vault(&SolanaAddress([8; 32])));
        assert!(ix.accounts[9].is_writable);
        assert_eq!(&ix.data[ix.data.len() - 4..], &[0, 0, 0, 0]);
    }

    #[test]
    fn deliver_of_an_arbitrary_message_has_no_payout_accounts() {
        let p = program();
        let message = Message::new(
            0,
            1,
            UniversalAddress([1; 32]),
            2,
            UniversalAddress([6; 32]),
            Body::message(1, b"hi".to_vec()).encode(),
        )
        .unwrap();
        let ix = deliver(
            &p,
            &SolanaAddress([4; 32]),
            &message,
            &Signatures::Inline(vec![]),
            Some(&payout(TokenKind::Home)),
        )
        .unwrap();
        assert_eq!(ix.accounts.len(), 7);
        let exec = execute_message(
            &p,
            &message,
            &[AccountMeta::new(SolanaAddress([3; 32]), false)],
        );
        assert_eq!(exec.accounts.len(), 5);
        assert_eq!(exec.accounts[3].pubkey, SolanaAddress([6; 32]));
        assert_eq!(exec.accounts[2].pubkey, p.messenger());
        assert_eq!(&exec.data[..8], &[252, 138, 50, 12, 225, 130, 152, 6]);
    }

    #[test]
    fn post_signatures_and_execute_queued_layouts() {
        let p = program();
        let payer = SolanaAddress([4; 32]);
        let ix = post_signatures(&p, &payer, &[2; 32], 9, 3, &[1; 65]);
        assert_eq!(
            keys(&ix),
            vec![
                (payer, true, true),
                (p.config(), false, false),
                (p.remote(9), false, false),
                (p.signature_set(&[2; 32], 3, &payer), false, true),
                (SYSTEM_PROGRAM_ID, false, false),
            ]
        );
        assert_eq!(&ix.data[..8], &[138, 2, 53, 166, 45, 77, 137, 51]);
        assert_eq!(&ix.data[8..40], &[2; 32]);
        assert_eq!(&ix.data[40..44], &9u32.to_le_bytes());
        assert_eq!(&ix.data[44..48], &65u32.to_le_bytes());
        assert_eq!(ix.data.len(), 48 + 65);

        let q = execute_queued(&p, &[2; 32], &payout(TokenKind::Home)).unwrap();
        assert_eq!(q.accounts.len(), 9);
        assert_eq!(q.accounts[1].pubkey, p.receipt(&[2; 32]));
        assert_eq!(q.accounts[3].pubkey, p.token(&[7; 32]));
        assert_eq!(&q.data[..8], &[46, 222, 101, 163, 190, 174, 15, 137]);
        assert_eq!(&q.data[8..], &[2; 32]);
    }
}
