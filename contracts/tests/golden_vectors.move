#[test_only]
/// Cross-language golden vectors: bytes and a signature produced by the Rust crate
/// `aether-protocol` (see `protocol/tests/golden.rs`) for a fixed session key, checked here with
/// the real framework. If the Rust encoding of `PaymentAuthorization` drifted from Move's
/// `SignedMessage` BCS layout, these tests fail.
///
/// Requires `aether_addr = 0xcafe` (the package's dev address): the deployment address is part of
/// the signed bytes.
module aether_addr::golden_vectors {
    use std::bcs;
    use aptos_std::ed25519;
    use aether_addr::delegated_sessions;

    /// ed25519 public key of the private key 0x0102…20.
    const SESSION_PUBKEY: vector<u8> = x"79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
    /// `bcs(SignedMessage { type_info: type_of<PaymentAuthorization>(), inner })` at 0xcafe for
    /// `{ chain_id: 4, session: 1, payee: @0xb0b, amount: 15_000_000, nonce: 7, valid_until: 1_700_000_060 }`.
    const SIGNING_MESSAGE: vector<u8> = x"000000000000000000000000000000000000000000000000000000000000cafe1264656c6567617465645f73657373696f6e73145061796d656e74417574686f72697a6174696f6e0401000000000000000000000000000000000000000000000000000000000000000000000000000b0bc0e1e4000000000007000000000000003cf1536500000000";
    /// The fields alone: `bcs(PaymentAuthorization { .. })`, i.e. the last 65 bytes of
    /// `SIGNING_MESSAGE` (1 + 8 + 32 + 8 + 8 + 8).
    const FIELDS: vector<u8> = x"0401000000000000000000000000000000000000000000000000000000000000000000000000000b0bc0e1e4000000000007000000000000003cf1536500000000";
    /// The Rust signature over `SIGNING_MESSAGE` with the session key.
    const SIGNATURE: vector<u8> = x"1ff9b5294ad0df7685b1652ff84bbac06a9ed31501644800e6eee7f1f8771e1b12ae4928e771d7f5821aee1f9dc3470a8eca25f10e9442048ca59d07f9c9dc0c";

    #[test]
    fun payment_authorization_bytes_match_rust() {
        let auth = delegated_sessions::new_payment_authorization(4, 1, @0xb0b, 15_000_000, 7, 1_700_000_060);
        assert!(bcs::to_bytes(&auth) == FIELDS, 1);
        assert!(bcs::to_bytes(&ed25519::new_signed_message(auth)) == SIGNING_MESSAGE, 2);
    }

    #[test]
    fun rust_signature_verifies_in_move() {
        let pk = ed25519::new_unvalidated_public_key_from_bytes(SESSION_PUBKEY);
        let sig = ed25519::new_signature_from_bytes(SIGNATURE);
        let auth = delegated_sessions::new_payment_authorization(4, 1, @0xb0b, 15_000_000, 7, 1_700_000_060);
        assert!(ed25519::signature_verify_strict_t(&sig, &pk, auth), 1);
        // Another nonce (or any other field) does not verify.
        let other = delegated_sessions::new_payment_authorization(4, 1, @0xb0b, 15_000_000, 8, 1_700_000_060);
        assert!(!ed25519::signature_verify_strict_t(&sig, &pk, other), 2);
    }
}
