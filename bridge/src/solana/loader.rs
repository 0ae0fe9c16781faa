//! The upgradeable BPF loader's instructions the bridge's upgrade procedure uses
//! (`contracts/solana/README.md`, "Upgrades"): handing the program's upgrade authority to the
//! bridge's `["upgrade_authority"]` PDA, preparing a buffer whose authority is that PDA, the
//! code hash an `Upgrade` proposal names, and reading a program-data account. After the
//! hand-over the program is upgraded only through the timelocked `Upgrade` action
//! ([`crate::solana::admin::Action::Upgrade`]).
//!
//! The loader's instructions are bincode enums: a `u32` little-endian tag, then the fields.

use sha2::{Digest, Sha256};
use trestle_core::solana::SolanaAddress;
use trestle_core::solana::address::{SYSVAR_CLOCK_ID, SYSVAR_RENT_ID};
use trestle_core::solana::instruction::{AccountMeta, Instruction};

use crate::error::{Error, Result};
use crate::solana::BridgeProgram;

/// The upgradeable BPF loader (`BPFLoaderUpgradeab1e11111111111111111111111`).
pub const BPF_LOADER_UPGRADEABLE_ID: SolanaAddress = SolanaAddress([
    2, 168, 246, 145, 78, 136, 161, 176, 226, 16, 21, 62, 247, 99, 174, 43, 0, 194, 185, 61, 22,
    193, 36, 210, 192, 83, 122, 16, 4, 128, 0, 0,
]);

/// Bytes of a buffer account before the program: state tag `Buffer` (u32) and
/// `Option<Pubkey>` authority.
pub const BUFFER_METADATA_LEN: usize = 37;
/// Bytes of a program-data account before the program: state tag `ProgramData` (u32), the
/// slot (u64) and `Option<Pubkey>` authority.
pub const PROGRAM_DATA_METADATA_LEN: usize = 45;

/// The `code_hash` of an `Upgrade` from a buffer holding exactly `program` after its header
/// (a buffer allocated to [`BUFFER_METADATA_LEN`] + `program.len()`, as `solana program
/// write-buffer` and the README's procedure make it): `sha256(program)`.
pub fn code_hash(program: &[u8]) -> [u8; 32] {
    Sha256::digest(program).into()
}

/// The `code_hash` of an `Upgrade` from the buffer account whose data is `buffer_data`:
/// sha256 of everything after its [`BUFFER_METADATA_LEN`]-byte header (trailing bytes of an
/// oversized buffer included: the loader deploys them too). Refuses data that is not a loader
/// buffer.
pub fn buffer_code_hash(buffer_data: &[u8]) -> Result<[u8; 32]> {
    match buffer_data.split_at_checked(BUFFER_METADATA_LEN) {
        Some((header, program)) if header.starts_with(&1u32.to_le_bytes()) => {
            Ok(code_hash(program))
        }
        _ => Err(Error::InvalidAccount {
            account: "Buffer",
            reason: "not an upgradeable-loader buffer".to_owned(),
        }),
    }
}

/// `InitializeBuffer` (tag 0): `buffer` (writable, already allocated to
/// [`BUFFER_METADATA_LEN`] + the program's length and owned by the loader) gets `authority`.
pub fn initialize_buffer(buffer: &SolanaAddress, authority: &SolanaAddress) -> Instruction {
    Instruction {
        program_id: BPF_LOADER_UPGRADEABLE_ID,
        accounts: vec![
            AccountMeta::new(*buffer, false),
            AccountMeta::new_readonly(*authority, false),
        ],
        data: 0u32.to_le_bytes().to_vec(),
    }
}

/// `Write` (tag 1): `bytes` at `offset` of the program in `buffer`, signed by its authority.
pub fn write(
    buffer: &SolanaAddress,
    authority: &SolanaAddress,
    offset: u32,
    bytes: &[u8],
) -> Instruction {
    let mut data = 1u32.to_le_bytes().to_vec();
    data.extend_from_slice(&offset.to_le_bytes());
    data.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    data.extend_from_slice(bytes);
    Instruction {
        program_id: BPF_LOADER_UPGRADEABLE_ID,
        accounts: vec![
            AccountMeta::new(*buffer, false),
            AccountMeta::new_readonly(*authority, true),
        ],
        data,
    }
}

/// `Upgrade` (tag 3) of `program` from `buffer`, signed by the program's upgrade authority
/// `authority` (a key; after the hand-over only the bridge can sign it, through `Upgrade`).
pub fn upgrade(
    program: &SolanaAddress,
    buffer: &SolanaAddress,
    spill: &SolanaAddress,
    authority: &SolanaAddress,
) -> Instruction {
    Instruction {
        program_id: BPF_LOADER_UPGRADEABLE_ID,
        accounts: vec![
            AccountMeta::new(program_data_of(program), false),
            AccountMeta::new(*program, false),
            AccountMeta::new(*buffer, false),
            AccountMeta::new(*spill, false),
            AccountMeta::new_readonly(SYSVAR_RENT_ID, false),
            AccountMeta::new_readonly(SYSVAR_CLOCK_ID, false),
            AccountMeta::new_readonly(*authority, true),
        ],
        data: 3u32.to_le_bytes().to_vec(),
    }
}

