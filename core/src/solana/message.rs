//! Solana transaction messages, legacy and v0 (with address lookup tables): compiling them
//! from instructions exactly as solana-message does, and their wire format both ways.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::solana::address::SolanaAddress;
use crate::solana::compile::{CompiledKeys, LoadedKeys, compile_instructions};
use crate::solana::instruction::Instruction;
use crate::solana::wire::{Reader, write_bytes, write_compact_u16};

/// The high bit of a message's first byte marks a versioned message; the low bits are the
/// version.
pub const MESSAGE_VERSION_PREFIX: u8 = 0x80;
/// The most accounts a message may reference (static and looked-up): indexes are one byte.
pub const MAX_ACCOUNTS: usize = 256;

/// Parses a base58 blockhash (as `getLatestBlockhash` returns it). Refuses text that is not
/// base58 of exactly 32 bytes.
pub fn parse_blockhash(text: &str) -> Result<[u8; 32]> {
    crate::solana::address::decode_base58_32(text).map_err(|reason| {
        let shown: String = text.chars().take(64).collect();
        Error::InvalidSolanaMessage(format!("blockhash {shown:?}: {reason}"))
    })
}

/// Counts that split a message's static account keys into signer / writable groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct MessageHeader {
    /// How many signatures the transaction needs: the first this many keys sign.
    pub num_required_signatures: u8,
    /// How many of the signing keys (the last ones among them) are read-only.
    pub num_readonly_signed_accounts: u8,
    /// How many of the non-signing static keys (the last ones) are read-only.
    pub num_readonly_unsigned_accounts: u8,
}

/// An instruction whose program and accounts are indexes into the message's accounts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompiledInstruction {
    /// Index of the program id among the static account keys.
    pub program_id_index: u8,
    /// Indexes of the instruction's accounts.
    pub accounts: Vec<u8>,
    /// The instruction data.
    pub data: Vec<u8>,
}

/// A legacy message: every account is listed in the message itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Message {
    /// Signer and writability counts.
    pub header: MessageHeader,
    /// Every account, in wire order (fee payer first).
    pub account_keys: Vec<SolanaAddress>,
    /// The recent blockhash (or durable nonce) the transaction is valid for.
    pub recent_blockhash: [u8; 32],
    /// The instructions, with accounts as indexes.
    pub instructions: Vec<CompiledInstruction>,
}

/// An on-chain address lookup table as the caller fetched it: its address and contents.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AddressLookupTableAccount {
    /// The lookup table account's address.
    pub key: SolanaAddress,
    /// The addresses stored in the table, in order.
    pub addresses: Vec<SolanaAddress>,
}

/// The accounts a v0 message loads from one lookup table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageAddressTableLookup {
    /// The lookup table account's address.
    pub account_key: SolanaAddress,
    /// Indexes in the table of accounts loaded writable.
    pub writable_indexes: Vec<u8>,
    /// Indexes in the table of accounts loaded read-only.
    pub readonly_indexes: Vec<u8>,
}

/// A version-0 message: static keys plus keys loaded from address lookup tables. Instruction
/// indexes count the static keys, then every table's writable keys, then every table's
/// read-only keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct V0Message {
    /// Signer and writability counts (of the static keys).
    pub header: MessageHeader,
    /// The static account keys, in wire order (fee payer first).
    pub account_keys: Vec<SolanaAddress>,
    /// The recent blockhash (or durable nonce) the transaction is valid for.
    pub recent_blockhash: [u8; 32],
    /// The instructions, with accounts as indexes.
    pub instructions: Vec<CompiledInstruction>,
    /// The lookup tables used and which of their entries are loaded.
    pub address_table_lookups: Vec<MessageAddressTableLookup>,
}

/// A message of either format, as it appears inside a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VersionedMessage {
    /// A legacy message (no version prefix).
    Legacy(Message),
    /// A version-0 message (prefix `0x80`).
    V0(V0Message),
}

