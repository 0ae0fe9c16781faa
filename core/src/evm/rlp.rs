//! A small Recursive Length Prefix (RLP) encoder and strict decoder.
//!
//! Only what transactions need: byte strings, lists, and unsigned integers in minimal
//! big-endian form. The decoder refuses non-canonical encodings (a single byte below 0x80
//! wrapped in a prefix, long forms for short payloads, length prefixes with leading zeros,
//! integers with leading zeros) and nesting deeper than [`MAX_DEPTH`].

use ruint::aliases::U256;

/// Deepest list nesting the decoder accepts; transactions need three.
const MAX_DEPTH: usize = 16;

/// Appends the RLP header for a payload of `len` bytes; `offset` is 0x80 for strings and 0xc0
/// for lists.
fn push_header(out: &mut Vec<u8>, offset: u8, len: usize) {
    if len < 56 {
        // len < 56 so the sum fits in a byte.
        out.push(offset + len as u8);
    } else {
        let be = (len as u64).to_be_bytes();
        let skip = be.iter().take_while(|b| **b == 0).count();
        let digits = be.get(skip..).unwrap_or(&[]);
        out.push(offset + 55 + digits.len() as u8);
        out.extend_from_slice(digits);
    }
}

/// Appends `bytes` as an RLP string.
pub(crate) fn encode_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    match bytes {
        [b] if *b < 0x80 => out.push(*b),
        _ => {
            push_header(out, 0x80, bytes.len());
            out.extend_from_slice(bytes);
        }
    }
}

/// Appends an unsigned integer (big-endian, no leading zeros; zero is the empty string).
pub(crate) fn encode_u64(out: &mut Vec<u8>, value: u64) {
    let be = value.to_be_bytes();
    let skip = be.iter().take_while(|b| **b == 0).count();
    encode_bytes(out, be.get(skip..).unwrap_or(&[]));
}

/// Appends a 256-bit unsigned integer.
pub(crate) fn encode_u256(out: &mut Vec<u8>, value: &U256) {
    let be: [u8; 32] = value.to_be_bytes();
    let skip = be.iter().take_while(|b| **b == 0).count();
    encode_bytes(out, be.get(skip..).unwrap_or(&[]));
}

/// Appends a list whose already-encoded items are concatenated in `payload`.
pub(crate) fn encode_list(out: &mut Vec<u8>, payload: &[u8]) {
    push_header(out, 0xc0, payload.len());
    out.extend_from_slice(payload);
}

/// A decoded RLP item borrowing from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item<'a> {
    /// A byte string.
    Bytes(&'a [u8]),
    /// A list of items.
    List(Vec<Item<'a>>),
}

impl<'a> Item<'a> {
    /// The byte string, or an error naming `what` if this is a list.
    pub(crate) fn bytes(&self, what: &str) -> Result<&'a [u8], String> {
        match self {
            Item::Bytes(b) => Ok(b),
            Item::List(_) => Err(format!("{what}: expected a byte string, found a list")),
        }
    }

    /// The list items, or an error naming `what` if this is a byte string.
    pub(crate) fn list(&self, what: &str) -> Result<&[Item<'a>], String> {
        match self {
            Item::List(items) => Ok(items),
            Item::Bytes(_) => Err(format!("{what}: expected a list, found a byte string")),
        }
    }

    /// A canonical unsigned integer of at most 8 bytes.
    pub(crate) fn u64(&self, what: &str) -> Result<u64, String> {
        let b = self.uint_bytes(what, 8)?;
        Ok(b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x)))
    }

    /// A canonical unsigned integer of at most 32 bytes.
    pub(crate) fn u256(&self, what: &str) -> Result<U256, String> {
        let b = self.uint_bytes(what, 32)?;
        U256::try_from_be_slice(b).ok_or_else(|| format!("{what}: integer exceeds 256 bits"))
    }

    fn uint_bytes(&self, what: &str, max: usize) -> Result<&'a [u8], String> {
        let b = self.bytes(what)?;
        if b.len() > max {
            return Err(format!(
                "{what}: integer is {} bytes, at most {max} allowed",
                b.len()
            ));
        }
        if b.first() == Some(&0) {
            return Err(format!(
                "{what}: integer has a leading zero byte (non-canonical)"
            ));
        }
        Ok(b)
    }
}

/// Decodes exactly one item that spans all of `input`.
pub(crate) fn decode_exact(input: &[u8]) -> Result<Item<'_>, String> {
    let (item, rest) = decode_item(input, 0)?;
    if !rest.is_empty() {
        return Err(format!("{} trailing bytes after the RLP item", rest.len()));
    }
    Ok(item)
}

/// Splits `n` bytes off the front of `input`.
fn take(input: &[u8], n: usize) -> Result<(&[u8], &[u8]), String> {
    if input.len() < n {
        return Err(format!(
            "RLP item claims {n} bytes but only {} remain",
            input.len()
        ));
    }
    Ok(input.split_at(n))
}

