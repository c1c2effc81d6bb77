//! `validation_oracle`, executed natively with the semantics of
//! `contracts/sources/validation_oracle.move` (same check order, events and abort codes).

use std::collections::{BTreeSet, HashMap, HashSet};

use aether_protocol::abi::validation_oracle::{
    Abort, AgentStats, Call, ConfigUpdated, DisputeCreated, DisputeInfo, DisputeResolved, Event,
    OracleAdded, OracleConfig, OracleRemoved, StakeInfo, Staked, TaskInfo, TaskResultSubmitted,
    Unstaked, View, dispute_status, limits, task_status,
};
use aether_protocol::reputation::{ReputationInputs, score};
use aether_protocol::{AbortCode, AetherEvent};
use aptos_sdk::types::AccountAddress;
use serde_json::{Value, json};

use super::{Ctx, ExecError, State, ViewCtx};

/// The module's `OracleState`.
#[derive(Clone, Debug, Default)]
pub(crate) struct OracleState {
    pub(crate) admin: AccountAddress,
    pub(crate) dispute_window_secs: u64,
    pub(crate) slash_bps: u64,
    pub(crate) treasury: AccountAddress,
    pub(crate) oracles: BTreeSet<AccountAddress>,
    pub(crate) stakes: HashMap<u64, StakeInfo>,
    pub(crate) stats: HashMap<u64, AgentStats>,
    /// Task `id` at index `id - 1`.
    pub(crate) tasks: Vec<TaskInfo>,
    pub(crate) disputes: HashMap<u64, DisputeInfo>,
    pub(crate) used_payments: HashSet<(u64, u64)>,
}

impl OracleState {
    pub(crate) fn new(deployer: AccountAddress) -> OracleState {
        OracleState {
            admin: deployer,
            dispute_window_secs: limits::DEFAULT_DISPUTE_WINDOW_SECS,
            slash_bps: limits::DEFAULT_SLASH_BPS,
            treasury: deployer,
            ..OracleState::default()
        }
    }

    fn task(&self, id: u64) -> Option<&TaskInfo> {
        let i = usize::try_from(id.checked_sub(1)?).ok()?;
        self.tasks.get(i)
    }

    fn task_mut(&mut self, id: u64) -> Option<&mut TaskInfo> {
        let i = usize::try_from(id.checked_sub(1)?).ok()?;
        self.tasks.get_mut(i)
    }

    fn config_event(&self) -> Event {
        Event::ConfigUpdated(ConfigUpdated {
            admin: self.admin,
            dispute_window_secs: self.dispute_window_secs,
            slash_bps: self.slash_bps,
            treasury: self.treasury,
        })
    }
}

fn ab(a: Abort) -> AbortCode {
    AbortCode::ValidationOracle(a)
}

fn emit(ctx: &mut Ctx, e: Event) {
    ctx.emit(AetherEvent::ValidationOracle(e));
}

fn assert_admin(state: &State, ctx: &Ctx) -> Result<(), ExecError> {
    if ctx.sender != state.oracle.admin {
        return Err(ctx.abort(ab(Abort::NotAdmin)));
    }
    Ok(())
}

fn assert_agent_owner(state: &State, ctx: &Ctx, agent_id: u64) -> Result<(), ExecError> {
    let card = state
        .cards
        .card(agent_id)
        .ok_or_else(|| ctx.abort(ab(Abort::AgentNotFound)))?;
    if card.owner != ctx.sender {
        return Err(ctx.abort(ab(Abort::NotAgentOwner)));
    }
    Ok(())
}

fn validate_task(ctx: &Ctx, task_type: &str, result_hash: &[u8]) -> Result<(), ExecError> {
    if task_type.is_empty() || task_type.len() > limits::MAX_TASK_TYPE_LENGTH {
        return Err(ctx.abort(ab(Abort::InvalidTaskType)));
    }
    if result_hash.len() != limits::HASH_LENGTH {
        return Err(ctx.abort(ab(Abort::InvalidResultHash)));
    }
    Ok(())
}

