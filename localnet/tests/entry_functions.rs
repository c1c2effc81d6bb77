//! The entry functions the scenario does not reach, through `aptos-sdk`: every `agent_card`
//! setter, status change, transfer and attestation function, the admin functions of all modules,
//! `top_up` and `close_expired`, with the aborts of `contracts/sources/*.move`.
mod common;

use aether_protocol::abi::{agent_card as ac, delegated_sessions as ds, validation_oracle as vo};
use aether_protocol::{AbortCode, decode_vm_status};
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::crypto::Ed25519PrivateKey;
use aptos_sdk::transaction::TransactionPayload;
use aptos_sdk::types::AccountAddress;
use aptos_sdk::{Aptos, AptosError};
use serde::de::DeserializeOwned;
use serde_json::Value;

const APT: u64 = 100_000_000;

struct Env {
    aptos: Aptos,
    aether: AccountAddress,
    sponsor: Ed25519Account,
}

impl Env {
    async fn send(&self, who: &Ed25519Account, p: TransactionPayload) -> Result<Value, AptosError> {
        common::sponsored(&self.aptos, who, &self.sponsor, p).await
    }

    async fn ok(&self, who: &Ed25519Account, p: TransactionPayload) -> Value {
        self.send(who, p).await.expect("transaction succeeds")
    }

    async fn abort(&self, who: &Ed25519Account, p: TransactionPayload, code: AbortCode) {
        match self.send(who, p).await {
            Err(AptosError::ExecutionFailed { vm_status }) => assert_eq!(
                decode_vm_status(&vm_status, self.aether),
                Some(code),
                "{vm_status}"
            ),
            other => panic!("expected {code}, got {other:?}"),
        }
    }

    async fn view<T: DeserializeOwned>(&self, id: String, args: Vec<Value>) -> T {
        let out = self.aptos.view(&id, vec![], args).await.unwrap();
        serde_json::from_value(out[0].clone()).unwrap()
    }

    async fn card(&self, agent_id: u64) -> ac::CardInfo {
        let v = ac::View::GetCard { agent_id };
        self.view(v.function_id(self.aether), v.json_args()).await
    }

    async fn ids(&self, owner: AccountAddress) -> Vec<String> {
        let v = ac::View::IdsByOwner { owner };
        self.view(v.function_id(self.aether), v.json_args()).await
    }
}

fn register(name: &str) -> ac::Call {
    ac::Call::Register {
        name: name.into(),
        description: String::new(),
        capabilities: vec!["a".into()],
        endpoint: String::new(),
        rate_octas: 1,
        manifest_url: String::new(),
        messaging_pubkey: vec![9; 32],
        p2p_endpoint: String::new(),
    }
}

fn ac_abort(a: ac::Abort) -> AbortCode {
    AbortCode::AgentCard(a)
}

