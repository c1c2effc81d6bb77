//! `delegated_sessions`, executed natively with the semantics of
//! `contracts/sources/delegated_sessions.move` (same check order, events and abort codes).

use std::collections::HashMap;

use aether_protocol::PaymentAuthorization;
use aether_protocol::abi::delegated_sessions::{
    Abort, Call, Event, PaymentInfo, PaymentSettled, SessionClosed, SessionCreated, SessionInfo,
    SessionRevoked, SessionToppedUp, View, limits, status,
};
use aether_protocol::{AbortCode, AetherEvent};
use serde_json::{Value, json};

use super::{Ctx, ExecError, State, ViewCtx};

/// The module's `SessionStore`.
#[derive(Clone, Debug, Default)]
pub(crate) struct SessionStore {
    /// Session `id` at index `id - 1`.
    pub(crate) sessions: Vec<SessionInfo>,
    pub(crate) payments: HashMap<(u64, u64), PaymentInfo>,
}

impl SessionStore {
    pub(crate) fn session(&self, id: u64) -> Option<&SessionInfo> {
        let i = usize::try_from(id.checked_sub(1)?).ok()?;
        self.sessions.get(i)
    }

    fn session_mut(&mut self, id: u64) -> Option<&mut SessionInfo> {
        let i = usize::try_from(id.checked_sub(1)?).ok()?;
        self.sessions.get_mut(i)
    }
}

fn ab(a: Abort) -> AbortCode {
    AbortCode::DelegatedSessions(a)
}

fn emit(ctx: &mut Ctx, e: Event) {
    ctx.emit(AetherEvent::DelegatedSessions(e));
}

fn get<'a>(state: &'a State, ctx: &Ctx, id: u64) -> Result<&'a SessionInfo, ExecError> {
    state
        .sessions
        .session(id)
        .ok_or_else(|| ctx.abort(ab(Abort::SessionNotFound)))
}

/// Ends a session (checks done), refunding the rest to the principal; returns the refund.
fn end(state: &mut State, ctx: &mut Ctx, id: u64, new_status: u8) -> u64 {
    let escrow = aether_protocol::address::escrow_address(ctx.aether);
    let Some(s) = state.sessions.session_mut(id) else {
        return 0;
    };
    s.status = new_status;
    let refund = s.deposited.saturating_sub(s.spent);
    let principal = s.principal;
    if refund > 0 {
        state.transfer(ctx, escrow, principal, refund);
    }
    refund
}

