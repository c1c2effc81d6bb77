//! `localnet-bench`: committed transactions per second through `aptos-sdk` over loopback.
//!
//! Starts an in-process localnet on free ports (temporary data dir), then for each workload runs
//! `--workers` concurrent senders, each submitting its transactions one after another with
//! `FullnodeClient::submit_and_wait` (BCS submit + status poll), and prints a table.
//!
//! ```sh
//! cargo run --release -p aether-localnet --bin localnet-bench -- --count 2000 --workers 8
//! ```
//!
//! Workloads: `transfer` (`0x1::aptos_account::transfer`) and `pay`
//! (`delegated_sessions::pay` with a session-key-signed `PaymentAuthorization`).
use std::sync::Arc;
use std::time::{Duration, Instant};

use aether_localnet::log::FsyncPolicy;
use aether_localnet::{Localnet, LocalnetConfig};
use aether_protocol::PaymentAuthorization;
use aether_protocol::abi::{agent_card as ac, delegated_sessions as ds};
use anyhow::Context;
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::crypto::Ed25519PrivateKey;
use aptos_sdk::transaction::{EntryFunction, TransactionBuilder, TransactionPayload};
use aptos_sdk::types::{AccountAddress, ChainId};
use aptos_sdk::{Aptos, AptosConfig};
use clap::Parser;

/// Throughput benchmark of the localnet through aptos-sdk.
#[derive(Parser, Debug)]
struct Args {
    /// Transactions per workload (bounded).
    #[arg(long, default_value_t = 2000)]
    count: u64,
    /// Concurrent senders.
    #[arg(long, default_value_t = 8)]
    workers: u64,
    /// Ledger log fsync policy: `always` or `never`.
    #[arg(long, default_value = "always")]
    fsync: FsyncPolicy,
}

const APT: u64 = 100_000_000;

fn build(
    sender: &Ed25519Account,
    seq: u64,
    payload: TransactionPayload,
) -> anyhow::Result<aptos_sdk::transaction::SignedTransaction> {
    Ok(TransactionBuilder::new()
        .sender(sender.address())
        .sequence_number(seq)
        .payload(payload)
        .max_gas_amount(10_000)
        .gas_unit_price(100)
        .chain_id(ChainId::new(aether_localnet::LOCAL_CHAIN_ID))
        .expiration_from_now(600)
        .build_and_sign(sender)?)
}

/// Runs `workers` tasks; task `w` submits `per_worker` payloads made by `make(w, i)`.
async fn run<F>(
    aptos: &Arc<Aptos>,
    senders: &[Ed25519Account],
    per_worker: u64,
    make: F,
) -> anyhow::Result<Duration>
where
    F: Fn(usize, u64) -> anyhow::Result<TransactionPayload> + Send + Sync + Clone + 'static,
{
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (w, sender) in senders.iter().enumerate() {
        let aptos = aptos.clone();
        let sender = sender.clone();
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut seq = aptos.get_sequence_number(sender.address()).await?;
            for i in 0..per_worker {
                let t = build(&sender, seq, make(w, i)?)?;
                aptos.fullnode().submit_and_wait(&t, None).await?;
                seq += 1;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(start.elapsed())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let mut config = LocalnetConfig::new(dir.path()).with_ephemeral_ports();
    config.fsync = args.fsync;
    let h = Localnet::start(config).await?;
    let aptos = Arc::new(Aptos::new(
        AptosConfig::custom(&h.rest_url())?.with_faucet_url(&h.faucet_url())?,
    )?);
    let aether = h.aether_address();
    let workers = args.workers.max(1);
    let per_worker = (args.count / workers).max(1);
    let total = per_worker * workers;

    let mut senders = Vec::new();
    for _ in 0..workers {
        senders.push(aptos.create_funded_account(1_000 * APT).await?);
    }
    let sink = Ed25519Account::generate().address();

    let transfers = run(&aptos, &senders, per_worker, move |_, _| {
        Ok(EntryFunction::apt_transfer(sink, 1)?.into())
    })
    .await
    .context("transfer workload")?;

    // pay: one provider agent, one big session, one facilitator per worker.
    let provider = aptos.create_funded_account(10 * APT).await?;
    let principal = aptos.create_funded_account(10_000 * APT).await?;
    let register = ac::Call::Register {
        name: "bench".into(),
        description: String::new(),
        capabilities: vec!["bench".into()],
        endpoint: String::new(),
        rate_octas: 1,
        manifest_url: String::new(),
        messaging_pubkey: vec![1; 32],
        p2p_endpoint: String::new(),
    };
    aptos
        .sign_submit_and_wait(&provider, register.payload(aether), None)
        .await?;
    let session_key = Ed25519PrivateKey::generate();
    let create = ds::Call::CreateSession {
        agent_id: 1,
        session_pubkey: session_key.public_key().to_bytes().to_vec(),
        allowance: 1_000 * APT,
        max_requests: total + 1,
        duration_secs: 86_400,
    };
    aptos
        .sign_submit_and_wait(&principal, create.payload(aether), None)
        .await?;
    let payee: AccountAddress = provider.address();
    let valid_until = aether_localnet::wall_us() / 1_000_000 + 3_600;
    let pays = run(&aptos, &senders, per_worker, move |w, i| {
        let auth = PaymentAuthorization {
            chain_id: aether_localnet::LOCAL_CHAIN_ID,
            session: 1,
            payee,
            amount: 1,
            nonce: w as u64 * 1_000_000 + i,
            valid_until,
        };
        let sig = auth.sign(aether, &session_key);
        Ok(auth.into_pay_call(&sig).payload(aether))
    })
    .await
    .context("pay workload")?;
    let remaining: Vec<serde_json::Value> = aptos
        .view(
            &ds::View::RemainingRequests { session_id: 1 }.function_id(aether),
            vec![],
            ds::View::RemainingRequests { session_id: 1 }.json_args(),
        )
        .await?;
    anyhow::ensure!(
        remaining[0] == "1",
        "expected every pay to commit, remaining requests {remaining:?}"
    );

    println!(
        "aether-localnet throughput (aptos-sdk over loopback, {workers} concurrent senders, fsync {:?})",
        args.fsync
    );
    println!(
        "{:<10} {:>8} {:>10} {:>12}",
        "workload", "txns", "seconds", "txns/s"
    );
    for (name, d) in [("transfer", transfers), ("pay", pays)] {
        println!(
            "{:<10} {:>8} {:>10.2} {:>12.0}",
            name,
            total,
            d.as_secs_f64(),
            total as f64 / d.as_secs_f64()
        );
    }
    h.shutdown().await;
    Ok(())
}
