//! `validation_oracle`: stake, task results, disputes, slashing and reputation.
//!
//! The reputation formula itself is [`crate::reputation`].

use aptos_sdk::types::AccountAddress;
use serde::{Deserialize, Serialize};

use crate::json::{hex_bytes, u64_str};

/// Move module name.
pub const MODULE: &str = "validation_oracle";

/// Seed of the resource account that holds staked APT.
pub const STAKE_VAULT_SEED: &[u8] = b"aether::validation_oracle";

/// Input limits and defaults (the module's named constants).
pub mod limits {
    /// Maximum task type length in bytes (non-empty).
    pub const MAX_TASK_TYPE_LENGTH: usize = 64;
    /// Exact result and evidence hash length.
    pub const HASH_LENGTH: usize = 32;
    /// Maximum dispute reason length in bytes (non-empty).
    pub const MAX_REASON_LENGTH: usize = 512;
    /// Longest stake lock (365 days).
    pub const MAX_LOCK_SECS: u64 = 31_536_000;
    /// Longest configurable dispute window (30 days).
    pub const MAX_DISPUTE_WINDOW_SECS: u64 = 2_592_000;
    /// Default dispute window (24 h).
    pub const DEFAULT_DISPUTE_WINDOW_SECS: u64 = 86_400;
    /// Default slash in basis points (50 %).
    pub const DEFAULT_SLASH_BPS: u64 = 5_000;
    /// Basis-point denominator.
    pub const BPS_DENOMINATOR: u64 = 10_000;
}

/// Task status values of [`TaskInfo::status`].
pub mod task_status {
    /// Completed, no dispute.
    pub const COMPLETED: u8 = 0;
    /// A dispute is pending.
    pub const DISPUTED: u8 = 1;
    /// A dispute was upheld: the task failed.
    pub const UPHELD: u8 = 2;
    /// A dispute was rejected.
    pub const REJECTED: u8 = 3;
}

/// Dispute status values of [`DisputeInfo::status`].
pub mod dispute_status {
    /// Waiting for an oracle.
    pub const PENDING: u8 = 0;
    /// Upheld (stake slashed).
    pub const UPHELD: u8 = 1;
    /// Rejected.
    pub const REJECTED: u8 = 2;
}

move_functions! {
    /// Entry functions of `validation_oracle` (arguments after the `&signer`).
    pub enum Call (module = "validation_oracle", view = false) {
        /// Owner stakes APT for an agent with a lock.
        Stake = "stake" { agent_id: u64, amount: u64, lock_secs: u64 },
        /// Owner withdraws stake after the lock when no dispute is pending.
        Unstake = "unstake" { agent_id: u64, amount: u64 },
        /// Owner records an unpaid result (never counts toward the success rate).
        SubmitTaskResult = "submit_task_result" { agent_id: u64, task_type: String, result_hash: Vec<u8> },
        /// Owner records a result paid by a session payment.
        SubmitPaidTaskResult = "submit_paid_task_result" {
            agent_id: u64, task_type: String, result_hash: Vec<u8>, session_id: u64, nonce: u64,
        },
        /// The paying principal (or the client agent's owner) disputes a paid result.
        CreateDispute = "create_dispute" { task_id: u64, reason: String, evidence_hash: Vec<u8> },
        /// Oracle resolves a dispute.
        ResolveDispute = "resolve_dispute" { task_id: u64, upheld: bool },
        /// Admin adds an oracle.
        AddOracle = "add_oracle" { oracle: AccountAddress },
        /// Admin removes an oracle.
        RemoveOracle = "remove_oracle" { oracle: AccountAddress },
        /// Admin sets the dispute window.
        SetDisputeWindow = "set_dispute_window" { secs: u64 },
        /// Admin sets the slash in basis points.
        SetSlashBps = "set_slash_bps" { bps: u64 },
        /// Admin sets where slashed stake goes.
        SetTreasury = "set_treasury" { treasury: AccountAddress },
        /// Admin hands the admin role to another address.
        SetAdmin = "set_admin" { new_admin: AccountAddress },
    }
}

