//! The bridge's contract errors in words: the EVM contracts' custom errors (a revert's
//! selector and arguments) and the Solana program's error codes (`Custom(n)`), each as its
//! name and a sentence, with the arguments it carries.
//!
//! Nodes report these as hex: `execution reverted: custom error 0x9e87fac8` (with the revert
//! data, which `trestle-evm` keeps as `revert data 0x...`), `custom program error: 0x1791`.
//! [`in_words`] rewrites such a text; this crate's [`Error`](crate::Error) displays its chain
//! errors through it, and the relayer its own, so `trestle bridge send`, the relayer's
//! `last_error`, its status API and the logs all say `Paused: the bridge is paused`.
//!
//! ```
//! use trestle_bridge_client::errors::{evm_revert, in_words, program_error};
//!
//! let paused = evm_revert(&[0x9e, 0x87, 0xfa, 0xc8]).unwrap();
//! assert_eq!(paused.to_string(), "Paused: the bridge is paused");
//! assert_eq!(program_error(6033).unwrap().name, "Paused");
//! assert_eq!(
//!     in_words("eth_estimateGas: execution reverted: custom error 0x9e87fac8 (code 3)"),
//!     "eth_estimateGas: execution reverted: Paused: the bridge is paused (code 3)"
//! );
//! ```

use std::borrow::Cow;
use std::fmt;

mod evm;
mod solana;

pub use evm::evm_revert;
pub use solana::program_error;

/// A contract error of the bridge, decoded: its name as the contract declares it, what it
/// means, and its arguments where the error has some and they were at hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractError {
    /// The name (`Paused`, `RateLimited`), as the Solidity source or the program declares it.
    pub name: &'static str,
    /// What it means, in words (`the bridge is paused`).
    pub sentence: &'static str,
    /// `(parameter, value)` of each argument: integers in decimal, addresses checksummed,
    /// bytes in `0x` hex. Empty when the error has none or only its selector was known.
    pub arguments: Vec<(&'static str, String)>,
}

impl fmt::Display for ContractError {
    /// `Name: sentence`, then the arguments: `RateLimited: the route's rate limit does not
    /// allow this amount now (requested 5, available 1)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.sentence)?;
        if !self.arguments.is_empty() {
            let args: Vec<String> = self
                .arguments
                .iter()
                .map(|(name, value)| format!("{name} {value}"))
                .collect();
            write!(f, " ({})", args.join(", "))?;
        }
        Ok(())
    }
}

/// How a node names a custom error (anvil, and `trestle-evm` after it).
const CUSTOM_ERROR: &str = "custom error 0x";
/// How `trestle-evm` appends a JSON-RPC error's revert data.
const REVERT_DATA: &str = ", revert data 0x";
/// How the Solana crates display `InstructionError::Custom(n)`.
const PROGRAM_ERROR: &str = "custom program error: 0x";
/// How `InstructionError::Custom(n)` prints with `{:?}`.
const CUSTOM_DEBUG: &str = "Custom(";

/// The most of an error's text [`in_words`] reads and keeps (16 KiB; the rest is cut, marked
/// with `…`).
pub const MAX_TEXT: usize = 16 * 1024;

/// `text` with what a terminal or a log viewer would act on made visible instead: control
/// characters (C0 but `\n` and `\t`, DEL, C1: escape sequences, carriage returns) and
/// bidirectional formatting characters become `\u{..}` escapes. For error text a node, a
/// recipient program or a relayer wrote, before it is stored or printed.
pub fn printable(text: &str) -> Cow<'_, str> {
    let odd = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(
                c,
                '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{2028}' | '\u{2029}'
            )
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    if !text.chars().any(odd) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if odd(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// `text` (an error message) with every bridge error it names in hex in words: a custom
/// error's selector (and, when the revert data is there, its arguments) and the Solana
/// program's `custom program error: 0x...` or `Custom(n)`. Text without one, a selector no
/// contract of the bridge declares, and another program's code are left as they are.
pub fn in_words(text: &str) -> Cow<'_, str> {
    // An error's text is a node's (or a relayer's) to write: only its first MAX_TEXT bytes
    // are read, so a hostile answer of megabytes of codes costs no more than a long one.
    let mut out = match text.get(..MAX_TEXT) {
        Some(_) if text.len() > MAX_TEXT => {
            let mut end = MAX_TEXT;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            Cow::Owned(format!("{}…", text.get(..end).unwrap_or_default()))
        }
        _ => Cow::Borrowed(text),
    };
    if let Some(rewritten) = evm_in_words(&out) {
        out = Cow::Owned(rewritten);
    }
    if let Some(rewritten) = solana_in_words(&out) {
        out = Cow::Owned(rewritten);
    }
    out
}

/// The hex digits right after `mark` in `text`: where the mark starts and the digits end.
fn hex_after(text: &str, mark: &str) -> Option<(usize, usize, String)> {
    let start = text.find(mark)?;
    let digits_at = start + mark.len();
    let digits: String = text
        .get(digits_at..)?
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    Some((start, digits_at + digits.len(), digits))
}

fn evm_in_words(text: &str) -> Option<String> {
    let data = hex_after(text, REVERT_DATA);
    let selector = hex_after(text, CUSTOM_ERROR).filter(|(_, _, d)| d.len() == 8);
    let decoded = data
        .as_ref()
        .and_then(|(_, _, hex_data)| hex::decode(hex_data).ok())
        .and_then(|bytes| evm_revert(&bytes))
        .or_else(|| {
            let (_, _, hex_selector) = selector.as_ref()?;
            let bytes: [u8; 4] = hex::decode(hex_selector).ok()?.try_into().ok()?;
            evm::by_selector(bytes)
        })?;
    let words = decoded.to_string();
    let mut out = text.to_owned();
    // Later span first, so the earlier one's offsets hold.
    let mut spans: Vec<(usize, usize, &str)> = Vec::new();
    if let Some((start, end, _)) = data {
        spans.push((start, end, ""));
    }
    if let Some((start, end, _)) = selector {
        spans.push((start, end, &words));
    }
    spans.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    for (start, end, with) in spans {
        out.replace_range(start..end, with);
    }
    if selector.is_none() {
        // A node that names no custom error (geth: `execution reverted`): the words after it.
        const REVERTED: &str = "execution reverted";
        match out.find(REVERTED) {
            Some(at) => out.insert_str(at + REVERTED.len(), &format!(": {words}")),
            None => out.push_str(&format!(" ({words})")),
        }
    }
    Some(out)
}

fn solana_in_words(text: &str) -> Option<String> {
    let mut out = text.to_owned();
    let mut changed = false;
    // `custom program error: 0x1791` (hex), then `Custom(6033)` (decimal).
    for (mark, radix, close) in [(PROGRAM_ERROR, 16, ""), (CUSTOM_DEBUG, 10, ")")] {
        let mut from = 0;
        while let Some(at) = out.get(from..).and_then(|rest| rest.find(mark)) {
            let start = from + at;
            let digits_at = start + mark.len();
            let digits: String = out
                .get(digits_at..)
                .unwrap_or_default()
                .chars()
                .take_while(|c| c.is_digit(radix))
                .collect();
            let end = digits_at + digits.len();
            let closed = out.get(end..).is_some_and(|rest| rest.starts_with(close));
            let code = u32::from_str_radix(&digits, radix).ok().filter(|_| closed);
            match code.and_then(program_error) {
                Some(error) => {
                    let words = format!("{error} (program error {})", code.unwrap_or_default());
                    out.replace_range(start..end + close.len(), &words);
                    from = start + words.len();
                    changed = true;
                }
                None => from = end,
            }
        }
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests;
