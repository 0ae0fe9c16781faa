//! Sign-In With Solana (the Wallet Standard `solana:signIn` feature): the message text of
//! `@solana/wallet-standard-util`'s `createSignInMessageText`, an EIP-4361 sibling:
//!
//! ```text
//! {domain} wants you to sign in with your Solana account:
//! {address}
//!
//! {statement}
//!
//! URI: {uri}
//! Version: {version}
//! Chain ID: {chainId}
//! Nonce: {nonce}
//! Issued At: {issuedAt}
//! Expiration Time: {expirationTime}
//! Not Before: {notBefore}
//! Request ID: {requestId}
//! Resources:
//! - {resources[0]}
//! - {resources[1]}
//! ```
//!
//! The statement and every field line are optional and appear in this order; the blank line
//! before the fields is there only when there are fields. The wallet signs the UTF-8 text with
//! ed25519, raw (no off-chain message envelope), and the app checks it with `verifySignIn`.
//!
//! ```
//! use trestle_core::solana::SolanaSigner;
//! use trestle_core::solana::sign_in::{SignInFields, SignInMessage};
//!
//! # fn main() -> trestle_core::Result<()> {
//! let wallet = SolanaSigner::from_secret_key(&[7; 32]);
//! let message = SignInMessage::new(SignInFields {
//!     domain: "example.com".to_owned(),
//!     address: wallet.pubkey(),
//!     statement: Some("Sign in to Example".to_owned()),
//!     uri: Some("https://example.com/login".to_owned()),
//!     version: Some("1".to_owned()),
//!     chain_id: Some("mainnet".to_owned()),
//!     nonce: Some("oBbLoEldZs".to_owned()),
//!     issued_at: Some("2026-01-01T00:00:00.000Z".to_owned()),
//!     ..SignInFields::default()
//! })?;
//! assert!(message.text().starts_with("example.com wants you to sign in with your Solana account:\n"));
//! // The wallet checks what the app asked for against where the request came from.
//! let now = SignInMessage::parse_time("2026-01-01T00:01:00Z")?;
//! let signature = message.sign(&wallet, "example.com", now)?;
//! SolanaSigner::verify(&wallet.pubkey(), message.text().as_bytes(), &signature)?;
//! assert_eq!(SignInMessage::parse(message.text())?, message);
//! # Ok(())
//! # }
//! ```

mod time;

use crate::error::{Error, Result};
use crate::solana::address::SolanaAddress;
use crate::solana::signer::SolanaSigner;

/// The end of the first line; what comes before it is the domain.
const HEADER_SUFFIX: &str = " wants you to sign in with your Solana account:";
/// The shortest nonce EIP-4361 allows (alphanumeric characters).
pub const MIN_NONCE_LEN: usize = 8;

/// The fields of a Sign-In With Solana message (`SolanaSignInInput` with the address the
/// wallet signs with). `None` leaves a line out.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct SignInFields {
    /// The domain (RFC 3986 authority) asking for the sign-in: `example.com`, `localhost:3000`.
    pub domain: String,
    /// The account that signs in.
    pub address: SolanaAddress,
    /// A human-readable statement, on one line.
    pub statement: Option<String>,
    /// The URI the sign-in is for.
    pub uri: Option<String>,
    /// The message version; only `1` exists.
    pub version: Option<String>,
    /// The chain: `mainnet`, `devnet`, `testnet`, `localnet` (or `solana:mainnet`, ...).
    pub chain_id: Option<String>,
    /// The app's random nonce: at least eight ASCII letters or digits.
    pub nonce: Option<String>,
    /// When the message was issued (RFC 3339).
    pub issued_at: Option<String>,
    /// When the sign-in stops being valid (RFC 3339).
    pub expiration_time: Option<String>,
    /// When the sign-in starts being valid (RFC 3339).
    pub not_before: Option<String>,
    /// The app's request id.
    pub request_id: Option<String>,
    /// Resources (URIs) the sign-in covers; `Some(vec![])` writes an empty `Resources:` list.
    pub resources: Option<Vec<String>>,
}

/// A well-formed Sign-In With Solana message and its exact text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SignInMessage {
    fields: SignInFields,
    text: String,
}

fn bad(reason: impl std::fmt::Display) -> Error {
    Error::InvalidSolanaMessage(format!("Sign-In With Solana message: {reason}"))
}

