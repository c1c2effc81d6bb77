//! Move argument types: BCS encoding (transactions), node JSON (transaction and view JSON) and
//! the Move type name (module ABIs).
//!
//! Entry functions and views of the Aether modules only take these types: `u8`, `u64`, `bool`,
//! `address`, `0x1::string::String`, `vector<u8>` and `vector<0x1::string::String>`.

use aptos_sdk::types::AccountAddress;
use serde_json::Value;

use crate::ProtocolError;

/// Upper bound on a single BCS argument we will decode (a transaction is at most 64 KiB on Aptos).
pub const MAX_ARG_BYTES: usize = 64 * 1024;

/// A value that can be an argument of an Aether entry function or view.
pub trait MoveArg: Sized {
    /// The Move type, as the node writes it in ABIs (`u64`, `0x1::string::String`, ...).
    const MOVE_TYPE: &'static str;

    /// BCS bytes, as carried in `EntryFunction::args`.
    fn to_bcs(&self) -> Vec<u8>;

    /// Parses BCS bytes; the whole input must be consumed.
    fn from_bcs(bytes: &[u8]) -> Result<Self, ProtocolError>;

    /// The node's JSON form (u64 as a string, bytes as `0x` hex, ...).
    fn to_json(&self) -> Value;

    /// Parses the node's JSON form, as sent in `POST /v1/view` arguments.
    fn from_json(v: &Value) -> Result<Self, ProtocolError>;
}

fn bcs_decode<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    ty: &'static str,
) -> Result<T, ProtocolError> {
    if bytes.len() > MAX_ARG_BYTES {
        return Err(ProtocolError::BadArgument {
            ty,
            reason: format!(
                "{} bytes exceeds the {MAX_ARG_BYTES}-byte limit",
                bytes.len()
            ),
        });
    }
    aptos_sdk::aptos_bcs::from_bytes(bytes).map_err(|e| ProtocolError::BadArgument {
        ty,
        reason: format!("invalid BCS: {e}"),
    })
}

fn bcs_encode<T: serde::Serialize>(v: &T) -> Vec<u8> {
    // BCS encoding of the argument types above cannot fail: they have no maps, no
    // unsupported serde types and their lengths fit in ULEB128.
    aptos_sdk::aptos_bcs::to_bytes(v).unwrap_or_default()
}

fn json_err(ty: &'static str, v: &Value) -> ProtocolError {
    ProtocolError::BadArgument {
        ty,
        reason: format!("expected {ty}, got JSON {v}"),
    }
}

impl MoveArg for u8 {
    const MOVE_TYPE: &'static str = "u8";
    fn to_bcs(&self) -> Vec<u8> {
        vec![*self]
    }
    fn from_bcs(bytes: &[u8]) -> Result<Self, ProtocolError> {
        bcs_decode(bytes, Self::MOVE_TYPE)
    }
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
    fn from_json(v: &Value) -> Result<Self, ProtocolError> {
        match v {
            Value::Number(n) => n.as_u64().and_then(|n| u8::try_from(n).ok()),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| json_err(Self::MOVE_TYPE, v))
    }
}

impl MoveArg for u64 {
    const MOVE_TYPE: &'static str = "u64";
    fn to_bcs(&self) -> Vec<u8> {
        self.to_le_bytes().to_vec()
    }
    fn from_bcs(bytes: &[u8]) -> Result<Self, ProtocolError> {
        bcs_decode(bytes, Self::MOVE_TYPE)
    }
    fn to_json(&self) -> Value {
        Value::String(self.to_string())
    }
    fn from_json(v: &Value) -> Result<Self, ProtocolError> {
        match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
        .ok_or_else(|| json_err(Self::MOVE_TYPE, v))
    }
}

impl MoveArg for bool {
    const MOVE_TYPE: &'static str = "bool";
    fn to_bcs(&self) -> Vec<u8> {
        vec![u8::from(*self)]
    }
    fn from_bcs(bytes: &[u8]) -> Result<Self, ProtocolError> {
        bcs_decode(bytes, Self::MOVE_TYPE)
    }
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_json(v: &Value) -> Result<Self, ProtocolError> {
        v.as_bool().ok_or_else(|| json_err(Self::MOVE_TYPE, v))
    }
}

impl MoveArg for AccountAddress {
    const MOVE_TYPE: &'static str = "address";
    fn to_bcs(&self) -> Vec<u8> {
        self.to_bytes().to_vec()
    }
    fn from_bcs(bytes: &[u8]) -> Result<Self, ProtocolError> {
        bcs_decode(bytes, Self::MOVE_TYPE)
    }
    fn to_json(&self) -> Value {
        Value::String(self.to_hex())
    }
    fn from_json(v: &Value) -> Result<Self, ProtocolError> {
        v.as_str()
            .and_then(|s| AccountAddress::from_hex(s).ok())
            .ok_or_else(|| json_err(Self::MOVE_TYPE, v))
    }
}

