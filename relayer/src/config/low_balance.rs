//! `[[chains]] low_balance`: the balance of the relayer's submitting key on a destination
//! below which the daemon warns, written in the chain's native unit as a decimal string
//! (ether on EVM chains, SOL on Solana) and parsed exactly into base units (wei, lamports).

/// Decimals of the native unit of an EVM chain (ether -> wei).
pub const EVM_DECIMALS: u32 = 18;
/// Decimals of SOL (-> lamports).
pub const SOLANA_DECIMALS: u32 = 9;

/// Parses a non-negative decimal amount such as `"0.5"` or `"12"` into base units with
/// `decimals` fractional digits, exactly (no floating point). Refuses signs, exponents,
/// empty parts, more fractional digits than `decimals` and amounts above `u128::MAX`.
pub fn parse_amount(text: &str, decimals: u32) -> Result<u128, String> {
    let bad = |why: &str| format!("`{text}` is not an amount: {why}");
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) {
        return Err(bad("write a decimal number such as \"0.5\""));
    }
    let frac = frac.unwrap_or("");
    if text.contains('.') && !digits(frac) {
        return Err(bad("digits must follow the decimal point"));
    }
    let places = u32::try_from(frac.len()).unwrap_or(u32::MAX);
    if places > decimals {
        return Err(bad(&format!("at most {decimals} decimal places")));
    }
    let too_large = || bad("too large");
    let scale = 10u128.checked_pow(decimals).ok_or_else(too_large)?;
    let whole: u128 = whole.parse().map_err(|_| too_large())?;
    let frac_units: u128 = if frac.is_empty() {
        0
    } else {
        let f: u128 = frac.parse().map_err(|_| too_large())?;
        f.checked_mul(10u128.pow(decimals - places))
            .ok_or_else(too_large)?
    };
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac_units))
        .ok_or_else(too_large)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly() {
        assert_eq!(parse_amount("0.5", 18), Ok(500_000_000_000_000_000));
        assert_eq!(parse_amount("1", 18), Ok(1_000_000_000_000_000_000));
        assert_eq!(parse_amount("0.000000000000000001", 18), Ok(1));
        assert_eq!(parse_amount("2.25", 9), Ok(2_250_000_000));
        assert_eq!(parse_amount("0", 9), Ok(0));
        assert_eq!(parse_amount("007.10", 9), Ok(7_100_000_000));
        // 0.1 is not representable in binary floating point; here it is exact.
        assert_eq!(parse_amount("0.1", 18), Ok(100_000_000_000_000_000));
    }

    #[test]
    fn bad_amounts_are_refused_with_a_reason() {
        for text in [
            "", ".", "1.", ".5", "-1", "+1", "1e18", "0,5", " 1", "1.2.3", "abc",
        ] {
            let e = parse_amount(text, 18).unwrap_err();
            assert!(e.contains(&format!("`{text}`")), "{text}: {e}");
        }
        assert!(
            parse_amount("0.0000000001", 9)
                .unwrap_err()
                .contains("at most 9 decimal places")
        );
        assert!(
            parse_amount("999999999999999999999999", 18)
                .unwrap_err()
                .contains("too large")
        );
    }
}