/// Executes a `delegated_sessions` entry function.
pub(crate) fn execute(state: &mut State, ctx: &mut Ctx, call: Call) -> Result<(), ExecError> {
    let now = ctx.now_secs;
    let escrow = aether_protocol::address::escrow_address(ctx.aether);
    match call {
        Call::CreateSession {
            agent_id,
            session_pubkey,
            allowance,
            max_requests,
            duration_secs,
        } => {
            let card = state
                .cards
                .card(agent_id)
                .ok_or_else(|| ctx.abort(ab(Abort::AgentNotFound)))?;
            if !card.active {
                return Err(ctx.abort(ab(Abort::AgentInactive)));
            }
            if session_pubkey.len() != limits::SESSION_KEY_LENGTH {
                return Err(ctx.abort(ab(Abort::InvalidSessionKey)));
            }
            if allowance == 0 {
                return Err(ctx.abort(ab(Abort::ZeroAmount)));
            }
            if max_requests == 0 || max_requests > limits::MAX_REQUESTS {
                return Err(ctx.abort(ab(Abort::InvalidMaxRequests)));
            }
            if duration_secs == 0 || duration_secs > limits::MAX_SESSION_DURATION_SECS {
                return Err(ctx.abort(ab(Abort::InvalidDuration)));
            }
            let principal = ctx.sender;
            state.check_withdraw(ctx, principal, allowance)?;
            state.transfer(ctx, principal, escrow, allowance);
            let session_id = state.sessions.sessions.len() as u64 + 1;
            let expires_at = now.saturating_add(duration_secs);
            state.sessions.sessions.push(SessionInfo {
                id: session_id,
                principal,
                agent_id,
                session_pubkey: session_pubkey.clone(),
                deposited: allowance,
                spent: 0,
                max_requests,
                requests_used: 0,
                created_at: now,
                expires_at,
                status: status::ACTIVE,
            });
            emit(
                ctx,
                Event::SessionCreated(SessionCreated {
                    session_id,
                    principal,
                    agent_id,
                    session_pubkey,
                    allowance,
                    max_requests,
                    expires_at,
                    timestamp: now,
                }),
            );
            Ok(())
        }
        Call::Pay {
            session_id,
            chain_id,
            payee,
            amount,
            nonce,
            valid_until,
            signature,
        } => {
            let s = get(state, ctx, session_id)?;
            if chain_id != ctx.chain_id {
                return Err(ctx.abort(ab(Abort::WrongChainId)));
            }
            if signature.len() != limits::SIGNATURE_LENGTH {
                return Err(ctx.abort(ab(Abort::InvalidSignature)));
            }
            let auth = PaymentAuthorization {
                chain_id,
                session: session_id,
                payee,
                amount,
                nonce,
                valid_until,
            };
            if auth
                .verify(ctx.aether, &s.session_pubkey, &signature)
                .is_err()
            {
                return Err(ctx.abort(ab(Abort::InvalidSignature)));
            }
            if s.status != status::ACTIVE {
                return Err(ctx.abort(ab(Abort::SessionNotActive)));
            }
            if now >= s.expires_at {
                return Err(ctx.abort(ab(Abort::SessionExpired)));
            }
            if now > valid_until {
                return Err(ctx.abort(ab(Abort::AuthorizationExpired)));
            }
            if amount == 0 {
                return Err(ctx.abort(ab(Abort::ZeroAmount)));
            }
            if state.sessions.payments.contains_key(&(session_id, nonce)) {
                return Err(ctx.abort(ab(Abort::NonceUsed)));
            }
            if s.requests_used >= s.max_requests {
                return Err(ctx.abort(ab(Abort::RequestsExhausted)));
            }
            if amount > s.deposited.saturating_sub(s.spent) {
                return Err(ctx.abort(ab(Abort::InsufficientAllowance)));
            }
            state.check_withdraw(ctx, escrow, amount)?;
            state.transfer(ctx, escrow, payee, amount);
            state.sessions.payments.insert(
                (session_id, nonce),
                PaymentInfo {
                    payee,
                    amount,
                    timestamp: now,
                },
            );
            let (spent, requests_used) = match state.sessions.session_mut(session_id) {
                Some(s) => {
                    s.spent += amount;
                    s.requests_used += 1;
                    (s.spent, s.requests_used)
                }
                None => (0, 0),
            };
            emit(
                ctx,
                Event::PaymentSettled(PaymentSettled {
                    session_id,
                    payee,
                    amount,
                    nonce,
                    spent,
                    requests_used,
                    timestamp: now,
                }),
            );
            Ok(())
        }
        Call::TopUp { session_id, amount } => {
            let s = get(state, ctx, session_id)?;
            if ctx.sender != s.principal {
                return Err(ctx.abort(ab(Abort::NotPrincipal)));
            }
            if s.status != status::ACTIVE {
                return Err(ctx.abort(ab(Abort::SessionNotActive)));
            }
            if now >= s.expires_at {
                return Err(ctx.abort(ab(Abort::SessionExpired)));
            }
            if amount == 0 {
                return Err(ctx.abort(ab(Abort::ZeroAmount)));
            }
            let principal = ctx.sender;
            state.check_withdraw(ctx, principal, amount)?;
            state.transfer(ctx, principal, escrow, amount);
            let deposited = match state.sessions.session_mut(session_id) {
                Some(s) => {
                    s.deposited += amount;
                    s.deposited
                }
                None => 0,
            };
            emit(
                ctx,
                Event::SessionToppedUp(SessionToppedUp {
                    session_id,
                    amount,
                    deposited,
                    timestamp: now,
                }),
            );
            Ok(())
        }
        Call::Revoke { session_id } => {
            let s = get(state, ctx, session_id)?;
            if ctx.sender != s.principal {
                return Err(ctx.abort(ab(Abort::NotPrincipal)));
            }
            if s.status != status::ACTIVE {
                return Err(ctx.abort(ab(Abort::SessionNotActive)));
            }
            let refund = end(state, ctx, session_id, status::REVOKED);
            emit(
                ctx,
                Event::SessionRevoked(SessionRevoked {
                    session_id,
                    refund,
                    timestamp: now,
                }),
            );
            Ok(())
        }
        Call::CloseExpired { session_id } => {
            let s = get(state, ctx, session_id)?;
            if s.status != status::ACTIVE {
                return Err(ctx.abort(ab(Abort::SessionNotActive)));
            }
            if now < s.expires_at {
                return Err(ctx.abort(ab(Abort::SessionNotExpired)));
            }
            let refund = end(state, ctx, session_id, status::CLOSED);
            emit(
                ctx,
                Event::SessionClosed(SessionClosed {
                    session_id,
                    closer: ctx.sender,
                    refund,
                    timestamp: now,
                }),
            );
            Ok(())
        }
    }
}

/// Answers a `delegated_sessions` view.
pub(crate) fn view(state: &State, ctx: &ViewCtx, v: View) -> Result<Vec<Value>, ExecError> {
    let store = &state.sessions;
    let get = |id: u64| {
        store
            .session(id)
            .ok_or_else(|| ctx.abort(ab(Abort::SessionNotFound)))
    };
    Ok(match v {
        View::GetSession { session_id } => {
            vec![serde_json::to_value(get(session_id)?).unwrap_or(Value::Null)]
        }
        View::RemainingAllowance { session_id } => {
            let s = get(session_id)?;
            vec![json!(s.deposited.saturating_sub(s.spent).to_string())]
        }
        View::RemainingRequests { session_id } => {
            let s = get(session_id)?;
            vec![json!(
                s.max_requests.saturating_sub(s.requests_used).to_string()
            )]
        }
        View::IsNonceUsed { session_id, nonce } => {
            vec![json!(store.payments.contains_key(&(session_id, nonce)))]
        }
        View::GetPayment { session_id, nonce } => {
            let p = store
                .payments
                .get(&(session_id, nonce))
                .ok_or_else(|| ctx.abort(ab(Abort::PaymentNotFound)))?;
            vec![serde_json::to_value(p).unwrap_or(Value::Null)]
        }
        View::SessionCount {} => vec![json!(store.sessions.len().to_string())],
        View::EscrowAddress {} => {
            vec![json!(
                aether_protocol::address::escrow_address(ctx.aether).to_string()
            )]
        }
    })
}
