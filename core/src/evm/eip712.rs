//! EIP-712 typed structured data, as `eth_signTypedData_v4` takes it.
//!
//! Encoding follows MetaMask's `@metamask/eth-sig-util` `signTypedData` V4 where it defines
//! behaviour: `EIP712Domain` comes from `types` (an absent definition is an empty struct), a
//! `primaryType` of `EIP712Domain` signs `keccak256(0x1901 || domainSeparator)` only, a missing
//! or `null` struct value encodes as 32 zero bytes, a `null` string hashes as the empty string,
//! `bytes` values are `0x`-hex (other strings are taken as UTF-8, odd-length hex gets a leading
//! zero), numbers may be JSON numbers, decimal strings or `0x`-hex strings, and message keys
//! that are not fields are ignored.
//!
//! It is stricter where eth-sig-util accepts input that is almost certainly a mistake: cyclic
//! type definitions, values out of range for their type (eth-sig-util lets `int8` take 255 and
//! `bytes4` take 5 bytes), fixed-size arrays of the wrong length, `bool` values that are not
//! JSON booleans (eth-sig-util uses JavaScript truthiness, so `"false"` is true), addresses
//! that are not 20 bytes of hex, and type or field names that are not identifiers (they would
//! make `encodeType` ambiguous).

use std::collections::{BTreeMap, BTreeSet};

use ruint::aliases::U256;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::evm::keccak256;
use crate::evm::quantity::{json_safe_integer, kind, parse_u256_str, short};

/// The name of the domain struct type.
pub const DOMAIN_TYPE: &str = "EIP712Domain";

/// Most struct types a document may define.
const MAX_TYPES: usize = 256;
/// Longest `encodeType` string accepted (real-world ones are a few KiB); bounds the work a
/// hostile document can cause by referencing one huge struct from many others.
const MAX_ENCODED_TYPE_LEN: usize = 256 * 1024;
/// Deepest nesting of structs and arrays a value may have.
const MAX_DEPTH: usize = 128;

fn err(path: &str, reason: impl std::fmt::Display) -> Error {
    Error::InvalidTypedData(format!("{path}: {reason}"))
}

/// An atomic (non-struct, non-array) EIP-712 type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Atomic {
    Uint(u16),
    Int(u16),
    Bool,
    Address,
    FixedBytes(u8),
    Bytes,
    String,
}

impl Atomic {
    fn parse(name: &str) -> Option<Self> {
        let bits = |digits: &str| -> Option<u16> {
            if digits.starts_with('0') {
                return None;
            }
            let n: u16 = digits.parse().ok()?;
            (n.is_multiple_of(8) && (8..=256).contains(&n)).then_some(n)
        };
        match name {
            "bool" => Some(Self::Bool),
            "address" => Some(Self::Address),
            "bytes" => Some(Self::Bytes),
            "string" => Some(Self::String),
            _ => {
                if let Some(d) = name.strip_prefix("uint") {
                    bits(d).map(Self::Uint)
                } else if let Some(d) = name.strip_prefix("int") {
                    bits(d).map(Self::Int)
                } else if let Some(d) = name.strip_prefix("bytes") {
                    if d.starts_with('0') {
                        return None;
                    }
                    let n: u8 = d.parse().ok()?;
                    (1..=32).contains(&n).then_some(Self::FixedBytes(n))
                } else {
                    None
                }
            }
        }
    }
}

/// A parsed field type.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FieldType {
    Atomic(Atomic),
    Struct(String),
    /// Element type and, for `T[N]`, the length.
    Array(Box<FieldType>, Option<usize>),
}

