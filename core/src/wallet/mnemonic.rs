//! BIP39 mnemonics: generation from the OS random number generator, validation with precise
//! errors, every official wordlist, NFKD normalisation and the PBKDF2 seed.

use std::fmt;
use std::str::FromStr;

use rand_core::{OsRng, RngCore};
use unicode_normalization::UnicodeNormalization;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, Result};

/// The word counts BIP39 defines.
pub const WORD_COUNTS: [usize; 5] = [12, 15, 18, 21, 24];

/// PBKDF2-HMAC-SHA512 iterations of the BIP39 seed.
pub const SEED_ITERATIONS: u32 = 2048;

/// One of the official BIP39 wordlists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// English (the default).
    #[default]
    English,
    /// Simplified Chinese.
    ChineseSimplified,
    /// Traditional Chinese.
    ChineseTraditional,
    /// Czech.
    Czech,
    /// French.
    French,
    /// Italian.
    Italian,
    /// Japanese.
    Japanese,
    /// Korean.
    Korean,
    /// Portuguese.
    Portuguese,
    /// Spanish.
    Spanish,
}

impl Language {
    /// Every supported wordlist.
    pub const ALL: [Language; 10] = [
        Language::English,
        Language::ChineseSimplified,
        Language::ChineseTraditional,
        Language::Czech,
        Language::French,
        Language::Italian,
        Language::Japanese,
        Language::Korean,
        Language::Portuguese,
        Language::Spanish,
    ];

    /// The lowercase, hyphenated name used on the command line and in the FFI (`english`,
    /// `chinese-simplified`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Language::English => "english",
            Language::ChineseSimplified => "chinese-simplified",
            Language::ChineseTraditional => "chinese-traditional",
            Language::Czech => "czech",
            Language::French => "french",
            Language::Italian => "italian",
            Language::Japanese => "japanese",
            Language::Korean => "korean",
            Language::Portuguese => "portuguese",
            Language::Spanish => "spanish",
        }
    }

    /// The 2048 words of this list, in BIP39 order.
    pub fn word_list(self) -> &'static [&'static str; 2048] {
        self.to_bip39().word_list()
    }

    fn to_bip39(self) -> bip39::Language {
        match self {
            Language::English => bip39::Language::English,
            Language::ChineseSimplified => bip39::Language::SimplifiedChinese,
            Language::ChineseTraditional => bip39::Language::TraditionalChinese,
            Language::Czech => bip39::Language::Czech,
            Language::French => bip39::Language::French,
            Language::Italian => bip39::Language::Italian,
            Language::Japanese => bip39::Language::Japanese,
            Language::Korean => bip39::Language::Korean,
            Language::Portuguese => bip39::Language::Portuguese,
            Language::Spanish => bip39::Language::Spanish,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Language {
    type Err = Error;

    /// Accepts the names of [`Language::name`], case-insensitively, with `_` or `-`.
    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Language::ALL
            .into_iter()
            .find(|l| l.name() == wanted)
            .ok_or_else(|| Error::UnknownLanguage(s.to_owned()))
    }
}

/// A valid BIP39 mnemonic.
///
/// The phrase is kept in its canonical form (NFKD, lowercase, single spaces) and zeroized on
/// drop. `Mnemonic` deliberately has no `Display`; `Debug` prints a redaction. Use
/// [`Mnemonic::phrase`] when the words really must be shown to the user.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Mnemonic {
    phrase: String,
    #[zeroize(skip)]
    language: Language,
    #[zeroize(skip)]
    word_count: usize,
}

impl fmt::Debug for Mnemonic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mnemonic")
            .field("language", &self.language)
            .field("word_count", &self.word_count)
            .field("phrase", &"<redacted>")
            .finish()
    }
}

impl Mnemonic {
    /// Generates a new mnemonic of `word_count` words (12, 15, 18, 21 or 24) from the OS RNG.
    pub fn generate(word_count: usize, language: Language) -> Result<Self> {
        if !WORD_COUNTS.contains(&word_count) {
            return Err(Error::UnsupportedWordCount(word_count));
        }
        let mut entropy = Zeroizing::new([0u8; 32]);
        let len = word_count / 3 * 4;
        let buf = entropy
            .get_mut(..len)
            .ok_or(Error::UnsupportedWordCount(word_count))?;
        OsRng
            .try_fill_bytes(buf)
            .map_err(|e| Error::Rng(e.to_string()))?;
        Self::from_entropy(buf, language)
    }