impl Message {
    /// Compiles `instructions` into a legacy message with the account order and header of
    /// solana-message's `Message::new_with_blockhash`. `payer`, when given, becomes the first
    /// account and a writable signer. Refuses instructions that need more than 256 accounts.
    pub fn try_compile(
        instructions: &[Instruction],
        payer: Option<&SolanaAddress>,
        recent_blockhash: [u8; 32],
    ) -> Result<Self> {
        let (header, account_keys) =
            CompiledKeys::compile(instructions, payer).into_components()?;
        let instructions =
            compile_instructions(instructions, &account_keys, &LoadedKeys::default())?;
        Ok(Self {
            header,
            account_keys,
            recent_blockhash,
            instructions,
        })
    }

    /// The addresses that must sign, in signature order.
    pub fn signers(&self) -> &[SolanaAddress] {
        signer_keys(&self.header, &self.account_keys)
    }

    /// The wire bytes (what signers sign). Refuses an array longer than 65,535 entries.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        write_body(
            &mut out,
            &self.header,
            &self.account_keys,
            &self.recent_blockhash,
            &self.instructions,
        )?;
        Ok(out)
    }
}

impl V0Message {
    /// Compiles `instructions` into a v0 message exactly as solana-message's
    /// `v0::Message::try_compile` does: each table in turn takes the remaining non-signer,
    /// non-program, non-nonce keys it contains (writable, then read-only, in address order).
    /// Refuses a lookup index or an account index above 255.
    pub fn try_compile(
        payer: &SolanaAddress,
        instructions: &[Instruction],
        address_lookup_tables: &[AddressLookupTableAccount],
        recent_blockhash: [u8; 32],
    ) -> Result<Self> {
        let mut keys = CompiledKeys::compile(instructions, Some(payer));
        let mut address_table_lookups = Vec::new();
        let mut loaded = LoadedKeys::default();
        for table in address_lookup_tables {
            if let Some((lookup, found)) = keys.extract_table_lookup(table)? {
                address_table_lookups.push(lookup);
                loaded.writable.extend(found.writable);
                loaded.readonly.extend(found.readonly);
            }
        }
        let (header, account_keys) = keys.into_components()?;
        let instructions = compile_instructions(instructions, &account_keys, &loaded)?;
        Ok(Self {
            header,
            account_keys,
            recent_blockhash,
            instructions,
            address_table_lookups,
        })
    }

    /// The addresses that must sign, in signature order.
    pub fn signers(&self) -> &[SolanaAddress] {
        signer_keys(&self.header, &self.account_keys)
    }

    /// The wire bytes (what signers sign): `0x80`, the legacy layout, then the lookups.
    /// Refuses an array longer than 65,535 entries.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        let mut out = vec![MESSAGE_VERSION_PREFIX];
        write_body(
            &mut out,
            &self.header,
            &self.account_keys,
            &self.recent_blockhash,
            &self.instructions,
        )?;
        write_compact_u16(
            &mut out,
            self.address_table_lookups.len(),
            "address table lookups",
        )?;
        for lookup in &self.address_table_lookups {
            out.extend_from_slice(lookup.account_key.as_bytes());
            write_bytes(
                &mut out,
                &lookup.writable_indexes,
                "writable lookup indexes",
            )?;
            write_bytes(
                &mut out,
                &lookup.readonly_indexes,
                "read-only lookup indexes",
            )?;
        }
        Ok(out)
    }
}

impl VersionedMessage {
    /// The header.
    pub fn header(&self) -> &MessageHeader {
        match self {
            Self::Legacy(m) => &m.header,
            Self::V0(m) => &m.header,
        }
    }

    /// The static account keys (for v0, without the looked-up ones).
    pub fn static_account_keys(&self) -> &[SolanaAddress] {
        match self {
            Self::Legacy(m) => &m.account_keys,
            Self::V0(m) => &m.account_keys,
        }
    }

