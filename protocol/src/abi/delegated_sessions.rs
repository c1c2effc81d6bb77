//! `delegated_sessions`: budgets a principal escrows for an agent, spent with a session key.
//!
//! The signed message of `pay` is [`crate::payment::PaymentAuthorization`].

use aptos_sdk::types::AccountAddress;
use serde::{Deserialize, Serialize};

use crate::json::{hex_bytes, u64_str};

/// Move module name.
pub const MODULE: &str = "delegated_sessions";

/// Seed of the resource account that holds escrowed APT.
pub const ESCROW_SEED: &[u8] = b"aether::delegated_sessions";

/// Input limits (the module's named constants).
pub mod limits {
    /// Exact session public key length (ed25519).
    pub const SESSION_KEY_LENGTH: usize = 32;
    /// Exact signature length (ed25519).
    pub const SIGNATURE_LENGTH: usize = 64;
    /// Longest session lifetime (90 days).
    pub const MAX_SESSION_DURATION_SECS: u64 = 7_776_000;
    /// Most requests one session may pay for.
    pub const MAX_REQUESTS: u64 = 10_000_000;
}

/// Session status values of [`SessionInfo::status`].
pub mod status {
    /// Active (an active session past `expires_at` still reads active until closed).
    pub const ACTIVE: u8 = 0;
    /// Revoked by the principal.
    pub const REVOKED: u8 = 1;
    /// Closed after expiry.
    pub const CLOSED: u8 = 2;
}

move_functions! {
    /// Entry functions of `delegated_sessions` (arguments after the `&signer`).
    pub enum Call (module = "delegated_sessions", view = false) {
        /// Escrows `allowance` octas for `agent_id`, spendable with `session_pubkey`.
        CreateSession = "create_session" {
            agent_id: u64, session_pubkey: Vec<u8>, allowance: u64, max_requests: u64, duration_secs: u64,
        },
        /// Pays `amount` from the session to `payee` with a session-key signature.
        Pay = "pay" {
            session_id: u64, chain_id: u8, payee: AccountAddress, amount: u64, nonce: u64,
            valid_until: u64, signature: Vec<u8>,
        },
        /// Adds `amount` octas to the session's escrow.
        TopUp = "top_up" { session_id: u64, amount: u64 },
        /// Principal ends the session; the rest is refunded.
        Revoke = "revoke" { session_id: u64 },
        /// Anyone closes an expired session; the rest is refunded to the principal.
        CloseExpired = "close_expired" { session_id: u64 },
    }
}

move_functions! {
    /// View functions of `delegated_sessions`.
    pub enum View (module = "delegated_sessions", view = true) {
        /// The whole session.
        GetSession = "get_session" { session_id: u64 } -> ["SessionInfo"],
        /// `deposited - spent`, in octas.
        RemainingAllowance = "remaining_allowance" { session_id: u64 } -> ["u64"],
        /// `max_requests - requests_used`.
        RemainingRequests = "remaining_requests" { session_id: u64 } -> ["u64"],
        /// Whether a nonce was used in a session.
        IsNonceUsed = "is_nonce_used" { session_id: u64, nonce: u64 } -> ["bool"],
        /// The payment settled with that session and nonce.
        GetPayment = "get_payment" { session_id: u64, nonce: u64 } -> ["PaymentInfo"],
        /// How many sessions were ever created.
        SessionCount = "session_count" {} -> ["u64"],
        /// The resource account holding escrowed APT.
        EscrowAddress = "escrow_address" {} -> ["address"],
    }
}

abort_codes! {
    /// Abort codes of `delegated_sessions`.
    pub enum Abort (module = "delegated_sessions") {
        SessionNotFound = ("ESESSION_NOT_FOUND", 1, NotFound, "No session with that id."),
        NotPrincipal = ("ENOT_PRINCIPAL", 2, PermissionDenied, "The signer is not the session's principal."),
        SessionExpired = ("ESESSION_EXPIRED", 3, InvalidState, "The session is past `expires_at`."),
        SessionNotActive = ("ESESSION_NOT_ACTIVE", 4, InvalidState, "The session was revoked or closed."),
        AuthorizationExpired = ("EAUTHORIZATION_EXPIRED", 5, InvalidState, "The authorization's `valid_until` has passed."),
        NonceUsed = ("ENONCE_USED", 6, AlreadyExists, "The nonce was already used in this session."),
        InsufficientAllowance = ("EINSUFFICIENT_ALLOWANCE", 7, ResourceExhausted, "The amount is above the remaining allowance."),
        RequestsExhausted = ("EREQUESTS_EXHAUSTED", 8, ResourceExhausted, "The session has no requests left."),
        WrongChainId = ("EWRONG_CHAIN_ID", 9, InvalidArgument, "The authorization's chain id is not this chain's."),
        InvalidSignature = ("EINVALID_SIGNATURE", 10, Unauthenticated, "The signature is not `SIGNATURE_LENGTH` bytes or does not verify under the session key."),
        InvalidSessionKey = ("EINVALID_SESSION_KEY", 11, InvalidArgument, "The session public key is not `SESSION_KEY_LENGTH` bytes."),
        ZeroAmount = ("EZERO_AMOUNT", 12, InvalidArgument, "The allowance, top-up or payment amount is 0."),
        InvalidDuration = ("EINVALID_DURATION", 13, InvalidArgument, "The duration is 0 or above `MAX_SESSION_DURATION_SECS`."),
        SessionNotExpired = ("ESESSION_NOT_EXPIRED", 14, InvalidState, "`close_expired` before `expires_at`."),
        AgentNotFound = ("EAGENT_NOT_FOUND", 15, NotFound, "No agent with that id."),
        AgentInactive = ("EAGENT_INACTIVE", 16, InvalidState, "The agent is deactivated."),
        PaymentNotFound = ("EPAYMENT_NOT_FOUND", 17, NotFound, "No payment with that session and nonce."),
        InvalidMaxRequests = ("EINVALID_MAX_REQUESTS", 18, InvalidArgument, "`max_requests` is 0 or above `MAX_REQUESTS`."),
    }
}

