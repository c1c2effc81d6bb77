//! The cross-module scenario of `contracts/tests/scenario_tests.move`, replayed against the
//! localnet through `aptos-sdk` only (fullnode and faucet clients, transaction builders, signers),
//! with the same inputs, expected aborts and values.
//!
//! Differences forced by running on a node rather than in a Move unit test, none of which change
//! a checked value: actors are generated keys instead of fixed addresses; block time is the
//! ledger clock (moved with `POST /admin/advance_time`) instead of `START_TIME_SECS`; the
//! principal's, provider's and admin's transactions are fee-payer transactions sponsored by a
//! separate account, so their APT balances move exactly as in the Move test (which charges no
//! gas).
mod common;

use aether_protocol::abi::{agent_card as ac, delegated_sessions as ds, validation_oracle as vo};
use aether_protocol::{AbortCode, AetherEvent, PaymentAuthorization, decode_vm_status};
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::crypto::Ed25519PrivateKey;
use aptos_sdk::types::AccountAddress;
use aptos_sdk::{Aptos, AptosError};
use serde::de::DeserializeOwned;
use serde_json::Value;

const CHAIN_ID: u8 = 4;
const PRINCIPAL_FUNDS: u64 = 10_000_000_000;
const PROVIDER_FUNDS: u64 = 1_000_000_000;
const PROVIDER_AGENT_ID: u64 = 1;
const PROVIDER_AGENT_RATE: u64 = 15_000_000;
const CLIENT_AGENT_ID: u64 = 2;
const SESSION_ID: u64 = 1;
const SESSION_ALLOWANCE: u64 = 100_000_000;
const SESSION_MAX_REQUESTS: u64 = 10;
const SESSION_DURATION_SECS: u64 = 3600;
const PAYMENT_AMOUNT: u64 = 15_000_000;
const FIRST_NONCE: u64 = 7;
const AUTHORIZATION_VALIDITY_SECS: u64 = 60;
const STAKE_AMOUNT: u64 = 1_000_000_000;
const STAKE_LOCK_SECS: u64 = 86_400;
const PAID_TASK_ID: u64 = 1;
const UNPAID_TASK_ID: u64 = 2;
const TASK_TYPE: &str = "translate";
const DISPUTE_REASON: &str = "translation is in the wrong language";
const EXPECTED_SLASH: u64 = 500_000_000;
const EXPECTED_STAKE_AFTER_SLASH: u64 = 500_000_000;
const EXPECTED_REPUTATION_AFTER_SLASH: u64 = 10;
const SECOND_NONCE: u64 = 8;
const SECOND_PAID_TASK_ID: u64 = 3;
const FAST_FORWARD_SECS: u64 = 86_401;
const EXPECTED_REFUND: u64 = 70_000_000;
const EXPECTED_PROVIDER_FINAL_BALANCE: u64 = 530_000_000;
const EXPECTED_PRINCIPAL_FINAL_BALANCE: u64 = 9_970_000_000;

/// `test_helpers::hash32(seed)`: 32 bytes of `seed`.
fn hash32(seed: u8) -> Vec<u8> {
    vec![seed; 32]
}

struct Env {
    aptos: Aptos,
    aether: AccountAddress,
    sponsor: Ed25519Account,
}

impl Env {
    async fn view<T: DeserializeOwned>(&self, function: String, args: Vec<Value>) -> T {
        let out = self
            .aptos
            .view(&function, vec![], args)
            .await
            .unwrap_or_else(|e| panic!("view {function}: {e}"));
        serde_json::from_value(out[0].clone()).unwrap_or_else(|e| panic!("{function}: {e}"))
    }

    async fn card(&self, v: ac::View) -> Value {
        self.view(v.function_id(self.aether), v.json_args()).await
    }

    async fn ds<T: DeserializeOwned>(&self, v: ds::View) -> T {
        self.view(v.function_id(self.aether), v.json_args()).await
    }

