//! The node: the chain, a small mempool for transactions that arrive ahead of their sequence
//! number, the ledger log and the clock, behind one lock. Every HTTP handler goes through here.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use aptos_sdk::account::Ed25519Account;
use aptos_sdk::transaction::{EntryFunction, RawTransaction, sign_transaction};
use aptos_sdk::types::{AccountAddress, ChainId, HashValue};
use serde_json::Value;

use crate::chain::{Admission, Chain, Decoded, Genesis, SubmitError, ViewError, render};
use crate::log::{LedgerLog, LogError, Record};

/// Most transactions one account may hold in the mempool.
pub const MAX_PARKED_PER_ACCOUNT: usize = 100;
/// Most transactions the mempool holds in total.
pub const MAX_PARKED: usize = 10_000;
/// Largest step of [`Node::advance_time`]: ten years.
pub const MAX_ADVANCE_SECS: u64 = 10 * 365 * 86_400;
/// Largest amount one faucet request may mint, in octas (1 000 000 APT).
pub const MAX_FAUCET_AMOUNT: u64 = 100_000_000_000_000;

/// Errors of node operations (mapped to HTTP responses by [`crate::api`]).
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The transaction was rejected.
    #[error(transparent)]
    Submit(#[from] SubmitError),
    /// The mempool cannot hold more transactions.
    #[error("mempool is full: {0}")]
    MempoolFull(String),
    /// The ledger log failed; the node cannot commit.
    #[error(transparent)]
    Log(#[from] LogError),
    /// A view failed.
    #[error(transparent)]
    View(#[from] ViewError),
    /// A clock step is larger than [`MAX_ADVANCE_SECS`].
    #[error("cannot move the clock by {secs} s at once (at most {max} s)")]
    ClockLimit {
        /// Requested step.
        secs: u64,
        /// Limit.
        max: u64,
    },
    /// A faucet request asks for too much.
    #[error("faucet amount {amount} is above the per-request limit {max}")]
    FaucetLimit {
        /// Requested.
        amount: u64,
        /// Limit.
        max: u64,
    },
    /// The faucet could not build its transaction.
    #[error("faucet: {0}")]
    Faucet(String),
    /// The ledger log does not replay (it was written by a different build or edited).
    #[error("ledger log does not replay at record {index}: {reason}")]
    Replay {
        /// Record number.
        index: usize,
        /// What failed.
        reason: String,
    },
}

/// Answer to a submission.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The pending-transaction JSON (`202 Accepted` body).
    pub pending: Value,
    /// The hash.
    pub hash: HashValue,
}

/// Ledger summary for `GET /v1` and the `X-Aptos-*` headers.
#[derive(Debug, Clone, Copy)]
pub struct LedgerSummary {
    /// Chain id.
    pub chain_id: u8,
    /// Latest version.
    pub version: u64,
    /// Ledger clock, microseconds (see [`Node::now_us`]).
    pub timestamp_us: u64,
}

#[derive(Debug, Default)]
struct Mempool {
    by_sender: HashMap<AccountAddress, BTreeMap<u64, Decoded>>,
    by_hash: HashMap<HashValue, (AccountAddress, u64)>,
}

impl Mempool {
    fn len(&self) -> usize {
        self.by_hash.len()
    }
}

/// Mutable node state behind the lock.
#[derive(Debug)]
struct Inner {
    chain: Chain,
    mempool: Mempool,
    log: LedgerLog,
    clock_offset_us: u64,
}

/// The node.
#[derive(Debug)]
pub struct Node {
    inner: Mutex<Inner>,
    faucet: Ed25519Account,
}

/// Wall-clock microseconds since the Unix epoch.
pub fn wall_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

impl Node {
    /// Builds the node from an opened log: replays its records, or writes genesis into an empty
    /// log.
    pub fn new(
        mut log: LedgerLog,
        records: Vec<Record>,
        genesis: Genesis,
        faucet: Ed25519Account,
    ) -> Result<Node, NodeError> {
        let mut it = records.into_iter().enumerate();
        let mut chain = match it.next() {
            None => {
                log.append_durable(&Record::Genesis(genesis.clone()))?;
                Chain::new(genesis)
            }
            Some((_, Record::Genesis(g))) => {
                if g != genesis {
                    tracing::warn!(
                        logged = ?g,
                        configured = ?genesis,
                        "the ledger log was created with another genesis; using the logged one"
                    );
                }
                Chain::new(g)
            }
            Some((index, other)) => {
                return Err(NodeError::Replay {
                    index,
                    reason: format!("first record is not genesis: {other:?}"),
                });
            }
        };
        let mut clock_offset_us = 0;
        for (index, record) in it {
            match record {
                Record::Genesis(_) => {
                    return Err(NodeError::Replay {
                        index,
                        reason: "second genesis record".into(),
                    });
                }
                Record::ClockOffset { offset_us } => clock_offset_us = offset_us,
                Record::Txn {
                    timestamp_us,
                    bytes,
                } => {
                    let replay_err = |reason: String| NodeError::Replay { index, reason };
                    let d = Decoded::from_bcs(&bytes).map_err(|e| replay_err(e.to_string()))?;
                    match chain.admit(&d, None) {
                        Ok(Admission::Ready) => {
                            chain.execute(&d, timestamp_us);
                        }
                        Ok(Admission::Future { expected }) => {
                            return Err(replay_err(format!(
                                "sequence number {} but the account is at {expected}",
                                d.txn.raw_txn.sequence_number
                            )));
                        }
                        Err(e) => return Err(replay_err(e.to_string())),
                    }
                }
            }
        }
        Ok(Node {
            inner: Mutex::new(Inner {
                chain,
                mempool: Mempool::default(),
                log,
                clock_offset_us,
            }),
            faucet,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the chain half-updated in a way a reader
        // could misinterpret worse than stopping would, so recover the guard.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` with read access to the chain.
    pub fn with_chain<T>(&self, f: impl FnOnce(&Chain) -> T) -> T {
        f(&self.lock().chain)
    }

    /// Ledger summary.
    pub fn summary(&self) -> LedgerSummary {
        let g = self.lock();
        LedgerSummary {
            chain_id: g.chain.chain_id(),
            version: g.chain.version(),
            // The ledger clock, as a chain producing (empty) blocks would report it.
            timestamp_us: now_of(&g),
        }
    }

    /// The ledger clock: wall clock plus offset, never behind the last block.
    pub fn now_us(&self) -> u64 {
        let g = self.lock();
        now_of(&g)
    }

    /// Moves the ledger clock forward by `secs` (at most [`MAX_ADVANCE_SECS`] per call; persisted
    /// in the log). Returns the new time.
    pub fn advance_time(&self, secs: u64) -> Result<u64, NodeError> {
        if secs > MAX_ADVANCE_SECS {
            return Err(NodeError::ClockLimit {
                secs,
                max: MAX_ADVANCE_SECS,
            });
        }
        let mut g = self.lock();
        let offset_us = g
            .clock_offset_us
            .saturating_add(secs.saturating_mul(1_000_000));
        g.log.append_durable(&Record::ClockOffset { offset_us })?;
        g.clock_offset_us = offset_us;
        Ok(now_of(&g))
    }

    /// Decodes, checks and commits (or holds) a BCS signed transaction.
    pub fn submit(&self, bytes: &[u8]) -> Result<Submitted, NodeError> {
        let d = Decoded::from_bcs(bytes)?;
        let (out, wait) = {
            let mut g = self.lock();
            submit_locked(&mut g, d)?
        };
        // Group commit: wait for durability outside the lock.
        if let Some((syncer, end)) = wait {
            syncer.sync_to(end)?;
        }
        Ok(out)
    }

    /// Simulates a BCS signed transaction (signatures are not checked, as on a real node the
    /// simulate endpoint takes transactions with invalid signatures).
    pub fn simulate(&self, bytes: &[u8]) -> Result<Value, NodeError> {
        let d = Decoded::from_bcs(bytes)?;
        let g = self.lock();
        let wall_secs = wall_us() / 1_000_000;
        if let Admission::Future { expected } = g.chain.admit(&d, Some(wall_secs))? {
            return Err(SubmitError::SequenceNumberTooOld {
                expected,
                got: d.txn.raw_txn.sequence_number,
            }
            .into());
        }
        let now = now_of(&g);
        Ok(g.chain.simulate(&d, now))
    }

    /// A transaction by hash: committed JSON, or pending JSON while it waits in the mempool.
    pub fn transaction_by_hash(&self, hash: &HashValue) -> Option<Value> {
        let g = self.lock();
        if let Some(c) = g.chain.by_hash(hash) {
            return Some(c.json.clone());
        }
        let (sender, seq) = g.mempool.by_hash.get(hash)?;
        let d = g.mempool.by_sender.get(sender)?.get(seq)?;
        Some(render::pending_json(d, g.chain.aether()))
    }

    /// Calls a view with JSON arguments at the current ledger time.
    pub fn view_json(
        &self,
        function: &str,
        type_args: &[String],
        args: &[Value],
    ) -> Result<Vec<Value>, NodeError> {
        let g = self.lock();
        let now = now_of(&g) / 1_000_000;
        Ok(g.chain.view_json(function, type_args, args, now)?)
    }

    /// Calls a view given as a BCS view request.
    pub fn view_bcs(&self, ef: &EntryFunction) -> Result<Vec<Value>, NodeError> {
        let g = self.lock();
        let now = now_of(&g) / 1_000_000;
        Ok(g.chain.view_bcs(ef, now)?)
    }

    /// The faucet's address.
    pub fn faucet_address(&self) -> AccountAddress {
        self.faucet.address()
    }

    /// Mints `amount` octas to `to` with a transfer signed by the faucet account; returns the
    /// committed transaction's hash.
    pub fn fund(&self, to: AccountAddress, amount: u64) -> Result<HashValue, NodeError> {
        if amount > MAX_FAUCET_AMOUNT {
            return Err(NodeError::FaucetLimit {
                amount,
                max: MAX_FAUCET_AMOUNT,
            });
        }
        let mut g = self.lock();
        let seq = g
            .chain
            .account(self.faucet.address())
            .map_or(0, |a| a.sequence_number);
        let payload = EntryFunction::apt_transfer(to, amount)
            .map_err(|e| NodeError::Faucet(e.to_string()))?;
        let raw = RawTransaction::new(
            self.faucet.address(),
            seq,
            payload.into(),
            1_000,
            crate::chain::gas::MIN_GAS_UNIT_PRICE,
            wall_us() / 1_000_000 + 60,
            ChainId::new(g.chain.chain_id()),
        );
        let signed =
            sign_transaction(&raw, &self.faucet).map_err(|e| NodeError::Faucet(e.to_string()))?;
        let bytes = signed
            .to_bcs()
            .map_err(|e| NodeError::Faucet(e.to_string()))?;
        let d = Decoded::from_bcs(&bytes)?;
        let (out, wait) = submit_locked(&mut g, d)?;
        drop(g);
        if let Some((syncer, end)) = wait {
            syncer.sync_to(end)?;
        }
        Ok(out.hash)
    }

    /// Flushes the log to stable storage.
    pub fn sync(&self) -> Result<(), NodeError> {
        Ok(self.lock().log.sync()?)
    }
}

fn now_of(g: &Inner) -> u64 {
    wall_us()
        .saturating_add(g.clock_offset_us)
        .max(g.chain.last_timestamp_us())
}

/// What a submitter waits for before answering (group commit): the syncer and the log offset.
type DurableWait = Option<(std::sync::Arc<crate::log::Syncer>, u64)>;

fn submit_locked(g: &mut Inner, d: Decoded) -> Result<(Submitted, DurableWait), NodeError> {
    let aether = g.chain.aether();
    // Resubmitting a committed or held transaction is idempotent.
    if g.chain.by_hash(&d.hash).is_some() || g.mempool.by_hash.contains_key(&d.hash) {
        return Ok((
            Submitted {
                pending: render::pending_json(&d, aether),
                hash: d.hash,
            },
            None,
        ));
    }
    g.chain.check_signatures(&d)?;
    let wall_secs = wall_us() / 1_000_000;
    let admission = g.chain.admit(&d, Some(wall_secs))?;
    let pending = render::pending_json(&d, aether);
    let hash = d.hash;
    let mut wait = None;
    match admission {
        Admission::Future { .. } => {
            let sender = d.txn.raw_txn.sender;
            let seq = d.txn.raw_txn.sequence_number;
            let held = g.mempool.by_sender.get(&sender).map_or(0, BTreeMap::len);
            if held >= MAX_PARKED_PER_ACCOUNT || g.mempool.len() >= MAX_PARKED {
                return Err(NodeError::MempoolFull(format!(
                    "{held} transactions of {sender} are waiting for earlier sequence numbers"
                )));
            }
            if let Some(old) = g
                .mempool
                .by_sender
                .entry(sender)
                .or_default()
                .insert(seq, d)
            {
                g.mempool.by_hash.remove(&old.hash);
            }
            g.mempool.by_hash.insert(hash, (sender, seq));
        }
        Admission::Ready => {
            let sender = d.txn.raw_txn.sender;
            let mut end = commit(g, &d)?;
            end = end.max(drain(g, sender)?);
            wait = g.log.durable(end);
        }
    }
    Ok((Submitted { pending, hash }, wait))
}

/// Logs, then executes (the log record is written first so the state never runs ahead of it).
/// Returns the log offset the record ends at.
fn commit(g: &mut Inner, d: &Decoded) -> Result<u64, NodeError> {
    let ts = now_of(g);
    let end = g.log.append(&Record::Txn {
        timestamp_us: ts,
        bytes: d.bytes.clone(),
    })?;
    g.chain.execute(d, ts);
    Ok(end)
}

/// Executes held transactions of `sender` that became next in line; returns the log offset of
/// the last one committed (0 if none).
fn drain(g: &mut Inner, sender: AccountAddress) -> Result<u64, NodeError> {
    let mut end = 0;
    loop {
        let next = g.chain.account(sender).map_or(0, |a| a.sequence_number);
        let Some(held) = g.mempool.by_sender.get_mut(&sender) else {
            return Ok(end);
        };
        // Drop anything a committed transaction made stale.
        let stale: Vec<u64> = held.range(..next).map(|(k, _)| *k).collect();
        let mut dropped = Vec::new();
        for k in stale {
            if let Some(d) = held.remove(&k) {
                dropped.push(d.hash);
            }
        }
        let candidate = held.remove(&next);
        if held.is_empty() {
            g.mempool.by_sender.remove(&sender);
        }
        for h in dropped {
            g.mempool.by_hash.remove(&h);
        }
        let Some(d) = candidate else {
            return Ok(end);
        };
        g.mempool.by_hash.remove(&d.hash);
        match g.chain.admit(&d, Some(wall_us() / 1_000_000)) {
            Ok(Admission::Ready) => end = commit(g, &d)?,
            Ok(Admission::Future { .. }) => return Ok(end),
            Err(e) => {
                tracing::warn!(hash = %d.hash, error = %e, "dropping a held transaction");
                return Ok(end);
            }
        }
    }
}
