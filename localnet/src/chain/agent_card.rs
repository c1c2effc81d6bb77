//! `agent_card`, executed natively with the semantics of `contracts/sources/agent_card.move`
//! (same check order, events and abort codes).

use std::collections::{BTreeSet, HashMap};

use aether_protocol::abi::agent_card::{
    Abort, AdminChanged, AgentRegistered, AgentStatusChanged, AgentTransferred, AgentUpdated,
    AttestationRevoked, AttesterAdded, AttesterRemoved, Call, CardInfo, Event, PrincipalAttested,
    View, limits,
};
use aether_protocol::{AbortCode, AetherEvent};
use aptos_sdk::types::AccountAddress;
use serde_json::{Value, json};

use super::{Ctx, ExecError, State, ViewCtx};

/// The module's `Registry` plus the card objects.
#[derive(Clone, Debug, Default)]
pub(crate) struct Registry {
    pub(crate) admin: AccountAddress,
    /// Card of agent `id` at index `id - 1`.
    pub(crate) cards: Vec<CardInfo>,
    pub(crate) by_address: HashMap<AccountAddress, u64>,
    pub(crate) owned: HashMap<AccountAddress, Vec<u64>>,
    pub(crate) attesters: BTreeSet<AccountAddress>,
}

impl Registry {
    pub(crate) fn new(admin: AccountAddress) -> Registry {
        Registry {
            admin,
            ..Registry::default()
        }
    }

    pub(crate) fn card(&self, agent_id: u64) -> Option<&CardInfo> {
        let i = usize::try_from(agent_id.checked_sub(1)?).ok()?;
        self.cards.get(i)
    }

    fn card_mut(&mut self, agent_id: u64) -> Option<&mut CardInfo> {
        let i = usize::try_from(agent_id.checked_sub(1)?).ok()?;
        self.cards.get_mut(i)
    }

    fn owned_count(&self, owner: AccountAddress) -> usize {
        self.owned.get(&owner).map_or(0, Vec::len)
    }
}

fn ab(a: Abort) -> AbortCode {
    AbortCode::AgentCard(a)
}

fn emit(ctx: &mut Ctx, e: Event) {
    ctx.emit(AetherEvent::AgentCard(e));
}

fn check_name(ctx: &Ctx, name: &str) -> Result<(), ExecError> {
    if name.is_empty() || name.len() > limits::MAX_NAME_LENGTH {
        return Err(ctx.abort(ab(Abort::InvalidName)));
    }
    Ok(())
}

fn check_description(ctx: &Ctx, d: &str) -> Result<(), ExecError> {
    if d.len() > limits::MAX_DESCRIPTION_LENGTH {
        return Err(ctx.abort(ab(Abort::DescriptionTooLong)));
    }
    Ok(())
}

fn check_capabilities(ctx: &Ctx, caps: &[String]) -> Result<(), ExecError> {
    if caps.len() > limits::MAX_CAPABILITIES {
        return Err(ctx.abort(ab(Abort::TooManyCapabilities)));
    }
    if caps
        .iter()
        .any(|c| c.is_empty() || c.len() > limits::MAX_CAPABILITY_LENGTH)
    {
        return Err(ctx.abort(ab(Abort::InvalidCapability)));
    }
    Ok(())
}

fn check_url(ctx: &Ctx, url: &str) -> Result<(), ExecError> {
    if url.len() > limits::MAX_URL_LENGTH {
        return Err(ctx.abort(ab(Abort::UrlTooLong)));
    }
    Ok(())
}

fn check_messaging_key(ctx: &Ctx, key: &[u8]) -> Result<(), ExecError> {
    if key.len() != limits::MESSAGING_KEY_LENGTH {
        return Err(ctx.abort(ab(Abort::InvalidMessagingKey)));
    }
    Ok(())
}

fn check_p2p(ctx: &Ctx, p2p: &str) -> Result<(), ExecError> {
    if p2p.len() > limits::MAX_P2P_ENDPOINT_LENGTH {
        return Err(ctx.abort(ab(Abort::P2pEndpointTooLong)));
    }
    Ok(())
}

/// The editable fields of `register`/`update`, checked in the module's order.
struct Fields {
    name: String,
    description: String,
    capabilities: Vec<String>,
    endpoint: String,
    rate_octas: u64,
    manifest_url: String,
    messaging_pubkey: Vec<u8>,
    p2p_endpoint: String,
}

impl Fields {
    fn check(&self, ctx: &Ctx) -> Result<(), ExecError> {
        check_name(ctx, &self.name)?;
        check_description(ctx, &self.description)?;
        check_capabilities(ctx, &self.capabilities)?;
        check_url(ctx, &self.endpoint)?;
        check_url(ctx, &self.manifest_url)?;
        check_messaging_key(ctx, &self.messaging_pubkey)?;
        check_p2p(ctx, &self.p2p_endpoint)
    }
}