#[tokio::test]
async fn agent_card_entry_functions() {
    let dir = tempfile::tempdir().unwrap();
    let h = common::start(dir.path()).await;
    let aptos = common::client(&h);
    let sponsor = aptos.create_funded_account(1_000 * APT).await.unwrap();
    let env = Env {
        aptos,
        aether: h.aether_address(),
        sponsor,
    };
    let a = env.aether;
    let admin = h.admin_account().unwrap();
    let owner = Ed25519Account::generate();
    let other = Ed25519Account::generate();
    let attester = Ed25519Account::generate();

    // Validation order of register: name first, then description, ... then messaging key.
    let mut bad = register("");
    env.abort(&owner, bad.payload(a), ac_abort(ac::Abort::InvalidName))
        .await;
    if let ac::Call::Register {
        name,
        description,
        messaging_pubkey,
        ..
    } = &mut bad
    {
        *name = "n".into();
        *description = "d".repeat(1025);
        *messaging_pubkey = vec![];
    }
    env.abort(
        &owner,
        bad.payload(a),
        ac_abort(ac::Abort::DescriptionTooLong),
    )
    .await;
    if let ac::Call::Register { description, .. } = &mut bad {
        *description = String::new();
    }
    env.abort(
        &owner,
        bad.payload(a),
        ac_abort(ac::Abort::InvalidMessagingKey),
    )
    .await;
    let mut caps = register("n");
    if let ac::Call::Register { capabilities, .. } = &mut caps {
        *capabilities = (0..33).map(|i| format!("c{i}")).collect();
    }
    env.abort(
        &owner,
        caps.payload(a),
        ac_abort(ac::Abort::TooManyCapabilities),
    )
    .await;

    env.ok(&owner, register("first").payload(a)).await;
    let before = env.card(1).await;

    // Owner-only functions: agent exists, then owner, then arguments.
    env.abort(
        &other,
        ac::Call::SetName {
            agent_id: 1,
            name: String::new(),
        }
        .payload(a),
        ac_abort(ac::Abort::NotOwner),
    )
    .await;
    env.abort(
        &owner,
        ac::Call::SetName {
            agent_id: 7,
            name: "x".into(),
        }
        .payload(a),
        ac_abort(ac::Abort::AgentNotFound),
    )
    .await;
    env.abort(
        &owner,
        ac::Call::SetEndpoint {
            agent_id: 1,
            endpoint: "u".repeat(257),
        }
        .payload(a),
        ac_abort(ac::Abort::UrlTooLong),
    )
    .await;
    env.abort(
        &owner,
        ac::Call::SetP2pEndpoint {
            agent_id: 1,
            p2p_endpoint: "p".repeat(129),
        }
        .payload(a),
        ac_abort(ac::Abort::P2pEndpointTooLong),
    )
    .await;
    env.abort(
        &owner,
        ac::Call::SetCapabilities {
            agent_id: 1,
            capabilities: vec![String::new()],
        }
        .payload(a),
        ac_abort(ac::Abort::InvalidCapability),
    )
    .await;
    for call in [
        ac::Call::SetName {
            agent_id: 1,
            name: "renamed".into(),
        },
        ac::Call::SetDescription {
            agent_id: 1,
            description: "desc".into(),
        },
        ac::Call::SetCapabilities {
            agent_id: 1,
            capabilities: vec!["x".into(), "y".into()],
        },
        ac::Call::SetEndpoint {
            agent_id: 1,
            endpoint: "https://e".into(),
        },
        ac::Call::SetRate {
            agent_id: 1,
            rate_octas: 42,
        },
        ac::Call::SetManifestUrl {
            agent_id: 1,
            manifest_url: "https://m".into(),
        },
        ac::Call::SetMessagingKey {
            agent_id: 1,
            messaging_pubkey: vec![3; 32],
        },
        ac::Call::SetP2pEndpoint {
            agent_id: 1,
            p2p_endpoint: "h:1".into(),
        },
    ] {
        let t = env.ok(&owner, call.payload(a)).await;
        assert!(
            t["events"][0]["type"]
                .as_str()
                .unwrap()
                .ends_with("::agent_card::AgentUpdated"),
            "{}",
            t["events"]
        );
    }
    let c = env.card(1).await;
    assert_eq!(
        (c.name.as_str(), c.description.as_str(), c.rate_octas),
        ("renamed", "desc", 42)
    );
    assert_eq!(c.capabilities, vec!["x", "y"]);
    assert_eq!(
        (
            c.endpoint.as_str(),
            c.manifest_url.as_str(),
            c.p2p_endpoint.as_str()
        ),
        ("https://e", "https://m", "h:1")
    );
    assert_eq!(c.messaging_pubkey, vec![3; 32]);
    assert_eq!(c.created_at, before.created_at);
    let update = ac::Call::Update {
        agent_id: 1,
        name: "updated".into(),
        description: String::new(),
        capabilities: vec![],
        endpoint: String::new(),
        rate_octas: 5,
        manifest_url: String::new(),
        messaging_pubkey: vec![4; 32],
        p2p_endpoint: String::new(),
    };
    env.ok(&owner, update.payload(a)).await;
    assert_eq!(env.card(1).await.name, "updated");

    // Status.
    env.abort(
        &owner,
        ac::Call::Reactivate { agent_id: 1 }.payload(a),
        ac_abort(ac::Abort::AlreadyActive),
    )
    .await;
    env.ok(&owner, ac::Call::Deactivate { agent_id: 1 }.payload(a))
        .await;
    assert!(!env.card(1).await.active);
    env.abort(
        &owner,
        ac::Call::Deactivate { agent_id: 1 }.payload(a),
        ac_abort(ac::Abort::AlreadyInactive),
    )
    .await;
    // A session for an inactive agent is refused.
    env.abort(
        &other,
        ds::Call::CreateSession {
            agent_id: 1,
            session_pubkey: vec![1; 32],
            allowance: 1,
            max_requests: 1,
            duration_secs: 1,
        }
        .payload(a),
        AbortCode::DelegatedSessions(ds::Abort::AgentInactive),
    )
    .await;
    env.ok(&owner, ac::Call::Reactivate { agent_id: 1 }.payload(a))
        .await;

    // Attesters.
    let add = ac::Call::AddAttester {
        attester: attester.address(),
    };
    env.abort(&owner, add.payload(a), ac_abort(ac::Abort::NotAdmin))
        .await;
    env.ok(&admin, add.payload(a)).await;
    env.abort(&admin, add.payload(a), ac_abort(ac::Abort::AttesterExists))
        .await;
    let attest = |hash: Vec<u8>| ac::Call::AttestPrincipal {
        agent_id: 1,
        principal_hash: hash,
    };
    env.abort(
        &other,
        attest(vec![1; 32]).payload(a),
        ac_abort(ac::Abort::NotAttester),
    )
    .await;
    env.abort(
        &attester,
        attest(vec![1; 31]).payload(a),
        ac_abort(ac::Abort::InvalidPrincipalHash),
    )
    .await;
    env.ok(&attester, attest(vec![1; 32]).payload(a)).await;
    let c = env.card(1).await;
    assert!(c.verified);
    assert_eq!(
        (c.principal_hash.clone(), c.attester),
        (vec![1; 32], attester.address())
    );
    // The admin may revoke too; revoking twice fails.
    env.ok(
        &admin,
        ac::Call::RevokeAttestation { agent_id: 1 }.payload(a),
    )
    .await;
    env.abort(
        &attester,
        ac::Call::RevokeAttestation { agent_id: 1 }.payload(a),
        ac_abort(ac::Abort::NotAttested),
    )
    .await;
    env.ok(&attester, attest(vec![2; 32]).payload(a)).await;

    // Transfer clears the attestation and moves the id between owner indexes.
    env.abort(
        &owner,
        ac::Call::Transfer {
            agent_id: 1,
            new_owner: owner.address(),
        }
        .payload(a),
        ac_abort(ac::Abort::SameOwner),
    )
    .await;
    env.ok(&owner, register("second").payload(a)).await;
    let card_addr = env.card(1).await.card;
    let t = env
        .ok(
            &owner,
            ac::Call::Transfer {
                agent_id: 1,
                new_owner: other.address(),
            }
            .payload(a),
        )
        .await;
    // As `object::transfer_with_ref` does: the framework's `Transfer` event comes first, then
    // `AgentTransferred` (and no `AttestationRevoked`), then the fee statement.
    let types: Vec<&str> = t["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 3, "{types:?}");
    assert_eq!(types[0], "0x1::object::Transfer");
    assert!(
        types[1].ends_with("::agent_card::AgentTransferred"),
        "{types:?}"
    );
    assert_eq!(types[2], "0x1::transaction_fee::FeeStatement");
    let data = &t["events"][0]["data"];
    assert_eq!(
        [&data["object"], &data["from"], &data["to"]],
        [
            &Value::from(card_addr.to_string()),
            &Value::from(owner.address().to_string()),
            &Value::from(other.address().to_string()),
        ]
    );
    let c = env.card(1).await;
    assert_eq!(c.owner, other.address());
    assert!(!c.verified && c.principal_hash.is_empty() && c.attester == AccountAddress::ZERO);
    assert_eq!(env.ids(owner.address()).await, vec!["2"]);
    assert_eq!(env.ids(other.address()).await, vec!["1"]);
    env.abort(
        &owner,
        ac::Call::SetRate {
            agent_id: 1,
            rate_octas: 1,
        }
        .payload(a),
        ac_abort(ac::Abort::NotOwner),
    )
    .await;

    // Attester removal and admin hand-over.
    env.ok(
        &admin,
        ac::Call::RemoveAttester {
            attester: attester.address(),
        }
        .payload(a),
    )
    .await;
    env.abort(
        &admin,
        ac::Call::RemoveAttester {
            attester: attester.address(),
        }
        .payload(a),
        ac_abort(ac::Abort::AttesterNotFound),
    )
    .await;
    env.ok(
        &admin,
        ac::Call::SetAdmin {
            new_admin: other.address(),
        }
        .payload(a),
    )
    .await;
    let v = ac::View::Admin {};
    let new_admin: AccountAddress = env.view(v.function_id(a), v.json_args()).await;
    assert_eq!(new_admin, other.address());
    env.abort(
        &admin,
        ac::Call::AddAttester {
            attester: attester.address(),
        }
        .payload(a),
        ac_abort(ac::Abort::NotAdmin),
    )
    .await;
    h.shutdown().await;
}

#[tokio::test]
async fn session_and_oracle_admin_entry_functions() {
    let dir = tempfile::tempdir().unwrap();
    let h = common::start(dir.path()).await;
    let aptos = common::client(&h);
    let sponsor = aptos.create_funded_account(1_000 * APT).await.unwrap();
    let env = Env {
        aptos,
        aether: h.aether_address(),
        sponsor,
    };
    let a = env.aether;
    let admin = h.admin_account().unwrap();
    let principal = Ed25519Account::generate();
    let stranger = Ed25519Account::generate();
    env.aptos
        .fund_account(principal.address(), 10 * APT)
        .await
        .unwrap();
    env.ok(&principal, register("agent").payload(a)).await;
    let key = Ed25519PrivateKey::generate();
    let create = |allowance, max_requests, duration_secs| ds::Call::CreateSession {
        agent_id: 1,
        session_pubkey: key.public_key().to_bytes().to_vec(),
        allowance,
        max_requests,
        duration_secs,
    };
    let ds_abort = AbortCode::DelegatedSessions;
    env.abort(
        &principal,
        create(0, 1, 1).payload(a),
        ds_abort(ds::Abort::ZeroAmount),
    )
    .await;
    env.abort(
        &principal,
        create(1, 0, 1).payload(a),
        ds_abort(ds::Abort::InvalidMaxRequests),
    )
    .await;
    env.abort(
        &principal,
        create(1, 1, 7_776_001).payload(a),
        ds_abort(ds::Abort::InvalidDuration),
    )
    .await;
    // More than the principal has: the framework's insufficient-balance abort.
    match env
        .send(&principal, create(100 * APT, 1, 60).payload(a))
        .await
    {
        Err(AptosError::ExecutionFailed { vm_status }) => {
            assert!(vm_status.contains("EINSUFFICIENT_BALANCE"), "{vm_status}")
        }
        other => panic!("{other:?}"),
    }
    env.ok(&principal, create(APT, 5, 60).payload(a)).await;

    // top_up: principal only, amount > 0.
    env.abort(
        &stranger,
        ds::Call::TopUp {
            session_id: 1,
            amount: 1,
        }
        .payload(a),
        ds_abort(ds::Abort::NotPrincipal),
    )
    .await;
    env.abort(
        &principal,
        ds::Call::TopUp {
            session_id: 1,
            amount: 0,
        }
        .payload(a),
        ds_abort(ds::Abort::ZeroAmount),
    )
    .await;
    env.ok(
        &principal,
        ds::Call::TopUp {
            session_id: 1,
            amount: APT,
        }
        .payload(a),
    )
    .await;
    let v = ds::View::RemainingAllowance { session_id: 1 };
    let left: String = env.view(v.function_id(a), v.json_args()).await;
    assert_eq!(left, (2 * APT).to_string());

    // close_expired: only after expiry, by anyone; refunds the principal.
    env.abort(
        &stranger,
        ds::Call::CloseExpired { session_id: 1 }.payload(a),
        ds_abort(ds::Abort::SessionNotExpired),
    )
    .await;
    h.advance_time(61).unwrap();
    env.abort(
        &principal,
        ds::Call::TopUp {
            session_id: 1,
            amount: 1,
        }
        .payload(a),
        ds_abort(ds::Abort::SessionExpired),
    )
    .await;
    let before = env.aptos.get_balance(principal.address()).await.unwrap();
    env.ok(
        &stranger,
        ds::Call::CloseExpired { session_id: 1 }.payload(a),
    )
    .await;
    assert_eq!(
        env.aptos.get_balance(principal.address()).await.unwrap(),
        before + 2 * APT
    );
    let s: ds::SessionInfo = {
        let v = ds::View::GetSession { session_id: 1 };
        env.view(v.function_id(a), v.json_args()).await
    };
    assert_eq!(s.status, 2);
    env.abort(
        &principal,
        ds::Call::Revoke { session_id: 1 }.payload(a),
        ds_abort(ds::Abort::SessionNotActive),
    )
    .await;
    env.abort(
        &principal,
        ds::Call::Revoke { session_id: 9 }.payload(a),
        ds_abort(ds::Abort::SessionNotFound),
    )
    .await;

    // Oracle configuration.
    let vo_abort = AbortCode::ValidationOracle;
    env.abort(
        &stranger,
        vo::Call::SetSlashBps { bps: 1 }.payload(a),
        vo_abort(vo::Abort::NotAdmin),
    )
    .await;
    env.abort(
        &admin,
        vo::Call::SetSlashBps { bps: 10_001 }.payload(a),
        vo_abort(vo::Abort::InvalidSlashBps),
    )
    .await;
    env.abort(
        &admin,
        vo::Call::SetDisputeWindow { secs: 0 }.payload(a),
        vo_abort(vo::Abort::InvalidWindow),
    )
    .await;
    env.ok(&admin, vo::Call::SetSlashBps { bps: 2_500 }.payload(a))
        .await;
    env.ok(
        &admin,
        vo::Call::SetDisputeWindow { secs: 3_600 }.payload(a),
    )
    .await;
    env.ok(
        &admin,
        vo::Call::SetTreasury {
            treasury: stranger.address(),
        }
        .payload(a),
    )
    .await;
    env.abort(
        &admin,
        vo::Call::RemoveOracle {
            oracle: stranger.address(),
        }
        .payload(a),
        vo_abort(vo::Abort::OracleNotFound),
    )
    .await;
    env.ok(
        &admin,
        vo::Call::AddOracle {
            oracle: stranger.address(),
        }
        .payload(a),
    )
    .await;
    env.abort(
        &admin,
        vo::Call::AddOracle {
            oracle: stranger.address(),
        }
        .payload(a),
        vo_abort(vo::Abort::OracleExists),
    )
    .await;
    env.ok(
        &admin,
        vo::Call::RemoveOracle {
            oracle: stranger.address(),
        }
        .payload(a),
    )
    .await;
    let t = env
        .ok(
            &admin,
            vo::Call::SetAdmin {
                new_admin: stranger.address(),
            }
            .payload(a),
        )
        .await;
    assert!(
        t["events"][0]["type"]
            .as_str()
            .unwrap()
            .ends_with("::validation_oracle::ConfigUpdated")
    );
    let v = vo::View::GetConfig {};
    let c: vo::OracleConfig = env.view(v.function_id(a), v.json_args()).await;
    assert_eq!(
        (c.admin, c.dispute_window_secs, c.slash_bps, c.treasury),
        (stranger.address(), 3_600, 2_500, stranger.address())
    );
    // Stake checks: owner, amount, lock; unstake without stake.
    env.abort(
        &stranger,
        vo::Call::Stake {
            agent_id: 1,
            amount: 1,
            lock_secs: 0,
        }
        .payload(a),
        vo_abort(vo::Abort::NotAgentOwner),
    )
    .await;
    env.abort(
        &principal,
        vo::Call::Stake {
            agent_id: 1,
            amount: 1,
            lock_secs: 31_536_001,
        }
        .payload(a),
        vo_abort(vo::Abort::LockTooLong),
    )
    .await;
    env.abort(
        &principal,
        vo::Call::Unstake {
            agent_id: 1,
            amount: 1,
        }
        .payload(a),
        vo_abort(vo::Abort::NoStake),
    )
    .await;
    env.abort(
        &principal,
        vo::Call::SubmitTaskResult {
            agent_id: 1,
            task_type: String::new(),
            result_hash: vec![0; 32],
        }
        .payload(a),
        vo_abort(vo::Abort::InvalidTaskType),
    )
    .await;
    env.abort(
        &principal,
        vo::Call::SubmitPaidTaskResult {
            agent_id: 1,
            task_type: "t".into(),
            result_hash: vec![0; 32],
            session_id: 1,
            nonce: 1,
        }
        .payload(a),
        vo_abort(vo::Abort::PaymentNotFound),
    )
    .await;
    env.ok(
        &principal,
        vo::Call::SubmitTaskResult {
            agent_id: 1,
            task_type: "t".into(),
            result_hash: vec![0; 32],
        }
        .payload(a),
    )
    .await;
    env.abort(
        &principal,
        vo::Call::CreateDispute {
            task_id: 1,
            reason: "r".into(),
            evidence_hash: vec![0; 32],
        }
        .payload(a),
        vo_abort(vo::Abort::NotDisputable),
    )
    .await;
    h.shutdown().await;
}
