//! Amounts as people write them: `1.5` tokens of a token with `decimals` decimals, exactly.

use trestle_core::chain::U256;

use crate::error::{Error, Result};

/// Parses `text` as an amount of a token with `decimals` decimals into base units:
/// `parse_units("1.5", 18)` is 1.5 × 10^18. Refuses signs, exponents, empty parts, more
/// fractional digits than `decimals` (no silent rounding), zero and overflow.
pub fn parse_units(text: &str, decimals: u8) -> Result<U256> {
    let bad = |reason: &str| Error::input("amount", format!("`{text}`: {reason}"));
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(bad("not a number"));
    }
    if !whole
        .bytes()
        .chain(frac.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return Err(bad("only digits and one decimal point are allowed"));
    }
    if t.ends_with('.') {
        return Err(bad("no digits after the decimal point"));
    }
    if frac.len() > usize::from(decimals) {
        return Err(bad(&format!(
            "more than {decimals} decimal places (the token's precision)"
        )));
    }
    let digits = format!("{whole}{frac:0<width$}", width = usize::from(decimals));
    let value = U256::from_str_radix(&digits, 10).map_err(|_| bad("too large"))?;
    if value.is_zero() {
        return Err(bad("must not be zero"));
    }
    Ok(value)
}

/// Parses `text` as an integer amount of base units (decimal, or `0x` hex). Refuses zero.
pub fn parse_base_units(text: &str) -> Result<U256> {
    let bad = |reason: &str| Error::input("amount", format!("`{text}`: {reason}"));
    let t = text.trim();
    let value = match t.strip_prefix("0x") {
        Some(hex) if !hex.is_empty() => U256::from_str_radix(hex, 16),
        _ if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => U256::from_str_radix(t, 10),
        _ => return Err(bad("not an integer of base units")),
    }
    .map_err(|_| bad("too large"))?;
    if value.is_zero() {
        return Err(bad("must not be zero"));
    }
    Ok(value)
}

/// `value` base units of a token with `decimals` decimals as people write it, exactly:
/// `format_units(1_500_000_000_000_000_000, 18)` is `1.5`, trailing zeros dropped.
pub fn format_units(value: U256, decimals: u8) -> String {
    let digits = value.to_string();
    let places = usize::from(decimals);
    if places == 0 {
        return digits;
    }
    let padded = format!("{digits:0>width$}", width = places + 1);
    let (whole, frac) = padded.split_at(padded.len() - places);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_units_is_exact_and_round_trips() {
        assert_eq!(
            format_units(U256::from(1_500_000_000_000_000_000u128), 18),
            "1.5"
        );
        assert_eq!(
            format_units(U256::from(197_000_000_000_000u128), 18),
            "0.000197"
        );
        assert_eq!(format_units(U256::ZERO, 9), "0");
        assert_eq!(format_units(U256::from(5u8), 0), "5");
        assert_eq!(format_units(U256::from(2_000_000_000u64), 9), "2");
        for (text, decimals) in [("0.000000000000000001", 18u8), ("123.456", 6), ("7", 9)] {
            let v = parse_units(text, decimals).unwrap();
            assert_eq!(format_units(v, decimals), text);
        }
    }

    #[test]
    fn decimal_amounts_scale_exactly() {
        let e18 = U256::from(10u64.pow(18));
        assert_eq!(parse_units("1", 18).unwrap(), e18);
        assert_eq!(
            parse_units("1.5", 18).unwrap(),
            e18 * U256::from(3) / U256::from(2)
        );
        assert_eq!(parse_units("0.000001", 6).unwrap(), U256::from(1));
        assert_eq!(parse_units(".5", 1).unwrap(), U256::from(5));
        assert_eq!(parse_units("42", 0).unwrap(), U256::from(42));
    }

    #[test]
    fn bad_amounts_say_why() {
        for (text, decimals, why) in [
            ("", 18, "not a number"),
            ("-1", 18, "only digits"),
            ("1e18", 18, "only digits"),
            ("1.2.3", 18, "only digits"),
            ("1.", 18, "no digits after"),
            ("0.0000001", 6, "more than 6 decimal places"),
            ("0", 18, "must not be zero"),
            ("abc", 18, "only digits"),
            (&"9".repeat(90), 0, "too large"),
        ] {
            let e = parse_units(text, decimals).unwrap_err().to_string();
            assert!(e.contains(why), "{text}: {e}");
            assert!(e.starts_with("invalid amount"), "{e}");
        }
        assert_eq!(parse_base_units("1000").unwrap(), U256::from(1000));
        assert_eq!(parse_base_units("0x10").unwrap(), U256::from(16));
        assert!(parse_base_units("1.5").is_err());
        assert!(parse_base_units("0").is_err());
        assert!(parse_base_units("0x").is_err());
    }
}