/// `card_address(agent_id)` then the owner check (`assert_owned_card`).
fn owned(state: &State, ctx: &Ctx, agent_id: u64) -> Result<(), ExecError> {
    let card = state
        .cards
        .card(agent_id)
        .ok_or_else(|| ctx.abort(ab(Abort::AgentNotFound)))?;
    if card.owner != ctx.sender {
        return Err(ctx.abort(ab(Abort::NotOwner)));
    }
    Ok(())
}

fn updated_event(card: &CardInfo, owner: AccountAddress, now: u64) -> Event {
    Event::AgentUpdated(AgentUpdated {
        agent_id: card.id,
        card: card.card,
        owner,
        name: card.name.clone(),
        description: card.description.clone(),
        capabilities: card.capabilities.clone(),
        endpoint: card.endpoint.clone(),
        rate_octas: card.rate_octas,
        manifest_url: card.manifest_url.clone(),
        messaging_pubkey: card.messaging_pubkey.clone(),
        p2p_endpoint: card.p2p_endpoint.clone(),
        timestamp: now,
    })
}

/// Applies `f` to an owned card (checks done by the caller), bumps `updated_at` and emits
/// `AgentUpdated`.
fn touch(state: &mut State, ctx: &mut Ctx, agent_id: u64, f: impl FnOnce(&mut CardInfo)) {
    let now = ctx.now_secs;
    let owner = ctx.sender;
    if let Some(card) = state.cards.card_mut(agent_id) {
        f(card);
        card.updated_at = now;
        let e = updated_event(card, owner, now);
        emit(ctx, e);
    }
}

fn assert_admin(state: &State, ctx: &Ctx) -> Result<(), ExecError> {
    if ctx.sender != state.cards.admin {
        return Err(ctx.abort(ab(Abort::NotAdmin)));
    }
    Ok(())
}

