//! The ledger survives restarts: in-process restart on the same data dir, a torn tail, and
//! `kill -9` of the binary all rebuild identical state and history.
mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use aether_protocol::abi::agent_card as ac;
use aptos_sdk::Aptos;
use aptos_sdk::account::Ed25519Account;
use serde_json::Value;

const APT: u64 = 100_000_000;

/// Every transaction, paged through the SDK.
async fn history(aptos: &Aptos) -> Vec<Value> {
    let mut all = Vec::new();
    loop {
        let page = aptos
            .fullnode()
            .get_transactions(Some(all.len() as u64), Some(50))
            .await
            .unwrap();
        if page.data.is_empty() {
            return all;
        }
        all.extend(page.data);
    }
}

/// Balances, sequence numbers and the agent registry as the SDK reads them.
async fn snapshot(
    aptos: &Aptos,
    aether: aptos_sdk::types::AccountAddress,
    who: &[&Ed25519Account],
) -> Vec<Value> {
    let mut out = Vec::new();
    for a in who {
        out.push(Value::from(aptos.get_balance(a.address()).await.unwrap()));
        out.push(Value::from(
            aptos.get_sequence_number(a.address()).await.unwrap(),
        ));
    }
    let count = ac::View::AgentCount {};
    out.extend(
        aptos
            .view(&count.function_id(aether), vec![], count.json_args())
            .await
            .unwrap(),
    );
    let card = ac::View::GetCard { agent_id: 1 };
    out.extend(
        aptos
            .view(&card.function_id(aether), vec![], card.json_args())
            .await
            .unwrap(),
    );
    out
}

async fn some_activity(
    aptos: &Aptos,
    aether: aptos_sdk::types::AccountAddress,
    alice: &Ed25519Account,
    bob: &Ed25519Account,
) {
    aptos.transfer_apt(alice, bob.address(), APT).await.unwrap();
    let reg = ac::Call::Register {
        name: "durable".into(),
        description: String::new(),
        capabilities: vec!["store".into()],
        endpoint: String::new(),
        rate_octas: 1,
        manifest_url: String::new(),
        messaging_pubkey: vec![7; 32],
        p2p_endpoint: String::new(),
    };
    aptos
        .sign_submit_and_wait(alice, reg.payload(aether), None)
        .await
        .unwrap();
    // A failed transaction is part of history too.
    assert!(
        aptos
            .transfer_apt(bob, alice.address(), 1_000 * APT)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn restart_and_torn_tail_rebuild_identical_state() {
    let dir = tempfile::tempdir().unwrap();
    let alice = Ed25519Account::generate();
    let bob = Ed25519Account::generate();

    let h = common::start(dir.path()).await;
    let aether = h.aether_address();
    let aptos = common::client(&h);
    aptos.fund_account(alice.address(), 50 * APT).await.unwrap();
    aptos.fund_account(bob.address(), 5 * APT).await.unwrap();
    some_activity(&aptos, aether, &alice, &bob).await;
    h.advance_time(3_600).unwrap();
    let before_hist = history(&aptos).await;
    let before = snapshot(&aptos, aether, &[&alice, &bob]).await;
    let before_time = aptos
        .view("0x1::timestamp::now_seconds", vec![], vec![])
        .await
        .unwrap();
    h.shutdown().await;

    // In-process restart on the same data dir.
    let h = common::start(dir.path()).await;
    let aptos = common::client(&h);
    assert!(h.recovered_truncation().is_none());
    assert_eq!(history(&aptos).await, before_hist);
    assert_eq!(snapshot(&aptos, aether, &[&alice, &bob]).await, before);
    // The clock offset survived: the ledger is still at least an hour ahead.
    let t: u64 = aptos
        .view("0x1::timestamp::now_seconds", vec![], vec![])
        .await
        .unwrap()[0]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(t >= before_time[0].as_str().unwrap().parse::<u64>().unwrap());
    assert!(t >= aether_localnet::wall_us() / 1_000_000 + 3_500);
    h.shutdown().await;

    // A torn tail: half a record, then garbage.
    let log = dir.path().join(aether_localnet::LEDGER_FILE);
    let clean_len = std::fs::metadata(&log).unwrap().len();
    let mut rec = Vec::new();
    aether_localnet::log::encode(
        &aether_localnet::log::Record::ClockOffset { offset_us: 1 },
        &mut rec,
    )
    .unwrap();
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    f.write_all(&rec[..rec.len() - 3]).unwrap();
    f.write_all(b"garbage after a crash").unwrap();
    drop(f);

    let h = common::start(dir.path()).await;
    let aptos = common::client(&h);
    let cut = h.recovered_truncation().expect("the torn tail is reported");
    assert_eq!(cut.offset, clean_len);
    assert!(cut.saved_to.as_ref().unwrap().exists());
    assert_eq!(std::fs::metadata(&log).unwrap().len(), clean_len);
    assert_eq!(history(&aptos).await, before_hist);
    assert_eq!(snapshot(&aptos, aether, &[&alice, &bob]).await, before);
    // And it keeps committing.
    aptos.transfer_apt(&alice, bob.address(), 1).await.unwrap();
    h.shutdown().await;
}

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary on free ports and reads its URLs from stdout.
fn spawn(dir: &std::path::Path) -> (Proc, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aether-localnet"))
        .args(["--port", "0", "--faucet-port", "0", "--data-dir"])
        .arg(dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
    let (mut rest, mut faucet) = (None, None);
    while rest.is_none() || faucet.is_none() {
        let line = lines.next().expect("the binary prints its URLs").unwrap();
        if let Some(u) = line.trim().strip_prefix("REST API") {
            rest = Some(u.trim().to_string());
        }
        if let Some(u) = line.trim().strip_prefix("faucet") {
            faucet = Some(u.trim().to_string());
        }
    }
    (Proc(child), rest.unwrap(), faucet.unwrap())
}

fn sdk(rest: &str, faucet: &str) -> Aptos {
    Aptos::new(
        aptos_sdk::AptosConfig::custom(rest)
            .unwrap()
            .with_faucet_url(faucet)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn kill_dash_nine_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let alice = Ed25519Account::generate();
    let bob = Ed25519Account::generate();

    let (mut p, rest, faucet) = spawn(dir.path());
    let aptos = sdk(&rest, &faucet);
    let aether = aether_localnet::default_aether_address();
    aptos.fund_account(alice.address(), 50 * APT).await.unwrap();
    aptos.fund_account(bob.address(), 5 * APT).await.unwrap();
    some_activity(&aptos, aether, &alice, &bob).await;
    let before_hist = history(&aptos).await;
    let before = snapshot(&aptos, aether, &[&alice, &bob]).await;
    p.0.kill().unwrap(); // SIGKILL
    p.0.wait().unwrap();

    let (_p, rest, faucet) = spawn(dir.path());
    let aptos = sdk(&rest, &faucet);
    assert_eq!(history(&aptos).await, before_hist);
    assert_eq!(snapshot(&aptos, aether, &[&alice, &bob]).await, before);
    aptos.transfer_apt(&bob, alice.address(), 1).await.unwrap();
}
