//! Bad input answers the node's error codes with clear messages and never takes the node down.
mod common;

use aptos_sdk::account::Ed25519Account;
use aptos_sdk::transaction::{
    EntryFunction, RawTransaction, SignedTransaction, TransactionAuthenticator, sign_transaction,
};
use aptos_sdk::types::ChainId;
use aptos_sdk::{Aptos, AptosError};
use serde_json::Value;

const BCS: &str = "application/x.aptos.signed_transaction+bcs";

fn now() -> u64 {
    aether_localnet::wall_us() / 1_000_000
}

fn raw(sender: &Ed25519Account, seq: u64, chain: u8, expiry: u64) -> RawTransaction {
    let to = Ed25519Account::generate().address();
    RawTransaction::new(
        sender.address(),
        seq,
        EntryFunction::apt_transfer(to, 10).unwrap().into(),
        10_000,
        100,
        expiry,
        ChainId::new(chain),
    )
}

fn signed(sender: &Ed25519Account, seq: u64, chain: u8, expiry: u64) -> SignedTransaction {
    sign_transaction(&raw(sender, seq, chain, expiry), sender).unwrap()
}

/// Submits through the SDK and returns (HTTP status, error_code, vm_error_code, message).
async fn rejected(
    aptos: &Aptos,
    t: &SignedTransaction,
) -> (u16, Option<String>, Option<u64>, String) {
    match aptos.fullnode().submit_transaction(t).await {
        Err(AptosError::Api {
            status_code,
            message,
            error_code,
            vm_error_code,
        }) => (status_code, error_code, vm_error_code, message),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

async fn post_raw(url: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!("{url}/transactions"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn bad_transactions_get_the_nodes_error_codes() {
    let dir = tempfile::tempdir().unwrap();
    let h = common::start(dir.path()).await;
    let aptos = common::client(&h);
    let url = h.rest_url();
    let alice = aptos.create_funded_account(10 * 100_000_000).await.unwrap();

    // Malformed BCS.
    let (status, body) = post_raw(&url, BCS, vec![1, 2, 3, 4, 5]).await;
    assert_eq!(status, 400);
    assert_eq!(body["error_code"], "invalid_input");
    assert!(body["message"].as_str().unwrap().contains("BCS"), "{body}");

    // Trailing bytes after a valid transaction.
    let mut bytes = signed(&alice, 0, 4, now() + 60).to_bcs().unwrap();
    bytes.push(0);
    let (status, body) = post_raw(&url, BCS, bytes).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (400, Some("invalid_input"))
    );

    // Above the transaction size limit, and above the body limit.
    let (status, body) = post_raw(&url, BCS, vec![0u8; 70 * 1024]).await;
    assert_eq!(
        (status, body["vm_error_code"].as_u64()),
        (400, Some(10)),
        "{body}"
    );
    let (status, body) = post_raw(&url, BCS, vec![0u8; 300 * 1024]).await;
    assert_eq!(status, 413);
    assert_eq!(body["error_code"], "invalid_input");

    // Incomplete JSON submission, and an unknown content type.
    let (status, body) = post_raw(&url, "application/json", b"{}".to_vec()).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (400, Some("invalid_input"))
    );
    assert!(
        body["message"].as_str().unwrap().contains("sender"),
        "{body}"
    );
    let (status, body) = post_raw(&url, "text/plain", b"hello".to_vec()).await;
    assert_eq!(status, 415);
    assert!(body["message"].as_str().unwrap().contains("BCS"));

    // Bad signature.
    let mut t = signed(&alice, 0, 4, now() + 60);
    if let TransactionAuthenticator::Ed25519 { signature, .. } = &mut t.authenticator {
        signature.0[0] ^= 1;
    }
    let (status, code, vm, msg) = rejected(&aptos, &t).await;
    assert_eq!(
        (status, code.as_deref(), vm),
        (400, Some("vm_error"), Some(1)),
        "{msg}"
    );
    assert!(msg.contains("INVALID_SIGNATURE"), "{msg}");

    // Someone else's key for this sender.
    let mallory = Ed25519Account::generate();
    let t = sign_transaction(&raw(&alice, 0, 4, now() + 60), &mallory).unwrap();
    let (_, _, vm, msg) = rejected(&aptos, &t).await;
    assert_eq!(vm, Some(2), "{msg}");

    // Wrong chain id.
    let (_, _, vm, msg) = rejected(&aptos, &signed(&alice, 0, 2, now() + 60)).await;
    assert_eq!(vm, Some(23), "{msg}");
    assert!(msg.contains("BAD_CHAIN_ID"));

    // Expired.
    let (_, _, vm, msg) = rejected(&aptos, &signed(&alice, 0, 4, now() - 1)).await;
    assert_eq!(vm, Some(6), "{msg}");
    assert!(msg.contains("TRANSACTION_EXPIRED"));

    // Unknown sender.
    let (_, _, vm, _) = rejected(&aptos, &signed(&mallory, 0, 4, now() + 60)).await;
    assert_eq!(vm, Some(7));

    // Stale sequence number.
    let first = signed(&alice, 0, 4, now() + 60);
    aptos
        .fullnode()
        .submit_and_wait(&first, None)
        .await
        .unwrap();
    // Resubmitting the very same transaction is idempotent (a retried request).
    let again = aptos.fullnode().submit_transaction(&first).await.unwrap();
    assert_eq!(again.data.hash, first.hash().unwrap());
    assert_eq!(aptos.get_sequence_number(alice.address()).await.unwrap(), 1);
    let (_, _, vm, msg) = rejected(&aptos, &signed(&alice, 0, 4, now() + 61)).await;
    assert_eq!(vm, Some(3), "{msg}");
    assert!(msg.contains("SEQUENCE_NUMBER_TOO_OLD"));

    // A future sequence number waits in the mempool until the gap fills.
    let later = signed(&alice, 2, 4, now() + 60);
    let pending = aptos.fullnode().submit_transaction(&later).await.unwrap();
    let hash = pending.data.hash;
    let t = aptos
        .fullnode()
        .get_transaction_by_hash(&hash)
        .await
        .unwrap();
    assert_eq!(t.data["type"], "pending_transaction");
    aptos
        .fullnode()
        .submit_and_wait(&signed(&alice, 1, 4, now() + 60), None)
        .await
        .unwrap();
    let t = aptos
        .fullnode()
        .wait_for_transaction(&hash, None)
        .await
        .unwrap();
    assert_eq!(t.data["sequence_number"], "2");
    assert_eq!(aptos.get_sequence_number(alice.address()).await.unwrap(), 3);

    // Not found, with the node's codes and the ledger headers.
    let res = reqwest::get(format!("{url}/accounts/{}", mallory.address()))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    for header in [
        "x-aptos-chain-id",
        "x-aptos-ledger-version",
        "x-aptos-ledger-timestampusec",
        "x-aptos-ledger-timestamp",
        "x-aptos-oldest-ledger-version",
        "x-aptos-epoch",
        "x-aptos-block-height",
    ] {
        assert!(res.headers().contains_key(header), "missing {header}");
    }
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error_code"], "account_not_found");
    let err = aptos
        .fullnode()
        .get_transaction_by_version(10_000)
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    let bad = reqwest::get(format!("{url}/accounts/not-an-address"))
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);

    // Tables and event handles exist as endpoints but hold nothing.
    let err = aptos
        .get_table_item("0x1", "address", "u64", serde_json::json!("0x1"))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let events = aptos
        .fullnode()
        .get_events_by_creation_number(alice.address(), 0, None, None)
        .await
        .unwrap();
    assert!(events.data.is_empty());

    // Bad views.
    let err = aptos
        .view(
            "0x1::coin::balance",
            vec!["0x1::aptos_coin::AptosCoin".into()],
            vec![],
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("missing argument"), "{err}");
    let err = aptos.view("nonsense", vec![], vec![]).await.unwrap_err();
    assert!(err.to_string().contains("invalid function id"), "{err}");

    // The admin clock rejects absurd steps and malformed bodies.
    let admin = reqwest::Client::new();
    for body in [
        r#"{"secs": 18446744073709551615}"#,
        r#"{"secs": -1}"#,
        "nope",
    ] {
        let res = admin
            .post(format!("{}/advance_time", h.admin_url()))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 400, "{body}");
    }

    // The node still works.
    assert_eq!(aptos.ledger_info().await.unwrap().chain_id, 4);
    h.shutdown().await;
}