move_functions! {
    /// View functions of `validation_oracle`.
    pub enum View (module = "validation_oracle", view = true) {
        /// Stake of an agent (zeros when never staked).
        GetStake = "get_stake" { agent_id: u64 } -> ["StakeInfo"],
        /// A task result.
        GetTask = "get_task" { task_id: u64 } -> ["TaskInfo"],
        /// The dispute of a task.
        GetDispute = "get_dispute" { task_id: u64 } -> ["DisputeInfo"],
        /// Counters of an agent (zeros when none).
        AgentStats = "agent_stats" { agent_id: u64 } -> ["AgentStats"],
        /// Reputation score 0..=1000.
        Reputation = "reputation" { agent_id: u64 } -> ["u64"],
        /// How many tasks were ever submitted.
        TaskCount = "task_count" {} -> ["u64"],
        /// Whether an address is an oracle.
        IsOracle = "is_oracle" { addr: AccountAddress } -> ["bool"],
        /// Module configuration.
        GetConfig = "get_config" {} -> ["OracleConfig"],
        /// The resource account holding staked APT.
        StakeVaultAddress = "stake_vault_address" {} -> ["address"],
    }
}

abort_codes! {
    /// Abort codes of `validation_oracle`.
    pub enum Abort (module = "validation_oracle") {
        NotAdmin = ("ENOT_ADMIN", 1, PermissionDenied, "The signer is not the module admin."),
        NotOracle = ("ENOT_ORACLE", 2, PermissionDenied, "The signer is not an oracle."),
        NotAgentOwner = ("ENOT_AGENT_OWNER", 3, PermissionDenied, "The signer does not own the agent."),
        AgentNotFound = ("EAGENT_NOT_FOUND", 4, NotFound, "No agent with that id."),
        ZeroAmount = ("EZERO_AMOUNT", 5, InvalidArgument, "The stake or unstake amount is 0."),
        LockTooLong = ("ELOCK_TOO_LONG", 6, InvalidArgument, "`lock_secs` is above `MAX_LOCK_SECS`."),
        NoStake = ("ENO_STAKE", 7, NotFound, "The agent has no stake."),
        StakeLocked = ("ESTAKE_LOCKED", 8, InvalidState, "The stake is locked (`now < locked_until`)."),
        InsufficientStake = ("EINSUFFICIENT_STAKE", 9, InvalidArgument, "The unstake amount is above the stake."),
        DisputePending = ("EDISPUTE_PENDING", 10, InvalidState, "A dispute against the agent is pending."),
        InvalidResultHash = ("EINVALID_RESULT_HASH", 11, InvalidArgument, "The result hash is not `HASH_LENGTH` bytes."),
        InvalidTaskType = ("EINVALID_TASK_TYPE", 12, InvalidArgument, "The task type is empty or longer than `MAX_TASK_TYPE_LENGTH`."),
        TaskNotFound = ("ETASK_NOT_FOUND", 13, NotFound, "No task with that id."),
        PaymentNotFound = ("EPAYMENT_NOT_FOUND", 14, NotFound, "The referenced session payment does not exist."),
        PaymentNotToAgent = ("EPAYMENT_NOT_TO_AGENT", 15, InvalidArgument, "The payment's payee is not the agent's owner."),
        SelfPaid = ("ESELF_PAID", 16, InvalidArgument, "The paying session's principal is the agent's owner."),
        PaymentAlreadyUsed = ("EPAYMENT_ALREADY_USED", 17, AlreadyExists, "Another result already references that payment."),
        NotDisputable = ("ENOT_DISPUTABLE", 18, InvalidState, "The task is unpaid and cannot be disputed."),
        DisputeWindowClosed = ("EDISPUTE_WINDOW_CLOSED", 19, InvalidState, "The dispute window of the task has closed."),
        DisputeExists = ("EDISPUTE_EXISTS", 20, AlreadyExists, "The task already has a dispute."),
        NotPayer = ("ENOT_PAYER", 21, PermissionDenied, "The disputer is neither the paying principal nor the client agent's owner."),
        InvalidReason = ("EINVALID_REASON", 22, InvalidArgument, "The reason is empty or longer than `MAX_REASON_LENGTH`."),
        InvalidEvidenceHash = ("EINVALID_EVIDENCE_HASH", 23, InvalidArgument, "The evidence hash is not `HASH_LENGTH` bytes."),
        DisputeNotFound = ("EDISPUTE_NOT_FOUND", 24, NotFound, "The task has no dispute."),
        DisputeResolved = ("EDISPUTE_RESOLVED", 25, InvalidState, "The dispute was already resolved."),
        OracleExists = ("EORACLE_EXISTS", 26, AlreadyExists, "`add_oracle` for an address that already is an oracle."),
        OracleNotFound = ("EORACLE_NOT_FOUND", 27, NotFound, "`remove_oracle` for an address that is not an oracle."),
        InvalidSlashBps = ("EINVALID_SLASH_BPS", 28, InvalidArgument, "`bps` is above `BPS_DENOMINATOR`."),
        InvalidWindow = ("EINVALID_WINDOW", 29, InvalidArgument, "The window is 0 or above `MAX_DISPUTE_WINDOW_SECS`."),
    }
}