#[allow(
    clippy::too_many_arguments,
    reason = "mirrors the Move helper record_task field for field"
)]
fn record_task(
    state: &mut State,
    ctx: &mut Ctx,
    agent_id: u64,
    task_type: String,
    result_hash: Vec<u8>,
    paid: bool,
    session_id: u64,
    nonce: u64,
    payer: AccountAddress,
) -> u64 {
    let now = ctx.now_secs;
    let task_id = state.oracle.tasks.len() as u64 + 1;
    state.oracle.tasks.push(TaskInfo {
        id: task_id,
        agent_id,
        task_type: task_type.clone(),
        result_hash: result_hash.clone(),
        submitted_at: now,
        paid,
        session_id,
        nonce,
        payer,
        status: task_status::COMPLETED,
    });
    let stats = state.oracle.stats.entry(agent_id).or_default();
    stats.total_tasks += 1;
    if paid {
        stats.paid_tasks += 1;
        stats.successful_tasks += 1;
    }
    emit(
        ctx,
        Event::TaskResultSubmitted(TaskResultSubmitted {
            task_id,
            agent_id,
            task_type,
            result_hash,
            paid,
            session_id,
            nonce,
            payer,
            timestamp: now,
        }),
    );
    task_id
}

/// Executes a `validation_oracle` entry function.
pub(crate) fn execute(state: &mut State, ctx: &mut Ctx, call: Call) -> Result<(), ExecError> {
    let now = ctx.now_secs;
    let vault = aether_protocol::address::stake_vault_address(ctx.aether);
    match call {
        Call::Stake {
            agent_id,
            amount,
            lock_secs,
        } => {
            assert_agent_owner(state, ctx, agent_id)?;
            if amount == 0 {
                return Err(ctx.abort(ab(Abort::ZeroAmount)));
            }
            if lock_secs > limits::MAX_LOCK_SECS {
                return Err(ctx.abort(ab(Abort::LockTooLong)));
            }
            let owner = ctx.sender;
            state.check_withdraw(ctx, owner, amount)?;
            state.transfer(ctx, owner, vault, amount);
            let info = state.oracle.stakes.entry(agent_id).or_default();
            info.amount += amount;
            let until = now.saturating_add(lock_secs);
            if until > info.locked_until {
                info.locked_until = until;
            }
            let (total, locked_until) = (info.amount, info.locked_until);
            emit(
                ctx,
                Event::Staked(Staked {
                    agent_id,
                    owner,
                    amount,
                    total,
                    locked_until,
                    timestamp: now,
                }),
            );
            Ok(())
        }
        Call::Unstake { agent_id, amount } => {
            assert_agent_owner(state, ctx, agent_id)?;
            if amount == 0 {
                return Err(ctx.abort(ab(Abort::ZeroAmount)));
            }
            let info = match state.oracle.stakes.get(&agent_id) {
                Some(i) if i.amount > 0 => i.clone(),
                _ => return Err(ctx.abort(ab(Abort::NoStake))),
            };
            if now < info.locked_until {
                return Err(ctx.abort(ab(Abort::StakeLocked)));
            }
            let pending = state
                .oracle
                .stats
                .get(&agent_id)
                .map_or(0, |s| s.pending_disputes);
            if pending != 0 {
                return Err(ctx.abort(ab(Abort::DisputePending)));
            }
            if amount > info.amount {
                return Err(ctx.abort(ab(Abort::InsufficientStake)));
            }
            let remaining = info.amount - amount;
            let owner = ctx.sender;
            state.check_withdraw(ctx, vault, amount)?;
            if let Some(s) = state.oracle.stakes.get_mut(&agent_id) {
                s.amount = remaining;
            }
            state.transfer(ctx, vault, owner, amount);
            emit(
                ctx,
                Event::Unstaked(Unstaked {
                    agent_id,
                    owner,
                    amount,
                    remaining,
                    timestamp: now,
                }),
            );
            Ok(())
        }
        Call::SubmitTaskResult {
            agent_id,
            task_type,
            result_hash,
        } => {
            assert_agent_owner(state, ctx, agent_id)?;
            validate_task(ctx, &task_type, &result_hash)?;
            record_task(
                state,
                ctx,
                agent_id,
                task_type,
                result_hash,
                false,
                0,
                0,
                AccountAddress::ZERO,
            );
            Ok(())
        }
        Call::SubmitPaidTaskResult {
            agent_id,
            task_type,
            result_hash,
            session_id,
            nonce,
        } => {
            assert_agent_owner(state, ctx, agent_id)?;
            validate_task(ctx, &task_type, &result_hash)?;
            let payment = state
                .sessions
                .payments
                .get(&(session_id, nonce))
                .ok_or_else(|| ctx.abort(ab(Abort::PaymentNotFound)))?;
            let owner = ctx.sender;
            if payment.payee != owner {
                return Err(ctx.abort(ab(Abort::PaymentNotToAgent)));
            }
            // A recorded payment always belongs to an existing session.
            let payer = state
                .sessions
                .session(session_id)
                .map_or(AccountAddress::ZERO, |s| s.principal);
            if payer == owner {
                return Err(ctx.abort(ab(Abort::SelfPaid)));
            }
            if state.oracle.used_payments.contains(&(session_id, nonce)) {
                return Err(ctx.abort(ab(Abort::PaymentAlreadyUsed)));
            }
            record_task(
                state,
                ctx,
                agent_id,
                task_type,
                result_hash,
                true,
                session_id,
                nonce,
                payer,
            );
            state.oracle.used_payments.insert((session_id, nonce));
            Ok(())
        }
        Call::CreateDispute {
            task_id,
            reason,
            evidence_hash,
        } => {
            let task = state
                .oracle
                .task(task_id)
                .ok_or_else(|| ctx.abort(ab(Abort::TaskNotFound)))?
                .clone();
            if !task.paid {
                return Err(ctx.abort(ab(Abort::NotDisputable)));
            }
            if state.oracle.disputes.contains_key(&task_id) {
                return Err(ctx.abort(ab(Abort::DisputeExists)));
            }
            if now
                > task
                    .submitted_at
                    .saturating_add(state.oracle.dispute_window_secs)
            {
                return Err(ctx.abort(ab(Abort::DisputeWindowClosed)));
            }
            let disputer = ctx.sender;
            let client_owner = || {
                state
                    .sessions
                    .session(task.session_id)
                    .and_then(|s| state.cards.card(s.agent_id))
                    .map(|c| c.owner)
            };
            if disputer != task.payer && client_owner() != Some(disputer) {
                return Err(ctx.abort(ab(Abort::NotPayer)));
            }
            if reason.is_empty() || reason.len() > limits::MAX_REASON_LENGTH {
                return Err(ctx.abort(ab(Abort::InvalidReason)));
            }
            if evidence_hash.len() != limits::HASH_LENGTH {
                return Err(ctx.abort(ab(Abort::InvalidEvidenceHash)));
            }
            state.oracle.disputes.insert(
                task_id,
                DisputeInfo {
                    task_id,
                    agent_id: task.agent_id,
                    disputer,
                    reason: reason.clone(),
                    evidence_hash: evidence_hash.clone(),
                    created_at: now,
                    status: dispute_status::PENDING,
                    resolver: AccountAddress::ZERO,
                    resolved_at: 0,
                    slashed: 0,
                },
            );
            if let Some(t) = state.oracle.task_mut(task_id) {
                t.status = task_status::DISPUTED;
            }
            let stats = state.oracle.stats.entry(task.agent_id).or_default();
            stats.disputes += 1;
            stats.pending_disputes += 1;
            emit(
                ctx,
                Event::DisputeCreated(DisputeCreated {
                    task_id,
                    agent_id: task.agent_id,
                    disputer,
                    reason,
                    evidence_hash,
                    timestamp: now,
                }),
            );
            Ok(())
        }
        Call::ResolveDispute { task_id, upheld } => {
            let oracle = ctx.sender;
            if !state.oracle.oracles.contains(&oracle) {
                return Err(ctx.abort(ab(Abort::NotOracle)));
            }
            let dispute = state
                .oracle
                .disputes
                .get(&task_id)
                .ok_or_else(|| ctx.abort(ab(Abort::DisputeNotFound)))?;
            if dispute.status != dispute_status::PENDING {
                return Err(ctx.abort(ab(Abort::DisputeResolved)));
            }
            let agent_id = dispute.agent_id;
            let mut slashed = 0;
            if upheld {
                if let Some(info) = state.oracle.stakes.get(&agent_id) {
                    slashed = (u128::from(info.amount) * u128::from(state.oracle.slash_bps)
                        / u128::from(limits::BPS_DENOMINATOR)) as u64;
                }
                if slashed > 0 {
                    // The vault holds every stake, so it always covers a slash.
                    state.check_withdraw(ctx, vault, slashed)?;
                    if let Some(info) = state.oracle.stakes.get_mut(&agent_id) {
                        info.amount -= slashed;
                    }
                    let treasury = state.oracle.treasury;
                    state.transfer(ctx, vault, treasury, slashed);
                }
            }
            if let Some(d) = state.oracle.disputes.get_mut(&task_id) {
                d.status = if upheld {
                    dispute_status::UPHELD
                } else {
                    dispute_status::REJECTED
                };
                d.resolver = oracle;
                d.resolved_at = now;
                d.slashed = slashed;
            }
            if let Some(t) = state.oracle.task_mut(task_id) {
                t.status = if upheld {
                    task_status::UPHELD
                } else {
                    task_status::REJECTED
                };
            }
            let stats = state.oracle.stats.entry(agent_id).or_default();
            stats.pending_disputes = stats.pending_disputes.saturating_sub(1);
            if upheld {
                stats.successful_tasks = stats.successful_tasks.saturating_sub(1);
                stats.upheld_disputes += 1;
            }
            emit(
                ctx,
                Event::DisputeResolved(DisputeResolved {
                    task_id,
                    agent_id,
                    oracle,
                    upheld,
                    slashed,
                    timestamp: now,
                }),
            );
            Ok(())
        }
        Call::AddOracle { oracle } => {
            assert_admin(state, ctx)?;
            if !state.oracle.oracles.insert(oracle) {
                return Err(ctx.abort(ab(Abort::OracleExists)));
            }
            emit(ctx, Event::OracleAdded(OracleAdded { oracle }));
            Ok(())
        }
        Call::RemoveOracle { oracle } => {
            assert_admin(state, ctx)?;
            if !state.oracle.oracles.remove(&oracle) {
                return Err(ctx.abort(ab(Abort::OracleNotFound)));
            }
            emit(ctx, Event::OracleRemoved(OracleRemoved { oracle }));
            Ok(())
        }
        Call::SetDisputeWindow { secs } => {
            assert_admin(state, ctx)?;
            if secs == 0 || secs > limits::MAX_DISPUTE_WINDOW_SECS {
                return Err(ctx.abort(ab(Abort::InvalidWindow)));
            }
            state.oracle.dispute_window_secs = secs;
            let e = state.oracle.config_event();
            emit(ctx, e);
            Ok(())
        }
        Call::SetSlashBps { bps } => {
            assert_admin(state, ctx)?;
            if bps > limits::BPS_DENOMINATOR {
                return Err(ctx.abort(ab(Abort::InvalidSlashBps)));
            }
            state.oracle.slash_bps = bps;
            let e = state.oracle.config_event();
            emit(ctx, e);
            Ok(())
        }
        Call::SetTreasury { treasury } => {
            assert_admin(state, ctx)?;
            state.oracle.treasury = treasury;
            let e = state.oracle.config_event();
            emit(ctx, e);
            Ok(())
        }
        Call::SetAdmin { new_admin } => {
            assert_admin(state, ctx)?;
            state.oracle.admin = new_admin;
            let e = state.oracle.config_event();
            emit(ctx, e);
            Ok(())
        }
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Answers a `validation_oracle` view.
pub(crate) fn view(state: &State, ctx: &ViewCtx, v: View) -> Result<Vec<Value>, ExecError> {
    let o = &state.oracle;
    let stake = |id: u64| o.stakes.get(&id).cloned().unwrap_or_default();
    let stats = |id: u64| o.stats.get(&id).cloned().unwrap_or_default();
    Ok(match v {
        View::GetStake { agent_id } => vec![to_json(&stake(agent_id))],
        View::GetTask { task_id } => {
            let t = o
                .task(task_id)
                .ok_or_else(|| ctx.abort(ab(Abort::TaskNotFound)))?;
            vec![to_json(t)]
        }
        View::GetDispute { task_id } => {
            let d = o
                .disputes
                .get(&task_id)
                .ok_or_else(|| ctx.abort(ab(Abort::DisputeNotFound)))?;
            vec![to_json(d)]
        }
        View::AgentStats { agent_id } => vec![to_json(&stats(agent_id))],
        View::Reputation { agent_id } => {
            if state.cards.card(agent_id).is_none() {
                return Err(ctx.abort(ab(Abort::AgentNotFound)));
            }
            let s = score(ReputationInputs::from_stats(
                &stats(agent_id),
                stake(agent_id).amount,
            ));
            vec![json!(s.to_string())]
        }
        View::TaskCount {} => vec![json!(o.tasks.len().to_string())],
        View::IsOracle { addr } => vec![json!(o.oracles.contains(&addr))],
        View::GetConfig {} => vec![to_json(&OracleConfig {
            admin: o.admin,
            dispute_window_secs: o.dispute_window_secs,
            slash_bps: o.slash_bps,
            treasury: o.treasury,
        })],
        View::StakeVaultAddress {} => {
            vec![json!(
                aether_protocol::address::stake_vault_address(ctx.aether).to_string()
            )]
        }
    })
}
