//! Finding agents and their messaging keys: the [`Directory`] trait and two implementations.
//!
//! The directory is the trust anchor of the P2P layer: a peer is accepted only if the key it
//! proves in the handshake equals the `messaging_pubkey` of the card published under the agent
//! id it claims. [`StaticDirectory`] is a map (tests, the CLI with explicit keys);
//! [`ChainDirectory`] reads `agent_card::get_card` views through aptos-sdk's fullnode client.
//! An indexer-backed directory can implement the same trait.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use aether_protocol::abi::agent_card::{CardInfo, View};
use futures::future::BoxFuture;

use super::identity::{AgentId, IdentityError, PeerKey};

/// Directory errors.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// A card's messaging key is malformed.
    #[error("card {agent} has an invalid messaging key: {source}")]
    BadCard {
        /// The agent.
        agent: String,
        /// Why.
        source: IdentityError,
    },
    /// The backend (chain node, indexer) failed.
    #[error("directory backend: {0}")]
    Backend(String),
}

/// What the P2P layer needs from an agent card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCard {
    /// Agent id (for chain cards the decimal card id).
    pub agent_id: AgentId,
    /// Long-term ed25519 messaging key.
    pub messaging_key: PeerKey,
    /// `host:port` (TCP) or `ws://host:port` (WebSocket); empty if not reachable.
    pub endpoint: String,
    /// Capability tags.
    pub capabilities: Vec<String>,
    /// Whether the agent is active.
    pub active: bool,
}

impl TryFrom<&CardInfo> for PeerCard {
    type Error = DirectoryError;
    fn try_from(c: &CardInfo) -> Result<Self, DirectoryError> {
        let agent_id =
            AgentId::new(c.id.to_string()).map_err(|source| DirectoryError::BadCard {
                agent: c.id.to_string(),
                source,
            })?;
        let messaging_key =
            PeerKey::from_slice(&c.messaging_pubkey).map_err(|source| DirectoryError::BadCard {
                agent: c.id.to_string(),
                source,
            })?;
        Ok(Self {
            agent_id,
            messaging_key,
            endpoint: c.p2p_endpoint.clone(),
            capabilities: c.capabilities.clone(),
            active: c.active,
        })
    }
}

/// Which cards [`Directory::list`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscoverFilter {
    /// Cards having every one of these capabilities.
    pub capabilities: Vec<String>,
    /// Only active agents.
    pub active_only: bool,
    /// At most this many (0 = no limit).
    pub limit: usize,
}

impl DiscoverFilter {
    /// Cards with `capability`, active only.
    pub fn capability(capability: impl Into<String>) -> Self {
        Self {
            capabilities: vec![capability.into()],
            active_only: true,
            limit: 0,
        }
    }

    /// Whether a card passes the filter.
    pub fn matches(&self, card: &PeerCard) -> bool {
        (!self.active_only || card.active)
            && self
                .capabilities
                .iter()
                .all(|c| card.capabilities.contains(c))
    }
}

/// A source of agent cards.
pub trait Directory: Send + Sync + 'static {
    /// The card of one agent, `None` if unknown.
    fn card<'a>(
        &'a self,
        agent: &'a AgentId,
    ) -> BoxFuture<'a, Result<Option<PeerCard>, DirectoryError>>;
    /// Cards passing `filter`.
    fn list<'a>(
        &'a self,
        filter: &'a DiscoverFilter,
    ) -> BoxFuture<'a, Result<Vec<PeerCard>, DirectoryError>>;
}

/// Cards in memory.
#[derive(Debug, Default, Clone)]
pub struct StaticDirectory {
    cards: Arc<RwLock<BTreeMap<AgentId, PeerCard>>>,
}

impl StaticDirectory {
    /// An empty directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a card.
    pub fn insert(&self, card: PeerCard) {
        let mut map = self.cards.write().unwrap_or_else(|p| p.into_inner());
        map.insert(card.agent_id.clone(), card);
    }

    /// Removes a card.
    pub fn remove(&self, agent: &AgentId) {
        self.cards
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(agent);
    }

    fn snapshot(&self) -> Vec<PeerCard> {
        self.cards
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }
}