/// Reads a long-form length of `n` bytes.
fn long_len(input: &[u8], n: usize) -> Result<(usize, &[u8]), String> {
    let (len_bytes, rest) = take(input, n)?;
    if len_bytes.first() == Some(&0) {
        return Err("RLP length has a leading zero (non-canonical)".into());
    }
    if n > 8 {
        return Err("RLP length does not fit in 64 bits".into());
    }
    let len = len_bytes
        .iter()
        .fold(0u64, |acc, x| (acc << 8) | u64::from(*x));
    if len < 56 {
        return Err("RLP long form used for a payload shorter than 56 bytes".into());
    }
    let len = usize::try_from(len).map_err(|_| "RLP length too large".to_owned())?;
    Ok((len, rest))
}

fn decode_item(input: &[u8], depth: usize) -> Result<(Item<'_>, &[u8]), String> {
    if depth > MAX_DEPTH {
        return Err(format!("RLP nesting deeper than {MAX_DEPTH}"));
    }
    let (&prefix, rest) = input
        .split_first()
        .ok_or_else(|| "unexpected end of RLP input".to_owned())?;
    match prefix {
        0x00..=0x7f => Ok((Item::Bytes(input.get(..1).unwrap_or(&[])), rest)),
        0x80..=0xb7 => {
            let len = usize::from(prefix - 0x80);
            let (payload, rest) = take(rest, len)?;
            if let [b] = payload
                && *b < 0x80
            {
                return Err(
                    "single byte below 0x80 wrapped in a string prefix (non-canonical)".into(),
                );
            }
            Ok((Item::Bytes(payload), rest))
        }
        0xb8..=0xbf => {
            let (len, rest) = long_len(rest, usize::from(prefix - 0xb7))?;
            let (payload, rest) = take(rest, len)?;
            Ok((Item::Bytes(payload), rest))
        }
        0xc0..=0xf7 => {
            let len = usize::from(prefix - 0xc0);
            let (payload, rest) = take(rest, len)?;
            Ok((Item::List(decode_list_payload(payload, depth)?), rest))
        }
        0xf8..=0xff => {
            let (len, rest) = long_len(rest, usize::from(prefix - 0xf7))?;
            let (payload, rest) = take(rest, len)?;
            Ok((Item::List(decode_list_payload(payload, depth)?), rest))
        }
    }
}

fn decode_list_payload(mut payload: &[u8], depth: usize) -> Result<Vec<Item<'_>>, String> {
    let mut items = Vec::new();
    while !payload.is_empty() {
        let (item, rest) = decode_item(payload, depth + 1)?;
        items.push(item);
        payload = rest;
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc_bytes(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_bytes(&mut out, b);
        out
    }

    #[test]
    fn known_answers() {
        // From the Ethereum wiki's RLP page.
        assert_eq!(enc_bytes(b"dog"), [0x83, b'd', b'o', b'g']);
        assert_eq!(enc_bytes(b""), [0x80]);
        assert_eq!(enc_bytes(&[0x0f]), [0x0f]);
        assert_eq!(enc_bytes(&[0x04, 0x00]), [0x82, 0x04, 0x00]);
        let mut v = Vec::new();
        encode_u64(&mut v, 0);
        assert_eq!(v, [0x80]);
        let mut v = Vec::new();
        encode_u64(&mut v, 1024);
        assert_eq!(v, [0x82, 0x04, 0x00]);
        let lorem = b"Lorem ipsum dolor sit amet, consectetur adipisicing elit";
        let e = enc_bytes(lorem);
        assert_eq!(&e[..2], &[0xb8, 0x38]);
        let mut payload = Vec::new();
        encode_bytes(&mut payload, b"cat");
        encode_bytes(&mut payload, b"dog");
        let mut list = Vec::new();
        encode_list(&mut list, &payload);
        assert_eq!(list, [0xc8, 0x83, b'c', b'a', b't', 0x83, b'd', b'o', b'g']);
        let item = decode_exact(&list).unwrap();
        assert_eq!(
            item,
            Item::List(vec![Item::Bytes(b"cat"), Item::Bytes(b"dog")])
        );
        assert_eq!(decode_exact(&e).unwrap(), Item::Bytes(lorem));
    }

    #[test]
    fn rejects_non_canonical() {
        assert!(decode_exact(&[0x81, 0x05]).is_err());
        assert!(decode_exact(&[0xb8, 0x02, 1, 2]).is_err());
        assert!(decode_exact(&[0x83, 1]).is_err());
        assert!(decode_exact(&[0x80, 0x80]).is_err());
        assert!(decode_exact(&[]).is_err());
        assert!(Item::Bytes(&[0, 1]).u64("x").is_err());
        let mut deep = vec![0xc0];
        for _ in 0..40 {
            let mut wrapped = Vec::new();
            encode_list(&mut wrapped, &deep);
            deep = wrapped;
        }
        assert!(decode_exact(&deep).unwrap_err().contains("nesting"));
    }

    proptest::proptest! {
        #[test]
        fn bytes_round_trip(b in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let e = enc_bytes(&b);
            proptest::prop_assert_eq!(decode_exact(&e).unwrap(), Item::Bytes(&b));
        }

        #[test]
        fn decode_never_panics(b in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = decode_exact(&b);
        }
    }
}