/// One member of a struct type.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Field {
    name: String,
    /// The type as written, used verbatim in `encodeType`.
    type_str: String,
    ty: FieldType,
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Parses `Base[2][]`-style type strings; `structs` are the defined struct names.
fn parse_field_type(s: &str, structs: &BTreeSet<&str>) -> std::result::Result<FieldType, String> {
    if let Some(inner) = s.strip_suffix(']') {
        let open = inner
            .rfind('[')
            .ok_or_else(|| format!("type {} has an unmatched ']'", short(s)))?;
        let (base, dim) = inner.split_at(open);
        let dim = dim.strip_prefix('[').unwrap_or(dim);
        let len = if dim.is_empty() {
            None
        } else {
            if !dim.chars().all(|c| c.is_ascii_digit()) || dim.starts_with('0') {
                return Err(format!(
                    "array length {dim:?} in type {} is not a positive integer",
                    short(s)
                ));
            }
            Some(
                dim.parse::<usize>()
                    .map_err(|_| format!("array length {dim:?} is too large"))?,
            )
        };
        let elem = parse_field_type(base, structs)?;
        return Ok(FieldType::Array(Box::new(elem), len));
    }
    if let Some(atomic) = Atomic::parse(s) {
        return Ok(FieldType::Atomic(atomic));
    }
    if structs.contains(s) {
        return Ok(FieldType::Struct(s.to_owned()));
    }
    Err(format!("unknown type {}", short(s)))
}

impl FieldType {
    /// The struct this type refers to, through any array dimensions.
    fn struct_name(&self) -> Option<&str> {
        match self {
            Self::Struct(name) => Some(name),
            Self::Array(elem, _) => elem.struct_name(),
            Self::Atomic(_) => None,
        }
    }
}

/// EIP-712 typed data: types, primary type, domain and message, checked and hashed.
///
/// Construction validates the types and encodes the whole document, so a `TypedData` always
/// has a digest; [`TypedData::signing_hash`] cannot fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedData {
    types: BTreeMap<String, Vec<Field>>,
    /// For each type, the distinct struct types its fields reference.
    refs: BTreeMap<String, BTreeSet<String>>,
    primary_type: String,
    domain: Value,
    message: Value,
    type_hashes: BTreeMap<String, [u8; 32]>,
    domain_separator: [u8; 32],
    digest: [u8; 32],
}

