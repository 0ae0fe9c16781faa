//! EIP-4361 Sign-In with Ethereum: parse a dApp's message exactly by the EIP's grammar, build
//! one from its fields, check it against what the wallet expects (domain, chain id, nonce,
//! account, validity window), sign it with `personal_sign` (EIP-191) and verify a signature.
//!
//! A wallet signs the text it was given, byte for byte: [`sign_message_text`] parses and
//! checks the text, then signs that same text, never a re-rendering of it.

mod grammar;

use std::time::SystemTime;

pub use grammar::DateTime;

use crate::error::{Error, Result};
use crate::evm::address::EvmAddress;
use crate::evm::signature::Signature;
use crate::evm::signer::{EvmSigner, verify_message};

const HEADER_SUFFIX: &str = " wants you to sign in with your Ethereum account:";

fn siwe_err(field: &str, reason: impl Into<String>) -> Error {
    Error::InvalidSiweMessage {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// An EIP-4361 message. Build one with [`SiweMessage::new`] and its public fields, or parse
/// one with [`SiweMessage::parse`]; [`SiweMessage::to_message`] renders the text to sign.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SiweMessage {
    /// The URI scheme of the origin (`https`), when the message names one.
    pub scheme: Option<String>,
    /// The RFC 3986 authority asking for the sign-in (`example.com`, `localhost:3000`).
    pub domain: String,
    /// The account signing in.
    pub address: EvmAddress,
    /// A statement the user agrees to (one line, no `\n`).
    pub statement: Option<String>,
    /// The RFC 3986 URI the sign-in is for.
    pub uri: String,
    /// The chain the session is bound to (EIP-155).
    pub chain_id: u64,
    /// At least 8 ASCII letters or digits chosen by the relying party, against replay.
    pub nonce: String,
    /// When the message was issued.
    pub issued_at: DateTime,
    /// When the signed message stops being valid.
    pub expiration_time: Option<DateTime>,
    /// When the signed message starts being valid.
    pub not_before: Option<DateTime>,
    /// The relying party's request id (RFC 3986 `pchar`s).
    pub request_id: Option<String>,
    /// URIs the user agrees to give access to.
    pub resources: Vec<String>,
}

/// What a wallet checks before signing a dApp's message (or a server after verifying one):
/// each field that is `Some` must match. The checks run in the order of the fields here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiweExpectations {
    /// The domain the request came from (the dApp's origin as the wallet sees it): compared
    /// exactly with the message's `domain`.
    pub domain: Option<String>,
    /// The origin's scheme; a message that names another scheme is refused.
    pub scheme: Option<String>,
    /// The account that will sign.
    pub address: Option<EvmAddress>,
    /// The chain id the wallet is on.
    pub chain_id: Option<u64>,
    /// The nonce the relying party issued.
    pub nonce: Option<String>,
    /// The time to check `Expiration Time` and `Not Before` against.
    pub time: Option<SystemTime>,
}

impl SiweMessage {
    /// A message with the required fields and none of the optional ones. Nothing is checked
    /// until [`SiweMessage::to_message`] (or [`SiweMessage::check`]).
    pub fn new(
        domain: impl Into<String>,
        address: EvmAddress,
        uri: impl Into<String>,
        chain_id: u64,
        nonce: impl Into<String>,
        issued_at: DateTime,
    ) -> Self {
        Self {
            scheme: None,
            domain: domain.into(),
            address,
            statement: None,
            uri: uri.into(),
            chain_id,
            nonce: nonce.into(),
            issued_at,
            expiration_time: None,
            not_before: None,
            request_id: None,
            resources: Vec::new(),
        }
    }

