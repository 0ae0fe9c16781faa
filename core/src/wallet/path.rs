//! BIP32 derivation paths (`m/44'/60'/0'/0/0`): parsing with precise errors, the canonical
//! text form, and the EVM and Solana account paths wallets use.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// The bit that marks a hardened child in a raw BIP32 child number (`2^31`).
pub const HARDENED_BIT: u32 = 1 << 31;

/// The deepest path BIP32 can serialise: the depth is a single byte.
pub const MAX_DEPTH: usize = 255;

/// One step of a derivation path: an index below `2^31` and whether it is hardened.
///
/// The fields are private so that an index of `2^31` or more cannot exist: build one with
/// [`ChildNumber::normal`], [`ChildNumber::hardened`] or [`ChildNumber::from_raw`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChildNumber {
    index: u32,
    hardened: bool,
}

impl ChildNumber {
    /// A non-hardened child. Refuses `index >= 2^31` (that range is the hardened one).
    pub fn normal(index: u32) -> Result<Self> {
        Self::new(index, false)
    }

    /// A hardened child (`index'`). Refuses `index >= 2^31`.
    pub fn hardened(index: u32) -> Result<Self> {
        Self::new(index, true)
    }

    /// A child with the given index and hardening. Refuses `index >= 2^31`.
    pub fn new(index: u32, hardened: bool) -> Result<Self> {
        if index >= HARDENED_BIT {
            let marker = if hardened { "'" } else { "" };
            return Err(Error::InvalidPath {
                path: format!("{index}{marker}"),
                reason: format!("child index {index} is out of range: it must be below 2^31"),
            });
        }
        Ok(ChildNumber { index, hardened })
    }

    /// Decodes a raw BIP32 child number (`ser32(i)`): values from `2^31` up are hardened.
    /// Every `u32` is valid, so this never fails.
    pub fn from_raw(raw: u32) -> Self {
        ChildNumber {
            index: raw & !HARDENED_BIT,
            hardened: raw & HARDENED_BIT != 0,
        }
    }

    /// The raw BIP32 child number: the index, plus `2^31` when hardened.
    pub fn to_raw(self) -> u32 {
        if self.hardened {
            self.index | HARDENED_BIT
        } else {
            self.index
        }
    }

    /// The index, without the hardened bit (always below `2^31`).
    pub fn index(self) -> u32 {
        self.index
    }

    /// Whether this child is hardened.
    pub fn is_hardened(self) -> bool {
        self.hardened
    }
}

impl fmt::Display for ChildNumber {
    /// The canonical form: the decimal index, followed by `'` when hardened.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hardened {
            write!(f, "{}'", self.index)
        } else {
            write!(f, "{}", self.index)
        }
    }
}

impl FromStr for ChildNumber {
    type Err = Error;

    /// Parses one path component: decimal digits without sign or leading zeros, optionally
    /// followed by one hardened marker (`'`, `h` or `H`). Refuses indexes of `2^31` or more.
    fn from_str(s: &str) -> Result<Self> {
        let reason = if s.is_empty() {
            "a child number cannot be empty".to_owned()
        } else {
            match parse_component(s) {
                Ok(child) => return Ok(child),
                Err(reason) => format!("{s:?} {reason}"),
            }
        };
        Err(Error::InvalidPath {
            path: s.to_owned(),
            reason,
        })
    }
}