impl Directory for StaticDirectory {
    fn card<'a>(
        &'a self,
        agent: &'a AgentId,
    ) -> BoxFuture<'a, Result<Option<PeerCard>, DirectoryError>> {
        let card = self
            .cards
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(agent)
            .cloned();
        Box::pin(async move { Ok(card) })
    }

    fn list<'a>(
        &'a self,
        filter: &'a DiscoverFilter,
    ) -> BoxFuture<'a, Result<Vec<PeerCard>, DirectoryError>> {
        let mut out: Vec<PeerCard> = self
            .snapshot()
            .into_iter()
            .filter(|c| filter.matches(c))
            .collect();
        if filter.limit > 0 {
            out.truncate(filter.limit);
        }
        Box::pin(async move { Ok(out) })
    }
}

/// Cards read from the chain with `agent_card` views (`POST /v1/view`).
///
/// Partial: `list` walks ids `1..=agent_count` one view at a time, capped at
/// [`ChainDirectory::MAX_SCAN`]; large deployments should use an indexer-backed directory.
/// Tested against the embedded localnet by the workspace's `tests/tests/p2p_over_chain.rs`.
pub struct ChainDirectory {
    client: aptos_sdk::api::FullnodeClient,
    aether: aptos_sdk::types::AccountAddress,
}

impl ChainDirectory {
    /// Most cards `list` reads.
    pub const MAX_SCAN: u64 = 1000;

    /// A directory over the node at `fullnode_url` with the Aether modules at `aether`.
    pub fn new(
        fullnode_url: &str,
        aether: aptos_sdk::types::AccountAddress,
    ) -> Result<Self, DirectoryError> {
        let config = aptos_sdk::AptosConfig::custom(fullnode_url)
            .map_err(|e| DirectoryError::Backend(e.to_string()))?;
        let client = aptos_sdk::api::FullnodeClient::new(config)
            .map_err(|e| DirectoryError::Backend(e.to_string()))?;
        Ok(Self { client, aether })
    }

    async fn view(&self, view: View) -> Result<Vec<serde_json::Value>, DirectoryError> {
        let r = self
            .client
            .view(&view.function_id(self.aether), vec![], view.json_args())
            .await
            .map_err(|e| DirectoryError::Backend(e.to_string()))?;
        Ok(r.data)
    }

    async fn card_by_id(&self, id: u64) -> Result<Option<PeerCard>, DirectoryError> {
        let exists = self.view(View::AgentExists { agent_id: id }).await?;
        if exists.first().and_then(serde_json::Value::as_bool) != Some(true) {
            return Ok(None);
        }
        let data = self.view(View::GetCard { agent_id: id }).await?;
        let value = data
            .into_iter()
            .next()
            .ok_or_else(|| DirectoryError::Backend("get_card returned nothing".into()))?;
        let info: CardInfo =
            serde_json::from_value(value).map_err(|e| DirectoryError::Backend(e.to_string()))?;
        PeerCard::try_from(&info).map(Some)
    }
}

impl Directory for ChainDirectory {
    fn card<'a>(
        &'a self,
        agent: &'a AgentId,
    ) -> BoxFuture<'a, Result<Option<PeerCard>, DirectoryError>> {
        Box::pin(async move {
            match agent.as_str().parse::<u64>() {
                Ok(id) => self.card_by_id(id).await,
                Err(_) => Ok(None),
            }
        })
    }

    fn list<'a>(
        &'a self,
        filter: &'a DiscoverFilter,
    ) -> BoxFuture<'a, Result<Vec<PeerCard>, DirectoryError>> {
        Box::pin(async move {
            let count = self.view(View::AgentCount {}).await?;
            let count = count
                .first()
                .and_then(|v| {
                    v.as_str()
                        .and_then(|s| s.parse::<u64>().ok())
                        .or_else(|| v.as_u64())
                })
                .unwrap_or(0)
                .min(Self::MAX_SCAN);
            let mut out = Vec::new();
            for id in 1..=count {
                if let Some(card) = self.card_by_id(id).await?.filter(|c| filter.matches(c)) {
                    out.push(card);
                    if filter.limit > 0 && out.len() >= filter.limit {
                        break;
                    }
                }
            }
            Ok(out)
        })
    }
}

/// Announces this agent somewhere (a bazaar presence service); optional.
pub trait Presence: Send + Sync + 'static {
    /// Says the agent is online at `endpoint`.
    fn announce<'a>(
        &'a self,
        agent: &'a AgentId,
        endpoint: &'a str,
    ) -> BoxFuture<'a, Result<(), DirectoryError>>;
    /// Says the agent left.
    fn withdraw<'a>(&'a self, agent: &'a AgentId) -> BoxFuture<'a, Result<(), DirectoryError>>;
}