    async fn vo<T: DeserializeOwned>(&self, v: vo::View) -> T {
        self.view(v.function_id(self.aether), v.json_args()).await
    }

    async fn ac<T: DeserializeOwned>(&self, v: ac::View) -> T {
        self.view(v.function_id(self.aether), v.json_args()).await
    }

    async fn u64_view(&self, function: String, args: Vec<Value>) -> u64 {
        let s: String = self.view(function, args).await;
        s.parse().unwrap()
    }

    async fn send(
        &self,
        who: &Ed25519Account,
        payload: aptos_sdk::transaction::TransactionPayload,
    ) -> Result<Value, AptosError> {
        common::sponsored(&self.aptos, who, &self.sponsor, payload).await
    }

    async fn balance(&self, a: AccountAddress) -> u64 {
        self.aptos.get_balance(a).await.unwrap()
    }

    fn expect_abort(&self, r: Result<Value, AptosError>, code: AbortCode) {
        match r {
            Err(AptosError::ExecutionFailed { vm_status }) => {
                assert_eq!(
                    decode_vm_status(&vm_status, self.aether),
                    Some(code),
                    "{vm_status}"
                );
                assert_eq!(vm_status, code.vm_status(self.aether));
            }
            other => panic!("expected abort {code}, got {other:?}"),
        }
    }
}

async fn pay_provider(
    env: &Env,
    facilitator: &Ed25519Account,
    session_key: &Ed25519PrivateKey,
    provider: AccountAddress,
    nonce: u64,
) -> Result<Value, AptosError> {
    let now: u64 = env
        .view::<String>("0x1::timestamp::now_seconds".into(), vec![])
        .await
        .parse()
        .unwrap();
    let auth = PaymentAuthorization {
        chain_id: CHAIN_ID,
        session: SESSION_ID,
        payee: provider,
        amount: PAYMENT_AMOUNT,
        nonce,
        valid_until: now + AUTHORIZATION_VALIDITY_SECS,
    };
    let sig = auth.sign(env.aether, session_key);
    let payload = auth.into_pay_call(&sig).payload(env.aether);
    // The facilitator pays its own gas, as an x402 facilitator does.
    env.aptos
        .sign_submit_and_wait(facilitator, payload, None)
        .await
        .map(|r| r.data)
}