/// Parses one non-empty component, returning the reason on failure; the caller names the
/// component (the reasons read as "<component> <reason>").
fn parse_component(s: &str) -> std::result::Result<ChildNumber, String> {
    let (digits, hardened) = match s.strip_suffix(['\'', 'h', 'H']) {
        Some(rest) => (rest, true),
        None => (s, false),
    };
    if digits.is_empty() {
        return Err("has a hardened marker but no index".to_owned());
    }
    if let Some(bad) = digits.chars().find(|c| !c.is_ascii_digit()) {
        let what = match bad {
            '+' | '-' => "a sign",
            c if c.is_whitespace() => "whitespace",
            '\'' | 'h' | 'H' => "more than one hardened marker",
            _ => "a character that is not a decimal digit",
        };
        return Err(format!(
            "contains {what} ({bad:?}); a component is a decimal index and an optional ', h or H"
        ));
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err("has a leading zero".to_owned());
    }
    match digits.parse::<u32>() {
        Ok(index) if index < HARDENED_BIT => Ok(ChildNumber { index, hardened }),
        _ => Err(
            "is out of range: the index must be below 2^31 (2147483648); \
                  mark a hardened index with ' instead of adding 2^31"
                .to_owned(),
        ),
    }
}

/// A BIP32 derivation path: the children to derive, in order, from the master key `m`.
///
/// Holds at most [`MAX_DEPTH`] components, each with an index below `2^31`. `Display` prints the
/// canonical form with `'` for hardened components (`m/44'/60'/0'/0/0`); the master key alone
/// prints as `m`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DerivationPath {
    children: Vec<ChildNumber>,
}

impl DerivationPath {
    /// The empty path `m`: the master key itself.
    pub fn master() -> Self {
        DerivationPath::default()
    }

    /// Parses a path such as `m/44'/60'/0'/0/0`.
    ///
    /// The path starts with `m` (`m` alone is the master key), and components are separated by
    /// `/`. A component is a decimal index below `2^31` without sign or leading zeros, optionally
    /// followed by one hardened marker: `'`, `h` or `H`. Whitespace anywhere, empty components
    /// (`m//0`, a trailing `/`), and more than 255 components are refused. The error names the
    /// offending component and its 1-based position.
    pub fn parse(path: &str) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidPath {
            path: path.to_owned(),
            reason,
        };
        let mut parts = path.split('/');
        match parts.next() {
            Some("m") => {}
            Some(first) if first.trim() == "m" => {
                return Err(invalid("whitespace is not allowed in a path".to_owned()));
            }
            _ => {
                return Err(invalid(
                    "a path starts with \"m\" (for example m/44'/60'/0'/0/0)".to_owned(),
                ));
            }
        }
        let mut children = Vec::new();
        for (i, part) in parts.enumerate() {
            let position = i + 1;
            if position > MAX_DEPTH {
                return Err(invalid(format!(
                    "more than {MAX_DEPTH} components: BIP32 depth is a single byte"
                )));
            }
            if part.is_empty() {
                return Err(invalid(format!(
                    "component {position} is empty (a doubled or trailing '/')"
                )));
            }
            let child = parse_component(part)
                .map_err(|reason| invalid(format!("component {position} ({part:?}) {reason}")))?;
            children.push(child);
        }
        Ok(DerivationPath { children })
    }

    /// Builds a path from its components. Refuses more than [`MAX_DEPTH`] components.
    pub fn from_children(children: Vec<ChildNumber>) -> Result<Self> {
        if children.len() > MAX_DEPTH {
            return Err(Error::InvalidPath {
                path: format!("<{} components>", children.len()),
                reason: format!("more than {MAX_DEPTH} components: BIP32 depth is a single byte"),
            });
        }
        Ok(DerivationPath { children })
    }

    /// The BIP44 Ethereum path `m/44'/60'/0'/0/{index}`, the one MetaMask, Trezor and anvil
    /// use (the last component is not hardened). Refuses `index >= 2^31`.
    pub fn evm(index: u32) -> Result<Self> {
        Ok(DerivationPath {
            children: vec![
                ChildNumber::hardened(44)?,
                ChildNumber::hardened(60)?,
                ChildNumber::hardened(0)?,
                ChildNumber::normal(0)?,
                ChildNumber::normal(index)?,
            ],
        })
    }

    /// The Solana account path for `index` in the given style (all components hardened, as
    /// SLIP-10 ed25519 requires):
    ///
    /// * [`SolanaPathStyle::Bip44Change`]: `m/44'/501'/{index}'/0'` (Phantom, Solflare,
    ///   `solana-keygen`);
    /// * [`SolanaPathStyle::Bip44`]: `m/44'/501'/{index}'` (Ledger Live, Trust Wallet).
    ///
    /// Refuses `index >= 2^31`.
    pub fn solana(index: u32, style: SolanaPathStyle) -> Result<Self> {
        let mut children = vec![
            ChildNumber::hardened(44)?,
            ChildNumber::hardened(501)?,
            ChildNumber::hardened(index)?,
        ];
        if style == SolanaPathStyle::Bip44Change {
            children.push(ChildNumber::hardened(0)?);
        }
        Ok(DerivationPath { children })
    }

    /// This path with `child` appended. Refuses to grow past [`MAX_DEPTH`] components.
    pub fn child(&self, child: ChildNumber) -> Result<Self> {
        if self.children.len() >= MAX_DEPTH {
            return Err(Error::InvalidPath {
                path: self.to_string(),
                reason: format!("cannot append {child}: a path has at most {MAX_DEPTH} components"),
            });
        }
        let mut children = self.children.clone();
        children.push(child);
        Ok(DerivationPath { children })
    }

    /// The components, from the master key down.
    pub fn children(&self) -> &[ChildNumber] {
        &self.children
    }

    /// The number of components (0 for `m`).
    pub fn depth(&self) -> usize {
        self.children.len()
    }

    /// Whether this is `m`, the master key itself.
    pub fn is_master(&self) -> bool {
        self.children.is_empty()
    }

    /// Iterates over the components, from the master key down.
    pub fn iter(&self) -> std::slice::Iter<'_, ChildNumber> {
        self.children.iter()
    }
}

