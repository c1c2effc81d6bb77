//! Differential checks against `contracts/sources/*.move` at exact block times: the `<`/`<=`
//! boundaries of expiry, authorization validity, stake locks and the dispute window, the lock
//! maximum, the owner index order after transfers and the refund of 0.

use aether_protocol::abi::{agent_card as ac, delegated_sessions as ds, validation_oracle as vo};
use aether_protocol::{AbortCode, PaymentAuthorization, decode_vm_status};
use aptos_sdk::account::Ed25519Account;
use aptos_sdk::crypto::Ed25519PrivateKey;
use aptos_sdk::transaction::{EntryFunction, RawTransaction, TransactionPayload, sign_transaction};
use aptos_sdk::types::{AccountAddress, ChainId};
use serde_json::Value;

use super::{Chain, Committed, Decoded, Genesis, OCTAS_PER_APT};

const T0: u64 = 1_700_000_000;
const CHAIN_ID: u8 = 4;

struct Env {
    chain: Chain,
    aether: AccountAddress,
    faucet: Ed25519Account,
}

impl Env {
    fn new() -> Env {
        let faucet = Ed25519Account::generate();
        let aether = AccountAddress::from_hex("0xcafe").unwrap();
        let chain = Chain::new(Genesis {
            chain_id: CHAIN_ID,
            aether,
            faucet: faucet.address(),
            faucet_balance: 1_000 * OCTAS_PER_APT,
            aether_balance: 0,
            timestamp_us: T0 * 1_000_000,
        });
        Env {
            chain,
            aether,
            faucet,
        }
    }

    /// Executes `payload` signed by `who` at block time `at` (seconds).
    fn exec(&mut self, who: &Ed25519Account, payload: TransactionPayload, at: u64) -> Committed {
        exec(&mut self.chain, who, payload, at)
    }

    fn ok(&mut self, who: &Ed25519Account, payload: TransactionPayload, at: u64) -> Committed {
        let c = self.exec(who, payload, at);
        assert!(c.success, "{}", c.vm_status);
        c
    }

    fn abort(
        &mut self,
        who: &Ed25519Account,
        payload: TransactionPayload,
        at: u64,
        code: AbortCode,
    ) {
        let c = self.exec(who, payload, at);
        assert_eq!(
            decode_vm_status(&c.vm_status, self.aether),
            Some(code),
            "{}",
            c.vm_status
        );
    }

    fn funded(&mut self, apt: u64) -> Ed25519Account {
        let a = Ed25519Account::generate();
        let p = EntryFunction::apt_transfer(a.address(), apt * OCTAS_PER_APT)
            .unwrap()
            .into();
        let c = exec(&mut self.chain, &self.faucet, p, T0);
        assert!(c.success, "{}", c.vm_status);
        a
    }

    fn view(&self, function: String, args: Vec<Value>) -> Value {
        self.chain.view_json(&function, &[], &args, T0).unwrap()[0].clone()
    }

    fn register(&mut self, who: &Ed25519Account, name: &str) {
        let call = ac::Call::Register {
            name: name.into(),
            description: String::new(),
            capabilities: vec![],
            endpoint: String::new(),
            rate_octas: 1,
            manifest_url: String::new(),
            messaging_pubkey: vec![1; 32],
            p2p_endpoint: String::new(),
        };
        self.ok(who, call.payload(self.aether), T0);
    }

    fn ids(&self, owner: AccountAddress) -> Value {
        let v = ac::View::IdsByOwner { owner };
        self.view(v.function_id(self.aether), v.json_args())
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "the fields of a PaymentAuthorization"
    )]
    fn pay(
        &self,
        key: &Ed25519PrivateKey,
        session: u64,
        payee: AccountAddress,
        amount: u64,
        nonce: u64,
        valid_until: u64,
    ) -> TransactionPayload {
        let auth = PaymentAuthorization {
            chain_id: CHAIN_ID,
            session,
            payee,
            amount,
            nonce,
            valid_until,
        };
        let sig = auth.sign(self.aether, key);
        auth.into_pay_call(&sig).payload(self.aether)
    }
}

/// Executes `payload` signed by `who` at block time `at` (seconds).
fn exec(
    chain: &mut Chain,
    who: &Ed25519Account,
    payload: TransactionPayload,
    at: u64,
) -> Committed {
    let seq = chain
        .account(who.address())
        .map_or(0, |a| a.sequence_number);
    let raw = RawTransaction::new(
        who.address(),
        seq,
        payload,
        100_000,
        100,
        at + 600,
        ChainId::new(CHAIN_ID),
    );
    let bytes = sign_transaction(&raw, who).unwrap().to_bcs().unwrap();
    let d = Decoded::from_bcs(&bytes).unwrap();
    chain.execute(&d, at * 1_000_000).clone()
}