impl TypedData {
    /// Parses the JSON text `eth_signTypedData_v4` takes.
    pub fn from_json(json: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| Error::InvalidTypedData(format!("not valid JSON: {e}")))?;
        Self::from_value(&value)
    }

    /// Parses an `eth_signTypedData_v4` object: `{types, primaryType, domain, message}`.
    ///
    /// Refuses unknown types, cyclic type definitions, malformed type or field names, duplicate
    /// fields, a `primaryType` that is not defined, domain fields that are not atomic types,
    /// missing atomic values and values that do not fit their type, naming the path of the bad
    /// value (`message.from.wallet`). Also refuses documents past the resource limits: more
    /// than 256 struct types, an `encodeType` string over 256 KiB, or values nested more than
    /// 128 levels.
    pub fn from_value(value: &Value) -> Result<Self> {
        let Value::Object(top) = value else {
            return Err(Error::InvalidTypedData(format!(
                "expected a JSON object with types, primaryType, domain and message, got {}",
                kind(value)
            )));
        };
        let types = parse_types(top.get("types"))?;
        let refs = types
            .iter()
            .map(|(name, fields)| {
                let direct = fields
                    .iter()
                    .filter_map(|f| f.ty.struct_name())
                    .map(str::to_owned)
                    .collect();
                (name.clone(), direct)
            })
            .collect();
        let primary_type = match top.get("primaryType") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(err(
                    "primaryType",
                    format!("expected a string, got {}", kind(other)),
                ));
            }
            None => return Err(err("primaryType", "missing")),
        };
        if !types.contains_key(&primary_type) {
            return Err(err(
                "primaryType",
                format!("{} is not defined in types", short(&primary_type)),
            ));
        }
        let domain = match top.get("domain") {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(other) => {
                return Err(err(
                    "domain",
                    format!("expected an object, got {}", kind(other)),
                ));
            }
        };
        let message = top.get("message").cloned().unwrap_or(Value::Null);
        let mut data = Self {
            types,
            refs,
            primary_type,
            domain,
            message,
            type_hashes: BTreeMap::new(),
            domain_separator: [0; 32],
            digest: [0; 32],
        };
        let mut type_hashes = BTreeMap::new();
        for name in data.types.keys() {
            type_hashes.insert(name.clone(), keccak256(data.encode_type(name)?));
        }
        data.type_hashes = type_hashes;
        data.domain_separator = data.hash_struct_at(DOMAIN_TYPE, &data.domain, "domain", 0)?;
        let mut preimage = Vec::with_capacity(66);
        preimage.extend_from_slice(&[0x19, 0x01]);
        preimage.extend_from_slice(&data.domain_separator);
        if data.primary_type != DOMAIN_TYPE {
            let message_hash =
                data.hash_struct_at(&data.primary_type, &data.message, "message", 0)?;
            preimage.extend_from_slice(&message_hash);
        }
        data.digest = keccak256(preimage);
        Ok(data)
    }

    /// The `primaryType`.
    pub fn primary_type(&self) -> &str {
        &self.primary_type
    }

    /// The `domain` object (an empty object if the input had none).
    pub fn domain(&self) -> &Value {
        &self.domain
    }

    /// The `message` value.
    pub fn message(&self) -> &Value {
        &self.message
    }

    /// The names of the defined struct types, sorted; always includes `EIP712Domain`.
    pub fn type_names(&self) -> impl Iterator<Item = &str> {
        self.types.keys().map(String::as_str)
    }

    /// `encodeType(name)`: `Name(type1 field1,...)` followed by every struct it references,
    /// sorted by name. Refuses names that are not defined.
    pub fn encode_type(&self, name: &str) -> Result<String> {
        if !self.types.contains_key(name) {
            return Err(Error::InvalidTypedData(format!(
                "type {} is not defined",
                short(name)
            )));
        }
        let mut deps = BTreeSet::new();
        let direct = |ty: &str| self.refs.get(ty).into_iter().flatten().map(String::as_str);
        let mut stack: Vec<&str> = direct(name).collect();
        while let Some(dep) = stack.pop() {
            if dep != name && deps.insert(dep) {
                stack.extend(direct(dep));
            }
        }
        let mut out = String::new();
        for ty in std::iter::once(name).chain(deps) {
            out.push_str(ty);
            out.push('(');
            let members = self.types.get(ty).map(Vec::as_slice).unwrap_or_default();
            for (i, f) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&f.type_str);
                out.push(' ');
                out.push_str(&f.name);
            }
            out.push(')');
            if out.len() > MAX_ENCODED_TYPE_LEN {
                return Err(Error::InvalidTypedData(format!(
                    "encodeType of {name} is longer than {MAX_ENCODED_TYPE_LEN} bytes"
                )));
            }
        }
        Ok(out)
    }

    /// `typeHash(name)` = keccak256 of [`TypedData::encode_type`].
    pub fn type_hash(&self, name: &str) -> Result<[u8; 32]> {
        Ok(keccak256(self.encode_type(name)?))
    }

    /// `hashStruct(name, value)` of any value against this document's types (V4 rules).
    pub fn struct_hash(&self, name: &str, value: &Value) -> Result<[u8; 32]> {
        if !self.types.contains_key(name) {
            return Err(Error::InvalidTypedData(format!(
                "type {} is not defined",
                short(name)
            )));
        }
        self.hash_struct_at(name, value, name, 0)
    }

    /// `hashStruct(primaryType, message)`. For a `primaryType` of `EIP712Domain` this is the
    /// domain separator.
    pub fn message_hash(&self) -> Result<[u8; 32]> {
        if self.primary_type == DOMAIN_TYPE {
            return Ok(self.domain_separator);
        }
        self.hash_struct_at(&self.primary_type, &self.message, "message", 0)
    }

    /// `hashStruct(EIP712Domain, domain)`.
    pub fn domain_separator(&self) -> [u8; 32] {
        self.domain_separator
    }

    /// The digest that is signed: `keccak256(0x1901 || domainSeparator || hashStruct(message))`,
    /// without the message hash when `primaryType` is `EIP712Domain`.
    pub fn signing_hash(&self) -> [u8; 32] {
        self.digest
    }

    fn hash_struct_at(
        &self,
        name: &str,
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Result<[u8; 32]> {
        if depth > MAX_DEPTH {
            return Err(err(path, format!("nested deeper than {MAX_DEPTH} levels")));
        }
        let fields = self
            .types
            .get(name)
            .ok_or_else(|| err(path, format!("type {} is not defined", short(name))))?;
        let Value::Object(obj) = value else {
            return Err(err(
                path,
                format!("expected an object for struct {name}, got {}", kind(value)),
            ));
        };
        let mut enc = Vec::with_capacity(32 * (fields.len() + 1));
        match self.type_hashes.get(name) {
            Some(hash) => enc.extend_from_slice(hash),
            None => enc.extend_from_slice(&self.type_hash(name)?),
        }
        for field in fields {
            let field_path = format!("{path}.{}", field.name);
            let word =
                self.encode_value(&field.ty, obj.get(&field.name), &field_path, depth + 1)?;
            enc.extend_from_slice(&word);
        }
        Ok(keccak256(enc))
    }

    fn encode_value(
        &self,
        ty: &FieldType,
        value: Option<&Value>,
        path: &str,
        depth: usize,
    ) -> Result<[u8; 32]> {
        if depth > MAX_DEPTH {
            return Err(err(path, format!("nested deeper than {MAX_DEPTH} levels")));
        }
        match ty {
            FieldType::Struct(name) => match value {
                None | Some(Value::Null) => Ok([0u8; 32]),
                Some(v) => self.hash_struct_at(name, v, path, depth + 1),
            },
            FieldType::Array(elem, len) => {
                let items = match value {
                    Some(Value::Array(items)) => items,
                    None => return Err(err(path, "missing value")),
                    Some(other) => {
                        return Err(err(path, format!("expected an array, got {}", kind(other))));
                    }
                };
                if let Some(n) = len
                    && items.len() != *n
                {
                    return Err(err(
                        path,
                        format!("fixed-size array of {n} has {} elements", items.len()),
                    ));
                }
                let mut enc = Vec::with_capacity(32 * items.len());
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    enc.extend_from_slice(&self.encode_value(
                        elem,
                        Some(item),
                        &item_path,
                        depth + 1,
                    )?);
                }
                Ok(keccak256(enc))
            }
            FieldType::Atomic(atomic) => {
                let value = value.ok_or_else(|| err(path, "missing value"))?;
                encode_atomic(*atomic, value).map_err(|reason| err(path, reason))
            }
        }
    }
}