impl<'a> IntoIterator for &'a DerivationPath {
    type Item = &'a ChildNumber;
    type IntoIter = std::slice::Iter<'a, ChildNumber>;

    fn into_iter(self) -> Self::IntoIter {
        self.children.iter()
    }
}

impl fmt::Display for DerivationPath {
    /// The canonical form: `m`, then `/index` or `/index'` per component.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("m")?;
        for child in &self.children {
            write!(f, "/{child}")?;
        }
        Ok(())
    }
}

impl FromStr for DerivationPath {
    type Err = Error;

    /// See [`DerivationPath::parse`].
    fn from_str(s: &str) -> Result<Self> {
        DerivationPath::parse(s)
    }
}

/// Which of the two Solana derivation layouts in common use to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SolanaPathStyle {
    /// `m/44'/501'/{index}'/0'`: Phantom, Solflare, Backpack and `solana-keygen` (the default).
    #[default]
    Bip44Change,
    /// `m/44'/501'/{index}'`: Ledger Live and Trust Wallet.
    Bip44,
}

impl SolanaPathStyle {
    /// Both styles.
    pub const ALL: [SolanaPathStyle; 2] = [SolanaPathStyle::Bip44Change, SolanaPathStyle::Bip44];

    /// The name used on the command line and in configuration: `bip44-change` or `bip44`.
    pub fn name(self) -> &'static str {
        match self {
            SolanaPathStyle::Bip44Change => "bip44-change",
            SolanaPathStyle::Bip44 => "bip44",
        }
    }
}

impl fmt::Display for SolanaPathStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SolanaPathStyle {
    type Err = Error;

    /// Accepts `bip44-change` (aliases `phantom`, `solflare`) and `bip44` (alias `ledger`),
    /// case-insensitively, with `_` or `-`. Anything else is an [`Error::InvalidPath`].
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "bip44-change" | "phantom" | "solflare" => Ok(SolanaPathStyle::Bip44Change),
            "bip44" | "ledger" => Ok(SolanaPathStyle::Bip44),
            _ => Err(Error::InvalidPath {
                path: s.to_owned(),
                reason: "unknown Solana path style: expected bip44-change (aliases phantom, \
                         solflare) or bip44 (alias ledger)"
                    .to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests;