fn ds_abort(a: ds::Abort) -> AbortCode {
    AbortCode::DelegatedSessions(a)
}

fn vo_abort(a: vo::Abort) -> AbortCode {
    AbortCode::ValidationOracle(a)
}

fn event_types(c: &Committed) -> Vec<String> {
    c.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn session_expiry_and_authorization_validity_boundaries() {
    let mut env = Env::new();
    let owner = env.funded(10);
    let principal = env.funded(10);
    env.register(&owner, "provider");
    let key = Ed25519PrivateKey::generate();
    let a = env.aether;
    let create = ds::Call::CreateSession {
        agent_id: 1,
        session_pubkey: key.public_key().to_bytes().to_vec(),
        allowance: 1_000,
        max_requests: 10,
        duration_secs: 100,
    };
    env.ok(&principal, create.payload(a), T0);
    let expires_at = T0 + 100;
    let payee = owner.address();
    let last = expires_at - 1;
    // `now <= valid_until` is accepted; one second later it is not.
    let p = env.pay(&key, 1, payee, 10, 1, last - 1);
    env.abort(
        &principal,
        p,
        last,
        ds_abort(ds::Abort::AuthorizationExpired),
    );
    let p = env.pay(&key, 1, payee, 10, 1, last);
    env.ok(&principal, p, last);
    let top_up = ds::Call::TopUp {
        session_id: 1,
        amount: 5,
    };
    env.ok(&principal, top_up.payload(a), last);
    let close = ds::Call::CloseExpired { session_id: 1 };
    env.abort(
        &owner,
        close.payload(a),
        last,
        ds_abort(ds::Abort::SessionNotExpired),
    );
    // At `now == expires_at` the session is expired: pay and top up abort, close succeeds.
    let p = env.pay(&key, 1, payee, 10, 2, expires_at + 10);
    env.abort(
        &principal,
        p,
        expires_at,
        ds_abort(ds::Abort::SessionExpired),
    );
    env.abort(
        &principal,
        top_up.payload(a),
        expires_at,
        ds_abort(ds::Abort::SessionExpired),
    );
    let c = env.ok(&owner, close.payload(a), expires_at);
    let s = ds::View::GetSession { session_id: 1 };
    let info = env.view(s.function_id(a), s.json_args());
    assert_eq!(info["status"], ds::status::CLOSED);
    assert_eq!(info["deposited"], "1005");
    assert_eq!(info["spent"], "10");
    assert_eq!(info["requests_used"], "1");
    // The refund goes to the principal, not to the closer.
    let closed = c.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"].as_str().unwrap().ends_with("::SessionClosed"))
        .unwrap()
        .clone();
    assert_eq!(closed["data"]["refund"], "995");
    assert_eq!(closed["data"]["closer"], owner.address().to_string());
    assert_eq!(
        env.chain.balance(principal.address()),
        10 * OCTAS_PER_APT - 1_005 + 995 - gas_paid(&env, principal.address())
    );
}

/// Octas of gas `who` paid so far (each committed transaction's `gas_used × 100`).
fn gas_paid(env: &Env, who: AccountAddress) -> u64 {
    env.chain
        .range(0, 1_000)
        .iter()
        .filter(|c| c.sender == Some(who))
        .map(|c| c.json["gas_used"].as_str().unwrap().parse::<u64>().unwrap() * 100)
        .sum()
}

#[test]
fn revoking_a_spent_session_refunds_nothing_and_moves_no_apt() {
    let mut env = Env::new();
    let owner = env.funded(10);
    let principal = env.funded(10);
    env.register(&owner, "provider");
    let key = Ed25519PrivateKey::generate();
    let a = env.aether;
    let create = ds::Call::CreateSession {
        agent_id: 1,
        session_pubkey: key.public_key().to_bytes().to_vec(),
        allowance: 50,
        max_requests: 1,
        duration_secs: 100,
    };
    env.ok(&principal, create.payload(a), T0);
    let p = env.pay(&key, 1, owner.address(), 50, 9, T0 + 10);
    env.ok(&principal, p, T0 + 1);
    // Requests are checked before the allowance.
    let p = env.pay(&key, 1, owner.address(), 51, 10, T0 + 10);
    env.abort(
        &principal,
        p,
        T0 + 2,
        ds_abort(ds::Abort::RequestsExhausted),
    );
    let c = env.ok(
        &principal,
        ds::Call::Revoke { session_id: 1 }.payload(a),
        T0 + 3,
    );
    let types = event_types(&c);
    assert_eq!(types.len(), 2, "{types:?}");
    assert!(types[0].ends_with("::delegated_sessions::SessionRevoked"));
    assert_eq!(c.json["events"][0]["data"]["refund"], "0");
    let s = ds::View::GetSession { session_id: 1 };
    assert_eq!(env.view(s.function_id(a), s.json_args())["status"], 1);
}

#[test]
fn stake_lock_keeps_the_later_deadline_and_ends_at_locked_until() {
    let mut env = Env::new();
    let owner = env.funded(10);
    env.register(&owner, "provider");
    let a = env.aether;
    let stake = |amount, lock_secs| vo::Call::Stake {
        agent_id: 1,
        amount,
        lock_secs,
    };
    env.ok(&owner, stake(100, 100).payload(a), T0);
    // A shorter lock later does not shorten the existing one.
    env.ok(&owner, stake(50, 10).payload(a), T0 + 10);
    let v = vo::View::GetStake { agent_id: 1 };
    let info = env.view(v.function_id(a), v.json_args());
    assert_eq!(info["amount"], "150");
    assert_eq!(info["locked_until"], (T0 + 100).to_string());
    let unstake = vo::Call::Unstake {
        agent_id: 1,
        amount: 150,
    };
    env.abort(
        &owner,
        unstake.payload(a),
        T0 + 99,
        vo_abort(vo::Abort::StakeLocked),
    );
    // `now >= locked_until` unlocks; amount 0 is checked before the stake.
    env.ok(&owner, unstake.payload(a), T0 + 100);
    env.abort(
        &owner,
        vo::Call::Unstake {
            agent_id: 1,
            amount: 0,
        }
        .payload(a),
        T0 + 100,
        vo_abort(vo::Abort::ZeroAmount),
    );
    env.abort(
        &owner,
        unstake.payload(a),
        T0 + 100,
        vo_abort(vo::Abort::NoStake),
    );
    // A longer lock later extends it.
    env.ok(&owner, stake(1, 5).payload(a), T0 + 100);
    env.ok(&owner, stake(1, 500).payload(a), T0 + 101);
    let info = env.view(v.function_id(a), v.json_args());
    assert_eq!(info["locked_until"], (T0 + 601).to_string());
}

#[test]
fn the_dispute_window_is_inclusive() {
    let mut env = Env::new();
    let owner = env.funded(10);
    let principal = env.funded(10);
    env.register(&owner, "provider");
    let key = Ed25519PrivateKey::generate();
    let a = env.aether;
    let create = ds::Call::CreateSession {
        agent_id: 1,
        session_pubkey: key.public_key().to_bytes().to_vec(),
        allowance: 1_000,
        max_requests: 10,
        duration_secs: 1_000_000,
    };
    env.ok(&principal, create.payload(a), T0);
    for nonce in [1, 2] {
        let p = env.pay(&key, 1, owner.address(), 10, nonce, T0 + 10);
        env.ok(&principal, p, T0);
        let submit = vo::Call::SubmitPaidTaskResult {
            agent_id: 1,
            task_type: "t".into(),
            result_hash: vec![0; 32],
            session_id: 1,
            nonce,
        };
        env.ok(&owner, submit.payload(a), T0);
    }
    let dispute = |task_id| vo::Call::CreateDispute {
        task_id,
        reason: "r".into(),
        evidence_hash: vec![1; 32],
    };
    let window = vo::limits::DEFAULT_DISPUTE_WINDOW_SECS;
    // `now <= submitted_at + dispute_window_secs` is open; one second later it is closed.
    env.ok(&principal, dispute(1).payload(a), T0 + window);
    env.abort(
        &principal,
        dispute(2).payload(a),
        T0 + window + 1,
        vo_abort(vo::Abort::DisputeWindowClosed),
    );
    let stats = vo::View::AgentStats { agent_id: 1 };
    let s = env.view(stats.function_id(a), stats.json_args());
    assert_eq!(
        [
            &s["total_tasks"],
            &s["paid_tasks"],
            &s["successful_tasks"],
            &s["disputes"],
            &s["pending_disputes"]
        ],
        ["2", "2", "2", "1", "1"]
    );
}

#[test]
fn transfers_keep_the_owner_index_in_order() {
    let mut env = Env::new();
    let owner = env.funded(10);
    let other = env.funded(10);
    for name in ["a", "b", "c", "d"] {
        env.register(&owner, name);
    }
    let a = env.aether;
    let transfer = |agent_id, new_owner| ac::Call::Transfer {
        agent_id,
        new_owner,
    };
    env.ok(&owner, transfer(2, other.address()).payload(a), T0);
    // `vector::remove` keeps the order (a swap-remove would give [1, 4, 3]).
    assert_eq!(env.ids(owner.address()), serde_json::json!(["1", "3", "4"]));
    assert_eq!(env.ids(other.address()), serde_json::json!(["2"]));
    env.ok(&other, transfer(2, owner.address()).payload(a), T0);
    assert_eq!(
        env.ids(owner.address()),
        serde_json::json!(["1", "3", "4", "2"])
    );
    assert_eq!(env.ids(other.address()), serde_json::json!([]));
}
