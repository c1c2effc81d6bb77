//! Typed calls and events round-trip through the encodings a node uses (BCS arguments, JSON
//! arguments, event JSON), and malformed input is refused with a clear error.

use aether_protocol::abi::{AetherEvent, agent_card, delegated_sessions, validation_oracle};
use aether_protocol::{NetworkId, ProtocolError};
use aptos_sdk::types::AccountAddress;
use proptest::prelude::*;
use serde_json::json;

fn aether() -> AccountAddress {
    AccountAddress::from_hex("0xcafe").unwrap()
}

fn addr() -> impl Strategy<Value = AccountAddress> {
    any::<[u8; 32]>().prop_map(AccountAddress::new)
}

proptest! {
    #[test]
    fn register_roundtrips(name in ".{0,80}", caps in proptest::collection::vec("[a-z]{0,12}", 0..5),
                           rate in any::<u64>(), key in proptest::collection::vec(any::<u8>(), 0..40)) {
        let call = agent_card::Call::Register {
            name: name.clone(), description: name, capabilities: caps, endpoint: "e".into(),
            rate_octas: rate, manifest_url: String::new(), messaging_pubkey: key, p2p_endpoint: String::new(),
        };
        let ef = call.entry_function(aether());
        prop_assert_eq!(agent_card::Call::decode_bcs(&ef.function, &ef.args).unwrap(), call.clone());
        prop_assert_eq!(agent_card::Call::decode_json(call.function_name(), &call.json_args()).unwrap(), call);
    }

    #[test]
    fn pay_and_oracle_calls_roundtrip(session in any::<u64>(), chain in any::<u8>(), payee in addr(),
                                      amount in any::<u64>(), sig in proptest::collection::vec(any::<u8>(), 0..70),
                                      upheld in any::<bool>()) {
        let pay = delegated_sessions::Call::Pay {
            session_id: session, chain_id: chain, payee, amount, nonce: amount ^ session,
            valid_until: session, signature: sig,
        };
        let ef = pay.entry_function(aether());
        prop_assert_eq!(delegated_sessions::Call::decode_bcs(&ef.function, &ef.args).unwrap(), pay);
        let resolve = validation_oracle::Call::ResolveDispute { task_id: session, upheld };
        let ef = resolve.entry_function(aether());
        prop_assert_eq!(validation_oracle::Call::decode_bcs(&ef.function, &ef.args).unwrap(), resolve);
    }

    #[test]
    fn random_arguments_never_panic(args in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..10)) {
        for f in agent_card::Call::FUNCTIONS {
            let _ = agent_card::Call::decode_bcs(f.name, &args);
        }
        for f in delegated_sessions::Call::FUNCTIONS {
            let _ = delegated_sessions::Call::decode_bcs(f.name, &args);
        }
        for f in validation_oracle::Call::FUNCTIONS {
            let _ = validation_oracle::Call::decode_bcs(f.name, &args);
        }
    }
}

#[test]
fn malformed_calls_are_refused_with_reasons() {
    let err = agent_card::Call::decode_bcs("deactivate", &[]).unwrap_err();
    assert_eq!(
        err,
        ProtocolError::WrongArity {
            module: "agent_card",
            function: "deactivate",
            expected: 1,
            got: 0
        }
    );
    let err = agent_card::Call::decode_bcs("set_rate", &[vec![1; 8], vec![1; 9]]).unwrap_err();
    assert!(
        matches!(
            err,
            ProtocolError::InvalidArgument {
                arg: "rate_octas",
                ..
            }
        ),
        "{err}"
    );
    let err = agent_card::Call::decode_bcs("steal", &[]).unwrap_err();
    assert!(
        matches!(err, ProtocolError::UnknownFunction { .. }),
        "{err}"
    );
    let err = validation_oracle::View::decode_json("reputation", &[json!("x")]).unwrap_err();
    assert!(err.to_string().contains("agent_id"), "{err}");
}