    /// The recent blockhash (or durable nonce).
    pub fn recent_blockhash(&self) -> &[u8; 32] {
        match self {
            Self::Legacy(m) => &m.recent_blockhash,
            Self::V0(m) => &m.recent_blockhash,
        }
    }

    /// The compiled instructions.
    pub fn instructions(&self) -> &[CompiledInstruction] {
        match self {
            Self::Legacy(m) => &m.instructions,
            Self::V0(m) => &m.instructions,
        }
    }

    /// The addresses that must sign, in signature order.
    pub fn signers(&self) -> &[SolanaAddress] {
        signer_keys(self.header(), self.static_account_keys())
    }

    /// The wire bytes (what signers sign).
    pub fn serialize(&self) -> Result<Vec<u8>> {
        match self {
            Self::Legacy(m) => m.serialize(),
            Self::V0(m) => m.serialize(),
        }
    }

    /// Decodes a legacy or v0 message and checks it as the runtime's sanitizer does. Refuses
    /// truncated input, trailing bytes, unknown versions, header counts that do not fit the
    /// keys, a read-only fee payer, duplicate keys, more than 256 accounts, empty lookups and
    /// out-of-range program or account indexes.
    pub fn deserialize(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        let message = Self::read(&mut reader)?;
        reader.finish("message")?;
        Ok(message)
    }

    /// Reads one message from `reader` (no trailing-byte check).
    pub(crate) fn read(reader: &mut Reader<'_>) -> Result<Self> {
        let first = reader
            .peek()
            .ok_or_else(|| Error::InvalidSolanaMessage("empty message".to_owned()))?;
        let message = if first & MESSAGE_VERSION_PREFIX != 0 {
            let version = first & !MESSAGE_VERSION_PREFIX;
            if version != 0 {
                return Err(Error::InvalidSolanaMessage(format!(
                    "message version {version} is not supported (only legacy and v0)"
                )));
            }
            reader.u8("version prefix")?;
            let (header, account_keys, recent_blockhash, instructions) = read_body(reader)?;
            let count = reader.compact_u16("address table lookup count")?;
            let mut address_table_lookups = Vec::new();
            for _ in 0..count {
                address_table_lookups.push(MessageAddressTableLookup {
                    account_key: SolanaAddress(reader.array("lookup table address")?),
                    writable_indexes: reader.short_bytes("writable lookup indexes")?.to_vec(),
                    readonly_indexes: reader.short_bytes("read-only lookup indexes")?.to_vec(),
                });
            }
            Self::V0(V0Message {
                header,
                account_keys,
                recent_blockhash,
                instructions,
                address_table_lookups,
            })
        } else {
            let (header, account_keys, recent_blockhash, instructions) = read_body(reader)?;
            Self::Legacy(Message {
                header,
                account_keys,
                recent_blockhash,
                instructions,
            })
        };
        message.check()?;
        Ok(message)
    }