impl MoveArg for String {
    const MOVE_TYPE: &'static str = "0x1::string::String";
    fn to_bcs(&self) -> Vec<u8> {
        bcs_encode(self)
    }
    fn from_bcs(bytes: &[u8]) -> Result<Self, ProtocolError> {
        bcs_decode(bytes, Self::MOVE_TYPE)
    }
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
    fn from_json(v: &Value) -> Result<Self, ProtocolError> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| json_err(Self::MOVE_TYPE, v))
    }
}

impl MoveArg for Vec<u8> {
    const MOVE_TYPE: &'static str = "vector<u8>";
    fn to_bcs(&self) -> Vec<u8> {
        bcs_encode(self)
    }
    fn from_bcs(bytes: &[u8]) -> Result<Self, ProtocolError> {
        bcs_decode(bytes, Self::MOVE_TYPE)
    }
    fn to_json(&self) -> Value {
        Value::String(format!("0x{}", hex::encode(self)))
    }
    fn from_json(v: &Value) -> Result<Self, ProtocolError> {
        v.as_str()
            .and_then(|s| crate::json::parse_hex(s).ok())
            .ok_or_else(|| json_err(Self::MOVE_TYPE, v))
    }
}

impl MoveArg for Vec<String> {
    const MOVE_TYPE: &'static str = "vector<0x1::string::String>";
    fn to_bcs(&self) -> Vec<u8> {
        bcs_encode(self)
    }
    fn from_bcs(bytes: &[u8]) -> Result<Self, ProtocolError> {
        bcs_decode(bytes, Self::MOVE_TYPE)
    }
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(|s| Value::String(s.clone())).collect())
    }
    fn from_json(v: &Value) -> Result<Self, ProtocolError> {
        v.as_array()
            .and_then(|a| {
                a.iter()
                    .map(|s| s.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
            })
            .ok_or_else(|| json_err(Self::MOVE_TYPE, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bcs_layouts() {
        assert_eq!(7u64.to_bcs(), [7, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!("ab".to_string().to_bcs(), [2, b'a', b'b']);
        assert_eq!(vec![1u8, 2].to_bcs(), [2, 1, 2]);
        assert_eq!(vec!["a".to_string()].to_bcs(), [1, 1, b'a']);
        assert_eq!(true.to_bcs(), [1]);
        assert_eq!(AccountAddress::ONE.to_bcs().len(), 32);
    }

    #[test]
    fn rejects_trailing_and_short_bytes() {
        assert!(u64::from_bcs(&[0; 9]).is_err());
        assert!(u64::from_bcs(&[0; 7]).is_err());
        assert!(String::from_bcs(&[3, b'a']).is_err());
        assert!(
            String::from_bcs(&[1, 0xff]).is_err(),
            "invalid UTF-8 accepted"
        );
        assert!(bool::from_bcs(&[2]).is_err());
    }

    #[test]
    fn json_forms() {
        assert_eq!(u64::MAX.to_json(), Value::String(u64::MAX.to_string()));
        assert_eq!(u64::from_json(&Value::from(5)).unwrap(), 5);
        assert_eq!(
            Vec::<u8>::from_json(&Value::from("0x0aff")).unwrap(),
            [10, 255]
        );
        assert!(u8::from_json(&Value::from(256)).is_err());
        assert!(u64::from_json(&Value::from("-1")).is_err());
    }

    proptest! {
        #[test]
        fn roundtrip_strings(v in proptest::collection::vec(".*", 0..4)) {
            prop_assert_eq!(Vec::<String>::from_bcs(&v.to_bcs()).unwrap(), v.clone());
            prop_assert_eq!(Vec::<String>::from_json(&v.to_json()).unwrap(), v);
        }

        #[test]
        fn roundtrip_bytes_and_ints(b in proptest::collection::vec(any::<u8>(), 0..300), n in any::<u64>()) {
            prop_assert_eq!(Vec::<u8>::from_bcs(&b.to_bcs()).unwrap(), b.clone());
            prop_assert_eq!(Vec::<u8>::from_json(&b.to_json()).unwrap(), b);
            prop_assert_eq!(u64::from_bcs(&n.to_bcs()).unwrap(), n);
            prop_assert_eq!(u64::from_json(&n.to_json()).unwrap(), n);
        }

        #[test]
        fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = String::from_bcs(&b);
            let _ = Vec::<String>::from_bcs(&b);
            let _ = Vec::<u8>::from_bcs(&b);
            let _ = AccountAddress::from_bcs(&b);
        }
    }
}
