//! A key pair on a PKCS#11 token: a logged-in session of its own, behind a mutex (a PKCS#11
//! session must not be used by two threads at once), and its public key, read at open.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use cryptoki::context::Pkcs11;
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;

use crate::error::{Error, Result};
use crate::pin::Pin;
use crate::point::{self, Curve};

/// Which token: by slot id or by label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// The token in this slot.
    Slot(u64),
    /// The one token with this label (labels are compared without their padding).
    Label(String),
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Slot(slot) => write!(f, "in slot {slot}"),
            Token::Label(label) => write!(f, "{label:?}"),
        }
    }
}

/// Where a key is: the module, the token, the key's label (`CKA_LABEL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLocation {
    /// The PKCS#11 module (the HSM vendor's shared library).
    pub module: PathBuf,
    /// The token.
    pub token: Token,
    /// The label of the private key and of its public key object.
    pub key_label: String,
}

/// A key pair on a PKCS#11 token, logged in and ready to sign.
///
/// Holds the PIN (zeroized on drop) to log in again when the token drops its session (an
/// HSM restart). `Debug` shows where the key is, never the PIN.
pub struct Pkcs11Key {
    location: KeyLocation,
    curve: Curve,
    pin: Pin,
    context: Pkcs11,
    public: Vec<u8>,
    session: Mutex<Option<Open>>,
}

/// A logged-in session and the private key's handle in it.
struct Open {
    session: Session,
    key: ObjectHandle,
}

impl Pkcs11Key {
    /// Opens the key pair at `location` on `curve`: loads the module, finds the token, logs
    /// in with `pin`, finds the private key by label and reads its public key.
    ///
    /// Refuses a missing module or token, a wrong or locked PIN, a missing key, a label
    /// shared by several private keys, a key on another curve, and a key without a readable
    /// public key object of the same label.
    pub fn open(location: KeyLocation, pin: Pin, curve: Curve) -> Result<Self> {
        let context = crate::module::load(&location.module)?;
        let (open, public) = connect(&context, &location, &pin, curve)?;
        Ok(Self {
            location,
            curve,
            pin,
            context,
            public,
            session: Mutex::new(Some(open)),
        })
    }

    /// The public key: 65 bytes uncompressed SEC1 for secp256k1, 32 bytes for ed25519.
    pub fn public_key(&self) -> &[u8] {
        &self.public
    }

    /// The curve of the key.
    pub fn curve(&self) -> Curve {
        self.curve
    }

    /// Where the key is.
    pub fn location(&self) -> &KeyLocation {
        &self.location
    }

    /// Signs `data` with the token's mechanism for the curve: `CKM_ECDSA` over `data` as a
    /// prehash (secp256k1; `r || s`, `s` as the token made it), `CKM_EDDSA` over the message
    /// (ed25519). Opens a new session and logs in again, once, when the token lost the
    /// session.
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>> {
        let mut guard = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(open) = guard.as_ref() {
            match self.sign_in(open, data) {
                Err(Error::Call {
                    retryable: true, ..
                }) => {}
                done => return done,
            }
        }
        // No session, or the token lost it: a new one (closing the old one first).
        *guard = None;
        let (open, public) = connect(&self.context, &self.location, &self.pin, self.curve)?;
        if public != self.public {
            return Err(self.bad_key(
                "the key with this label changed since the daemon started; restart it".into(),
            ));
        }
        let signed = self.sign_in(&open, data);
        *guard = Some(open);
        signed
    }

    fn sign_in(&self, open: &Open, data: &[u8]) -> Result<Vec<u8>> {
        let eddsa;
        let mechanism = match self.curve {
            Curve::Secp256k1 => &Mechanism::Ecdsa,
            Curve::Ed25519 => {
                eddsa = Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure));
                &eddsa
            }
        };
        let signature = open
            .session
            .sign(mechanism, open.key, data)
            .map_err(|e| call_error(&self.location, "C_Sign", &e))?;
        let expected = self.curve.signature_len();
        if signature.len() != expected {
            return Err(self.bad_key(format!(
                "C_Sign returned {} bytes, expected {expected}",
                signature.len()
            )));
        }
        Ok(signature)
    }

    /// `pkcs11 token "ops" key "validator"`: for logs and errors.
    pub fn describe(&self) -> String {
        format!(
            "pkcs11 token {} key {:?}",
            self.location.token, self.location.key_label
        )
    }

    fn bad_key(&self, reason: String) -> Error {
        bad_key(&self.location, reason)
    }
}

