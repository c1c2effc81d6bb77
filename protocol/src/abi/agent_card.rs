//! `agent_card`: on-chain agent identity, one Aptos object per agent.

use aptos_sdk::types::AccountAddress;
use serde::{Deserialize, Serialize};

use crate::json::{hex_bytes, u64_str};

/// Move module name.
pub const MODULE: &str = "agent_card";

/// Input limits (the module's named constants).
pub mod limits {
    /// Maximum name length in bytes (names must be non-empty).
    pub const MAX_NAME_LENGTH: usize = 64;
    /// Maximum description length in bytes.
    pub const MAX_DESCRIPTION_LENGTH: usize = 1024;
    /// Maximum number of capability tags.
    pub const MAX_CAPABILITIES: usize = 32;
    /// Maximum capability tag length in bytes (tags must be non-empty).
    pub const MAX_CAPABILITY_LENGTH: usize = 64;
    /// Maximum payment-endpoint and manifest URL length in bytes (may be empty).
    pub const MAX_URL_LENGTH: usize = 256;
    /// Maximum P2P endpoint length in bytes (may be empty).
    pub const MAX_P2P_ENDPOINT_LENGTH: usize = 128;
    /// Exact messaging public key length (ed25519).
    pub const MESSAGING_KEY_LENGTH: usize = 32;
    /// Exact attested principal hash length.
    pub const PRINCIPAL_HASH_LENGTH: usize = 32;
    /// Maximum number of agents one owner may hold.
    pub const MAX_AGENTS_PER_OWNER: usize = 100;
}

move_functions! {
    /// Entry functions of `agent_card` (arguments after the `&signer`).
    pub enum Call (module = "agent_card", view = false) {
        /// Registers a new agent owned by the signer.
        Register = "register" {
            name: String, description: String, capabilities: Vec<String>, endpoint: String,
            rate_octas: u64, manifest_url: String, messaging_pubkey: Vec<u8>, p2p_endpoint: String,
        },
        /// Replaces every editable field of a card.
        Update = "update" {
            agent_id: u64, name: String, description: String, capabilities: Vec<String>, endpoint: String,
            rate_octas: u64, manifest_url: String, messaging_pubkey: Vec<u8>, p2p_endpoint: String,
        },
        /// Sets the name.
        SetName = "set_name" { agent_id: u64, name: String },
        /// Sets the description.
        SetDescription = "set_description" { agent_id: u64, description: String },
        /// Replaces the capability tags.
        SetCapabilities = "set_capabilities" { agent_id: u64, capabilities: Vec<String> },
        /// Sets the payment endpoint URL.
        SetEndpoint = "set_endpoint" { agent_id: u64, endpoint: String },
        /// Sets the rate in octas per request.
        SetRate = "set_rate" { agent_id: u64, rate_octas: u64 },
        /// Sets the manifest URL.
        SetManifestUrl = "set_manifest_url" { agent_id: u64, manifest_url: String },
        /// Sets the ed25519 messaging public key.
        SetMessagingKey = "set_messaging_key" { agent_id: u64, messaging_pubkey: Vec<u8> },
        /// Sets the P2P endpoint (`host:port`).
        SetP2pEndpoint = "set_p2p_endpoint" { agent_id: u64, p2p_endpoint: String },
        /// Marks the agent inactive.
        Deactivate = "deactivate" { agent_id: u64 },
        /// Marks the agent active again.
        Reactivate = "reactivate" { agent_id: u64 },
        /// Transfers the card to a new owner (clears the attestation).
        Transfer = "transfer" { agent_id: u64, new_owner: AccountAddress },
        /// Admin: adds a trusted attester.
        AddAttester = "add_attester" { attester: AccountAddress },
        /// Admin: removes an attester.
        RemoveAttester = "remove_attester" { attester: AccountAddress },
        /// Attester: attests the hash of the agent's principal identity.
        AttestPrincipal = "attest_principal" { agent_id: u64, principal_hash: Vec<u8> },
        /// Attester or admin: revokes an attestation.
        RevokeAttestation = "revoke_attestation" { agent_id: u64 },
        /// Admin: hands the admin role to another address.
        SetAdmin = "set_admin" { new_admin: AccountAddress },
    }
}