    /// Checks every field against the EIP's grammar: the scheme, the domain (an RFC 3986
    /// authority with a host), the statement's characters, the URI and each resource (RFC 3986
    /// URIs), the nonce (8 or more letters and digits) and the request id (`pchar`s).
    pub fn check(&self) -> Result<()> {
        if let Some(scheme) = &self.scheme {
            grammar::check_scheme(scheme).map_err(|e| siwe_err("scheme", e))?;
        }
        grammar::check_authority(&self.domain).map_err(|e| siwe_err("domain", e))?;
        if let Some(statement) = &self.statement {
            grammar::check_statement(statement).map_err(|e| siwe_err("statement", e))?;
        }
        grammar::check_uri(&self.uri).map_err(|e| siwe_err("URI", e))?;
        grammar::check_nonce(&self.nonce).map_err(|e| siwe_err("Nonce", e))?;
        if let Some(id) = &self.request_id {
            grammar::check_request_id(id).map_err(|e| siwe_err("Request ID", e))?;
        }
        for (i, r) in self.resources.iter().enumerate() {
            grammar::check_uri(r).map_err(|e| siwe_err(&format!("Resources[{i}]"), e))?;
        }
        Ok(())
    }

    /// The text to sign, after [`SiweMessage::check`]. The address is written in EIP-55 form.
    pub fn to_message(&self) -> Result<String> {
        self.check()?;
        let mut out = String::with_capacity(400);
        if let Some(scheme) = &self.scheme {
            out.push_str(scheme);
            out.push_str("://");
        }
        out.push_str(&self.domain);
        out.push_str(HEADER_SUFFIX);
        out.push('\n');
        out.push_str(&self.address.to_checksum());
        out.push_str("\n\n");
        if let Some(statement) = &self.statement {
            out.push_str(statement);
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&format!(
            "URI: {}\nVersion: 1\nChain ID: {}\nNonce: {}\nIssued At: {}",
            self.uri, self.chain_id, self.nonce, self.issued_at
        ));
        if let Some(t) = &self.expiration_time {
            out.push_str(&format!("\nExpiration Time: {t}"));
        }
        if let Some(t) = &self.not_before {
            out.push_str(&format!("\nNot Before: {t}"));
        }
        if let Some(id) = &self.request_id {
            out.push_str(&format!("\nRequest ID: {id}"));
        }
        if !self.resources.is_empty() {
            out.push_str("\nResources:");
            for r in &self.resources {
                out.push_str("\n- ");
                out.push_str(r);
            }
        }
        Ok(out)
    }

    /// Parses a message by the EIP-4361 grammar, exactly: `\n` line breaks (no `\r`), every
    /// line in its place, no trailing line break or text, the address in its EIP-55
    /// checksummed form, `Version: 1`, a chain id without leading zeros that fits 64 bits,
    /// RFC 3339 date-times, and every field as [`SiweMessage::check`] requires. An error names
    /// the field (or line) that is wrong.
    pub fn parse(text: &str) -> Result<Self> {
        let mut lines = text.split('\n');
        let mut next = |what: &str| {
            lines
                .next()
                .ok_or_else(|| siwe_err(what, "missing (the message ends early)"))
        };

        let header = next("header")?;
        let origin = header.strip_suffix(HEADER_SUFFIX).ok_or_else(|| {
            siwe_err(
                "header",
                format!("the first line must be `<domain>{HEADER_SUFFIX}`"),
            )
        })?;
        let (scheme, domain) = match origin.split_once("://") {
            Some((s, d)) => (Some(s.to_owned()), d.to_owned()),
            None => (None, origin.to_owned()),
        };

        let address_line = next("address")?;
        let address = parse_address(address_line)?;

        if !next("address")?.is_empty() {
            return Err(siwe_err("address", "must be followed by an empty line"));
        }
        let line = next("statement")?;
        let statement = if line.is_empty() {
            None
        } else {
            if !next("statement")?.is_empty() {
                return Err(siwe_err(
                    "statement",
                    "must be one line followed by an empty line",
                ));
            }
            Some(line.to_owned())
        };
        // With a statement: `statement \n \n URI`; without: `\n \n URI`, or an empty statement
        // `\n \n \n URI`.
        let mut line = next("URI")?;
        let statement = match statement {
            None if line.is_empty() => {
                line = next("URI")?;
                Some(String::new())
            }
            s => s,
        };

        let uri = field(line, "URI")?.to_owned();
        let version = field(next("Version")?, "Version")?;
        if version != "1" {
            return Err(siwe_err("Version", format!("must be 1, got {version:?}")));
        }
        let chain = field(next("Chain ID")?, "Chain ID")?;
        let chain_id = parse_chain_id(chain)?;
        let nonce = field(next("Nonce")?, "Nonce")?.to_owned();
        let issued_at = date_time(field(next("Issued At")?, "Issued At")?, "Issued At")?;

        let mut message = Self {
            scheme,
            domain,
            address,
            statement,
            uri,
            chain_id,
            nonce,
            issued_at,
            expiration_time: None,
            not_before: None,
            request_id: None,
            resources: Vec::new(),
        };
        // The optional fields, each at most once and in this order.
        let mut line = lines.next();
        if let Some(v) = line.and_then(|l| l.strip_prefix("Expiration Time: ")) {
            message.expiration_time = Some(date_time(v, "Expiration Time")?);
            line = lines.next();
        }
        if let Some(v) = line.and_then(|l| l.strip_prefix("Not Before: ")) {
            message.not_before = Some(date_time(v, "Not Before")?);
            line = lines.next();
        }
        if let Some(v) = line.and_then(|l| l.strip_prefix("Request ID: ")) {
            message.request_id = Some(v.to_owned());
            line = lines.next();
        }
        if line == Some("Resources:") {
            line = lines.next();
            while let Some(r) = line.and_then(|l| l.strip_prefix("- ")) {
                message.resources.push(r.to_owned());
                line = lines.next();
            }
        }
        if let Some(rest) = line {
            return Err(siwe_err(
                "message",
                if rest.is_empty() {
                    "unexpected empty line or trailing line break".to_owned()
                } else {
                    format!(
                        "unexpected line {:?} (optional fields come in the order Expiration \
                         Time, Not Before, Request ID, Resources, each at most once)",
                        short(rest)
                    )
                },
            ));
        }
        message.check()?;
        Ok(message)
    }

