//! The token's user PIN.

use std::fmt;

use zeroize::Zeroizing;

/// A user PIN: zeroized on drop, never shown (`Debug` prints a redaction, there is no
/// `Display`).
#[derive(Clone)]
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// A PIN from its text (the caller reads it from where it is kept, e.g. an environment
    /// variable).
    pub fn new(pin: impl Into<String>) -> Self {
        Self(Zeroizing::new(pin.into()))
    }

    pub(crate) fn auth(&self) -> cryptoki::types::AuthPin {
        cryptoki::types::AuthPin::from(self.0.as_str())
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}