move_functions! {
    /// View functions of `agent_card`.
    pub enum View (module = "agent_card", view = true) {
        /// The card with this id.
        GetCard = "get_card" { agent_id: u64 } -> ["CardInfo"],
        /// The card stored at this object address.
        GetCardByAddress = "get_card_by_address" { card: AccountAddress } -> ["CardInfo"],
        /// The object address of a card.
        CardAddress = "card_address" { agent_id: u64 } -> ["address"],
        /// How many agents were ever registered.
        AgentCount = "agent_count" {} -> ["u64"],
        /// Ids owned by an address, in registration order.
        IdsByOwner = "ids_by_owner" { owner: AccountAddress } -> ["vector<u64>"],
        /// Whether an agent id exists.
        AgentExists = "agent_exists" { agent_id: u64 } -> ["bool"],
        /// Whether an agent is active.
        IsActive = "is_active" { agent_id: u64 } -> ["bool"],
        /// Whether an agent carries a principal attestation.
        IsVerified = "is_verified" { agent_id: u64 } -> ["bool"],
        /// The owner of an agent.
        OwnerOf = "owner_of" { agent_id: u64 } -> ["address"],
        /// Whether an address is an attester.
        IsAttester = "is_attester" { addr: AccountAddress } -> ["bool"],
        /// The module admin.
        Admin = "admin" {} -> ["address"],
    }
}

abort_codes! {
    /// Abort codes of `agent_card`.
    pub enum Abort (module = "agent_card") {
        NotAdmin = ("ENOT_ADMIN", 1, PermissionDenied, "The signer is not the module admin."),
        NotOwner = ("ENOT_OWNER", 2, PermissionDenied, "The signer does not own the agent."),
        NotAttester = ("ENOT_ATTESTER", 3, PermissionDenied, "The signer is not a registered attester (nor, for revocation, the admin)."),
        AgentNotFound = ("EAGENT_NOT_FOUND", 4, NotFound, "No agent with that id."),
        InvalidName = ("EINVALID_NAME", 5, InvalidArgument, "The name is empty or longer than `MAX_NAME_LENGTH`."),
        DescriptionTooLong = ("EDESCRIPTION_TOO_LONG", 6, InvalidArgument, "The description is longer than `MAX_DESCRIPTION_LENGTH`."),
        TooManyCapabilities = ("ETOO_MANY_CAPABILITIES", 7, InvalidArgument, "More than `MAX_CAPABILITIES` capability tags."),
        InvalidCapability = ("EINVALID_CAPABILITY", 8, InvalidArgument, "A capability tag is empty or longer than `MAX_CAPABILITY_LENGTH`."),
        UrlTooLong = ("EURL_TOO_LONG", 9, InvalidArgument, "The endpoint or manifest URL is longer than `MAX_URL_LENGTH`."),
        InvalidMessagingKey = ("EINVALID_MESSAGING_KEY", 10, InvalidArgument, "The messaging public key is not `MESSAGING_KEY_LENGTH` bytes."),
        P2pEndpointTooLong = ("EP2P_ENDPOINT_TOO_LONG", 11, InvalidArgument, "The p2p endpoint is longer than `MAX_P2P_ENDPOINT_LENGTH`."),
        AlreadyActive = ("EALREADY_ACTIVE", 12, InvalidState, "`reactivate` on an active agent."),
        AlreadyInactive = ("EALREADY_INACTIVE", 13, InvalidState, "`deactivate` on an inactive agent."),
        AttesterExists = ("EATTESTER_EXISTS", 14, AlreadyExists, "`add_attester` for an address that already is an attester."),
        AttesterNotFound = ("EATTESTER_NOT_FOUND", 15, NotFound, "`remove_attester` for an address that is not an attester."),
        InvalidPrincipalHash = ("EINVALID_PRINCIPAL_HASH", 16, InvalidArgument, "The principal hash is not `PRINCIPAL_HASH_LENGTH` bytes."),
        NotAttested = ("ENOT_ATTESTED", 17, InvalidState, "`revoke_attestation` on an agent without attestation."),
        SameOwner = ("ESAME_OWNER", 18, InvalidArgument, "`transfer` to the current owner."),
        CardNotFound = ("ECARD_NOT_FOUND", 19, NotFound, "No agent card at that object address."),
        TooManyAgents = ("ETOO_MANY_AGENTS", 20, ResourceExhausted, "The owner (or transfer recipient) already has `MAX_AGENTS_PER_OWNER` agents."),
    }
}