impl fmt::Debug for Pkcs11Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Key")
            .field("module", &self.location.module)
            .field("token", &self.location.token)
            .field("key_label", &self.location.key_label)
            .field("curve", &self.curve)
            .finish_non_exhaustive()
    }
}

/// Finds the token, opens a session, logs in and finds the key pair: the session with the
/// private key's handle, and the public key.
fn connect(
    context: &Pkcs11,
    location: &KeyLocation,
    pin: &Pin,
    curve: Curve,
) -> Result<(Open, Vec<u8>)> {
    let slot = find_slot(context, location)?;
    let session = context
        .open_ro_session(slot)
        .map_err(|e| call_error(location, "C_OpenSession", &e))?;
    let token = location.token.to_string();
    match session.login(UserType::User, Some(&pin.auth())) {
        // Login is per token and application: another key's session may have logged in.
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
        Err(CkError::Pkcs11(RvError::PinLocked, _)) => return Err(Error::PinLocked { token }),
        Err(CkError::Pkcs11(
            rv @ (RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange),
            _,
        )) => {
            return Err(Error::WrongPin {
                token,
                code: ckr(rv),
            });
        }
        Err(e) => return Err(call_error(location, "C_Login", &e)),
    }
    let key = find_private_key(&session, location, curve)?;
    let public = read_public_key(&session, location, curve)?;
    Ok((Open { session, key }, public))
}

fn find_slot(context: &Pkcs11, location: &KeyLocation) -> Result<Slot> {
    let token = location.token.to_string();
    let slots = context
        .get_slots_with_initialized_token()
        .map_err(|e| call_error(location, "C_GetSlotList", &e))?;
    match &location.token {
        Token::Slot(id) => {
            slots
                .into_iter()
                .find(|s| s.id() == *id)
                .ok_or_else(|| Error::TokenNotFound {
                    token,
                    reason: format!("slot {id} holds no initialised token"),
                })
        }
        Token::Label(label) => {
            let mut found = Vec::new();
            let mut labels = Vec::new();
            for slot in slots {
                let info = context
                    .get_token_info(slot)
                    .map_err(|e| call_error(location, "C_GetTokenInfo", &e))?;
                let this = info.label().trim_end().to_owned();
                if this == *label {
                    found.push(slot);
                }
                labels.push(format!("{this:?}"));
            }
            match found.as_slice() {
                [slot] => Ok(*slot),
                [] => Err(Error::TokenNotFound {
                    token,
                    reason: if labels.is_empty() {
                        "the module has no initialised token".into()
                    } else {
                        format!("the module's tokens are {}", labels.join(", "))
                    },
                }),
                several => Err(Error::TokenNotFound {
                    token,
                    reason: format!(
                        "{} tokens have this label: choose one by `slot`",
                        several.len()
                    ),
                }),
            }
        }
    }
}

fn find_private_key(
    session: &Session,
    location: &KeyLocation,
    curve: Curve,
) -> Result<ObjectHandle> {
    let label = Attribute::Label(location.key_label.as_bytes().to_vec());
    let find = |template: &[Attribute]| {
        session
            .find_objects(template)
            .map_err(|e| call_error(location, "C_FindObjects", &e))
    };
    let keys = find(&[Attribute::Class(ObjectClass::PRIVATE_KEY), label.clone()])?;
    match keys.as_slice() {
        [] => Err(Error::KeyNotFound {
            token: location.token.to_string(),
            label: location.key_label.clone(),
        }),
        [key] => {
            let key_type = session
                .get_attributes(*key, &[AttributeType::KeyType])
                .map_err(|e| call_error(location, "C_GetAttributeValue", &e))?;
            let wanted = curve.key_type();
            match key_type.first() {
                Some(Attribute::KeyType(t)) if *t == wanted => Ok(*key),
                other => Err(bad_key(
                    location,
                    format!(
                        "the private key is of type {}, not {} ({curve})",
                        other
                            .and_then(|a| match a {
                                Attribute::KeyType(t) => Some(t.to_string()),
                                _ => None,
                            })
                            .unwrap_or_else(|| "unknown".into()),
                        key_type_name(wanted)
                    ),
                )),
            }
        }
        several => Err(bad_key(
            location,
            format!(
                "{} private keys have this label: give the key a label of its own",
                several.len()
            ),
        )),
    }
}

