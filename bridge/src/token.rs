//! Token ids: `keccak256(home domain (u32) || home token (bytes32))`.

use trestle_core::chain::UniversalAddress;
use trestle_core::evm::keccak256;

/// The home-token sentinel for native ether: `0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE`
/// left-padded to 32 bytes (never the zero address).
pub const NATIVE_TOKEN: UniversalAddress = UniversalAddress([
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
    0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
]);

/// The id of a token: `keccak256(home_domain.to_be_bytes() || home_token)`, where the home token
/// is the ERC-20 address (left-padded) or SPL mint on the token's home chain, or
/// [`NATIVE_TOKEN`] for native ether.
pub fn token_id(home_domain: u32, home_token: &UniversalAddress) -> [u8; 32] {
    let mut buf = [0u8; 36];
    let (domain, token) = buf.split_at_mut(4);
    domain.copy_from_slice(&home_domain.to_be_bytes());
    token.copy_from_slice(home_token.as_bytes());
    keccak256(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_sentinel_and_layout() {
        assert_eq!(
            NATIVE_TOKEN.to_evm().unwrap(),
            [0xee; 20],
            "the sentinel is 0xEeee...EEeE"
        );
        let mut buf = vec![0, 0, 0, 5];
        buf.extend_from_slice(NATIVE_TOKEN.as_bytes());
        assert_eq!(token_id(5, &NATIVE_TOKEN), keccak256(&buf));
    }
}