    /// The structural checks of solana-message's `sanitize`, plus duplicate keys.
    fn check(&self) -> Result<()> {
        let header = self.header();
        let keys = self.static_account_keys();
        let lookups: &[MessageAddressTableLookup] = match self {
            Self::Legacy(_) => &[],
            Self::V0(m) => &m.address_table_lookups,
        };
        let bad = |reason: String| Err(Error::InvalidSolanaMessage(reason));
        if keys.is_empty() {
            return bad("the message has no account keys".to_owned());
        }
        let required = usize::from(header.num_required_signatures);
        let readonly_unsigned = usize::from(header.num_readonly_unsigned_accounts);
        if required + readonly_unsigned > keys.len() {
            return bad(format!(
                "header claims {required} signers and {readonly_unsigned} read-only \
                 non-signers but the message has only {} account keys",
                keys.len()
            ));
        }
        if header.num_readonly_signed_accounts >= header.num_required_signatures {
            return bad(format!(
                "header claims {} read-only signers of {required} signers; the fee payer \
                 must be a writable signer",
                header.num_readonly_signed_accounts
            ));
        }
        let mut seen = HashSet::new();
        for key in keys {
            if !seen.insert(key) {
                return bad(format!("account {key} is listed twice"));
            }
        }
        let mut total = keys.len();
        for (i, lookup) in lookups.iter().enumerate() {
            let n = lookup.writable_indexes.len() + lookup.readonly_indexes.len();
            if n == 0 {
                return bad(format!(
                    "address table lookup {i} ({}) loads no accounts",
                    lookup.account_key
                ));
            }
            total += n;
        }
        if total > MAX_ACCOUNTS {
            return bad(format!(
                "the message references {total} accounts; at most {MAX_ACCOUNTS} are allowed"
            ));
        }
        for (i, ix) in self.instructions().iter().enumerate() {
            let program = usize::from(ix.program_id_index);
            if program == 0 {
                return bad(format!(
                    "instruction {i} calls the fee payer (account 0) as its program"
                ));
            }
            if program >= keys.len() {
                return bad(format!(
                    "instruction {i} has program index {program}, but there are only {} \
                     static account keys",
                    keys.len()
                ));
            }
            if let Some(account) = ix.accounts.iter().find(|a| usize::from(**a) >= total) {
                return bad(format!(
                    "instruction {i} references account index {account}, but the message has \
                     only {total} accounts"
                ));
            }
        }
        Ok(())
    }
}

impl From<Message> for VersionedMessage {
    fn from(message: Message) -> Self {
        Self::Legacy(message)
    }
}

impl From<V0Message> for VersionedMessage {
    fn from(message: V0Message) -> Self {
        Self::V0(message)
    }
}

fn signer_keys<'a>(header: &MessageHeader, keys: &'a [SolanaAddress]) -> &'a [SolanaAddress] {
    let n = usize::from(header.num_required_signatures).min(keys.len());
    keys.split_at(n).0
}

fn write_body(
    out: &mut Vec<u8>,
    header: &MessageHeader,
    keys: &[SolanaAddress],
    blockhash: &[u8; 32],
    instructions: &[CompiledInstruction],
) -> Result<()> {
    out.push(header.num_required_signatures);
    out.push(header.num_readonly_signed_accounts);
    out.push(header.num_readonly_unsigned_accounts);
    write_compact_u16(out, keys.len(), "account keys")?;
    for key in keys {
        out.extend_from_slice(key.as_bytes());
    }
    out.extend_from_slice(blockhash);
    write_compact_u16(out, instructions.len(), "instructions")?;
    for ix in instructions {
        out.push(ix.program_id_index);
        write_bytes(out, &ix.accounts, "instruction accounts")?;
        write_bytes(out, &ix.data, "instruction data")?;
    }
    Ok(())
}

type Body = (
    MessageHeader,
    Vec<SolanaAddress>,
    [u8; 32],
    Vec<CompiledInstruction>,
);

fn read_body(reader: &mut Reader<'_>) -> Result<Body> {
    let header = MessageHeader {
        num_required_signatures: reader.u8("header")?,
        num_readonly_signed_accounts: reader.u8("header")?,
        num_readonly_unsigned_accounts: reader.u8("header")?,
    };
    let keys = reader
        .short_arrays::<32>("account keys")?
        .into_iter()
        .map(SolanaAddress)
        .collect();
    let blockhash = reader.array("recent blockhash")?;
    let count = reader.compact_u16("instruction count")?;
    let mut instructions = Vec::new();
    for _ in 0..count {
        instructions.push(CompiledInstruction {
            program_id_index: reader.u8("instruction program index")?,
            accounts: reader.short_bytes("instruction accounts")?.to_vec(),
            data: reader.short_bytes("instruction data")?.to_vec(),
        });
    }
    Ok((header, keys, blockhash, instructions))
}