fn read_public_key(session: &Session, location: &KeyLocation, curve: Curve) -> Result<Vec<u8>> {
    let objects = session
        .find_objects(&[
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::Label(location.key_label.as_bytes().to_vec()),
        ])
        .map_err(|e| call_error(location, "C_FindObjects", &e))?;
    let [public] = objects.as_slice() else {
        return Err(bad_key(
            location,
            format!(
                "expected one public key object with the private key's label, found {}",
                objects.len()
            ),
        ));
    };
    let attributes = session
        .get_attributes(*public, &[AttributeType::EcParams, AttributeType::EcPoint])
        .map_err(|e| call_error(location, "C_GetAttributeValue", &e))?;
    let (mut params, mut ec_point) = (None, None);
    for attribute in attributes {
        match attribute {
            Attribute::EcParams(p) => params = Some(p),
            Attribute::EcPoint(p) => ec_point = Some(p),
            _ => {}
        }
    }
    let (Some(params), Some(ec_point)) = (params, ec_point) else {
        return Err(bad_key(
            location,
            "the public key object has no CKA_EC_PARAMS or CKA_EC_POINT".into(),
        ));
    };
    if !curve.has_params(&params) {
        return Err(bad_key(
            location,
            format!(
                "the key is not on {curve} (CKA_EC_PARAMS {})",
                point::hex(&params)
            ),
        ));
    }
    curve.public_key(&ec_point).ok_or_else(|| {
        bad_key(
            location,
            format!("CKA_EC_POINT is not a {curve} public key"),
        )
    })
}

fn bad_key(location: &KeyLocation, reason: String) -> Error {
    Error::BadKey {
        token: location.token.to_string(),
        label: location.key_label.clone(),
        reason,
    }
}

/// The error of a failed PKCS#11 call, retryable when a new session may help.
fn call_error(location: &KeyLocation, function: &str, e: &CkError) -> Error {
    let (code, retryable) = match e {
        CkError::Pkcs11(rv, _) => (
            ckr(*rv),
            matches!(
                rv,
                RvError::SessionHandleInvalid
                    | RvError::SessionClosed
                    | RvError::UserNotLoggedIn
                    | RvError::DeviceRemoved
                    | RvError::DeviceError
                    | RvError::TokenNotPresent
                    | RvError::DeviceMemory
                    | RvError::GeneralError
                    | RvError::FunctionFailed
            ),
        ),
        other => (other.to_string(), false),
    };
    Error::Call {
        token: location.token.to_string(),
        label: location.key_label.clone(),
        function: function.into(),
        code,
        retryable,
    }
}

/// `CKR_PIN_INCORRECT` for `RvError::PinIncorrect`: the names operators find in their HSM's
/// documentation.
fn ckr(rv: RvError) -> String {
    let name = format!("{rv:?}");
    let mut out = String::from("CKR");
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn key_type_name(key_type: KeyType) -> String {
    key_type.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_codes_read_as_in_the_standard() {
        assert_eq!(ckr(RvError::PinIncorrect), "CKR_PIN_INCORRECT");
        assert_eq!(
            ckr(RvError::UserAlreadyLoggedIn),
            "CKR_USER_ALREADY_LOGGED_IN"
        );
    }

    #[test]
    fn pins_do_not_show() {
        let pin = Pin::new("123456");
        assert_eq!(format!("{pin:?}"), "Pin(<redacted>)");
    }
}
