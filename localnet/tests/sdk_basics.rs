//! The node through `aptos-sdk`: ledger info, faucet, transfers (coin and fungible-asset entry
//! points), balances, sequence numbers, failed transactions, paging.
mod common;

use aptos_sdk::AptosError;
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::transaction::{EntryFunction, InputEntryFunctionData};
use aptos_sdk::types::AccountAddress;

const APT: u64 = 100_000_000;

#[tokio::test]
async fn a_temporary_localnet_is_ready_for_other_crates_tests() {
    let h = aether_localnet::Localnet::start_temporary().await.unwrap();
    let aptos = common::client(&h);
    let alice = aptos.create_funded_account(3 * APT).await.unwrap();
    assert_eq!(aptos.get_balance(alice.address()).await.unwrap(), 3 * APT);
    assert_eq!(aptos.ledger_info().await.unwrap().chain_id, 4);
    let faucet_seq = aptos
        .get_sequence_number(h.node().faucet_address())
        .await
        .unwrap();
    assert_eq!(faucet_seq, 1);
    h.shutdown().await;
}

#[tokio::test]
async fn faucet_transfer_and_balances_through_the_sdk() {
    let dir = tempfile::tempdir().unwrap();
    let h = common::start(dir.path()).await;
    let aptos = common::client(&h);

    let info = aptos.ledger_info().await.unwrap();
    assert_eq!(info.chain_id, 4);
    assert_eq!(aptos.ensure_chain_id().await.unwrap().id(), 4);

    let alice = aptos.create_funded_account(10 * APT).await.unwrap();
    let bob = Ed25519Account::generate();
    assert_eq!(aptos.get_balance(alice.address()).await.unwrap(), 10 * APT);
    assert!(!aptos.account_exists(bob.address()).await.unwrap());

    // 0x1::aptos_account::transfer
    let done = aptos
        .transfer_apt(&alice, bob.address(), 3 * APT)
        .await
        .unwrap();
    let gas_used: u64 = done.data["gas_used"].as_str().unwrap().parse().unwrap();
    let price: u64 = done.data["gas_unit_price"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(done.data["success"], true);
    assert_eq!(aptos.get_balance(bob.address()).await.unwrap(), 3 * APT);
    assert_eq!(
        aptos.get_balance(alice.address()).await.unwrap(),
        7 * APT - gas_used * price
    );
    assert_eq!(aptos.get_sequence_number(alice.address()).await.unwrap(), 1);
    assert!(aptos.account_exists(bob.address()).await.unwrap());

    // 0x1::primary_fungible_store::transfer with APT metadata 0xa (the x402 `exact` payload).
    let before = aptos.get_balance(bob.address()).await.unwrap();
    let fa = aptos
        .transfer_fungible_asset(
            &alice,
            AccountAddress::from_hex("0xa").unwrap(),
            bob.address(),
            12_345,
        )
        .await
        .unwrap();
    assert_eq!(
        fa.data["payload"]["function"],
        "0x1::primary_fungible_store::transfer"
    );
    assert_eq!(
        aptos.get_balance(bob.address()).await.unwrap(),
        before + 12_345
    );
    let fa_balance = aptos
        .view(
            "0x1::primary_fungible_store::balance",
            vec!["0x1::fungible_asset::Metadata".into()],
            vec![bob.address().to_string().into(), "0xa".into()],
        )
        .await
        .unwrap();
    assert_eq!(fa_balance[0], (before + 12_345).to_string());

    // A transfer above the balance is committed as failed, with gas charged.
    let alice_before = aptos.get_balance(alice.address()).await.unwrap();
    let err = aptos
        .transfer_apt(&alice, bob.address(), 1_000 * APT)
        .await
        .unwrap_err();
    match err {
        AptosError::ExecutionFailed { vm_status } => assert!(
            vm_status
                .starts_with("Move abort in 0x1::fungible_asset: EINSUFFICIENT_BALANCE(0x10004)"),
            "{vm_status}"
        ),
        other => panic!("expected a failed transaction, got {other:?}"),
    }
    assert!(aptos.get_balance(alice.address()).await.unwrap() < alice_before);
    assert_eq!(aptos.get_sequence_number(alice.address()).await.unwrap(), 3);

    // An unknown function fails the way a node fails it.
    let payload = EntryFunction::new(
        aptos_sdk::types::MoveModuleId::from_str_strict("0x1::aptos_account").unwrap(),
        "no_such_function",
        vec![],
        vec![],
    );
    let err = aptos
        .sign_submit_and_wait(&alice, payload.into(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AptosError::ExecutionFailed { vm_status } if vm_status.contains("FUNCTION_RESOLUTION_FAILURE")),
        "{err:?}"
    );

    // Simulation reports gas without committing.
    let payload = InputEntryFunctionData::transfer_apt(bob.address(), 1).unwrap();
    let version_before = aptos.ledger_info().await.unwrap().version().unwrap();
    let sim = aptos.simulate(&alice, payload).await.unwrap();
    assert!(sim.success(), "{sim:?}");
    assert!(sim.gas_used() > 0);
    assert_eq!(
        aptos.ledger_info().await.unwrap().version().unwrap(),
        version_before
    );

    // Paging: ascending versions, genesis first.
    let page = aptos
        .fullnode()
        .get_transactions(Some(0), Some(2))
        .await
        .unwrap();
    assert_eq!(page.data.len(), 2);
    assert_eq!(page.data[0]["type"], "genesis_transaction");
    assert_eq!(page.data[1]["version"], "1");
    assert!(page.ledger_version.is_some());
    let mine = aptos
        .fullnode()
        .get_account_transactions(alice.address(), None, Some(100))
        .await
        .unwrap();
    assert_eq!(mine.data.len(), 4);
    assert_eq!(mine.data[2]["success"], false);
    let block = aptos.fullnode().get_block_by_height(1, true).await.unwrap();
    assert_eq!(block.data["first_version"], "1");
    assert_eq!(block.data["transactions"][0]["version"], "1");
    assert!(
        aptos
            .fullnode()
            .get_block_by_height(100_000, false)
            .await
            .unwrap_err()
            .is_not_found()
    );

    h.shutdown().await;
}

/// The x402 `exact` flow: the client signs a `primary_fungible_store::transfer` with fee payer
/// `0x0` (it does not know the facilitator yet); the facilitator fills in its address and signs
/// as fee payer. The client pays nothing but the amount.
#[tokio::test]
async fn sponsored_transfer_signed_by_the_sender_with_fee_payer_zero() {
    use aptos_sdk::account::Account;
    use aptos_sdk::transaction::{
        AccountAuthenticator, FeePayerRawTransaction, RawTransaction, SignedTransaction,
        TransactionAuthenticator,
    };
    use aptos_sdk::types::ChainId;

    let h = aether_localnet::Localnet::start_temporary().await.unwrap();
    let aptos = common::client(&h);
    let client = aptos.create_funded_account(APT).await.unwrap();
    let facilitator = aptos.create_funded_account(10 * APT).await.unwrap();
    let payee = Ed25519Account::generate();
    let payload = InputEntryFunctionData::transfer_fungible_asset(
        AccountAddress::from_hex("0xa").unwrap(),
        payee.address(),
        40_000_000,
    )
    .unwrap();
    let raw = RawTransaction::new(
        client.address(),
        0,
        payload,
        20_000,
        100,
        aether_localnet::wall_us() / 1_000_000 + 60,
        ChainId::new(4),
    );
    let client_msg = FeePayerRawTransaction::new_simple(raw.clone(), AccountAddress::ZERO)
        .signing_message()
        .unwrap();
    let client_auth =
        AccountAuthenticator::ed25519(client.public_key_bytes(), client.sign(&client_msg).unwrap());
    let payer_msg = FeePayerRawTransaction::new_simple(raw.clone(), facilitator.address())
        .signing_message()
        .unwrap();
    let payer_auth = AccountAuthenticator::ed25519(
        facilitator.public_key_bytes(),
        facilitator.sign(&payer_msg).unwrap(),
    );
    let signed = SignedTransaction::new(
        raw.clone(),
        TransactionAuthenticator::fee_payer(
            client_auth.clone(),
            vec![],
            vec![],
            facilitator.address(),
            payer_auth,
        ),
    );
    let done = aptos.submit_and_wait(&signed, None).await.unwrap();
    assert_eq!(done.data["signature"]["type"], "fee_payer_signature");
    assert_eq!(
        aptos.get_balance(payee.address()).await.unwrap(),
        40_000_000
    );
    assert_eq!(
        aptos.get_balance(client.address()).await.unwrap(),
        APT - 40_000_000
    );
    assert!(aptos.get_balance(facilitator.address()).await.unwrap() < 10 * APT);

    // A fee payer signature that does not verify is rejected.
    let raw2 = RawTransaction {
        sequence_number: 1,
        ..raw
    };
    let forged = SignedTransaction::new(
        raw2,
        TransactionAuthenticator::fee_payer(
            client_auth,
            vec![],
            vec![],
            facilitator.address(),
            AccountAuthenticator::ed25519(facilitator.public_key_bytes(), vec![0; 64]),
        ),
    );
    match aptos.fullnode().submit_transaction(&forged).await {
        Err(AptosError::Api { vm_error_code, .. }) => assert_eq!(vm_error_code, Some(1)),
        other => panic!("expected INVALID_SIGNATURE, got {other:?}"),
    }
    h.shutdown().await;
}

/// Older SDK paths submit JSON: `encode_submission` gives the signing message, the client signs
/// it, and the JSON transaction goes through the same checks as a BCS one.
#[tokio::test]
async fn json_submission_with_encode_submission() {
    use aptos_sdk::account::Account;

    let h = aether_localnet::Localnet::start_temporary().await.unwrap();
    let aptos = common::client(&h);
    let alice = aptos.create_funded_account(5 * APT).await.unwrap();
    let bob = Ed25519Account::generate();
    let mut txn = serde_json::json!({
        "sender": alice.address().to_string(),
        "sequence_number": "0",
        "max_gas_amount": "10000",
        "gas_unit_price": "100",
        "expiration_timestamp_secs": (aether_localnet::wall_us() / 1_000_000 + 60).to_string(),
        "payload": {
            "type": "entry_function_payload",
            "function": "0x1::aptos_account::transfer",
            "type_arguments": [],
            "arguments": [bob.address().to_string(), "777"],
        },
    });
    let http = reqwest::Client::new();
    let msg: String = http
        .post(format!("{}/transactions/encode_submission", h.rest_url()))
        .json(&txn)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let msg = hex::decode(msg.trim_start_matches("0x")).unwrap();
    let sig = alice.sign(&msg).unwrap();
    txn["signature"] = serde_json::json!({
        "type": "ed25519_signature",
        "public_key": format!("0x{}", hex::encode(alice.public_key_bytes())),
        "signature": format!("0x{}", hex::encode(&sig)),
    });
    let res = http
        .post(format!("{}/transactions", h.rest_url()))
        .json(&txn)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    let pending: serde_json::Value = res.json().await.unwrap();
    let hash = aptos_sdk::types::HashValue::from_hex(
        pending["hash"].as_str().unwrap().trim_start_matches("0x"),
    )
    .unwrap();
    aptos
        .fullnode()
        .wait_for_transaction(&hash, None)
        .await
        .unwrap();
    assert_eq!(aptos.get_balance(bob.address()).await.unwrap(), 777);

    // A signature over other bytes is rejected like a BCS one.
    txn["sequence_number"] = "1".into();
    let res = http
        .post(format!("{}/transactions", h.rest_url()))
        .json(&txn)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["vm_error_code"], 1, "{body}");
    h.shutdown().await;
}