/// `validation_oracle::StakeInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakeInfo {
    /// Staked octas.
    #[serde(with = "u64_str")]
    pub amount: u64,
    /// Unstaking allowed once `now >= locked_until`.
    #[serde(with = "u64_str")]
    pub locked_until: u64,
}

/// `validation_oracle::TaskInfo`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInfo {
    /// Task id.
    #[serde(with = "u64_str")]
    pub id: u64,
    /// Agent that produced the result.
    #[serde(with = "u64_str")]
    pub agent_id: u64,
    /// Task type tag.
    pub task_type: String,
    /// Hash of the result (32 bytes).
    #[serde(with = "hex_bytes")]
    pub result_hash: Vec<u8>,
    /// Submission time (seconds).
    #[serde(with = "u64_str")]
    pub submitted_at: u64,
    /// Whether a session payment backs the result.
    pub paid: bool,
    /// Paying session (0 when unpaid).
    #[serde(with = "u64_str")]
    pub session_id: u64,
    /// Paying nonce (0 when unpaid).
    #[serde(with = "u64_str")]
    pub nonce: u64,
    /// Paying principal (`0x0` when unpaid).
    pub payer: AccountAddress,
    /// [`task_status`] value.
    pub status: u8,
}

/// `validation_oracle::DisputeInfo`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeInfo {
    /// Disputed task.
    #[serde(with = "u64_str")]
    pub task_id: u64,
    /// Agent of the task.
    #[serde(with = "u64_str")]
    pub agent_id: u64,
    /// Who disputed.
    pub disputer: AccountAddress,
    /// Why.
    pub reason: String,
    /// Hash of the evidence (32 bytes).
    #[serde(with = "hex_bytes")]
    pub evidence_hash: Vec<u8>,
    /// Creation time (seconds).
    #[serde(with = "u64_str")]
    pub created_at: u64,
    /// [`dispute_status`] value.
    pub status: u8,
    /// Resolving oracle (`0x0` while pending).
    pub resolver: AccountAddress,
    /// Resolution time (0 while pending).
    #[serde(with = "u64_str")]
    pub resolved_at: u64,
    /// Octas slashed (0 unless upheld).
    #[serde(with = "u64_str")]
    pub slashed: u64,
}

/// `validation_oracle::AgentStats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentStats {
    /// Every submitted result.
    #[serde(with = "u64_str")]
    pub total_tasks: u64,
    /// Results backed by a qualifying payment.
    #[serde(with = "u64_str")]
    pub paid_tasks: u64,
    /// Paid results not lost in a dispute.
    #[serde(with = "u64_str")]
    pub successful_tasks: u64,
    /// Disputes ever opened.
    #[serde(with = "u64_str")]
    pub disputes: u64,
    /// Disputes upheld.
    #[serde(with = "u64_str")]
    pub upheld_disputes: u64,
    /// Disputes waiting for an oracle.
    #[serde(with = "u64_str")]
    pub pending_disputes: u64,
}

