//! Builders of the instructions a relayer sends to the program: `deliver` (inline signatures or
//! a staged set), `post_signatures` (staging a set in chunks), `execute_queued` (paying out a
//! queued transfer) and `execute_message` (handing an arbitrary message to its recipient
//! program, with the compute-unit limit its transaction needs), each with the accounts of the
//! IDL in its order.
//!
//! Optional accounts the program does not use are passed as the program id (read-only), as
//! Anchor clients do: the staged signature set of an inline `deliver`, and the vault of a
//! bridged mint.

use trestle_core::solana::SolanaAddress;
use trestle_core::solana::address::{
    SYSTEM_PROGRAM_ID, SYSVAR_CLOCK_ID, SYSVAR_INSTRUCTIONS_ID, TOKEN_PROGRAM_ID,
};
use trestle_core::solana::instruction::{
    AccountMeta, Instruction, create_associated_token_account_idempotent,
    get_associated_token_address,
};

use super::send::TokenKind;
use super::{Args, BridgeProgram, ReceiptKey};
use crate::body::Body;
use crate::error::{Error, Result};
use crate::message::Message;

/// An upper bound of the compute units `execute_message` (and the compute-budget instructions
/// before it) spends before the recipient runs, besides the messenger PDA search and the CPI's
/// account-data charge: the program's `EXECUTE_MESSAGE_BASE_CU`.
pub const EXECUTE_MESSAGE_BASE_CU: u64 = 25_000;
/// Compute units per bump a PDA search tries.
pub const PDA_TRY_CU: u64 = 1_500;
/// Bytes of account data a CPI charges one compute unit for.
pub const CPI_BYTES_PER_CU: u64 = 250;
/// The most compute units a transaction can have.
pub const MAX_COMPUTE_UNIT_LIMIT: u64 = 1_400_000;

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

    /// The payout accounts as `deliver` and `execute_queued` list them for a transfer from
    /// `origin`: `token_config`, `route` (the token's route from `origin`), `mint`, `vault`,
    /// `beneficiary_token`, `authority`, `token_program`.
    pub fn accounts(&self, program: &BridgeProgram, origin: u32) -> Result<Vec<AccountMeta>> {
        let vault = match self.kind {
            TokenKind::Home => AccountMeta::new(program.vault(&self.mint), false),
            TokenKind::Bridged => AccountMeta::new_readonly(program.id, false),
        };
        Ok(vec![
            AccountMeta::new_readonly(program.token(&self.token_id), false),
            AccountMeta::new(program.route(&self.token_id, origin), false),
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

/// The `deliver` instruction of `message` paid by `payer`. `origin_bridge` is the origin
/// remote's bridge as the program stores it (`Remote::bridge`): it keys the receipt. A token
/// transfer needs its `payout` accounts; an arbitrary message takes none (a `payout` given for
/// it is ignored).
pub fn deliver(
    program: &BridgeProgram,
    payer: &SolanaAddress,
    message: &Message,
    origin_bridge: &[u8; 32],
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
    let key = ReceiptKey::of(message, origin_bridge);
    let mut accounts = vec![
        AccountMeta::new(*payer, true),
        AccountMeta::new_readonly(program.config(), false),
        AccountMeta::new_readonly(program.remote(message.origin), false),
        AccountMeta::new(program.receipt(&key), false),
        set,
        AccountMeta::new_readonly(SYSVAR_CLOCK_ID, false),
        AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
    ];
    if transfer_of(message)?.is_some()
        && let Some(payout) = payout
    {
        accounts.extend(payout.accounts(program, message.origin)?);
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

/// The `execute_queued(origin, origin_bridge, nonce)` instruction paying out the queued
/// transfer of `key` to `payout`.
pub fn execute_queued(
    program: &BridgeProgram,
    key: &ReceiptKey,
    payout: &Payout,
) -> Result<Instruction> {
    let mut accounts = vec![
        AccountMeta::new_readonly(program.config(), false),
        AccountMeta::new(program.receipt(key), false),
        AccountMeta::new_readonly(SYSVAR_CLOCK_ID, false),
    ];
    accounts.extend(payout.accounts(program, key.origin)?);
    let data = key.encode(Args::instruction("execute_queued")).into_data();
    Ok(Instruction {
        program_id: program.id,
        accounts,
        data,
    })
}

/// The `execute_message` instruction handing the delivered arbitrary `message` (from an origin
/// whose bridge was `origin_bridge`) to its recipient program (the message's recipient), with
/// `passthrough` accounts (at most 16; they reach the recipient after its messenger, never
/// signing). It must be its transaction's last instruction, with only compute-budget
/// instructions before it (the program refuses any instruction after it, a compute-budget one
/// included, with `InsufficientCompute`: the runtime applies a `SetComputeUnitLimit` wherever it
/// sits), and a compute-unit limit of at least [`execute_message_compute_limit`].
pub fn execute_message(
    program: &BridgeProgram,
    message: &Message,
    origin_bridge: &[u8; 32],
    passthrough: &[AccountMeta],
) -> Instruction {
    let recipient = SolanaAddress(message.recipient.0);
    let mut accounts = vec![
        AccountMeta::new_readonly(program.config(), false),
        AccountMeta::new(
            program.receipt(&ReceiptKey::of(message, origin_bridge)),
            false,
        ),
        AccountMeta::new_readonly(program.messenger(&recipient), false),
        AccountMeta::new_readonly(recipient, false),
        AccountMeta::new_readonly(SYSVAR_INSTRUCTIONS_ID, false),
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

/// The compute-unit limit (`SetComputeUnitLimit`) an `execute_message` transaction of
/// `message` needs so that its recipient gets the message's gas limit, when the pass-through
/// accounts hold `passthrough_data` bytes of account data in all: the gas limit, plus
/// [`EXECUTE_MESSAGE_BASE_CU`], plus [`PDA_TRY_CU`] per bump the search for the recipient's
/// messenger tries, plus one unit per [`CPI_BYTES_PER_CU`] bytes of pass-through data (the
/// program's rule, which refuses less with `InsufficientCompute`). Refuses a token transfer and
/// a limit above [`MAX_COMPUTE_UNIT_LIMIT`] (such a message can never execute).
pub fn execute_message_compute_limit(
    program: &BridgeProgram,
    message: &Message,
    passthrough_data: u64,
) -> Result<u32> {
    let Body::Message { gas_limit, .. } = Body::decode(&message.body)? else {
        return Err(Error::InvalidInstruction {
            what: "execute_message",
            reason: "a token transfer is not an arbitrary message".to_owned(),
        });
    };
    let (_, bump) = program.messenger_and_bump(&SolanaAddress(message.recipient.0));
    let limit = gas_limit
        .saturating_add(EXECUTE_MESSAGE_BASE_CU)
        .saturating_add(PDA_TRY_CU * (256 - u64::from(bump)))
        .saturating_add(passthrough_data / CPI_BYTES_PER_CU);
    if limit > MAX_COMPUTE_UNIT_LIMIT {
        return Err(Error::InvalidInstruction {
            what: "execute_message",
            reason: format!(
                "needs {limit} compute units, above the {MAX_COMPUTE_UNIT_LIMIT} a transaction can have"
            ),
        });
    }
    u32::try_from(limit).map_err(|_| Error::InvalidInstruction {
        what: "execute_message",
        reason: format!("{limit} compute units do not fit a u32"),
    })
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

    const BRIDGE: [u8; 32] = [0xb1; 32];

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
            &BRIDGE,
            &Signatures::Inline(sigs.clone()),
            Some(&payout(TokenKind::Bridged)),
        )
        .unwrap();
        let ata = payout(TokenKind::Bridged).beneficiary_token().unwrap();
        let key = ReceiptKey {
            origin: 1,
            origin_bridge: BRIDGE,
            nonce: 3,
        };
        assert_eq!(
            keys(&ix),
            vec![
                (payer, true, true),
                (p.config(), false, false),
                (p.remote(1), false, false),
                (p.receipt(&key), false, true),
                (p.id, false, false),
                (SYSVAR_CLOCK_ID, false, false),
                (SYSTEM_PROGRAM_ID, false, false),
                (p.token(&[7; 32]), false, false),
                (p.route(&[7; 32], 1), false, true),
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
        // The receipt is keyed by the origin bridge given.
        let other = deliver(
            &p,
            &payer,
            &message,
            &[0xb2; 32],
            &Signatures::Inline(sigs),
            None,
        )
        .unwrap();
        assert_ne!(other.accounts[3], ix.accounts[3]);
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
            &BRIDGE,
            &Signatures::Staged { epoch: 5 },
            Some(&payout(TokenKind::Home)),
        )
        .unwrap();
        assert_eq!(
            ix.accounts[4].pubkey,
            p.signature_set(&message.id(), 5, &payer)
        );
        assert!(ix.accounts[4].is_writable);
        assert_eq!(ix.accounts[10].pubkey, p.vault(&SolanaAddress([8; 32])));
        assert!(ix.accounts[10].is_writable);
        assert_eq!(&ix.data[ix.data.len() - 4..], &[0, 0, 0, 0]);
    }

    fn arbitrary(gas_limit: u64) -> Message {
        Message::new(
            0,
            1,
            UniversalAddress([1; 32]),
            2,
            UniversalAddress([6; 32]),
            Body::message(gas_limit, b"hi".to_vec()).encode(),
        )
        .unwrap()
    }

    #[test]
    fn an_arbitrary_message_has_no_payout_accounts_and_its_own_messenger() {
        let p = program();
        let message = arbitrary(1);
        let ix = deliver(
            &p,
            &SolanaAddress([4; 32]),
            &message,
            &BRIDGE,
            &Signatures::Inline(vec![]),
            Some(&payout(TokenKind::Home)),
        )
        .unwrap();
        assert_eq!(ix.accounts.len(), 7);
        let exec = execute_message(
            &p,
            &message,
            &BRIDGE,
            &[AccountMeta::new(SolanaAddress([3; 32]), false)],
        );
        assert_eq!(
            keys(&exec),
            vec![
                (p.config(), false, false),
                (p.receipt(&ReceiptKey::of(&message, &BRIDGE)), false, true),
                (p.messenger(&SolanaAddress([6; 32])), false, false),
                (SolanaAddress([6; 32]), false, false),
                (SYSVAR_INSTRUCTIONS_ID, false, false),
                (SolanaAddress([3; 32]), false, true),
            ]
        );
        assert_eq!(&exec.data[..8], &[252, 138, 50, 12, 225, 130, 152, 6]);
    }

    #[test]
    fn execute_message_compute_limit_covers_the_gas_and_the_instruction() {
        let p = program();
        let message = arbitrary(300_000);
        let (_, bump) = p.messenger_and_bump(&SolanaAddress([6; 32]));
        let base = 300_000 + EXECUTE_MESSAGE_BASE_CU + PDA_TRY_CU * (256 - u64::from(bump));
        assert_eq!(
            u64::from(execute_message_compute_limit(&p, &message, 0).unwrap()),
            base
        );
        assert_eq!(
            u64::from(execute_message_compute_limit(&p, &message, 2_500).unwrap()),
            base + 10
        );
        // A gas limit no transaction can give, and a token transfer.
        assert!(execute_message_compute_limit(&p, &arbitrary(1_390_000), 0).is_err());
        assert!(execute_message_compute_limit(&p, &transfer(), 0).is_err());
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

        let key = ReceiptKey {
            origin: 9,
            origin_bridge: BRIDGE,
            nonce: 4,
        };
        let q = execute_queued(&p, &key, &payout(TokenKind::Home)).unwrap();
        assert_eq!(q.accounts.len(), 10);
        assert_eq!(q.accounts[1].pubkey, p.receipt(&key));
        assert_eq!(q.accounts[3].pubkey, p.token(&[7; 32]));
        assert_eq!(q.accounts[4].pubkey, p.route(&[7; 32], 9));
        assert_eq!(&q.data[..8], &[46, 222, 101, 163, 190, 174, 15, 137]);
        assert_eq!(&q.data[8..12], &9u32.to_le_bytes());
        assert_eq!(&q.data[12..44], &BRIDGE);
        assert_eq!(&q.data[44..], &4u64.to_le_bytes());
    }
}