/// The field lines, in the order they must appear.
const FIELD_LABELS: [&str; 8] = [
    "URI: ",
    "Version: ",
    "Chain ID: ",
    "Nonce: ",
    "Issued At: ",
    "Expiration Time: ",
    "Not Before: ",
    "Request ID: ",
];
const RESOURCES: &str = "Resources:";
const RESOURCE_ITEM: &str = "- ";

impl SignInFields {
    fn field_slots(&self) -> [(&'static str, Option<&String>); 8] {
        [
            ("URI", self.uri.as_ref()),
            ("Version", self.version.as_ref()),
            ("Chain ID", self.chain_id.as_ref()),
            ("Nonce", self.nonce.as_ref()),
            ("Issued At", self.issued_at.as_ref()),
            ("Expiration Time", self.expiration_time.as_ref()),
            ("Not Before", self.not_before.as_ref()),
            ("Request ID", self.request_id.as_ref()),
        ]
    }

    fn field_slot_mut(&mut self, index: usize) -> Option<&mut Option<String>> {
        match index {
            0 => Some(&mut self.uri),
            1 => Some(&mut self.version),
            2 => Some(&mut self.chain_id),
            3 => Some(&mut self.nonce),
            4 => Some(&mut self.issued_at),
            5 => Some(&mut self.expiration_time),
            6 => Some(&mut self.not_before),
            7 => Some(&mut self.request_id),
            _ => None,
        }
    }

    /// The text exactly as `createSignInMessageText` writes it.
    fn to_text(&self) -> String {
        let mut text = format!("{}{HEADER_SUFFIX}\n{}", self.domain, self.address);
        if let Some(statement) = &self.statement {
            text.push_str("\n\n");
            text.push_str(statement);
        }
        let mut lines: Vec<String> = FIELD_LABELS
            .iter()
            .zip(self.field_slots())
            .filter_map(|(label, (_, value))| value.map(|v| format!("{label}{v}")))
            .collect();
        if let Some(resources) = &self.resources {
            lines.push(RESOURCES.to_owned());
            lines.extend(resources.iter().map(|r| format!("{RESOURCE_ITEM}{r}")));
        }
        if !lines.is_empty() {
            text.push_str("\n\n");
            text.push_str(&lines.join("\n"));
        }
        text
    }

    /// Format checks that do not depend on who asks or when.
    fn check_format(&self) -> Result<()> {
        if self.domain.is_empty() {
            return Err(bad("the domain is empty"));
        }
        if let Some(c) = self
            .domain
            .chars()
            .find(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad(format!(
                "the domain {:?} contains {c:?}; a domain is a host[:port]",
                self.domain
            )));
        }
        let one_line = |what: &str, value: &str| -> Result<()> {
            if value.is_empty() {
                return Err(bad(format!("{what} is empty (leave it out instead)")));
            }
            if let Some(c) = value.chars().find(|c| matches!(c, '\n' | '\r')) {
                return Err(bad(format!("{what} contains a line break ({c:?})")));
            }
            // What a wallet shows must be what is signed: no control characters (U+0085 is a
            // line break to some renderers), line or paragraph separators, or bidirectional
            // formatting that can make one line look like other field lines.
            if let Some(c) = value.chars().find(|c| deceptive(*c)) {
                return Err(bad(format!(
                    "{what} contains {:?} (U+{:04X}), a control, line-separator or text-direction \
                     character that can make the message display otherwise than it reads",
                    c,
                    u32::from(c)
                )));
            }
            Ok(())
        };
        if let Some(statement) = &self.statement {
            one_line("the statement", statement)?;
        }
        for (name, value) in self.field_slots() {
            if let Some(value) = value {
                one_line(&format!("the {name} field"), value)?;
            }
        }
        for (i, resource) in self.resources.iter().flatten().enumerate() {
            one_line(&format!("resource {i}"), resource)?;
        }
        if let Some(version) = &self.version
            && version != "1"
        {
            return Err(bad(format!(
                "version {version:?} is not supported (only 1)"
            )));
        }
        if let Some(nonce) = &self.nonce {
            check_nonce(nonce)?;
        }
        for (name, value) in [
            ("Issued At", &self.issued_at),
            ("Expiration Time", &self.expiration_time),
            ("Not Before", &self.not_before),
        ] {
            if let Some(value) = value {
                time::parse_rfc3339_ms(value).map_err(|e| bad(format!("{name} {value:?} {e}")))?;
            }
        }
        Ok(())
    }
}