/// `SetAuthority` (tag 4): `account` (a program-data or buffer account) passes from
/// `current` (signer) to `new` (which need not sign).
pub fn set_authority(
    account: &SolanaAddress,
    current: &SolanaAddress,
    new: &SolanaAddress,
) -> Instruction {
    Instruction {
        program_id: BPF_LOADER_UPGRADEABLE_ID,
        accounts: vec![
            AccountMeta::new(*account, false),
            AccountMeta::new_readonly(*current, true),
            AccountMeta::new_readonly(*new, false),
        ],
        data: 4u32.to_le_bytes().to_vec(),
    }
}

/// The program-data account of `program` (`[program id]` under the loader).
pub fn program_data_of(program: &SolanaAddress) -> SolanaAddress {
    SolanaAddress::find_program_address(&[&program.0], &BPF_LOADER_UPGRADEABLE_ID)
        .map(|(a, _)| a)
        .unwrap_or(SolanaAddress([0; 32]))
}

impl BridgeProgram {
    /// The hand-over: the program's upgrade authority `current` gives it to the bridge's
    /// `["upgrade_authority"]` PDA (after `initialize`, which needs the key).
    pub fn hand_over_upgrade_authority(&self, current: &SolanaAddress) -> Instruction {
        set_authority(&self.program_data(), current, &self.upgrade_authority())
    }

    /// A buffer's authority `current` gives it to the bridge's `["upgrade_authority"]` PDA, so
    /// that an `Upgrade` proposal can use it.
    pub fn hand_over_buffer(&self, buffer: &SolanaAddress, current: &SolanaAddress) -> Instruction {
        set_authority(buffer, current, &self.upgrade_authority())
    }
}

/// A program-data account's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramData {
    /// The slot of the last deployment or upgrade.
    pub slot: u64,
    /// Who may upgrade (`None`: immutable).
    pub upgrade_authority: Option<SolanaAddress>,
}

impl ProgramData {
    /// Decodes the header of a program-data account's data.
    pub fn decode(data: &[u8]) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidAccount {
            account: "ProgramData",
            reason: reason.to_owned(),
        };
        let header = data
            .get(..PROGRAM_DATA_METADATA_LEN)
            .ok_or_else(|| invalid("shorter than its 45-byte header"))?;
        let (tag, rest) = header.split_at(4);
        if tag != 3u32.to_le_bytes() {
            return Err(invalid("not in the ProgramData state"));
        }
        let (slot, rest) = rest.split_at(8);
        let mut slot_bytes = [0u8; 8];
        slot_bytes.copy_from_slice(slot);
        let (option, key) = rest.split_at(1);
        let upgrade_authority = match option {
            [0] => None,
            [1] => {
                let mut k = [0u8; 32];
                k.copy_from_slice(key);
                Some(SolanaAddress(k))
            }
            _ => return Err(invalid("authority is not an Option")),
        };
        Ok(Self {
            slot: u64::from_le_bytes(slot_bytes),
            upgrade_authority,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_data_header_decodes() {
        let mut data = 3u32.to_le_bytes().to_vec();
        data.extend_from_slice(&77u64.to_le_bytes());
        data.push(1);
        data.extend_from_slice(&[5; 32]);
        data.extend_from_slice(b"\x7fELF");
        let pd = ProgramData::decode(&data).unwrap();
        assert_eq!(pd.slot, 77);
        assert_eq!(pd.upgrade_authority, Some(SolanaAddress([5; 32])));
        data[12] = 0;
        assert_eq!(ProgramData::decode(&data).unwrap().upgrade_authority, None);
        data[12] = 2;
        assert!(ProgramData::decode(&data).is_err());
        data[0] = 2;
        assert!(ProgramData::decode(&data).is_err());
        assert!(ProgramData::decode(&data[..40]).is_err());
    }

    #[test]
    fn code_hashes_are_sha256_of_the_program_bytes() {
        // sha256("abc")
        let abc = [
            0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
            0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
            0xf2, 0x00, 0x15, 0xad,
        ];
        assert_eq!(code_hash(b"abc"), abc);
        let mut buffer = 1u32.to_le_bytes().to_vec();
        buffer.push(1);
        buffer.extend_from_slice(&[5; 32]);
        buffer.extend_from_slice(b"abc");
        assert_eq!(buffer_code_hash(&buffer).unwrap(), abc);
        assert!(buffer_code_hash(&buffer[..36]).is_err());
        buffer[0] = 3;
        assert!(buffer_code_hash(&buffer).is_err());
    }

    #[test]
    fn the_hand_over_names_the_bridge_pda() {
        let p = BridgeProgram::new(SolanaAddress([7; 32]));
        let ix = p.hand_over_upgrade_authority(&SolanaAddress([1; 32]));
        assert_eq!(ix.data, vec![4, 0, 0, 0]);
        assert_eq!(ix.accounts[0].pubkey, p.program_data());
        assert_eq!(ix.accounts[2].pubkey, p.upgrade_authority());
        assert!(ix.accounts[1].is_signer && !ix.accounts[2].is_signer);
    }
}