/// Deserializes from the `eth_signTypedData_v4` object, or from a JSON string holding it (the
/// form many dapps pass as the RPC parameter).
impl<'de> serde::Deserialize<'de> for TypedData {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(json) => Self::from_json(&json),
            other => Self::from_value(&other),
        }
        .map_err(serde::de::Error::custom)
    }
}

/// Encodes one atomic value into its 32-byte word.
fn encode_atomic(ty: Atomic, value: &Value) -> std::result::Result<[u8; 32], String> {
    match ty {
        Atomic::Uint(bits) => {
            let (negative, magnitude) = parse_integer(value)?;
            if negative && magnitude != U256::ZERO {
                return Err(format!("negative value for uint{bits}"));
            }
            if magnitude.bit_len() > usize::from(bits) {
                return Err(format!("{magnitude} does not fit in uint{bits}"));
            }
            Ok(magnitude.to_be_bytes())
        }
        Atomic::Int(bits) => {
            let (negative, magnitude) = parse_integer(value)?;
            let limit = U256::from(1u8) << (usize::from(bits) - 1);
            let fits = if negative {
                magnitude <= limit
            } else {
                magnitude < limit
            };
            if !fits {
                let sign = if negative { "-" } else { "" };
                return Err(format!("{sign}{magnitude} does not fit in int{bits}"));
            }
            let word = if negative {
                U256::ZERO.wrapping_sub(magnitude)
            } else {
                magnitude
            };
            Ok(word.to_be_bytes())
        }
        Atomic::Bool => match value {
            Value::Bool(b) => Ok(U256::from(u8::from(*b)).to_be_bytes()),
            other => Err(format!("expected true or false, got {}", kind(other))),
        },
        Atomic::Address => {
            let Value::String(s) = value else {
                return Err(format!("expected an address string, got {}", kind(value)));
            };
            let digits = s
                .strip_prefix("0x")
                .or_else(|| s.strip_prefix("0X"))
                .ok_or_else(|| format!("address {} is not 0x-prefixed", short(s)))?;
            if digits.len() != 40 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!("address {} is not 40 hex digits", short(s)));
            }
            let mut word = [0u8; 32];
            let (_, tail) = word.split_at_mut(12);
            hex::decode_to_slice(digits, tail).map_err(|e| format!("address is not hex: {e}"))?;
            Ok(word)
        }
        Atomic::FixedBytes(n) => {
            let bytes = match value {
                Value::String(s) => decode_hex_value(s)
                    .ok_or_else(|| format!("bytes{n} value {} is not 0x-hex", short(s)))?,
                Value::Number(_) => number_to_bytes(value)?,
                other => return Err(format!("expected a 0x-hex string, got {}", kind(other))),
            };
            if bytes.len() > usize::from(n) {
                return Err(format!("{} bytes do not fit in bytes{n}", bytes.len()));
            }
            let mut word = [0u8; 32];
            word.iter_mut().zip(&bytes).for_each(|(w, b)| *w = *b);
            Ok(word)
        }
        Atomic::Bytes => match value {
            Value::String(s) => Ok(keccak256(
                decode_hex_value(s).unwrap_or_else(|| s.as_bytes().to_vec()),
            )),
            Value::Number(_) => Ok(keccak256(number_to_bytes(value)?)),
            other => Err(format!("expected a 0x-hex string, got {}", kind(other))),
        },
        Atomic::String => match value {
            Value::String(s) => Ok(keccak256(s.as_bytes())),
            Value::Null => Ok(keccak256([])),
            Value::Number(_) => Ok(keccak256(number_to_bytes(value)?)),
            other => Err(format!("expected a string, got {}", kind(other))),
        },
    }
}