    /// Checks the message against what the caller expects, naming the first field that does
    /// not match: the domain, the scheme, the address, the chain id, the nonce, and with
    /// `time` that it is not expired (`time >= Expiration Time`) and already valid
    /// (`time >= Not Before`).
    pub fn validate(&self, expected: &SiweExpectations) -> Result<()> {
        if let Some(domain) = &expected.domain
            && *domain != self.domain
        {
            return Err(siwe_err(
                "domain",
                format!(
                    "the message is for {:?}, but the request comes from {domain:?}",
                    self.domain
                ),
            ));
        }
        if let Some(scheme) = &expected.scheme
            && let Some(ours) = &self.scheme
            && ours != scheme
        {
            return Err(siwe_err(
                "scheme",
                format!("the message names {ours:?}, but the request comes over {scheme:?}"),
            ));
        }
        if let Some(address) = &expected.address
            && *address != self.address
        {
            return Err(siwe_err(
                "address",
                format!(
                    "the message is for {}, but the signing account is {address}",
                    self.address
                ),
            ));
        }
        if let Some(chain_id) = expected.chain_id
            && chain_id != self.chain_id
        {
            return Err(siwe_err(
                "Chain ID",
                format!(
                    "the message is for chain {}, expected chain {chain_id}",
                    self.chain_id
                ),
            ));
        }
        if let Some(nonce) = &expected.nonce
            && *nonce != self.nonce
        {
            return Err(siwe_err(
                "Nonce",
                format!("the message has {:?}, expected {nonce:?}", self.nonce),
            ));
        }
        if let Some(now) = expected.time {
            if let Some(exp) = &self.expiration_time
                && exp.cmp_system_time(now).is_le()
            {
                return Err(siwe_err("Expiration Time", format!("expired at {exp}")));
            }
            if let Some(nbf) = &self.not_before
                && nbf.cmp_system_time(now).is_gt()
            {
                return Err(siwe_err("Not Before", format!("not valid before {nbf}")));
            }
        }
        Ok(())
    }