    /// Builds the mnemonic that encodes `entropy` (16, 20, 24, 28 or 32 bytes).
    pub fn from_entropy(entropy: &[u8], language: Language) -> Result<Self> {
        let mut inner =
            bip39::Mnemonic::from_entropy_in(language.to_bip39(), entropy).map_err(|_| {
                Error::InvalidKey(format!(
                    "BIP39 entropy must be 16, 20, 24, 28 or 32 bytes, got {}",
                    entropy.len()
                ))
            })?;
        let m = Self::from_bip39(&inner, language);
        inner.zeroize();
        Ok(m)
    }

    /// Parses an English mnemonic. See [`Mnemonic::parse_in`].
    pub fn parse(phrase: &str) -> Result<Self> {
        Self::parse_in(Language::English, phrase)
    }

    /// Parses and validates a mnemonic in `language`.
    ///
    /// The input is NFKD-normalised and lowercased, and words may be separated by any
    /// whitespace (including the ideographic space used for Japanese). Errors name the
    /// position of an unknown word, a wrong word count, or a checksum mismatch.
    pub fn parse_in(language: Language, phrase: &str) -> Result<Self> {
        let normalized: Zeroizing<String> = Zeroizing::new(phrase.nfkd().collect::<String>());
        let lowered: Zeroizing<String> = Zeroizing::new(normalized.to_lowercase());
        let words: Vec<&str> = lowered.split_whitespace().collect();
        if !WORD_COUNTS.contains(&words.len()) {
            return Err(Error::MnemonicWordCount { got: words.len() });
        }
        let joined: Zeroizing<String> = Zeroizing::new(words.join(" "));
        let mut inner = bip39::Mnemonic::parse_in(language.to_bip39(), joined.as_str()).map_err(
            |e| match e {
                bip39::Error::BadWordCount(n) => Error::MnemonicWordCount { got: n },
                bip39::Error::UnknownWord(i) => Error::MnemonicUnknownWord {
                    position: i + 1,
                    language,
                },
                _ => Error::MnemonicChecksum,
            },
        )?;
        let m = Self::from_bip39(&inner, language);
        inner.zeroize();
        Ok(m)
    }

    fn from_bip39(inner: &bip39::Mnemonic, language: Language) -> Self {
        let mut phrase = String::new();
        for (i, word) in inner.words().enumerate() {
            if i > 0 {
                phrase.push(' ');
            }
            phrase.extend(word.nfkd());
        }
        Mnemonic {
            word_count: inner.word_count(),
            phrase,
            language,
        }
    }

    /// The canonical phrase: NFKD-normalised words separated by single ASCII spaces.
    pub fn phrase(&self) -> &str {
        &self.phrase
    }

    /// The wordlist of this mnemonic.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The number of words.
    pub fn word_count(&self) -> usize {
        self.word_count
    }

    /// The 64-byte BIP39 seed: PBKDF2-HMAC-SHA512 over the phrase with salt
    /// `"mnemonic" + passphrase` (the passphrase NFKD-normalised), 2048 iterations.
    pub fn to_seed(&self, passphrase: &str) -> Seed {
        let mut salt: Zeroizing<String> = Zeroizing::new(String::from("mnemonic"));
        salt.extend(passphrase.nfkd());
        let mut seed = Seed([0u8; 64]);
        pbkdf2::pbkdf2_hmac::<sha2::Sha512>(
            self.phrase.as_bytes(),
            salt.as_bytes(),
            SEED_ITERATIONS,
            &mut seed.0,
        );
        seed
    }
}

/// A 64-byte BIP39 seed. Zeroized on drop; `Debug` prints a redaction.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Seed([u8; 64]);

impl Seed {
    /// Wraps raw seed bytes (for example a seed stored by the host app's secure storage).
    pub fn from_bytes(bytes: [u8; 64]) -> Self {
        Seed(bytes)
    }

    /// The seed bytes.
    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }
}

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seed(<redacted>)")
    }
}

#[cfg(test)]
mod tests;