/// `0x`-hex as eth-sig-util reads it for `bytes`: odd length gets a leading zero; `None` if
/// the string is not `0x` followed by hex digits.
fn decode_hex_value(s: &str) -> Option<Vec<u8>> {
    let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    if !digits.len().is_multiple_of(2) {
        hex::decode(format!("0{digits}")).ok()
    } else {
        hex::decode(digits).ok()
    }
}

/// A non-negative JSON integer as minimal big-endian bytes (eth-sig-util's `numberToBuffer`).
fn number_to_bytes(value: &Value) -> std::result::Result<Vec<u8>, String> {
    let (negative, magnitude) = parse_integer(value)?;
    if negative {
        return Err("negative number where bytes are expected".into());
    }
    let be: [u8; 32] = magnitude.to_be_bytes();
    let skip = be.iter().take_while(|b| **b == 0).count().min(31);
    Ok(be.get(skip..).unwrap_or(&[]).to_vec())
}

/// Parses an integer as (is negative, magnitude) from a JSON number, a decimal string (with
/// an optional `-`) or a `0x`-hex string.
fn parse_integer(value: &Value) -> std::result::Result<(bool, U256), String> {
    match value {
        Value::Number(n) => {
            let (negative, magnitude) = json_safe_integer(n)?;
            Ok((negative, U256::from(magnitude)))
        }
        Value::String(s) => {
            let (negative, digits) = match s.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, s.as_str()),
            };
            if negative && (digits.starts_with("0x") || digits.starts_with("0X")) {
                return Err(format!("{} : negative hex is not a number", short(s)));
            }
            Ok((negative, parse_u256_str(digits)?))
        }
        Value::Null => Err("missing value (null)".into()),
        other => Err(format!(
            "expected a number or numeric string, got {}",
            kind(other)
        )),
    }
}

