//! Shared helpers of the localnet integration tests: start a node on free ports and talk to it
//! through `aptos-sdk`.
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::path::Path;

use aether_localnet::log::FsyncPolicy;
use aether_localnet::{Localnet, LocalnetConfig, LocalnetHandle};
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::transaction::{SponsoredTransactionBuilder, TransactionPayload};
use aptos_sdk::types::ChainId;
use aptos_sdk::{Aptos, AptosError};
use serde_json::Value;

/// Starts a localnet on free ports with data in `dir`.
pub async fn start(dir: &Path) -> LocalnetHandle {
    let mut config = LocalnetConfig::new(dir).with_ephemeral_ports();
    config.fsync = FsyncPolicy::Never;
    Localnet::start(config).await.expect("localnet starts")
}

/// An `aptos-sdk` client for the node.
pub fn client(h: &LocalnetHandle) -> Aptos {
    Aptos::new(h.aptos_config().expect("config").without_retry()).expect("client")
}

/// Submits `payload` from `sender` with gas paid by `sponsor` (a fee-payer transaction), and
/// waits for it.
pub async fn sponsored(
    aptos: &Aptos,
    sender: &Ed25519Account,
    sponsor: &Ed25519Account,
    payload: TransactionPayload,
) -> Result<Value, AptosError> {
    let seq = aptos
        .get_sequence_number(sender.address())
        .await
        .unwrap_or(0);
    let signed = SponsoredTransactionBuilder::new()
        .sender(sender.address())
        .sequence_number(seq)
        .fee_payer(sponsor.address())
        .payload(payload)
        .chain_id(ChainId::new(4))
        .expiration_from_now(600)
        .build_and_sign(sender, &[], sponsor)?;
    aptos.submit_and_wait(&signed, None).await.map(|r| r.data)
}