#[test]
fn views_build_node_requests() {
    let v = validation_oracle::View::Reputation { agent_id: 7 };
    assert_eq!(
        v.function_id(aether()),
        format!("{}::validation_oracle::reputation", aether().to_hex())
    );
    assert_eq!(v.json_args(), vec![json!("7")]);
    assert_eq!(
        validation_oracle::View::decode_json("reputation", &[json!("7")]).unwrap(),
        v
    );
    assert_eq!(
        delegated_sessions::View::decode_json("session_count", &[]).unwrap(),
        delegated_sessions::View::SessionCount {}
    );
}

#[test]
fn events_parse_from_node_json() {
    // As a node writes it: u64 as strings, vector<u8> as hex, addresses in long or short form.
    let data = json!({
        "session_id": "1",
        "payee": "0xb0b",
        "amount": "15000000",
        "nonce": "7",
        "spent": "15000000",
        "requests_used": "1",
        "timestamp": "1700000001"
    });
    let ty = format!("{}::delegated_sessions::PaymentSettled", aether().to_hex());
    let ev = AetherEvent::parse(aether(), &ty, &data).unwrap().unwrap();
    let AetherEvent::DelegatedSessions(delegated_sessions::Event::PaymentSettled(p)) = &ev else {
        panic!("wrong event {ev:?}");
    };
    assert_eq!(p.amount, 15_000_000);
    assert_eq!(p.payee, AccountAddress::from_hex("0xb0b").unwrap());
    // Short-form address in the type tag works too, and the JSON round-trips.
    let ev2 = AetherEvent::parse(
        aether(),
        "0xcafe::delegated_sessions::PaymentSettled",
        &ev.data_json(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(ev, ev2);
    assert_eq!(ev.type_tag(aether()), ty);

    let reg = json!({
        "agent_id": "1", "card": "0x1234", "owner": "0xb0b", "name": "translator",
        "description": "d", "capabilities": ["translate", "summarize"], "endpoint": "http://x",
        "rate_octas": "15000000", "manifest_url": "", "messaging_pubkey": format!("0x{}", "ab".repeat(32)),
        "p2p_endpoint": "127.0.0.1:4000", "timestamp": "1700000000"
    });
    let ev = AetherEvent::parse(aether(), "0xcafe::agent_card::AgentRegistered", &reg)
        .unwrap()
        .unwrap();
    let AetherEvent::AgentCard(agent_card::Event::AgentRegistered(r)) = ev else {
        panic!("wrong event");
    };
    assert_eq!(r.capabilities, ["translate", "summarize"]);
    assert_eq!(r.messaging_pubkey, vec![0xab; 32]);
}

#[test]
fn foreign_and_malformed_events() {
    // Framework events and other deployments are not ours.
    assert_eq!(
        AetherEvent::parse(aether(), "0x1::fungible_asset::Deposit", &json!({})).unwrap(),
        None
    );
    assert_eq!(
        AetherEvent::parse(
            AccountAddress::ONE,
            "0xcafe::agent_card::AttesterAdded",
            &json!({"attester": "0x1"})
        )
        .unwrap(),
        None
    );
    assert_eq!(
        AetherEvent::parse(aether(), "0xcafe::agent_card::NoSuchEvent", &json!({})).unwrap(),
        None
    );
    // Ours, but the data is wrong: an error that names the event.
    let err = AetherEvent::parse(
        aether(),
        "0xcafe::validation_oracle::Staked",
        &json!({"agent_id": "x"}),
    )
    .unwrap_err();
    assert!(
        matches!(err, ProtocolError::BadEvent { name: "Staked", .. }),
        "{err}"
    );
}

#[test]
fn network_ids_for_x402() {
    assert_eq!(NetworkId::LOCAL.to_string(), "aptos:4");
    assert_eq!("aptos:2".parse::<NetworkId>().unwrap(), NetworkId::TESTNET);
}