/// Parses and checks `types`, adding an empty `EIP712Domain` if it is absent.
fn parse_types(value: Option<&Value>) -> Result<BTreeMap<String, Vec<Field>>> {
    let obj = match value {
        Some(Value::Object(obj)) => obj,
        Some(other) => {
            return Err(err(
                "types",
                format!("expected an object, got {}", kind(other)),
            ));
        }
        None => return Err(err("types", "missing")),
    };
    if obj.len() > MAX_TYPES {
        return Err(err(
            "types",
            format!("{} types defined, at most {MAX_TYPES} allowed", obj.len()),
        ));
    }
    let mut names: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
    names.insert(DOMAIN_TYPE);
    for name in &names {
        if !is_identifier(name) {
            return Err(err(
                "types",
                format!("type name {} is not an identifier", short(name)),
            ));
        }
        if Atomic::parse(name).is_some() {
            return Err(err(
                "types",
                format!("type name {name} shadows an atomic type"),
            ));
        }
    }
    let mut types = BTreeMap::new();
    for (name, def) in obj {
        let path = format!("types.{name}");
        let Value::Array(members) = def else {
            return Err(err(
                &path,
                format!("expected an array of {{name, type}}, got {}", kind(def)),
            ));
        };
        let mut fields: Vec<Field> = Vec::with_capacity(members.len());
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for (i, member) in members.iter().enumerate() {
            let mpath = format!("{path}[{i}]");
            let Value::Object(m) = member else {
                return Err(err(
                    &mpath,
                    format!("expected {{name, type}}, got {}", kind(member)),
                ));
            };
            let (Some(Value::String(fname)), Some(Value::String(ftype))) =
                (m.get("name"), m.get("type"))
            else {
                return Err(err(&mpath, "expected string members name and type"));
            };
            if !is_identifier(fname) {
                return Err(err(
                    &mpath,
                    format!("field name {} is not an identifier", short(fname)),
                ));
            }
            if !seen.insert(fname.as_str()) {
                return Err(err(&mpath, format!("duplicate field name {fname}")));
            }
            let ty =
                parse_field_type(ftype, &names).map_err(|e| err(&format!("{path}.{fname}"), e))?;
            if name == DOMAIN_TYPE && !matches!(ty, FieldType::Atomic(_)) {
                return Err(err(
                    &format!("{path}.{fname}"),
                    format!(
                        "EIP712Domain fields must be atomic types, got {}",
                        short(ftype)
                    ),
                ));
            }
            fields.push(Field {
                name: fname.clone(),
                type_str: ftype.clone(),
                ty,
            });
        }
        types.insert(name.clone(), fields);
    }
    types.entry(DOMAIN_TYPE.to_owned()).or_insert_with(Vec::new);
    check_acyclic(&types)?;
    Ok(types)
}

/// Refuses struct types that reach themselves (directly, through other structs or arrays).
fn check_acyclic(types: &BTreeMap<String, Vec<Field>>) -> Result<()> {
    // Iterative depth-first search with three colours; no recursion on hostile input.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        InProgress,
        Done,
    }
    let mut marks: BTreeMap<&str, Mark> = BTreeMap::new();
    for root in types.keys() {
        if marks.contains_key(root.as_str()) {
            continue;
        }
        // Stack of (type, index of next field to visit).
        let mut stack: Vec<(&str, usize)> = vec![(root.as_str(), 0)];
        marks.insert(root.as_str(), Mark::InProgress);
        while let Some((name, next)) = stack.pop() {
            let fields = types.get(name).map(Vec::as_slice).unwrap_or_default();
            let Some(field) = fields.get(next) else {
                marks.insert(name, Mark::Done);
                continue;
            };
            stack.push((name, next + 1));
            let Some(dep) = field.ty.struct_name() else {
                continue;
            };
            match marks.get(dep) {
                Some(Mark::InProgress) => {
                    let mut cycle: Vec<&str> = stack
                        .iter()
                        .map(|(n, _)| *n)
                        .skip_while(|n| *n != dep)
                        .collect();
                    cycle.push(dep);
                    return Err(err(
                        &format!("types.{name}.{}", field.name),
                        format!("cyclic type definition {}", cycle.join(" -> ")),
                    ));
                }
                Some(Mark::Done) => {}
                None => {
                    marks.insert(dep, Mark::InProgress);
                    stack.push((dep, 0));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
