//! Parsing of JSON-RPC quantities and byte strings, shared by transactions and typed data.
//!
//! Errors are plain strings; callers wrap them with the field or path they were parsing.

use ruint::aliases::U256;
use serde_json::Value;

/// Describes a JSON value's kind for error messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses an unsigned 256-bit integer written as `0x` hex (`0x` alone is refused), decimal
/// digits, or a non-negative JSON integer.
pub(crate) fn parse_u256(value: &Value) -> Result<U256, String> {
    match value {
        Value::String(s) => parse_u256_str(s),
        Value::Number(n) => match json_safe_integer(n)? {
            (true, magnitude) if magnitude != 0 => {
                Err(format!("negative value {n} for an unsigned quantity"))
            }
            (_, magnitude) => Ok(U256::from(magnitude)),
        },
        other => Err(format!(
            "expected a 0x-hex string, decimal string or integer, got {}",
            kind(other)
        )),
    }
}

/// The largest integer every JSON reader carries exactly: JavaScript's
/// `Number.MAX_SAFE_INTEGER`, `2^53 - 1`.
pub(crate) const MAX_SAFE_JSON_INT: u64 = (1 << 53) - 1;

/// A JSON number as `(negative, magnitude)`, refusing anything a JavaScript reader (MetaMask,
/// ethers, the dapp) would not read as the same integer: fractions, and magnitudes above
/// [`MAX_SAFE_JSON_INT`], which `JSON.parse` rounds to another number.
pub(crate) fn json_safe_integer(n: &serde_json::Number) -> Result<(bool, u64), String> {
    let parsed = if let Some(u) = n.as_u64() {
        Some((false, u))
    } else if let Some(i) = n.as_i64() {
        Some((i < 0, i.unsigned_abs()))
    } else {
        match n.as_f64() {
            // Exact below 2^53, so the cast is exact too.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Some(f) if f.fract() == 0.0 && f.abs() <= MAX_SAFE_JSON_INT as f64 => {
                Some((f < 0.0, f.abs() as u64))
            }
            _ => None,
        }
    };
    match parsed {
        Some((negative, magnitude)) if magnitude <= MAX_SAFE_JSON_INT => Ok((negative, magnitude)),
        _ => Err(format!(
            "{n} is not an integer a JSON number carries exactly (JavaScript reads numbers above \
             2^53 - 1 as a different value); pass a 0x-hex or decimal string"
        )),
    }
}

/// Parses the string forms of [`parse_u256`].
pub(crate) fn parse_u256_str(s: &str) -> Result<U256, String> {
    if s.starts_with('-') {
        return Err(format!("negative value {s:?} for an unsigned quantity"));
    }
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if hex.is_empty() {
            return Err("\"0x\" has no digits".into());
        }
        if let Some(c) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
            return Err(format!("{s:?} contains the non-hex character {c:?}"));
        }
        U256::from_str_radix(hex, 16).map_err(|_| format!("{s:?} exceeds 256 bits"))
    } else {
        if s.is_empty() {
            return Err("empty string is not a number".into());
        }
        if let Some(c) = s.chars().find(|c| !c.is_ascii_digit()) {
            return Err(format!(
                "{s:?} is neither 0x-hex nor decimal (character {c:?})"
            ));
        }
        U256::from_str_radix(s, 10).map_err(|_| format!("{s:?} exceeds 256 bits"))
    }
}

/// Parses a quantity that must fit in 64 bits.
pub(crate) fn parse_u64(value: &Value) -> Result<u64, String> {
    let v = parse_u256(value)?;
    u64::try_from(v).map_err(|_| format!("{v} exceeds the 64-bit maximum"))
}

/// Parses `0x`-prefixed hex bytes (`0x` alone is empty). Refuses odd length and non-hex.
pub(crate) fn parse_hex_bytes(value: &Value) -> Result<Vec<u8>, String> {
    let Value::String(s) = value else {
        return Err(format!("expected a 0x-hex string, got {}", kind(value)));
    };
    parse_hex_str(s)
}

/// The string form of [`parse_hex_bytes`].
pub(crate) fn parse_hex_str(s: &str) -> Result<Vec<u8>, String> {
    let hex = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .ok_or_else(|| format!("{} is not 0x-prefixed hex", short(s)))?;
    if !hex.len().is_multiple_of(2) {
        return Err(format!("{} has an odd number of hex digits", short(s)));
    }
    hex::decode(hex).map_err(|e| format!("{} is not hex: {e}", short(s)))
}

/// A string shortened for error messages, so hostile input cannot make errors huge.
pub(crate) fn short(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head:?}... ({} characters)", s.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities() {
        assert_eq!(parse_u256(&json!("0x1f")).unwrap(), U256::from(31));
        assert_eq!(parse_u256(&json!("0x0")).unwrap(), U256::ZERO);
        assert_eq!(parse_u256(&json!("1000")).unwrap(), U256::from(1000));
        assert_eq!(parse_u256(&json!(42)).unwrap(), U256::from(42));
        assert!(parse_u256(&json!("0x")).is_err());
        assert!(parse_u256(&json!("")).is_err());
        assert!(parse_u256(&json!("0x1_0")).is_err());
        assert!(parse_u256(&json!("1_0")).is_err());
        assert!(parse_u256(&json!(-1)).unwrap_err().contains("negative"));
        assert!(parse_u256(&json!("-1")).unwrap_err().contains("negative"));
        assert!(parse_u256(&json!(1.5)).is_err());
        assert!(parse_u256(&json!(true)).is_err());
        let max = format!("0x{}", "f".repeat(64));
        assert_eq!(parse_u256(&json!(max)).unwrap(), U256::MAX);
        let over = format!("0x1{}", "0".repeat(64));
        assert!(parse_u256(&json!(over)).unwrap_err().contains("256 bits"));
        assert!(parse_u64(&json!("0x10000000000000000")).is_err());
        assert_eq!(parse_u64(&json!("0xffffffffffffffff")).unwrap(), u64::MAX);
    }

    #[test]
    fn bytes() {
        assert_eq!(parse_hex_bytes(&json!("0x")).unwrap(), Vec::<u8>::new());
        assert_eq!(
            parse_hex_bytes(&json!("0xdeadBEEF")).unwrap(),
            [0xde, 0xad, 0xbe, 0xef]
        );
        assert!(parse_hex_bytes(&json!("0xabc")).is_err());
        assert!(parse_hex_bytes(&json!("abcd")).is_err());
        assert!(parse_hex_bytes(&json!(12)).is_err());
    }
}