/// `delegated_sessions::SessionInfo`, returned by `get_session`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Session id.
    #[serde(with = "u64_str")]
    pub id: u64,
    /// Who escrowed the funds.
    pub principal: AccountAddress,
    /// The agent the budget is for.
    #[serde(with = "u64_str")]
    pub agent_id: u64,
    /// ed25519 session public key.
    #[serde(with = "hex_bytes")]
    pub session_pubkey: Vec<u8>,
    /// Total escrowed (initial allowance plus top-ups), octas.
    #[serde(with = "u64_str")]
    pub deposited: u64,
    /// Total paid out, octas.
    #[serde(with = "u64_str")]
    pub spent: u64,
    /// Request cap.
    #[serde(with = "u64_str")]
    pub max_requests: u64,
    /// Requests paid so far.
    #[serde(with = "u64_str")]
    pub requests_used: u64,
    /// Creation time (seconds).
    #[serde(with = "u64_str")]
    pub created_at: u64,
    /// Expiry (seconds); expired when `now >= expires_at`.
    #[serde(with = "u64_str")]
    pub expires_at: u64,
    /// [`status`] value.
    pub status: u8,
}

impl SessionInfo {
    /// `deposited - spent`.
    pub fn remaining_allowance(&self) -> u64 {
        self.deposited.saturating_sub(self.spent)
    }

    /// `max_requests - requests_used`.
    pub fn remaining_requests(&self) -> u64 {
        self.max_requests.saturating_sub(self.requests_used)
    }
}

/// `delegated_sessions::PaymentInfo`, returned by `get_payment`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentInfo {
    /// Who was paid.
    pub payee: AccountAddress,
    /// Octas paid.
    #[serde(with = "u64_str")]
    pub amount: u64,
    /// Settlement time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

/// Emitted when a session is created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionCreated {
    /// Session id.
    #[serde(with = "u64_str")]
    pub session_id: u64,
    /// Principal.
    pub principal: AccountAddress,
    /// Agent the budget is for.
    #[serde(with = "u64_str")]
    pub agent_id: u64,
    /// Session public key.
    #[serde(with = "hex_bytes")]
    pub session_pubkey: Vec<u8>,
    /// Escrowed octas.
    #[serde(with = "u64_str")]
    pub allowance: u64,
    /// Request cap.
    #[serde(with = "u64_str")]
    pub max_requests: u64,
    /// Expiry (seconds).
    #[serde(with = "u64_str")]
    pub expires_at: u64,
    /// Block time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

/// Emitted when `pay` moves funds to a payee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentSettled {
    /// Session id.
    #[serde(with = "u64_str")]
    pub session_id: u64,
    /// Who was paid.
    pub payee: AccountAddress,
    /// Octas paid.
    #[serde(with = "u64_str")]
    pub amount: u64,
    /// The authorization's nonce.
    #[serde(with = "u64_str")]
    pub nonce: u64,
    /// Total spent after this payment.
    #[serde(with = "u64_str")]
    pub spent: u64,
    /// Requests used after this payment.
    #[serde(with = "u64_str")]
    pub requests_used: u64,
    /// Block time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

/// Emitted when the principal adds funds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionToppedUp {
    /// Session id.
    #[serde(with = "u64_str")]
    pub session_id: u64,
    /// Octas added.
    #[serde(with = "u64_str")]
    pub amount: u64,
    /// Total deposited after the top-up.
    #[serde(with = "u64_str")]
    pub deposited: u64,
    /// Block time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

/// Emitted when the principal revokes a session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRevoked {
    /// Session id.
    #[serde(with = "u64_str")]
    pub session_id: u64,
    /// Octas refunded to the principal.
    #[serde(with = "u64_str")]
    pub refund: u64,
    /// Block time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

/// Emitted when an expired session is closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClosed {
    /// Session id.
    #[serde(with = "u64_str")]
    pub session_id: u64,
    /// Who closed it.
    pub closer: AccountAddress,
    /// Octas refunded to the principal.
    #[serde(with = "u64_str")]
    pub refund: u64,
    /// Block time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

super::module_events!(
    SessionCreated,
    PaymentSettled,
    SessionToppedUp,
    SessionRevoked,
    SessionClosed,
);
