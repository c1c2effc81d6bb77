//! Golden vectors: the exact bytes of Aether's signed message and of an entry-function payload.
//!
//! A change to any constant here is a protocol break. The signature below is also checked in
//! Move by `contracts/tests/golden_vectors.move` with `ed25519::signature_verify_strict_t`, which
//! ties this Rust encoding to the real `SignedMessage` BCS layout.

use aether_protocol::abi::{agent_card, delegated_sessions};
use aether_protocol::payment::PaymentAuthorization;
use aptos_sdk::crypto::Ed25519PrivateKey;
use aptos_sdk::types::AccountAddress;

/// Session private key: bytes 0x01..=0x20.
fn session_key() -> Ed25519PrivateKey {
    let bytes: Vec<u8> = (1u8..=32).collect();
    Ed25519PrivateKey::from_bytes(&bytes).unwrap()
}

fn aether() -> AccountAddress {
    AccountAddress::from_hex("0xcafe").unwrap()
}

fn authorization() -> PaymentAuthorization {
    PaymentAuthorization {
        chain_id: 4,
        session: 1,
        payee: AccountAddress::from_hex("0xb0b").unwrap(),
        amount: 15_000_000,
        nonce: 7,
        valid_until: 1_700_000_060,
    }
}

const SESSION_PUBKEY_HEX: &str = "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
const SIGNING_MESSAGE_HEX: &str = "000000000000000000000000000000000000000000000000000000000000cafe1264656c6567617465645f73657373696f6e73145061796d656e74417574686f72697a6174696f6e0401000000000000000000000000000000000000000000000000000000000000000000000000000b0bc0e1e4000000000007000000000000003cf1536500000000";
const SIGNATURE_HEX: &str = "1ff9b5294ad0df7685b1652ff84bbac06a9ed31501644800e6eee7f1f8771e1b12ae4928e771d7f5821aee1f9dc3470a8eca25f10e9442048ca59d07f9c9dc0c";

#[test]
fn payment_authorization_signing_message_layout() {
    let msg = authorization().signing_message(aether());
    // Build the expected bytes independently, field by field.
    let mut expected = Vec::new();
    let mut addr = [0u8; 32];
    addr[30] = 0xca;
    addr[31] = 0xfe;
    expected.extend_from_slice(&addr);
    expected.push(18);
    expected.extend_from_slice(b"delegated_sessions");
    expected.push(20);
    expected.extend_from_slice(b"PaymentAuthorization");
    expected.push(4); // chain_id: u8
    expected.extend_from_slice(&1u64.to_le_bytes()); // session
    let mut payee = [0u8; 32];
    payee[30] = 0x0b;
    payee[31] = 0x0b;
    expected.extend_from_slice(&payee);
    expected.extend_from_slice(&15_000_000u64.to_le_bytes());
    expected.extend_from_slice(&7u64.to_le_bytes());
    expected.extend_from_slice(&1_700_000_060u64.to_le_bytes());
    assert_eq!(msg, expected);
    assert_eq!(hex::encode(&msg), SIGNING_MESSAGE_HEX);
}

#[test]
fn payment_authorization_signature_is_pinned() {
    let key = session_key();
    assert_eq!(hex::encode(key.public_key().to_bytes()), SESSION_PUBKEY_HEX);
    let sig = authorization().sign(aether(), &key);
    assert_eq!(hex::encode(sig.to_bytes()), SIGNATURE_HEX);
    let sig_bytes = hex::decode(SIGNATURE_HEX).unwrap();
    let pk = hex::decode(SESSION_PUBKEY_HEX).unwrap();
    authorization().verify(aether(), &pk, &sig_bytes).unwrap();
}

const REGISTER_PAYLOAD_HEX: &str = "02000000000000000000000000000000000000000000000000000000000000cafe0a6167656e745f6361726408726567697374657200080b0a7472616e736c61746f720807454e3c2d3e46521502097472616e736c6174650973756d6d6172697a65201f687474703a2f2f3132372e302e302e313a393030302f7472616e736c61746508c0e1e4000000000001002120abababababababababababababababababababababababababababababababab0f0e3132372e302e302e313a34303030";

fn register_call() -> agent_card::Call {
    agent_card::Call::Register {
        name: "translator".into(),
        description: "EN<->FR".into(),
        capabilities: vec!["translate".into(), "summarize".into()],
        endpoint: "http://127.0.0.1:9000/translate".into(),
        rate_octas: 15_000_000,
        manifest_url: String::new(),
        messaging_pubkey: vec![0xab; 32],
        p2p_endpoint: "127.0.0.1:4000".into(),
    }
}

#[test]
fn register_payload_bcs_is_pinned() {
    let payload = register_call().payload(aether());
    let bytes = aptos_sdk::aptos_bcs::to_bytes(&payload).unwrap();
    // Independent construction of the BCS: variant 2 (EntryFunction), module id, function name,
    // no type arguments, then each argument as a length-prefixed byte vector.
    let mut expected = vec![2u8];
    let mut addr = [0u8; 32];
    addr[30] = 0xca;
    addr[31] = 0xfe;
    expected.extend_from_slice(&addr);
    expected.push(10);
    expected.extend_from_slice(b"agent_card");
    expected.push(8);
    expected.extend_from_slice(b"register");
    expected.push(0); // type args
    expected.push(8); // 8 arguments
    let mut arg = |bcs: &[u8]| {
        expected.push(bcs.len() as u8);
        expected.extend_from_slice(bcs);
    };
    arg(b"\x0atranslator");
    arg(b"\x07EN<->FR");
    arg(b"\x02\x09translate\x09summarize");
    arg(b"\x1fhttp://127.0.0.1:9000/translate");
    arg(&15_000_000u64.to_le_bytes());
    arg(b"\x00");
    let mut key = vec![32u8];
    key.extend_from_slice(&[0xab; 32]);
    arg(&key);
    arg(b"\x0e127.0.0.1:4000");
    assert_eq!(bytes, expected);
    assert_eq!(hex::encode(&bytes), REGISTER_PAYLOAD_HEX);
}

#[test]
fn payloads_decode_back() {
    let call = register_call();
    let ef = call.entry_function(aether());
    assert_eq!(
        agent_card::Call::decode_bcs(&ef.function, &ef.args).unwrap(),
        call
    );
    let pay = authorization().into_pay_call(&authorization().sign(aether(), &session_key()));
    let ef = pay.entry_function(aether());
    assert_eq!(ef.module.name.as_str(), delegated_sessions::MODULE);
    assert_eq!(
        delegated_sessions::Call::decode_bcs(&ef.function, &ef.args).unwrap(),
        pay
    );
}