async fn advance(h: &aether_localnet::LocalnetHandle, secs: u64) {
    let res = reqwest::Client::new()
        .post(format!("{}/advance_time", h.admin_url()))
        .json(&serde_json::json!({ "secs": secs }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
}

#[tokio::test]
async fn scenario_of_the_move_tests_through_the_sdk() {
    let dir = tempfile::tempdir().unwrap();
    let h = common::start(dir.path()).await;
    let aptos = common::client(&h);
    let aether = h.aether_address();
    let admin = h.admin_account().unwrap();
    let sponsor = aptos
        .create_funded_account(1_000 * 100_000_000)
        .await
        .unwrap();
    let env = Env {
        aptos,
        aether,
        sponsor,
    };
    let principal = Ed25519Account::generate();
    let provider = Ed25519Account::generate();
    let oracle = Ed25519Account::generate();
    let facilitator = Ed25519Account::generate();

    // 1. Funding.
    env.aptos
        .fund_account(principal.address(), PRINCIPAL_FUNDS)
        .await
        .unwrap();
    env.aptos
        .fund_account(provider.address(), PROVIDER_FUNDS)
        .await
        .unwrap();
    env.aptos
        .fund_account(facilitator.address(), 10 * 100_000_000)
        .await
        .unwrap();
    env.aptos
        .fund_account(oracle.address(), 10 * 100_000_000)
        .await
        .unwrap();
    assert_eq!(env.balance(principal.address()).await, PRINCIPAL_FUNDS);
    assert_eq!(env.balance(provider.address()).await, PROVIDER_FUNDS);
    let chain: u8 = env.view("0x1::chain_id::get".into(), vec![]).await;
    assert_eq!(chain, CHAIN_ID);

    // 2. Registration.
    let register_provider = ac::Call::Register {
        name: "translator".into(),
        description: "Translates and summarizes documents".into(),
        capabilities: vec!["translate".into(), "summarize".into()],
        endpoint: "https://translator.example/x402".into(),
        rate_octas: PROVIDER_AGENT_RATE,
        manifest_url: "https://translator.example/manifest.json".into(),
        messaging_pubkey: hash32(0x01),
        p2p_endpoint: String::new(),
    };
    env.send(&provider, register_provider.payload(aether))
        .await
        .unwrap();
    let register_client = ac::Call::Register {
        name: "shopper".into(),
        description: "Buys services for its principal".into(),
        capabilities: vec!["shop".into()],
        endpoint: String::new(),
        rate_octas: 0,
        manifest_url: String::new(),
        messaging_pubkey: hash32(0x02),
        p2p_endpoint: String::new(),
    };
    env.send(&principal, register_client.payload(aether))
        .await
        .unwrap();
    let owner1: AccountAddress = env
        .ac(ac::View::OwnerOf {
            agent_id: PROVIDER_AGENT_ID,
        })
        .await;
    assert_eq!(owner1, provider.address());
    let owner2: AccountAddress = env
        .ac(ac::View::OwnerOf {
            agent_id: CLIENT_AGENT_ID,
        })
        .await;
    assert_eq!(owner2, principal.address());
    let card: ac::CardInfo = serde_json::from_value(
        env.card(ac::View::GetCard {
            agent_id: PROVIDER_AGENT_ID,
        })
        .await,
    )
    .unwrap();
    assert_eq!(card.name, "translator");
    assert_eq!(card.rate_octas, PROVIDER_AGENT_RATE);
    assert!(card.active && !card.verified);
    assert_eq!(card.capabilities, vec!["translate", "summarize"]);
    assert_eq!(
        card.card,
        aether_protocol::address::card_object_address(provider.address(), PROVIDER_AGENT_ID)
    );
    // The rest of agent_card's views.
    let by_addr: ac::CardInfo = serde_json::from_value(
        env.card(ac::View::GetCardByAddress { card: card.card })
            .await,
    )
    .unwrap();
    assert_eq!(by_addr, card);
    let card_addr: AccountAddress = env
        .ac(ac::View::CardAddress {
            agent_id: PROVIDER_AGENT_ID,
        })
        .await;
    assert_eq!(card_addr, card.card);
    let count: String = env.ac(ac::View::AgentCount {}).await;
    assert_eq!(count, "2");
    let ids: Vec<String> = env
        .ac(ac::View::IdsByOwner {
            owner: principal.address(),
        })
        .await;
    assert_eq!(ids, vec!["2"]);
    assert!(env.ac::<bool>(ac::View::AgentExists { agent_id: 2 }).await);
    assert!(!env.ac::<bool>(ac::View::AgentExists { agent_id: 3 }).await);
    assert!(env.ac::<bool>(ac::View::IsActive { agent_id: 1 }).await);
    assert!(!env.ac::<bool>(ac::View::IsVerified { agent_id: 1 }).await);
    assert!(
        !env.ac::<bool>(ac::View::IsAttester {
            addr: oracle.address()
        })
        .await
    );
    let admin_addr: AccountAddress = env.ac(ac::View::Admin {}).await;
    assert_eq!(admin_addr, aether);
    // A view that aborts answers the abort.
    let err = env
        .aptos
        .view(
            &ac::View::GetCard { agent_id: 99 }.function_id(aether),
            vec![],
            ac::View::GetCard { agent_id: 99 }.json_args(),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("EAGENT_NOT_FOUND(0x60004)"),
        "{err}"
    );

    // 3. Session.
    let session_key = Ed25519PrivateKey::generate();
    let create = ds::Call::CreateSession {
        agent_id: CLIENT_AGENT_ID,
        session_pubkey: session_key.public_key().to_bytes().to_vec(),
        allowance: SESSION_ALLOWANCE,
        max_requests: SESSION_MAX_REQUESTS,
        duration_secs: SESSION_DURATION_SECS,
    };
    env.send(&principal, create.payload(aether)).await.unwrap();
    let session_count: String = env.ds(ds::View::SessionCount {}).await;
    assert_eq!(session_count, SESSION_ID.to_string());
    let remaining: String = env
        .ds(ds::View::RemainingAllowance {
            session_id: SESSION_ID,
        })
        .await;
    assert_eq!(remaining, SESSION_ALLOWANCE.to_string());
    let escrow: AccountAddress = env.ds(ds::View::EscrowAddress {}).await;
    assert_eq!(escrow, aether_protocol::address::escrow_address(aether));
    assert_eq!(env.balance(escrow).await, SESSION_ALLOWANCE);
    assert_eq!(
        env.balance(principal.address()).await,
        PRINCIPAL_FUNDS - SESSION_ALLOWANCE
    );

    // 4. First payment; reusing the nonce aborts ENONCE_USED.
    let paid = pay_provider(
        &env,
        &facilitator,
        &session_key,
        provider.address(),
        FIRST_NONCE,
    )
    .await
    .unwrap();
    let session: ds::SessionInfo = env
        .ds(ds::View::GetSession {
            session_id: SESSION_ID,
        })
        .await;
    assert_eq!(
        (
            session.deposited,
            session.spent,
            session.requests_used,
            session.status
        ),
        (SESSION_ALLOWANCE, PAYMENT_AMOUNT, 1, 0)
    );
    assert!(
        env.ds::<bool>(ds::View::IsNonceUsed {
            session_id: SESSION_ID,
            nonce: FIRST_NONCE
        })
        .await
    );
    assert_eq!(
        env.balance(provider.address()).await,
        PROVIDER_FUNDS + PAYMENT_AMOUNT
    );
    let settled = paid["events"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| {
            match AetherEvent::parse(aether, e["type"].as_str()?, &e["data"]).ok()?? {
                AetherEvent::DelegatedSessions(ds::Event::PaymentSettled(p)) => Some(p),
                _ => None,
            }
        })
        .expect("PaymentSettled in the transaction's events");
    assert_eq!(
        (
            settled.session_id,
            settled.payee,
            settled.amount,
            settled.nonce,
            settled.spent,
            settled.requests_used
        ),
        (
            SESSION_ID,
            provider.address(),
            PAYMENT_AMOUNT,
            FIRST_NONCE,
            PAYMENT_AMOUNT,
            1
        )
    );
    let payment: ds::PaymentInfo = env
        .ds(ds::View::GetPayment {
            session_id: SESSION_ID,
            nonce: FIRST_NONCE,
        })
        .await;
    assert_eq!(
        (payment.payee, payment.amount),
        (provider.address(), PAYMENT_AMOUNT)
    );
    let left: String = env
        .ds(ds::View::RemainingRequests {
            session_id: SESSION_ID,
        })
        .await;
    assert_eq!(left, "9");
    env.expect_abort(
        pay_provider(
            &env,
            &facilitator,
            &session_key,
            provider.address(),
            FIRST_NONCE,
        )
        .await,
        AbortCode::DelegatedSessions(ds::Abort::NonceUsed),
    );
    // A signature by another key aborts EINVALID_SIGNATURE.
    env.expect_abort(
        pay_provider(
            &env,
            &facilitator,
            &Ed25519PrivateKey::generate(),
            provider.address(),
            99,
        )
        .await,
        AbortCode::DelegatedSessions(ds::Abort::InvalidSignature),
    );

    // 5. Stake.
    let stake = vo::Call::Stake {
        agent_id: PROVIDER_AGENT_ID,
        amount: STAKE_AMOUNT,
        lock_secs: STAKE_LOCK_SECS,
    };
    let staked = env.send(&provider, stake.payload(aether)).await.unwrap();
    let stake_time = staked["timestamp"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .unwrap()
        / 1_000_000;
    let info: vo::StakeInfo = env
        .vo(vo::View::GetStake {
            agent_id: PROVIDER_AGENT_ID,
        })
        .await;
    assert_eq!(
        (info.amount, info.locked_until),
        (STAKE_AMOUNT, stake_time + STAKE_LOCK_SECS)
    );
    assert_eq!(
        env.balance(provider.address()).await,
        PROVIDER_FUNDS + PAYMENT_AMOUNT - STAKE_AMOUNT
    );
    let vault: AccountAddress = env.vo(vo::View::StakeVaultAddress {}).await;
    assert_eq!(env.balance(vault).await, STAKE_AMOUNT);

    // 6. Results: a paid one (task 1) and an unpaid one (task 2).
    let paid_result = vo::Call::SubmitPaidTaskResult {
        agent_id: PROVIDER_AGENT_ID,
        task_type: TASK_TYPE.into(),
        result_hash: hash32(0x61),
        session_id: SESSION_ID,
        nonce: FIRST_NONCE,
    };
    env.send(&provider, paid_result.payload(aether))
        .await
        .unwrap();
    let unpaid_result = vo::Call::SubmitTaskResult {
        agent_id: PROVIDER_AGENT_ID,
        task_type: TASK_TYPE.into(),
        result_hash: hash32(0x62),
    };
    env.send(&provider, unpaid_result.payload(aether))
        .await
        .unwrap();
    let task_count: String = env.vo(vo::View::TaskCount {}).await;
    assert_eq!(task_count, UNPAID_TASK_ID.to_string());
    let t1: vo::TaskInfo = env
        .vo(vo::View::GetTask {
            task_id: PAID_TASK_ID,
        })
        .await;
    assert!(t1.paid && t1.session_id == SESSION_ID && t1.nonce == FIRST_NONCE);
    assert_eq!((t1.payer, t1.status), (principal.address(), 0));
    let t2: vo::TaskInfo = env
        .vo(vo::View::GetTask {
            task_id: UNPAID_TASK_ID,
        })
        .await;
    assert!(!t2.paid && t2.payer == AccountAddress::ZERO);
    let stats: vo::AgentStats = env
        .vo(vo::View::AgentStats {
            agent_id: PROVIDER_AGENT_ID,
        })
        .await;
    assert_eq!(
        (stats.total_tasks, stats.paid_tasks, stats.successful_tasks),
        (2, 1, 1)
    );
    // The same payment cannot back a second result.
    env.expect_abort(
        env.send(&provider, paid_result.payload(aether)).await,
        AbortCode::ValidationOracle(vo::Abort::PaymentAlreadyUsed),
    );

    // 7. Dispute within the window, oracle upholds it, stake is slashed to the treasury.
    let dispute = vo::Call::CreateDispute {
        task_id: PAID_TASK_ID,
        reason: DISPUTE_REASON.into(),
        evidence_hash: hash32(0xee),
    };
    env.send(&principal, dispute.payload(aether)).await.unwrap();
    let stats: vo::AgentStats = env
        .vo(vo::View::AgentStats {
            agent_id: PROVIDER_AGENT_ID,
        })
        .await;
    assert_eq!((stats.disputes, stats.pending_disputes), (1, 1));
    // Unstaking with a dispute pending (and the lock running) fails.
    env.expect_abort(
        env.send(
            &provider,
            vo::Call::Unstake {
                agent_id: PROVIDER_AGENT_ID,
                amount: 1,
            }
            .payload(aether),
        )
        .await,
        AbortCode::ValidationOracle(vo::Abort::StakeLocked),
    );
    // Only an oracle resolves.
    env.expect_abort(
        env.send(
            &oracle,
            vo::Call::ResolveDispute {
                task_id: PAID_TASK_ID,
                upheld: true,
            }
            .payload(aether),
        )
        .await,
        AbortCode::ValidationOracle(vo::Abort::NotOracle),
    );
    env.send(
        &admin,
        vo::Call::AddOracle {
            oracle: oracle.address(),
        }
        .payload(aether),
    )
    .await
    .unwrap();
    assert!(
        env.vo::<bool>(vo::View::IsOracle {
            addr: oracle.address()
        })
        .await
    );
    let treasury_before = env.balance(aether).await;
    let resolved = env
        .send(
            &oracle,
            vo::Call::ResolveDispute {
                task_id: PAID_TASK_ID,
                upheld: true,
            }
            .payload(aether),
        )
        .await
        .unwrap();
    let info: vo::StakeInfo = env
        .vo(vo::View::GetStake {
            agent_id: PROVIDER_AGENT_ID,
        })
        .await;
    assert_eq!(info.amount, EXPECTED_STAKE_AFTER_SLASH);
    assert_eq!(env.balance(aether).await, treasury_before + EXPECTED_SLASH);
    let stats: vo::AgentStats = env
        .vo(vo::View::AgentStats {
            agent_id: PROVIDER_AGENT_ID,
        })
        .await;
    assert_eq!(
        (
            stats.successful_tasks,
            stats.paid_tasks,
            stats.upheld_disputes
        ),
        (0, 1, 1)
    );
    assert_eq!(
        (stats.total_tasks, stats.disputes, stats.pending_disputes),
        (2, 1, 0)
    );
    let t1: vo::TaskInfo = env
        .vo(vo::View::GetTask {
            task_id: PAID_TASK_ID,
        })
        .await;
    assert_eq!(t1.status, 2);
    let d: vo::DisputeInfo = env
        .vo(vo::View::GetDispute {
            task_id: PAID_TASK_ID,
        })
        .await;
    assert_eq!(
        (d.status, d.resolver, d.slashed, d.disputer),
        (1, oracle.address(), EXPECTED_SLASH, principal.address())
    );
    assert_eq!(
        env.u64_view(
            vo::View::Reputation {
                agent_id: PROVIDER_AGENT_ID
            }
            .function_id(aether),
            vo::View::Reputation {
                agent_id: PROVIDER_AGENT_ID
            }
            .json_args()
        )
        .await,
        EXPECTED_REPUTATION_AFTER_SLASH
    );
    assert!(resolved["events"].as_array().unwrap().iter().any(|e| {
        matches!(
            AetherEvent::parse(aether, e["type"].as_str().unwrap_or(""), &e["data"]),
            Ok(Some(AetherEvent::ValidationOracle(vo::Event::DisputeResolved(r))))
                if r.upheld && r.slashed == EXPECTED_SLASH && r.oracle == oracle.address()
        )
    }));
    let config: vo::OracleConfig = env.vo(vo::View::GetConfig {}).await;
    assert_eq!(
        (
            config.admin,
            config.dispute_window_secs,
            config.slash_bps,
            config.treasury
        ),
        (aether, 86_400, 5_000, aether)
    );

    // 8. Second payment and paid result (task 3); after the window, disputing it aborts.
    pay_provider(
        &env,
        &facilitator,
        &session_key,
        provider.address(),
        SECOND_NONCE,
    )
    .await
    .unwrap();
    let second = vo::Call::SubmitPaidTaskResult {
        agent_id: PROVIDER_AGENT_ID,
        task_type: TASK_TYPE.into(),
        result_hash: hash32(0x63),
        session_id: SESSION_ID,
        nonce: SECOND_NONCE,
    };
    env.send(&provider, second.payload(aether)).await.unwrap();
    let task_count: String = env.vo(vo::View::TaskCount {}).await;
    assert_eq!(task_count, SECOND_PAID_TASK_ID.to_string());
    advance(&h, FAST_FORWARD_SECS).await;
    env.expect_abort(
        env.send(
            &principal,
            vo::Call::CreateDispute {
                task_id: SECOND_PAID_TASK_ID,
                reason: DISPUTE_REASON.into(),
                evidence_hash: hash32(0xee),
            }
            .payload(aether),
        )
        .await,
        AbortCode::ValidationOracle(vo::Abort::DisputeWindowClosed),
    );
    // The session expired meanwhile: paying with it aborts ESESSION_EXPIRED.
    env.expect_abort(
        pay_provider(&env, &facilitator, &session_key, provider.address(), 9).await,
        AbortCode::DelegatedSessions(ds::Abort::SessionExpired),
    );

    // 9. Unstake the rest and revoke the session.
    env.send(
        &provider,
        vo::Call::Unstake {
            agent_id: PROVIDER_AGENT_ID,
            amount: EXPECTED_STAKE_AFTER_SLASH,
        }
        .payload(aether),
    )
    .await
    .unwrap();
    let info: vo::StakeInfo = env
        .vo(vo::View::GetStake {
            agent_id: PROVIDER_AGENT_ID,
        })
        .await;
    assert_eq!(info.amount, 0);
    assert_eq!(
        env.balance(provider.address()).await,
        EXPECTED_PROVIDER_FINAL_BALANCE
    );
    let revoked = env
        .send(
            &principal,
            ds::Call::Revoke {
                session_id: SESSION_ID,
            }
            .payload(aether),
        )
        .await
        .unwrap();
    assert_eq!(
        env.balance(principal.address()).await,
        EXPECTED_PRINCIPAL_FINAL_BALANCE
    );
    assert_eq!(env.balance(escrow).await, 0);
    assert!(revoked["events"].as_array().unwrap().iter().any(|e| {
        matches!(
            AetherEvent::parse(aether, e["type"].as_str().unwrap_or(""), &e["data"]),
            Ok(Some(AetherEvent::DelegatedSessions(ds::Event::SessionRevoked(r))))
                if r.refund == EXPECTED_REFUND
        )
    }));
    let session: ds::SessionInfo = env
        .ds(ds::View::GetSession {
            session_id: SESSION_ID,
        })
        .await;
    assert_eq!(session.deposited - session.spent, EXPECTED_REFUND);
    assert_eq!((session.requests_used, session.status), (2, 1));
    let stats: vo::AgentStats = env
        .vo(vo::View::AgentStats {
            agent_id: PROVIDER_AGENT_ID,
        })
        .await;
    assert_eq!(
        (
            stats.paid_tasks,
            stats.successful_tasks,
            stats.upheld_disputes
        ),
        (2, 1, 1)
    );
    assert_eq!(
        env.u64_view(
            vo::View::Reputation {
                agent_id: PROVIDER_AGENT_ID
            }
            .function_id(aether),
            vo::View::Reputation {
                agent_id: PROVIDER_AGENT_ID
            }
            .json_args()
        )
        .await,
        250
    );

    // Page every transaction through /v1/transactions and collect the Aether events in order.
    let mut names = Vec::new();
    let mut start = 0u64;
    loop {
        let page = env
            .aptos
            .fullnode()
            .get_transactions(Some(start), Some(7))
            .await
            .unwrap();
        if page.data.is_empty() {
            break;
        }
        for t in &page.data {
            assert_eq!(t["version"], start.to_string());
            start += 1;
            if t["success"] != true {
                continue;
            }
            for e in t["events"].as_array().unwrap() {
                if let Some(ev) =
                    AetherEvent::parse(aether, e["type"].as_str().unwrap(), &e["data"]).unwrap()
                {
                    names.push(match ev {
                        AetherEvent::AgentCard(e) => e.name(),
                        AetherEvent::DelegatedSessions(e) => e.name(),
                        AetherEvent::ValidationOracle(e) => e.name(),
                    });
                }
            }
        }
    }
    assert_eq!(
        names,
        vec![
            "AgentRegistered",
            "AgentRegistered",
            "SessionCreated",
            "PaymentSettled",
            "Staked",
            "TaskResultSubmitted",
            "TaskResultSubmitted",
            "DisputeCreated",
            "OracleAdded",
            "DisputeResolved",
            "PaymentSettled",
            "TaskResultSubmitted",
            "Unstaked",
            "SessionRevoked",
        ]
    );
    h.shutdown().await;
}