fn check_nonce(nonce: &str) -> Result<()> {
    if nonce.len() < MIN_NONCE_LEN || !nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad(format!(
            "the nonce {nonce:?} must be at least {MIN_NONCE_LEN} ASCII letters or digits"
        )));
    }
    Ok(())
}

impl SignInMessage {
    /// Builds the message text from its fields. Refuses an empty domain or one with spaces, a
    /// statement or field that is empty or spans lines, a version other than `1`, a nonce
    /// shorter than eight letters or digits, a timestamp that is not RFC 3339, and fields whose
    /// text would read back differently (a statement that looks like a field line).
    pub fn new(fields: SignInFields) -> Result<Self> {
        fields.check_format()?;
        let text = fields.to_text();
        let back = parse_fields(&text)?;
        if back != fields {
            return Err(bad(
                "the statement reads back as field lines; reword it".to_owned()
            ));
        }
        Ok(Self { fields, text })
    }

    /// Reads a message text a dApp sent. Refuses text that is not in the exact form
    /// `createSignInMessageText` writes (lines out of order, unknown lines, blank lines or a
    /// trailing newline that it does not write), an address that is not base58 of 32 bytes,
    /// and everything [`SignInMessage::new`] refuses.
    pub fn parse(text: &str) -> Result<Self> {
        if text.ends_with('\n') {
            return Err(bad(
                "the text ends with a line break, which the message format does not have",
            ));
        }
        let fields = parse_fields(text)?;
        let message = Self::new(fields)?;
        if message.text != text {
            return Err(bad("the text is not in the canonical form".to_owned()));
        }
        Ok(message)
    }

    /// The fields.
    pub fn fields(&self) -> &SignInFields {
        &self.fields
    }

    /// The message text: what is signed, as UTF-8.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Parses an RFC 3339 timestamp to Unix milliseconds (for the `now` of
    /// [`SignInMessage::check`]).
    pub fn parse_time(text: &str) -> Result<i64> {
        time::parse_rfc3339_ms(text).map_err(|e| bad(format!("time {text:?} {e}")))
    }

    /// Formats Unix milliseconds as JavaScript's `toISOString` does (for `Issued At`).
    pub fn format_time(unix_ms: i64) -> String {
        time::format_rfc3339_ms(unix_ms)
    }

    /// Checks the message before a wallet signs it: its domain is `expected_domain` (the
    /// origin the request came from, compared ignoring ASCII case), its address is `signer`,
    /// it has a nonce, and at `now_ms` (Unix milliseconds) it is not expired and not before
    /// its `Not Before`. An expiration not after `Issued At` or `Not Before` is refused as
    /// well. Each refusal says which field and why.
    pub fn check(&self, expected_domain: &str, signer: &SolanaAddress, now_ms: i64) -> Result<()> {
        let f = &self.fields;
        if !f.domain.eq_ignore_ascii_case(expected_domain) {
            return Err(bad(format!(
                "the message is for domain {:?}, but the request came from {expected_domain:?}",
                f.domain
            )));
        }
        if f.address != *signer {
            return Err(bad(format!(
                "the message signs in account {}, not this wallet's {signer}",
                f.address
            )));
        }
        if f.nonce.is_none() {
            return Err(bad("the message has no nonce, so it could be replayed"));
        }
        let time = |value: &Option<String>| value.as_deref().map(Self::parse_time).transpose();
        let issued_at = time(&f.issued_at)?;
        let expiration = time(&f.expiration_time)?;
        let not_before = time(&f.not_before)?;
        if let Some(expiration) = expiration {
            for (name, start) in [("Issued At", issued_at), ("Not Before", not_before)] {
                if let Some(start) = start
                    && expiration <= start
                {
                    return Err(bad(format!(
                        "Expiration Time {} is not after {name}",
                        Self::format_time(expiration)
                    )));
                }
            }
            if now_ms >= expiration {
                return Err(bad(format!(
                    "the message expired at {} (now {})",
                    Self::format_time(expiration),
                    Self::format_time(now_ms)
                )));
            }
        }
        if let Some(not_before) = not_before
            && now_ms < not_before
        {
            return Err(bad(format!(
                "the message is not valid before {} (now {})",
                Self::format_time(not_before),
                Self::format_time(now_ms)
            )));
        }
        Ok(())
    }