/// Executes an `agent_card` entry function.
pub(crate) fn execute(state: &mut State, ctx: &mut Ctx, call: Call) -> Result<(), ExecError> {
    let now = ctx.now_secs;
    match call {
        Call::Register {
            name,
            description,
            capabilities,
            endpoint,
            rate_octas,
            manifest_url,
            messaging_pubkey,
            p2p_endpoint,
        } => {
            let fields = Fields {
                name,
                description,
                capabilities,
                endpoint,
                rate_octas,
                manifest_url,
                messaging_pubkey,
                p2p_endpoint,
            };
            fields.check(ctx)?;
            let owner = ctx.sender;
            if state.cards.owned_count(owner) >= limits::MAX_AGENTS_PER_OWNER {
                return Err(ctx.abort(ab(Abort::TooManyAgents)));
            }
            let agent_id = state.cards.cards.len() as u64 + 1;
            let card = aether_protocol::address::card_object_address(owner, agent_id);
            emit(
                ctx,
                Event::AgentRegistered(AgentRegistered {
                    agent_id,
                    card,
                    owner,
                    name: fields.name.clone(),
                    description: fields.description.clone(),
                    capabilities: fields.capabilities.clone(),
                    endpoint: fields.endpoint.clone(),
                    rate_octas: fields.rate_octas,
                    manifest_url: fields.manifest_url.clone(),
                    messaging_pubkey: fields.messaging_pubkey.clone(),
                    p2p_endpoint: fields.p2p_endpoint.clone(),
                    timestamp: now,
                }),
            );
            state.cards.cards.push(CardInfo {
                id: agent_id,
                card,
                owner,
                name: fields.name,
                description: fields.description,
                capabilities: fields.capabilities,
                endpoint: fields.endpoint,
                rate_octas: fields.rate_octas,
                manifest_url: fields.manifest_url,
                messaging_pubkey: fields.messaging_pubkey,
                p2p_endpoint: fields.p2p_endpoint,
                active: true,
                verified: false,
                principal_hash: Vec::new(),
                attester: AccountAddress::ZERO,
                created_at: now,
                updated_at: now,
            });
            state.cards.by_address.insert(card, agent_id);
            state.cards.owned.entry(owner).or_default().push(agent_id);
            Ok(())
        }
        Call::Update {
            agent_id,
            name,
            description,
            capabilities,
            endpoint,
            rate_octas,
            manifest_url,
            messaging_pubkey,
            p2p_endpoint,
        } => {
            owned(state, ctx, agent_id)?;
            let fields = Fields {
                name,
                description,
                capabilities,
                endpoint,
                rate_octas,
                manifest_url,
                messaging_pubkey,
                p2p_endpoint,
            };
            fields.check(ctx)?;
            touch(state, ctx, agent_id, |c| {
                c.name = fields.name;
                c.description = fields.description;
                c.capabilities = fields.capabilities;
                c.endpoint = fields.endpoint;
                c.rate_octas = fields.rate_octas;
                c.manifest_url = fields.manifest_url;
                c.messaging_pubkey = fields.messaging_pubkey;
                c.p2p_endpoint = fields.p2p_endpoint;
            });
            Ok(())
        }
        Call::SetName { agent_id, name } => {
            owned(state, ctx, agent_id)?;
            check_name(ctx, &name)?;
            touch(state, ctx, agent_id, |c| c.name = name);
            Ok(())
        }
        Call::SetDescription {
            agent_id,
            description,
        } => {
            owned(state, ctx, agent_id)?;
            check_description(ctx, &description)?;
            touch(state, ctx, agent_id, |c| c.description = description);
            Ok(())
        }
        Call::SetCapabilities {
            agent_id,
            capabilities,
        } => {
            owned(state, ctx, agent_id)?;
            check_capabilities(ctx, &capabilities)?;
            touch(state, ctx, agent_id, |c| c.capabilities = capabilities);
            Ok(())
        }
        Call::SetEndpoint { agent_id, endpoint } => {
            owned(state, ctx, agent_id)?;
            check_url(ctx, &endpoint)?;
            touch(state, ctx, agent_id, |c| c.endpoint = endpoint);
            Ok(())
        }
        Call::SetRate {
            agent_id,
            rate_octas,
        } => {
            owned(state, ctx, agent_id)?;
            touch(state, ctx, agent_id, |c| c.rate_octas = rate_octas);
            Ok(())
        }
        Call::SetManifestUrl {
            agent_id,
            manifest_url,
        } => {
            owned(state, ctx, agent_id)?;
            check_url(ctx, &manifest_url)?;
            touch(state, ctx, agent_id, |c| c.manifest_url = manifest_url);
            Ok(())
        }
        Call::SetMessagingKey {
            agent_id,
            messaging_pubkey,
        } => {
            owned(state, ctx, agent_id)?;
            check_messaging_key(ctx, &messaging_pubkey)?;
            touch(state, ctx, agent_id, |c| {
                c.messaging_pubkey = messaging_pubkey
            });
            Ok(())
        }
        Call::SetP2pEndpoint {
            agent_id,
            p2p_endpoint,
        } => {
            owned(state, ctx, agent_id)?;
            check_p2p(ctx, &p2p_endpoint)?;
            touch(state, ctx, agent_id, |c| c.p2p_endpoint = p2p_endpoint);
            Ok(())
        }
        Call::Deactivate { agent_id } | Call::Reactivate { agent_id } => {
            let activate = matches!(call, Call::Reactivate { .. });
            owned(state, ctx, agent_id)?;
            let active = state.cards.card(agent_id).is_some_and(|c| c.active);
            if activate && active {
                return Err(ctx.abort(ab(Abort::AlreadyActive)));
            }
            if !activate && !active {
                return Err(ctx.abort(ab(Abort::AlreadyInactive)));
            }
            if let Some(card) = state.cards.card_mut(agent_id) {
                card.active = activate;
                card.updated_at = now;
                let e = Event::AgentStatusChanged(AgentStatusChanged {
                    agent_id,
                    card: card.card,
                    active: activate,
                    timestamp: now,
                });
                emit(ctx, e);
            }
            Ok(())
        }
        Call::Transfer {
            agent_id,
            new_owner,
        } => {
            owned(state, ctx, agent_id)?;
            let from = ctx.sender;
            if new_owner == from {
                return Err(ctx.abort(ab(Abort::SameOwner)));
            }
            if state.cards.owned_count(new_owner) >= limits::MAX_AGENTS_PER_OWNER {
                return Err(ctx.abort(ab(Abort::TooManyAgents)));
            }
            let mut card_addr = AccountAddress::ZERO;
            if let Some(card) = state.cards.card_mut(agent_id) {
                // `object::transfer_with_ref` emits the framework's `Transfer` module event
                // before the module's own `AgentTransferred`.
                ctx.events.push(super::Event {
                    type_tag: "0x1::object::Transfer".to_string(),
                    data: json!({
                        "object": card.card.to_string(),
                        "from": from.to_string(),
                        "to": new_owner.to_string(),
                    }),
                });
                card.owner = new_owner;
                card.verified = false;
                card.principal_hash = Vec::new();
                card.attester = AccountAddress::ZERO;
                card.updated_at = now;
                card_addr = card.card;
            }
            if let Some(ids) = state.cards.owned.get_mut(&from)
                && let Some(i) = ids.iter().position(|id| *id == agent_id)
            {
                ids.remove(i);
            }
            state
                .cards
                .owned
                .entry(new_owner)
                .or_default()
                .push(agent_id);
            emit(
                ctx,
                Event::AgentTransferred(AgentTransferred {
                    agent_id,
                    card: card_addr,
                    from,
                    to: new_owner,
                    timestamp: now,
                }),
            );
            Ok(())
        }
        Call::AttestPrincipal {
            agent_id,
            principal_hash,
        } => {
            let attester = ctx.sender;
            if !state.cards.attesters.contains(&attester) {
                return Err(ctx.abort(ab(Abort::NotAttester)));
            }
            if state.cards.card(agent_id).is_none() {
                return Err(ctx.abort(ab(Abort::AgentNotFound)));
            }
            if principal_hash.len() != limits::PRINCIPAL_HASH_LENGTH {
                return Err(ctx.abort(ab(Abort::InvalidPrincipalHash)));
            }
            if let Some(card) = state.cards.card_mut(agent_id) {
                card.verified = true;
                card.principal_hash = principal_hash.clone();
                card.attester = attester;
                card.updated_at = now;
                let e = Event::PrincipalAttested(PrincipalAttested {
                    agent_id,
                    card: card.card,
                    attester,
                    principal_hash,
                    timestamp: now,
                });
                emit(ctx, e);
            }
            Ok(())
        }
        Call::RevokeAttestation { agent_id } => {
            let revoker = ctx.sender;
            if !state.cards.attesters.contains(&revoker) && revoker != state.cards.admin {
                return Err(ctx.abort(ab(Abort::NotAttester)));
            }
            let card = state
                .cards
                .card(agent_id)
                .ok_or_else(|| ctx.abort(ab(Abort::AgentNotFound)))?;
            if !card.verified {
                return Err(ctx.abort(ab(Abort::NotAttested)));
            }
            if let Some(card) = state.cards.card_mut(agent_id) {
                card.verified = false;
                card.principal_hash = Vec::new();
                card.attester = AccountAddress::ZERO;
                card.updated_at = now;
                let e = Event::AttestationRevoked(AttestationRevoked {
                    agent_id,
                    card: card.card,
                    revoker,
                    timestamp: now,
                });
                emit(ctx, e);
            }
            Ok(())
        }
        Call::AddAttester { attester } => {
            assert_admin(state, ctx)?;
            if !state.cards.attesters.insert(attester) {
                return Err(ctx.abort(ab(Abort::AttesterExists)));
            }
            emit(ctx, Event::AttesterAdded(AttesterAdded { attester }));
            Ok(())
        }
        Call::RemoveAttester { attester } => {
            assert_admin(state, ctx)?;
            if !state.cards.attesters.remove(&attester) {
                return Err(ctx.abort(ab(Abort::AttesterNotFound)));
            }
            emit(ctx, Event::AttesterRemoved(AttesterRemoved { attester }));
            Ok(())
        }
        Call::SetAdmin { new_admin } => {
            assert_admin(state, ctx)?;
            let old_admin = state.cards.admin;
            state.cards.admin = new_admin;
            emit(
                ctx,
                Event::AdminChanged(AdminChanged {
                    old_admin,
                    new_admin,
                }),
            );
            Ok(())
        }
    }
}