    /// Renders the message and signs the text with `personal_sign` (EIP-191). Refuses a
    /// message whose address is not the signer's and everything [`SiweMessage::to_message`]
    /// refuses. Returns the text and the signature.
    pub fn sign(&self, signer: &EvmSigner) -> Result<(String, Signature)> {
        if self.address != signer.address() {
            return Err(siwe_err(
                "address",
                format!(
                    "the message is for {}, but the signing account is {}",
                    self.address,
                    signer.address()
                ),
            ));
        }
        let text = self.to_message()?;
        let signature = signer.sign_message(text.as_bytes())?;
        Ok((text, signature))
    }
}

/// Parses a dApp's message, checks it against `expected` (with the signer's address added
/// when `expected.address` is `None`), and signs the given text itself with `personal_sign`.
/// Refuses everything [`SiweMessage::parse`] and [`SiweMessage::validate`] refuse, an
/// `expected` without a domain (the wallet must bind the signature to the requesting
/// origin), and a message naming a scheme other than `https` unless `expected.scheme` is it.
pub fn sign_message_text(
    text: &str,
    expected: &SiweExpectations,
    signer: &EvmSigner,
) -> Result<(SiweMessage, Signature)> {
    let message = SiweMessage::parse(text)?;
    // A wallet always knows where a request came from, and a message signed without that
    // check is one a phishing site can get for another domain.
    if expected.domain.is_none() {
        return Err(siwe_err(
            "domain",
            "the wallet must say which domain the request came from before signing",
        ));
    }
    if expected.scheme.is_none()
        && let Some(scheme) = &message.scheme
        && scheme != "https"
    {
        return Err(siwe_err(
            "scheme",
            format!(
                "the message names {scheme:?}: only https is signed unless the request came over it"
            ),
        ));
    }
    let mut expected = expected.clone();
    if let Some(address) = expected.address
        && address != signer.address()
    {
        return Err(siwe_err(
            "address",
            format!(
                "expected account {address} is not the signing account {}",
                signer.address()
            ),
        ));
    }
    expected.address = Some(signer.address());
    message.validate(&expected)?;
    let signature = signer.sign_message(text.as_bytes())?;
    Ok((message, signature))
}

/// Verifies a signed message: parses `text`, checks that its own address signed exactly
/// `text` with `personal_sign` (low `s` only) and that it meets `expected`. Contract accounts
/// (EIP-1271) are not supported: they cannot produce a recoverable signature.
pub fn verify(
    text: &str,
    signature: &Signature,
    expected: &SiweExpectations,
) -> Result<SiweMessage> {
    let message = SiweMessage::parse(text)?;
    verify_message(text.as_bytes(), signature, &message.address)?;
    message.validate(expected)?;
    Ok(message)
}

fn field<'a>(line: &'a str, name: &str) -> Result<&'a str> {
    line.strip_prefix(name)
        .and_then(|l| l.strip_prefix(": "))
        .ok_or_else(|| {
            siwe_err(
                name,
                format!("expected a line `{name}: ...`, found {:?}", short(line)),
            )
        })
}

fn parse_address(line: &str) -> Result<EvmAddress> {
    let well_formed = line.len() == 42
        && line.starts_with("0x")
        && line.bytes().skip(2).all(|c| c.is_ascii_hexdigit());
    if !well_formed {
        return Err(siwe_err(
            "address",
            format!("expected 0x and 40 hex digits, found {:?}", short(line)),
        ));
    }
    let address = EvmAddress::parse(line).map_err(|e| siwe_err("address", e.to_string()))?;
    if address.to_checksum() != line {
        return Err(siwe_err(
            "address",
            format!(
                "{line} is not in EIP-55 checksummed form ({})",
                address.to_checksum()
            ),
        ));
    }
    Ok(address)
}

fn parse_chain_id(s: &str) -> Result<u64> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(siwe_err(
            "Chain ID",
            format!("{:?} is not a decimal number", short(s)),
        ));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(siwe_err("Chain ID", format!("{s:?} has a leading zero")));
    }
    s.parse()
        .map_err(|_| siwe_err("Chain ID", format!("{s} does not fit in 64 bits")))
}

fn date_time(s: &str, name: &str) -> Result<DateTime> {
    DateTime::parse(s).map_err(|e| siwe_err(name, e))
}

/// The first 60 characters of a line, for error messages.
fn short(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", s.get(..i).unwrap_or(s)),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests;
