//! Agent identities: the long-term ed25519 messaging key and the agent id it is published under.

use std::fmt;

use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};

use super::random::{RandomSource, array};

/// Longest agent id in bytes (it travels with a one-byte length).
pub const MAX_AGENT_ID_LEN: usize = 64;

/// Errors building identities from outside input.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdentityError {
    /// A public key was not 32 bytes.
    #[error("public key must be 32 bytes, got {len}")]
    KeyLength {
        /// Length received.
        len: usize,
    },
    /// The 32 bytes are not a valid ed25519 point.
    #[error("public key {hex} is not a valid ed25519 key")]
    InvalidKey {
        /// The key in hex.
        hex: String,
    },
    /// Hex text could not be decoded.
    #[error("invalid hex: {reason}")]
    Hex {
        /// What was wrong.
        reason: String,
    },
    /// An agent id was empty or longer than [`MAX_AGENT_ID_LEN`].
    #[error("agent id must be 1..={max} bytes, got {len}")]
    AgentIdLength {
        /// Length received.
        len: usize,
        /// The maximum.
        max: usize,
    },
}

/// An agent id as published in the directory (for chain cards: the decimal card id).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentId(String);

impl AgentId {
    /// Validates the length (1..=[`MAX_AGENT_ID_LEN`] bytes).
    pub fn new(id: impl Into<String>) -> Result<Self, IdentityError> {
        let id = id.into();
        if id.is_empty() || id.len() > MAX_AGENT_ID_LEN {
            return Err(IdentityError::AgentIdLength {
                len: id.len(),
                max: MAX_AGENT_ID_LEN,
            });
        }
        Ok(Self(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AgentId({})", self.0)
    }
}

/// A long-term ed25519 messaging public key (as in `CardInfo::messaging_pubkey`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerKey([u8; 32]);

impl PeerKey {
    /// Parses 32 bytes and checks they are a valid ed25519 point.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, IdentityError> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| IdentityError::KeyLength { len: bytes.len() })?;
        VerifyingKey::from_bytes(&arr).map_err(|_| IdentityError::InvalidKey {
            hex: hex_encode(&arr),
        })?;
        Ok(Self(arr))
    }

    /// Parses 64 hex characters (an optional `0x` prefix is allowed).
    pub fn from_hex(text: &str) -> Result<Self, IdentityError> {
        let bytes = hex_decode(text)?;
        Self::from_slice(&bytes)
    }

    /// The raw bytes.
    pub fn to_bytes(self) -> [u8; 32] {
        self.0
    }

    /// The key as lowercase hex.
    pub fn to_hex(self) -> String {
        hex_encode(&self.0)
    }

    /// Verifies an ed25519 signature.
    pub(crate) fn verify(&self, msg: &[u8], sig: &[u8; 64]) -> bool {
        let Ok(vk) = VerifyingKey::from_bytes(&self.0) else {
            return false;
        };
        vk.verify(msg, &ed25519_dalek::Signature::from_bytes(sig))
            .is_ok()
    }
}

impl fmt::Display for PeerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for PeerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PeerKey({})", self.to_hex())
    }
}

/// The long-term messaging key pair of a local agent. The secret is zeroized on drop.
#[derive(Clone)]
pub struct Identity {
    signing: SigningKey,
}

impl Identity {
    /// A new key from 32 bytes of `rng`.
    pub fn generate(rng: &mut dyn RandomSource) -> Self {
        let seed: [u8; 32] = array(rng);
        Self::from_seed(&seed)
    }

    /// The key whose ed25519 secret seed is `seed`.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self {
            signing: SigningKey::from_bytes(seed),
        }
    }

    /// Parses a 64-hex-character secret seed (the `--key-file` format).
    pub fn from_hex(text: &str) -> Result<Self, IdentityError> {
        let bytes = hex_decode(text)?;
        let seed: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| IdentityError::KeyLength { len: bytes.len() })?;
        Ok(Self::from_seed(&seed))
    }

    /// The secret seed as hex (to write a key file; never log it).
    pub fn secret_hex(&self) -> String {
        hex_encode(&self.signing.to_bytes())
    }

    /// The public key to publish in the agent card.
    pub fn public_key(&self) -> PeerKey {
        PeerKey(self.signing.verifying_key().to_bytes())
    }

    /// Signs `msg` (ed25519 is deterministic: same key and message, same bytes).
    pub(crate) fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.signing.sign(msg).to_bytes()
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identity(public {})", self.public_key())
    }
}

/// Lowercase hex.
pub(crate) fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Hex to bytes, with an optional `0x` prefix and surrounding whitespace.
pub(crate) fn hex_decode(text: &str) -> Result<Vec<u8>, IdentityError> {
    let t = text.trim();
    let t = t.strip_prefix("0x").unwrap_or(t);
    if !t.len().is_multiple_of(2) {
        return Err(IdentityError::Hex {
            reason: format!("odd length {}", t.len()),
        });
    }
    let nibble = |c: u8| -> Result<u8, IdentityError> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(IdentityError::Hex {
                reason: format!("not a hex digit: {:?}", char::from(c)),
            }),
        }
    };
    t.as_bytes()
        .chunks(2)
        .map(|p| Ok(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_errors() {
        let id = Identity::from_seed(&[7; 32]);
        let pk = id.public_key();
        assert_eq!(PeerKey::from_hex(&pk.to_hex()), Ok(pk));
        assert_eq!(PeerKey::from_hex(&format!("0x{}", pk.to_hex())), Ok(pk));
        assert!(matches!(
            PeerKey::from_hex("abc"),
            Err(IdentityError::Hex { .. })
        ));
        assert!(matches!(
            PeerKey::from_hex("zz"),
            Err(IdentityError::Hex { .. })
        ));
        assert_eq!(
            PeerKey::from_slice(&[1; 31]),
            Err(IdentityError::KeyLength { len: 31 })
        );
        assert_eq!(
            Identity::from_hex(&id.secret_hex()).map(|i| i.public_key()),
            Ok(pk)
        );
    }

    #[test]
    fn signatures_verify_only_for_the_signed_message() {
        let id = Identity::from_seed(&[9; 32]);
        let sig = id.sign(b"hello");
        assert!(id.public_key().verify(b"hello", &sig));
        assert!(!id.public_key().verify(b"hellp", &sig));
    }

    #[test]
    fn agent_id_length_is_checked() {
        assert!(AgentId::new("").is_err());
        assert!(AgentId::new("a".repeat(MAX_AGENT_ID_LEN + 1)).is_err());
        assert_eq!(
            AgentId::new("42").map(|a| a.to_string()),
            Ok("42".to_string())
        );
    }
}