fn card_json(card: &CardInfo) -> Value {
    serde_json::to_value(card).unwrap_or(Value::Null)
}

/// Answers an `agent_card` view.
pub(crate) fn view(state: &State, ctx: &ViewCtx, v: View) -> Result<Vec<Value>, ExecError> {
    let reg = &state.cards;
    let get = |id: u64| {
        reg.card(id)
            .ok_or_else(|| ctx.abort(ab(Abort::AgentNotFound)))
    };
    Ok(match v {
        View::GetCard { agent_id } => vec![card_json(get(agent_id)?)],
        View::GetCardByAddress { card } => {
            let id = reg
                .by_address
                .get(&card)
                .ok_or_else(|| ctx.abort(ab(Abort::CardNotFound)))?;
            vec![card_json(get(*id)?)]
        }
        View::CardAddress { agent_id } => vec![json!(get(agent_id)?.card.to_string())],
        View::AgentCount {} => vec![json!(reg.cards.len().to_string())],
        View::IdsByOwner { owner } => {
            let ids: Vec<String> = reg
                .owned
                .get(&owner)
                .map(|v| v.iter().map(u64::to_string).collect())
                .unwrap_or_default();
            vec![json!(ids)]
        }
        View::AgentExists { agent_id } => vec![json!(reg.card(agent_id).is_some())],
        View::IsActive { agent_id } => vec![json!(get(agent_id)?.active)],
        View::IsVerified { agent_id } => vec![json!(get(agent_id)?.verified)],
        View::OwnerOf { agent_id } => vec![json!(get(agent_id)?.owner.to_string())],
        View::IsAttester { addr } => vec![json!(reg.attesters.contains(&addr))],
        View::Admin {} => vec![json!(reg.admin.to_string())],
    })
}