/// `validation_oracle::OracleConfig`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OracleConfig {
    /// Module admin.
    pub admin: AccountAddress,
    /// Dispute window in seconds.
    #[serde(with = "u64_str")]
    pub dispute_window_secs: u64,
    /// Slash in basis points.
    #[serde(with = "u64_str")]
    pub slash_bps: u64,
    /// Receiver of slashed stake.
    pub treasury: AccountAddress,
}

/// Emitted when an owner stakes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staked {
    /// Agent id.
    #[serde(with = "u64_str")]
    pub agent_id: u64,
    /// Owner who staked.
    pub owner: AccountAddress,
    /// Octas added.
    #[serde(with = "u64_str")]
    pub amount: u64,
    /// Stake after.
    #[serde(with = "u64_str")]
    pub total: u64,
    /// Lock end after.
    #[serde(with = "u64_str")]
    pub locked_until: u64,
    /// Block time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

/// Emitted when an owner unstakes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unstaked {
    /// Agent id.
    #[serde(with = "u64_str")]
    pub agent_id: u64,
    /// Owner who received the APT.
    pub owner: AccountAddress,
    /// Octas withdrawn.
    #[serde(with = "u64_str")]
    pub amount: u64,
    /// Stake left.
    #[serde(with = "u64_str")]
    pub remaining: u64,
    /// Block time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

/// Emitted when a result is submitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskResultSubmitted {
    /// Task id.
    #[serde(with = "u64_str")]
    pub task_id: u64,
    /// Agent id.
    #[serde(with = "u64_str")]
    pub agent_id: u64,
    /// Task type.
    pub task_type: String,
    /// Result hash.
    #[serde(with = "hex_bytes")]
    pub result_hash: Vec<u8>,
    /// Whether a payment backs it.
    pub paid: bool,
    /// Paying session (0 when unpaid).
    #[serde(with = "u64_str")]
    pub session_id: u64,
    /// Paying nonce (0 when unpaid).
    #[serde(with = "u64_str")]
    pub nonce: u64,
    /// Paying principal (`0x0` when unpaid).
    pub payer: AccountAddress,
    /// Block time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

/// Emitted when a dispute is opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeCreated {
    /// Disputed task.
    #[serde(with = "u64_str")]
    pub task_id: u64,
    /// Agent id.
    #[serde(with = "u64_str")]
    pub agent_id: u64,
    /// Who disputed.
    pub disputer: AccountAddress,
    /// Why.
    pub reason: String,
    /// Evidence hash.
    #[serde(with = "hex_bytes")]
    pub evidence_hash: Vec<u8>,
    /// Block time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

/// Emitted when an oracle resolves a dispute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeResolved {
    /// Disputed task.
    #[serde(with = "u64_str")]
    pub task_id: u64,
    /// Agent id.
    #[serde(with = "u64_str")]
    pub agent_id: u64,
    /// Resolving oracle.
    pub oracle: AccountAddress,
    /// Whether the dispute was upheld.
    pub upheld: bool,
    /// Octas slashed to the treasury.
    #[serde(with = "u64_str")]
    pub slashed: u64,
    /// Block time (seconds).
    #[serde(with = "u64_str")]
    pub timestamp: u64,
}

/// Emitted when the admin adds an oracle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OracleAdded {
    /// The oracle.
    pub oracle: AccountAddress,
}

/// Emitted when the admin removes an oracle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OracleRemoved {
    /// The oracle.
    pub oracle: AccountAddress,
}

/// Emitted when the admin changes the configuration (window, slash, treasury or admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigUpdated {
    /// Admin after the change.
    pub admin: AccountAddress,
    /// Window after the change.
    #[serde(with = "u64_str")]
    pub dispute_window_secs: u64,
    /// Slash after the change.
    #[serde(with = "u64_str")]
    pub slash_bps: u64,
    /// Treasury after the change.
    pub treasury: AccountAddress,
}

super::module_events!(
    Staked,
    Unstaked,
    TaskResultSubmitted,
    DisputeCreated,
    DisputeResolved,
    OracleAdded,
    OracleRemoved,
    ConfigUpdated,
);
