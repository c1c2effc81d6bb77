//! The node's JSON conventions for Move values, as serde adapters.
//!
//! The Aptos REST API writes `u64`/`u128` as decimal strings, `vector<u8>` as `0x`-prefixed hex,
//! addresses as `0x` hex, `u8`/`bool` as JSON numbers/booleans and `String` as a JSON string.
//! Event data and view results in this crate use these adapters so the same struct both parses
//! what a real node sends and produces what the localnet must send.

/// `u64` as a JSON decimal string (numbers are accepted on input too).
pub mod u64_str {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes as a decimal string.
    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    /// Accepts `"123"` or `123`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            S(String),
            N(u64),
        }
        match Either::deserialize(d)? {
            Either::N(n) => Ok(n),
            Either::S(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// `vector<u8>` as `0x`-prefixed lowercase hex.
pub mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes as `0x…` lowercase hex (`0x` for the empty vector).
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(v)))
    }

    /// Accepts `0x…` hex (the prefix is optional).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// Parses `0x`-prefixed (or bare) hex into bytes.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, hex::FromHexError> {
    hex::decode(s.strip_prefix("0x").unwrap_or(s))
}
