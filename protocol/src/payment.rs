//! `PaymentAuthorization`: what a session key signs so that `delegated_sessions::pay` moves funds.
//!
//! The Move module verifies with `ed25519::signature_verify_strict_t(&sig, &pk, auth)`, so the
//! signed bytes are `bcs(SignedMessage { type_info: type_of<PaymentAuthorization>(), inner })`:
//!
//! ```text
//! aether_addr (32) ‖ uleb128(18) "delegated_sessions" ‖ uleb128(20) "PaymentAuthorization"
//! ‖ chain_id u8 ‖ session u64 LE ‖ payee (32) ‖ amount u64 LE ‖ nonce u64 LE ‖ valid_until u64 LE
//! ```
//!
//! A change to these bytes is a protocol break: `tests/golden.rs` pins them, and
//! `contracts/tests/golden_vectors.move` checks the same signature in Move.

use aptos_sdk::crypto::{Ed25519PrivateKey, Ed25519Signature};
use aptos_sdk::types::AccountAddress;
use serde::{Deserialize, Serialize};

use crate::ProtocolError;
use crate::abi::delegated_sessions::{self, Call};
use crate::json::u64_str;

/// The Move struct name.
pub const STRUCT_NAME: &str = "PaymentAuthorization";

/// `delegated_sessions::PaymentAuthorization`, field for field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PaymentAuthorization {
    /// Chain the payment is valid on (4 for the localnet).
    pub chain_id: u8,
    /// Session id.
    #[serde(with = "u64_str")]
    pub session: u64,
    /// Who receives the funds.
    pub payee: AccountAddress,
    /// Octas.
    #[serde(with = "u64_str")]
    pub amount: u64,
    /// Unique per session, any order.
    #[serde(with = "u64_str")]
    pub nonce: u64,
    /// Last second (inclusive) at which the authorization may settle.
    #[serde(with = "u64_str")]
    pub valid_until: u64,
}

impl PaymentAuthorization {
    /// BCS of the struct's fields (the `inner` of the signed message).
    pub fn bcs_fields(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + 8 + 32 + 8 + 8 + 8);
        out.push(self.chain_id);
        out.extend_from_slice(&self.session.to_le_bytes());
        out.extend_from_slice(self.payee.as_bytes());
        out.extend_from_slice(&self.amount.to_le_bytes());
        out.extend_from_slice(&self.nonce.to_le_bytes());
        out.extend_from_slice(&self.valid_until.to_le_bytes());
        out
    }

    /// The exact bytes the session key signs, for a deployment at `aether`.
    pub fn signing_message(&self, aether: AccountAddress) -> Vec<u8> {
        let module = delegated_sessions::MODULE.as_bytes();
        let name = STRUCT_NAME.as_bytes();
        let mut out = Vec::with_capacity(32 + 2 + module.len() + name.len() + 65);
        out.extend_from_slice(aether.as_bytes());
        // Both names are shorter than 128 bytes, so their ULEB128 length is one byte.
        out.push(module.len() as u8);
        out.extend_from_slice(module);
        out.push(name.len() as u8);
        out.extend_from_slice(name);
        out.extend_from_slice(&self.bcs_fields());
        out
    }

    /// Signs with the session's private key.
    pub fn sign(
        &self,
        aether: AccountAddress,
        session_key: &Ed25519PrivateKey,
    ) -> Ed25519Signature {
        session_key.sign(&self.signing_message(aether))
    }

    /// Verifies a signature the way the Move module does (`verify_strict`: canonical signature,
    /// public key not of small order).
    pub fn verify(
        &self,
        aether: AccountAddress,
        session_pubkey: &[u8],
        signature: &[u8],
    ) -> Result<(), ProtocolError> {
        let pk: [u8; 32] =
            session_pubkey
                .try_into()
                .map_err(|_| ProtocolError::InvalidPublicKey {
                    len: session_pubkey.len(),
                })?;
        let pk = ed25519_dalek::VerifyingKey::from_bytes(&pk)
            .map_err(|_| ProtocolError::InvalidPublicKey { len: 32 })?;
        let sig: [u8; 64] = signature
            .try_into()
            .map_err(|_| ProtocolError::InvalidSignature)?;
        let sig = ed25519_dalek::Signature::from_bytes(&sig);
        pk.verify_strict(&self.signing_message(aether), &sig)
            .map_err(|_| ProtocolError::InvalidSignature)
    }

    /// The `delegated_sessions::pay` call that settles this authorization.
    pub fn into_pay_call(self, signature: &Ed25519Signature) -> Call {
        Call::Pay {
            session_id: self.session,
            chain_id: self.chain_id,
            payee: self.payee,
            amount: self.amount,
            nonce: self.nonce,
            valid_until: self.valid_until,
            signature: signature.to_bytes().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key() -> Ed25519PrivateKey {
        Ed25519PrivateKey::from_bytes(&[7u8; 32]).unwrap()
    }

    proptest! {
        #[test]
        fn sign_verify_and_any_field_change_breaks_it(
            chain_id in any::<u8>(), session in any::<u64>(), payee in any::<[u8; 32]>(),
            amount in any::<u64>(), nonce in any::<u64>(), valid_until in any::<u64>(), flip in 0usize..1000,
        ) {
            let aether = AccountAddress::from_hex("0xcafe").unwrap();
            let auth = PaymentAuthorization { chain_id, session, payee: AccountAddress::new(payee), amount, nonce, valid_until };
            let sig = auth.sign(aether, &key());
            let pk = key().public_key().to_bytes();
            prop_assert!(auth.verify(aether, &pk, &sig.to_bytes()).is_ok());
            prop_assert_eq!(auth.signing_message(aether).len(), 32 + 1 + 18 + 1 + 20 + 65);
            // Flip one bit of the signature: must fail.
            let mut bad = sig.to_bytes();
            bad[flip % 64] ^= 1 << (flip % 8);
            prop_assert!(auth.verify(aether, &pk, &bad).is_err());
            // Another deployment address: must fail.
            prop_assert!(auth.verify(AccountAddress::ONE, &pk, &sig.to_bytes()).is_err());
            let other = PaymentAuthorization { nonce: nonce.wrapping_add(1), ..auth };
            prop_assert!(other.verify(aether, &pk, &sig.to_bytes()).is_err());
        }
    }

    #[test]
    fn rejects_malformed_keys_and_signatures() {
        let aether = AccountAddress::ONE;
        let auth = PaymentAuthorization {
            chain_id: 4,
            session: 1,
            payee: AccountAddress::ONE,
            amount: 1,
            nonce: 1,
            valid_until: 1,
        };
        let sig = auth.sign(aether, &key()).to_bytes();
        let pk = key().public_key().to_bytes();
        assert!(matches!(
            auth.verify(aether, &pk[..31], &sig),
            Err(ProtocolError::InvalidPublicKey { len: 31 })
        ));
        assert!(matches!(
            auth.verify(aether, &pk, &sig[..63]),
            Err(ProtocolError::InvalidSignature)
        ));
        // The identity point is a small-order key: strict verification refuses it.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(auth.verify(aether, &identity, &sig).is_err());
    }
}
