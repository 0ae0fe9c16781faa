//! EVM and Solana address parsing never panics, and the canonical form parses back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trestle_core::evm::EvmAddress;
use trestle_core::solana::SolanaAddress;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(a) = EvmAddress::parse(text) {
        assert_eq!(EvmAddress::parse(&a.to_checksum()).expect("checksummed parses"), a);
    }
    if let Ok(a) = SolanaAddress::parse(text) {
        assert_eq!(SolanaAddress::parse(&a.to_string()).expect("base58 parses"), a);
        let _ = a.is_on_curve();
    }
});