    /// [`SignInMessage::check`]s the message for `signer`, then signs its UTF-8 text with
    /// ed25519 (what `solana:signIn` returns as `signature`, over `signedMessage`).
    pub fn sign(
        &self,
        signer: &SolanaSigner,
        expected_domain: &str,
        now_ms: i64,
    ) -> Result<[u8; 64]> {
        self.check(expected_domain, &signer.pubkey(), now_ms)?;
        Ok(signer.sign_message(self.text.as_bytes()))
    }

    /// Checks a signature over the text by the message's own address.
    pub fn verify(&self, signature: &[u8; 64]) -> Result<()> {
        SolanaSigner::verify(&self.fields.address, self.text.as_bytes(), signature)
    }
}

/// Splits a message text into fields (as the util package's `parseSignInMessageText` reads a
/// canonical text); no checks on the values beyond the address.
fn parse_fields(text: &str) -> Result<SignInFields> {
    let mut lines = text.split('\n');
    let first = lines.next().unwrap_or_default();
    let domain = first.strip_suffix(HEADER_SUFFIX).ok_or_else(|| {
        bad(format!(
            "the first line must be \"{{domain}}{HEADER_SUFFIX}\""
        ))
    })?;
    let address_text = lines
        .next()
        .ok_or_else(|| bad("the second line (the address) is missing"))?;
    let address = SolanaAddress::parse(address_text).map_err(|e| bad(format!("address: {e}")))?;
    let mut fields = SignInFields {
        domain: domain.to_owned(),
        address,
        ..SignInFields::default()
    };
    let rest: Vec<&str> = lines.collect();
    let Some((blank, rest)) = rest.split_first() else {
        return Ok(fields);
    };
    if !blank.is_empty() {
        return Err(bad("the address must be followed by a blank line"));
    }
    // A statement is the first line after the blank one unless everything after the blank
    // line reads as field lines (the package's parser prefers fields).
    let mut as_fields = fields.clone();
    if read_field_lines(rest, &mut as_fields).is_ok() {
        return Ok(as_fields);
    }
    let (statement, rest) = rest
        .split_first()
        .ok_or_else(|| bad("a blank line after the address must be followed by more"))?;
    fields.statement = Some((*statement).to_owned());
    match rest.split_first() {
        None => Ok(fields),
        Some((blank, field_lines)) if blank.is_empty() && !field_lines.is_empty() => {
            read_field_lines(field_lines, &mut fields)?;
            Ok(fields)
        }
        Some(_) => Err(bad(
            "the statement must be one line, followed by a blank line and the fields",
        )),
    }
}

/// Reads field lines in their fixed order into `fields`.
fn read_field_lines(lines: &[&str], fields: &mut SignInFields) -> Result<()> {
    if lines.is_empty() {
        return Err(bad("no field lines"));
    }
    let mut next_label = 0;
    let mut iter = lines.iter();
    while let Some(line) = iter.next() {
        if *line == RESOURCES {
            let items = iter
                .map(|l| {
                    l.strip_prefix(RESOURCE_ITEM)
                        .map(str::to_owned)
                        .ok_or_else(|| bad(format!("line {l:?} after Resources: is not \"- ...\"")))
                })
                .collect::<Result<Vec<_>>>()?;
            fields.resources = Some(items);
            return Ok(());
        }
        let found = FIELD_LABELS
            .iter()
            .enumerate()
            .skip(next_label)
            .find_map(|(i, label)| line.strip_prefix(label).map(|value| (i, value)));
        let Some((index, value)) = found else {
            return Err(bad(format!(
                "line {line:?} is not a field (URI, Version, Chain ID, Nonce, Issued At, \
                 Expiration Time, Not Before, Request ID, Resources) in its place"
            )));
        };
        if let Some(slot) = fields.field_slot_mut(index) {
            *slot = Some(value.to_owned());
        }
        next_label = index + 1;
    }
    Ok(())
}

/// A character a sign-in message must not hold: a control character (C0, DEL, C1 including
/// U+0085), U+2028/U+2029, or a bidirectional formatting mark or override.
fn deceptive(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{061C}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests;