/// `agent_card::CardInfo`, returned by `get_card` and `get_card_by_address`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardInfo {
    /// Sequential agent id.
    #[serde(with = "u64_str")]
    pub id: u64,
    /// Object address of the card.
    pub card: AccountAddress,
    /// Current owner.
    pub owner: AccountAddress,
    /// Display name.
    pub name: String,
    /// Free-text description.
    pub description: String,
    /// Capability tags.
    pub capabilities: Vec<String>,
    /// Payment endpoint URL (x402).
    pub endpoint: String,
    /// Price in octas per request.
    #[serde(with = "u64_str")]
    pub rate_octas: u64,
    /// ERC-8004 style manifest URL.
    pub manifest_url: String,
    /// ed25519 messaging public key (32 bytes).
    #[serde(with = "hex_bytes")]
    pub messaging_pubkey: Vec<u8>,
    /// P2P endpoint (`host:port`), may be empty.
    pub p2p_endpoint: String,
    /// Whether the agent is active.
    pub active: bool,
    /// Whether a trusted attester vouched for the principal.
    pub verified: bool,
    /// Attested principal hash (empty when not attested).
    #[serde(with = "hex_bytes")]
    pub principal_hash: Vec<u8>,
    /// Attester (`0x0` when not attested).
    pub attester: AccountAddress,
    /// Registration time (seconds).
    #[serde(with = "u64_str")]
    pub created_at: u64,
    /// Last change (seconds).
    #[serde(with = "u64_str")]
    pub updated_at: u64,
}

/// The whole card as `AgentRegistered` and `AgentUpdated` carry it (both events have exactly
/// these fields).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardSnapshot {
    /// Agent id.
    #[serde(with = "u64_str")]
    pub agent_id: u64,
    /// Card object address.
    pub card: AccountAddress,
    /// Owner.
    pub owner: AccountAddress,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Capability tags.
    pub capabilities: Vec<String>,
    /// Payment endpoint URL.
    pub endpoint: String,
    /// Octas per request.
    #[serde(with = "u64_str")]
    pub rate_octas: u64,
    /// Manifest URL.
    pub manifest_url: String,
    /// Messaging public key.
    #[serde(with = "hex_bytes")]
    pub messaging_pubkey: Vec<u8>,
    /// P2P endpoint.
    pub p2p_endpoint: String,
    /// Block time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

/// Emitted when an agent registers: the whole card.
pub type AgentRegistered = CardSnapshot;

/// Emitted by `update` and every `set_*`: the whole card after the change.
pub type AgentUpdated = CardSnapshot;

/// Emitted when an agent is deactivated or reactivated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStatusChanged {
    /// Agent id.
    #[serde(with = "u64_str")]
    pub agent_id: u64,
    /// Card object address.
    pub card: AccountAddress,
    /// New status.
    pub active: bool,
    /// Block time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

/// Emitted when a card changes owner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentTransferred {
    /// Agent id.
    #[serde(with = "u64_str")]
    pub agent_id: u64,
    /// Card object address.
    pub card: AccountAddress,
    /// Previous owner.
    pub from: AccountAddress,
    /// New owner.
    pub to: AccountAddress,
    /// Block time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

/// Emitted when an attester vouches for an agent's principal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrincipalAttested {
    /// Agent id.
    #[serde(with = "u64_str")]
    pub agent_id: u64,
    /// Card object address.
    pub card: AccountAddress,
    /// The attester.
    pub attester: AccountAddress,
    /// Hash of the principal identity (32 bytes).
    #[serde(with = "hex_bytes")]
    pub principal_hash: Vec<u8>,
    /// Block time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

/// Emitted when an attestation is revoked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationRevoked {
    /// Agent id.
    #[serde(with = "u64_str")]
    pub agent_id: u64,
    /// Card object address.
    pub card: AccountAddress,
    /// Attester or admin who revoked.
    pub revoker: AccountAddress,
    /// Block time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

/// Emitted when the admin adds an attester.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttesterAdded {
    /// The new attester.
    pub attester: AccountAddress,
}

/// Emitted when the admin removes an attester.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttesterRemoved {
    /// The removed attester.
    pub attester: AccountAddress,
}

/// Emitted when the admin role changes hands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminChanged {
    /// Previous admin.
    pub old_admin: AccountAddress,
    /// New admin.
    pub new_admin: AccountAddress,
}

super::module_events!(
    AgentRegistered,
    AgentUpdated,
    AgentStatusChanged,
    AgentTransferred,
    PrincipalAttested,
    AttestationRevoked,
    AttesterAdded,
    AttesterRemoved,
    AdminChanged,
);
