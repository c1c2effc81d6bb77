//! The ledger as a pure state machine: decode, admit and execute signed transactions, answer
//! views. No IO and no clock: callers pass the wall-clock time (for expiry) and the block
//! timestamp (for execution), so replaying the same transactions with the same timestamps
//! rebuilds the same state.
//!
//! ```text
//! bytes ──decode──► Decoded ──admit (signature, gas, expiry, chain id, sequence)──► Admission
//!                                                        │ Ready
//!                                                        ▼
//!                       execute(timestamp) ──► Committed { version, hash, success, JSON }
//! ```
//!
//! - [`framework`]: the `0x1` functions the localnet implements natively (APT transfers, views).
//! - [`agent_card`], [`sessions`], [`oracle`]: the three Aether modules.
//! - [`gas`]: the fixed gas schedule.
//! - [`render`]: the node's JSON for transactions, accounts and resources.
//! - [`abi`]: module ABIs served at `/v1/accounts/{addr}/module/{name}`.
//! - [`json_txn`]: JSON transaction submission turned into the BCS transaction.

pub mod abi;
mod agent_card;
mod framework;
pub mod gas;
pub mod json_txn;
mod oracle;
pub mod render;
mod sessions;

use std::collections::{BTreeMap, HashMap};

use aether_protocol::abi::{agent_card as ac, delegated_sessions as ds, validation_oracle as vo};
use aether_protocol::{AbortCode, AetherEvent};
use aptos_sdk::aptos_bcs;
use aptos_sdk::transaction::{
    AccountAuthenticator, EntryFunction, FeePayerRawTransaction, SignedTransaction,
    TransactionAuthenticator, TransactionPayload,
};
use aptos_sdk::types::{AccountAddress, HashValue, TypeTag};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha3::{Digest, Sha3_256};

/// Largest signed transaction accepted, in bytes (Aptos' limit for regular transactions).
pub const MAX_TRANSACTION_SIZE: usize = 64 * 1024;
/// Octas in one APT.
pub const OCTAS_PER_APT: u64 = 100_000_000;

/// What genesis creates. Stored as the first record of the ledger log, so a restart rebuilds the
/// same chain even if the configuration changed meanwhile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Genesis {
    /// Chain id (4 for a local network, as `AptosConfig::local()` expects).
    pub chain_id: u8,
    /// Where the Aether modules are published; also their admin and the slashing treasury.
    pub aether: AccountAddress,
    /// The faucet's account.
    pub faucet: AccountAddress,
    /// Octas the faucet account starts with.
    pub faucet_balance: u64,
    /// Octas the Aether deployer (admin) account starts with.
    pub aether_balance: u64,
    /// Genesis time, microseconds since the Unix epoch.
    pub timestamp_us: u64,
}

/// An account: sequence number and APT balance (the localnet keeps APT as one balance per
/// account, served both as a coin store and through the fungible-asset views).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccountState {
    /// Next sequence number.
    pub sequence_number: u64,
    /// APT balance in octas.
    pub balance: u64,
}

/// All on-chain state.
#[derive(Clone, Debug, Default)]
pub(crate) struct State {
    pub(crate) accounts: BTreeMap<AccountAddress, AccountState>,
    pub(crate) cards: agent_card::Registry,
    pub(crate) sessions: sessions::SessionStore,
    pub(crate) oracle: oracle::OracleState,
}

/// An event in the node's JSON shape (module events: dummy guid, sequence number 0).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Struct tag, e.g. `0x…::agent_card::AgentRegistered`.
    pub type_tag: String,
    /// Fields in the node's JSON form.
    pub data: Value,
}

/// A committed transaction.
#[derive(Clone, Debug)]
pub struct Committed {
    /// Ledger version.
    pub version: u64,
    /// Transaction hash.
    pub hash: HashValue,
    /// Sender of a user transaction.
    pub sender: Option<AccountAddress>,
    /// Whether it executed successfully.
    pub success: bool,
    /// The node's `vm_status`.
    pub vm_status: String,
    /// Block timestamp in microseconds.
    pub timestamp_us: u64,
    /// The transaction in the node's JSON shape.
    pub json: Value,
}

/// Why a transaction is rejected before it reaches the ledger (HTTP 400 at submission; nothing
/// is committed and no gas is charged). Each maps to the status code a real node reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    /// The body is larger than [`MAX_TRANSACTION_SIZE`].
    #[error("transaction is {size} bytes, above the {max}-byte limit")]
    TooLarge {
        /// Body size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The body is not a BCS `SignedTransaction` (or has trailing bytes).
    #[error("failed to deserialize the BCS signed transaction: {reason}")]
    Malformed {
        /// The decoder's complaint.
        reason: String,
    },
    /// A transaction kind the localnet does not execute (scripts, multisig, orderless payloads).
    #[error("unsupported transaction: {what}")]
    Unsupported {
        /// What was sent.
        what: String,
    },
    /// A signature does not verify, or an authenticator is malformed.
    #[error("signature does not verify: {reason}")]
    InvalidSignature {
        /// Which signer and why.
        reason: String,
    },
    /// The public key does not belong to the account that claims to sign.
    #[error("public key of {signer} derives address {derived}, not the account's")]
    InvalidAuthKey {
        /// The account that should have signed.
        signer: AccountAddress,
        /// The address the key derives.
        derived: AccountAddress,
    },
    /// The sequence number was already used.
    #[error("sequence number {got} is below the account's next sequence number {expected}")]
    SequenceNumberTooOld {
        /// The account's next sequence number.
        expected: u64,
        /// The transaction's.
        got: u64,
    },
    /// The sequence number is at or above 2^63.
    #[error("sequence number {got} is too big")]
    SequenceNumberTooBig {
        /// The transaction's.
        got: u64,
    },
    /// The fee payer cannot cover `max_gas_amount * gas_unit_price`.
    #[error("{payer} has {balance} octas, below the maximum fee {needed}")]
    InsufficientBalanceForFee {
        /// Who pays gas.
        payer: AccountAddress,
        /// Its balance.
        balance: u64,
        /// `max_gas_amount * gas_unit_price`.
        needed: u64,
    },
    /// `expiration_timestamp_secs` is not after the current time.
    #[error("transaction expired at {expiration} s, now is {now} s")]
    Expired {
        /// The transaction's expiration.
        expiration: u64,
        /// Current wall-clock seconds.
        now: u64,
    },
    /// The sender has no account and no fee payer creates it.
    #[error("sending account {0} does not exist")]
    AccountDoesNotExist(AccountAddress),
    /// `max_gas_amount` above [`gas::MAX_GAS_AMOUNT`].
    #[error("max_gas_amount {got} is above the bound {max}")]
    MaxGasAboveBound {
        /// The transaction's.
        got: u64,
        /// The bound.
        max: u64,
    },
    /// `max_gas_amount` below the transaction's intrinsic units.
    #[error(
        "max_gas_amount {got} is below the {min} units this transaction needs before execution"
    )]
    MaxGasBelowMin {
        /// The transaction's.
        got: u64,
        /// The intrinsic units.
        min: u64,
    },
    /// `gas_unit_price` below [`gas::MIN_GAS_UNIT_PRICE`].
    #[error("gas_unit_price {got} is below the minimum {min}")]
    GasPriceBelowMin {
        /// The transaction's.
        got: u64,
        /// The minimum.
        min: u64,
    },
    /// `gas_unit_price` above [`gas::MAX_GAS_UNIT_PRICE`].
    #[error("gas_unit_price {got} is above the maximum {max}")]
    GasPriceAboveMax {
        /// The transaction's.
        got: u64,
        /// The maximum.
        max: u64,
    },
    /// The transaction was signed for another chain.
    #[error("transaction is for chain id {got}, this chain is {expected}")]
    BadChainId {
        /// This chain's id.
        expected: u8,
        /// The transaction's.
        got: u8,
    },
}

impl SubmitError {
    /// The `StatusCode` name a real node reports, or `None` for errors that are not VM
    /// validation errors (malformed or unsupported input).
    pub fn vm_status(&self) -> Option<(&'static str, u64)> {
        Some(match self {
            SubmitError::Malformed { .. } | SubmitError::Unsupported { .. } => return None,
            SubmitError::InvalidSignature { .. } => ("INVALID_SIGNATURE", 1),
            SubmitError::InvalidAuthKey { .. } => ("INVALID_AUTH_KEY", 2),
            SubmitError::SequenceNumberTooOld { .. } => ("SEQUENCE_NUMBER_TOO_OLD", 3),
            SubmitError::InsufficientBalanceForFee { .. } => {
                ("INSUFFICIENT_BALANCE_FOR_TRANSACTION_FEE", 5)
            }
            SubmitError::Expired { .. } => ("TRANSACTION_EXPIRED", 6),
            SubmitError::AccountDoesNotExist(_) => ("SENDING_ACCOUNT_DOES_NOT_EXIST", 7),
            SubmitError::TooLarge { .. } => ("EXCEEDED_MAX_TRANSACTION_SIZE", 10),
            SubmitError::MaxGasAboveBound { .. } => {
                ("MAX_GAS_UNITS_EXCEEDS_MAX_GAS_UNITS_BOUND", 13)
            }
            SubmitError::MaxGasBelowMin { .. } => {
                ("MAX_GAS_UNITS_BELOW_MIN_TRANSACTION_GAS_UNITS", 14)
            }
            SubmitError::GasPriceBelowMin { .. } => ("GAS_UNIT_PRICE_BELOW_MIN_BOUND", 15),
            SubmitError::GasPriceAboveMax { .. } => ("GAS_UNIT_PRICE_ABOVE_MAX_BOUND", 16),
            SubmitError::BadChainId { .. } => ("BAD_CHAIN_ID", 23),
            SubmitError::SequenceNumberTooBig { .. } => ("SEQUENCE_NUMBER_TOO_BIG", 24),
        })
    }
}

/// Why a view call fails (HTTP 400 from `POST /v1/view`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// The function id is not `address::module::name`.
    #[error("invalid function id {0:?}")]
    BadFunctionId(String),
    /// No such view function.
    #[error("function {0} is not a view function this node knows")]
    UnknownFunction(String),
    /// The arguments do not match the function.
    #[error("invalid arguments for {function}: {reason}")]
    BadArguments {
        /// The function.
        function: String,
        /// What was wrong.
        reason: String,
    },
    /// The view aborted (`Move abort in …`).
    #[error("{vm_status}")]
    Aborted {
        /// The abort in `vm_status` form.
        vm_status: String,
    },
}

/// How execution of an entry function ends when it does not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExecError {
    /// A Move abort, already formatted as the node's `vm_status`.
    Abort {
        /// `Move abort in 0x…::module: NAME(0x…): meaning`.
        vm_status: String,
    },
    /// Any other VM status (`LINKER_ERROR`, `NUMBER_OF_ARGUMENTS_MISMATCH`, …).
    Status(&'static str),
    /// Out of gas.
    OutOfGas,
}

impl ExecError {
    pub(crate) fn vm_status(&self) -> String {
        match self {
            ExecError::Abort { vm_status } => vm_status.clone(),
            ExecError::Status(code) => {
                format!("Transaction Executed and Committed with Error {code}")
            }
            ExecError::OutOfGas => "Out of gas".to_string(),
        }
    }

    /// A framework abort, e.g. `0x1::fungible_asset`, `EINSUFFICIENT_BALANCE`, `0x10004`.
    pub(crate) fn framework(module: &str, name: &str, code: u64, meaning: &str) -> ExecError {
        ExecError::Abort {
            vm_status: format!("Move abort in 0x1::{module}: {name}({code:#x}): {meaning}"),
        }
    }
}

/// Execution context of one transaction.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub(crate) sender: AccountAddress,
    /// Who pays gas; its `reserved` octas cannot be spent by the transaction itself.
    pub(crate) payer: AccountAddress,
    pub(crate) reserved: u64,
    pub(crate) now_secs: u64,
    pub(crate) chain_id: u8,
    pub(crate) aether: AccountAddress,
    pub(crate) events: Vec<Event>,
}

impl Ctx {
    pub(crate) fn emit(&mut self, event: AetherEvent) {
        self.events.push(Event {
            type_tag: event.type_tag(self.aether),
            data: event.data_json(),
        });
    }

    pub(crate) fn abort(&self, code: AbortCode) -> ExecError {
        ExecError::Abort {
            vm_status: code.vm_status(self.aether),
        }
    }
}

impl State {
    fn balance(&self, addr: AccountAddress) -> u64 {
        self.accounts.get(&addr).map_or(0, |a| a.balance)
    }

    /// Checks that `from` can send `amount` (the fee payer's reserved fee excluded), aborting
    /// as the fungible-asset framework does.
    pub(crate) fn check_withdraw(
        &self,
        ctx: &Ctx,
        from: AccountAddress,
        amount: u64,
    ) -> Result<(), ExecError> {
        let reserved = if from == ctx.payer { ctx.reserved } else { 0 };
        let available = self.balance(from).saturating_sub(reserved);
        if available < amount {
            return Err(ExecError::framework(
                "fungible_asset",
                "EINSUFFICIENT_BALANCE",
                0x10004,
                "Insufficient balance in the fungible asset store.",
            ));
        }
        Ok(())
    }

    /// Moves APT; call [`State::check_withdraw`] first. Creates the recipient's account and
    /// emits the framework's `Withdraw`/`Deposit` events.
    pub(crate) fn transfer(
        &mut self,
        ctx: &mut Ctx,
        from: AccountAddress,
        to: AccountAddress,
        amount: u64,
    ) {
        if let Some(a) = self.accounts.get_mut(&from) {
            a.balance = a.balance.saturating_sub(amount);
        }
        let to_acc = self.accounts.entry(to).or_default();
        to_acc.balance = to_acc.balance.saturating_add(amount);
        ctx.events.push(Event {
            type_tag: "0x1::fungible_asset::Withdraw".to_string(),
            data: serde_json::json!({
                "store": primary_store_address(from).to_string(),
                "amount": amount.to_string(),
            }),
        });
        ctx.events.push(Event {
            type_tag: "0x1::fungible_asset::Deposit".to_string(),
            data: serde_json::json!({
                "store": primary_store_address(to).to_string(),
                "amount": amount.to_string(),
            }),
        });
    }
}

/// The APT metadata object (`0xa`).
pub fn apt_metadata() -> AccountAddress {
    let mut b = [0u8; 32];
    b[31] = 0xa;
    AccountAddress::new(b)
}

/// Address of `owner`'s primary APT store: `sha3_256(owner ‖ 0xa ‖ 0xFC)`.
pub fn primary_store_address(owner: AccountAddress) -> AccountAddress {
    aether_protocol::address::derive(
        owner,
        apt_metadata().as_bytes(),
        aether_protocol::address::OBJECT_FROM_USER_SCHEME,
    )
}

/// A signed transaction decoded from its BCS bytes.
#[derive(Clone, Debug)]
pub struct Decoded {
    /// The transaction.
    pub txn: SignedTransaction,
    /// Its BCS bytes, as submitted (what the ledger log stores).
    pub bytes: Vec<u8>,
    /// Its hash.
    pub hash: HashValue,
}

impl Decoded {
    /// Decodes a BCS `SignedTransaction`, rejecting oversized input and trailing bytes.
    pub fn from_bcs(bytes: &[u8]) -> Result<Decoded, SubmitError> {
        if bytes.len() > MAX_TRANSACTION_SIZE {
            return Err(SubmitError::TooLarge {
                size: bytes.len(),
                max: MAX_TRANSACTION_SIZE,
            });
        }
        let txn: SignedTransaction =
            aptos_bcs::from_bytes(bytes).map_err(|e| SubmitError::Malformed {
                reason: e.to_string(),
            })?;
        let hash = txn.hash().map_err(|e| SubmitError::Malformed {
            reason: e.to_string(),
        })?;
        Ok(Decoded {
            txn,
            bytes: bytes.to_vec(),
            hash,
        })
    }

    /// The account that pays gas: the fee payer of a sponsored transaction, else the sender.
    pub fn gas_payer(&self) -> AccountAddress {
        match &self.txn.authenticator {
            TransactionAuthenticator::FeePayer {
                fee_payer_address, ..
            } => *fee_payer_address,
            _ => self.txn.raw_txn.sender,
        }
    }

    /// The entry function, for payloads the localnet executes.
    pub fn entry_function(&self) -> Result<&EntryFunction, SubmitError> {
        match &self.txn.raw_txn.payload {
            TransactionPayload::EntryFunction(ef) => Ok(ef),
            TransactionPayload::Script(_) => Err(SubmitError::Unsupported {
                what: "script payloads (the localnet executes entry functions only)".into(),
            }),
            TransactionPayload::ModuleBundle(_) => Err(SubmitError::Unsupported {
                what: "module bundle payloads".into(),
            }),
            TransactionPayload::Multisig(_) => Err(SubmitError::Unsupported {
                what: "multisig payloads".into(),
            }),
            TransactionPayload::Payload(_) => Err(SubmitError::Unsupported {
                what: "orderless (nonce) payloads".into(),
            }),
        }
    }
}

/// Outcome of admission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Its sequence number is the sender's next one: execute it now.
    Ready,
    /// Its sequence number is ahead of the sender's: hold it until the gap fills.
    Future {
        /// The sender's next sequence number.
        expected: u64,
    },
}

/// The chain: state plus committed history.
#[derive(Debug)]
pub struct Chain {
    genesis: Genesis,
    state: State,
    txns: Vec<Committed>,
    by_hash: HashMap<HashValue, u64>,
    by_sender: HashMap<AccountAddress, Vec<u64>>,
    last_timestamp_us: u64,
    accumulator: [u8; 32],
}

impl Chain {
    /// Creates the chain at genesis (version 0): funds the faucet and the Aether deployer and
    /// initializes the three modules as their `init_module` does.
    pub fn new(genesis: Genesis) -> Chain {
        let mut state = State::default();
        state.accounts.insert(
            genesis.faucet,
            AccountState {
                sequence_number: 0,
                balance: genesis.faucet_balance,
            },
        );
        let aether_acc = state.accounts.entry(genesis.aether).or_default();
        aether_acc.balance = aether_acc.balance.saturating_add(genesis.aether_balance);
        state.cards = agent_card::Registry::new(genesis.aether);
        state.oracle = oracle::OracleState::new(genesis.aether);
        // `account::create_resource_account` creates the escrow and the stake vault.
        state
            .accounts
            .entry(aether_protocol::address::escrow_address(genesis.aether))
            .or_default();
        state
            .accounts
            .entry(aether_protocol::address::stake_vault_address(
                genesis.aether,
            ))
            .or_default();
        let hash = HashValue::new(
            Sha3_256::digest(serde_json::to_vec(&genesis).unwrap_or_default()).into(),
        );
        let json = render::genesis_json(&genesis, hash);
        let committed = Committed {
            version: 0,
            hash,
            sender: None,
            success: true,
            vm_status: "Executed successfully".into(),
            timestamp_us: genesis.timestamp_us,
            json,
        };
        let mut by_hash = HashMap::new();
        by_hash.insert(hash, 0);
        Chain {
            last_timestamp_us: genesis.timestamp_us,
            accumulator: hash.to_bytes(),
            genesis,
            state,
            txns: vec![committed],
            by_hash,
            by_sender: HashMap::new(),
        }
    }

    /// The genesis this chain started from.
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// Chain id.
    pub fn chain_id(&self) -> u8 {
        self.genesis.chain_id
    }

    /// Where the Aether modules live.
    pub fn aether(&self) -> AccountAddress {
        self.genesis.aether
    }

    /// Latest committed version.
    pub fn version(&self) -> u64 {
        (self.txns.len() as u64).saturating_sub(1)
    }

    /// Timestamp of the latest committed transaction, in microseconds.
    pub fn last_timestamp_us(&self) -> u64 {
        self.last_timestamp_us
    }

    /// An account, if it exists.
    pub fn account(&self, addr: AccountAddress) -> Option<AccountState> {
        self.state.accounts.get(&addr).copied()
    }

    /// APT balance (0 for an address without an account).
    pub fn balance(&self, addr: AccountAddress) -> u64 {
        self.state.balance(addr)
    }

    /// A committed transaction by version.
    pub fn by_version(&self, version: u64) -> Option<&Committed> {
        usize::try_from(version).ok().and_then(|v| self.txns.get(v))
    }

    /// A committed transaction by hash.
    pub fn by_hash(&self, hash: &HashValue) -> Option<&Committed> {
        self.by_hash.get(hash).and_then(|v| self.by_version(*v))
    }

    /// Committed transactions `start..start+limit`.
    pub fn range(&self, start: u64, limit: usize) -> &[Committed] {
        let len = self.txns.len();
        let start = usize::try_from(start).unwrap_or(len).min(len);
        let end = start.saturating_add(limit).min(len);
        &self.txns[start..end]
    }

    /// Versions of the user transactions an account sent, in sequence-number order.
    pub fn sent_by(&self, addr: AccountAddress) -> &[u64] {
        self.by_sender.get(&addr).map_or(&[], Vec::as_slice)
    }

    /// Verifies every signature of a transaction and that each key belongs to its account.
    pub fn check_signatures(&self, d: &Decoded) -> Result<(), SubmitError> {
        let raw = &d.txn.raw_txn;
        match &d.txn.authenticator {
            TransactionAuthenticator::Ed25519 {
                public_key,
                signature,
            } => {
                let auth = AccountAuthenticator::Ed25519 {
                    public_key: public_key.clone(),
                    signature: signature.clone(),
                };
                let msg = raw.signing_message().map_err(|e| SubmitError::Malformed {
                    reason: e.to_string(),
                })?;
                verify_account(&auth, &msg, raw.sender, "sender")
            }
            TransactionAuthenticator::MultiEd25519 { .. } => {
                d.txn
                    .verify_signature()
                    .map_err(|e| SubmitError::InvalidSignature {
                        reason: e.to_string(),
                    })
            }
            TransactionAuthenticator::SingleSender { sender } => {
                let msg = raw.signing_message().map_err(|e| SubmitError::Malformed {
                    reason: e.to_string(),
                })?;
                verify_account(sender, &msg, raw.sender, "sender")
            }
            TransactionAuthenticator::MultiAgent { .. } => Err(SubmitError::Unsupported {
                what: "multi-agent transactions".into(),
            }),
            TransactionAuthenticator::FeePayer {
                sender,
                secondary_signer_addresses,
                secondary_signers,
                fee_payer_address,
                fee_payer_signer,
            } => {
                if !secondary_signer_addresses.is_empty() || !secondary_signers.is_empty() {
                    return Err(SubmitError::Unsupported {
                        what: "fee-payer transactions with secondary signers".into(),
                    });
                }
                let message = |payer: AccountAddress| {
                    FeePayerRawTransaction::new(raw.clone(), vec![], payer)
                        .signing_message()
                        .map_err(|e| SubmitError::Malformed {
                            reason: e.to_string(),
                        })
                };
                let msg = message(*fee_payer_address)?;
                verify_account(fee_payer_signer, &msg, *fee_payer_address, "fee payer")?;
                // The sender may sign before knowing its sponsor, with fee payer 0x0 (AIP-53).
                match verify_account(sender, &msg, raw.sender, "sender") {
                    Ok(()) => Ok(()),
                    Err(first) => {
                        let zero = message(AccountAddress::ZERO)?;
                        verify_account(sender, &zero, raw.sender, "sender").map_err(|_| first)
                    }
                }
            }
        }
    }

    /// Prologue checks in the order a node runs them (gas bounds, expiry against the wall clock,
    /// chain id, account, sequence number, fee balance). `wall_now_secs = None` skips the expiry
    /// check (replay of transactions that were admitted before).
    pub fn admit(&self, d: &Decoded, wall_now_secs: Option<u64>) -> Result<Admission, SubmitError> {
        let raw = &d.txn.raw_txn;
        d.entry_function()?;
        if raw.max_gas_amount > gas::MAX_GAS_AMOUNT {
            return Err(SubmitError::MaxGasAboveBound {
                got: raw.max_gas_amount,
                max: gas::MAX_GAS_AMOUNT,
            });
        }
        let min = gas::intrinsic_units(d.bytes.len());
        if raw.max_gas_amount < min {
            return Err(SubmitError::MaxGasBelowMin {
                got: raw.max_gas_amount,
                min,
            });
        }
        if raw.gas_unit_price < gas::MIN_GAS_UNIT_PRICE {
            return Err(SubmitError::GasPriceBelowMin {
                got: raw.gas_unit_price,
                min: gas::MIN_GAS_UNIT_PRICE,
            });
        }
        if raw.gas_unit_price > gas::MAX_GAS_UNIT_PRICE {
            return Err(SubmitError::GasPriceAboveMax {
                got: raw.gas_unit_price,
                max: gas::MAX_GAS_UNIT_PRICE,
            });
        }
        if let Some(now) = wall_now_secs
            && raw.expiration_timestamp_secs <= now
        {
            return Err(SubmitError::Expired {
                expiration: raw.expiration_timestamp_secs,
                now,
            });
        }
        if raw.chain_id.id() != self.genesis.chain_id {
            return Err(SubmitError::BadChainId {
                expected: self.genesis.chain_id,
                got: raw.chain_id.id(),
            });
        }
        if raw.sequence_number >= 1 << 63 {
            return Err(SubmitError::SequenceNumberTooBig {
                got: raw.sequence_number,
            });
        }
        let sponsored = matches!(
            d.txn.authenticator,
            TransactionAuthenticator::FeePayer { .. }
        );
        let expected = match self.state.accounts.get(&raw.sender) {
            Some(a) => a.sequence_number,
            // A sponsored transaction may create its sender (sequence number 0).
            None if sponsored => 0,
            None => return Err(SubmitError::AccountDoesNotExist(raw.sender)),
        };
        if raw.sequence_number < expected {
            return Err(SubmitError::SequenceNumberTooOld {
                expected,
                got: raw.sequence_number,
            });
        }
        let payer = d.gas_payer();
        let needed = raw.max_gas_amount.saturating_mul(raw.gas_unit_price);
        let balance = self.state.balance(payer);
        if balance < needed {
            return Err(SubmitError::InsufficientBalanceForFee {
                payer,
                balance,
                needed,
            });
        }
        if raw.sequence_number > expected {
            return Ok(Admission::Future { expected });
        }
        Ok(Admission::Ready)
    }

    /// Executes an admitted transaction (whose [`Chain::admit`] answered `Ready`) at block time
    /// `timestamp_us` and commits it, successful or failed.
    pub fn execute(&mut self, d: &Decoded, timestamp_us: u64) -> &Committed {
        let timestamp_us = timestamp_us.max(self.last_timestamp_us);
        let out = run(&mut self.state, &self.genesis, d, timestamp_us);
        let version = self.txns.len() as u64;
        self.accumulator = next_accumulator(&self.accumulator, &d.hash, out.success);
        let json = render::user_txn_json(&render::UserTxnInfo {
            decoded: d,
            version,
            success: out.success,
            vm_status: &out.vm_status,
            gas_used: out.gas_used,
            events: &out.events,
            timestamp_us,
            accumulator: self.accumulator,
            aether: self.genesis.aether,
        });
        let sender = d.txn.raw_txn.sender;
        self.last_timestamp_us = timestamp_us;
        self.by_hash.insert(d.hash, version);
        self.by_sender.entry(sender).or_default().push(version);
        self.txns.push(Committed {
            version,
            hash: d.hash,
            sender: Some(sender),
            success: out.success,
            vm_status: out.vm_status,
            timestamp_us,
            json,
        });
        // `self.txns` is non-empty: it was just pushed to.
        &self.txns[self.txns.len() - 1]
    }

    /// Executes a transaction against a copy of the state and returns the JSON a commit would
    /// produce (`POST /v1/transactions/simulate`). Nothing changes.
    pub fn simulate(&self, d: &Decoded, timestamp_us: u64) -> Value {
        let timestamp_us = timestamp_us.max(self.last_timestamp_us);
        let mut state = self.state.clone();
        let out = run(&mut state, &self.genesis, d, timestamp_us);
        render::user_txn_json(&render::UserTxnInfo {
            decoded: d,
            version: self.txns.len() as u64,
            success: out.success,
            vm_status: &out.vm_status,
            gas_used: out.gas_used,
            events: &out.events,
            timestamp_us,
            accumulator: self.accumulator,
            aether: self.genesis.aether,
        })
    }
}

struct Outcome {
    success: bool,
    vm_status: String,
    gas_used: u64,
    events: Vec<Event>,
}

/// Runs a transaction on `state`: executes its entry function (all or nothing), charges gas
/// and bumps the sender's sequence number.
fn run(state: &mut State, genesis: &Genesis, d: &Decoded, timestamp_us: u64) -> Outcome {
    let raw = &d.txn.raw_txn;
    let sender = raw.sender;
    let payer = d.gas_payer();
    let price = raw.gas_unit_price;
    let intrinsic = gas::intrinsic_units(d.bytes.len());
    let entry = d.entry_function().ok();
    let (module, function) = entry
        .map(|ef| (ef.module.name.as_str().to_string(), ef.function.clone()))
        .unwrap_or_default();
    let units = intrinsic + gas::function_units(&module, &function);
    state.accounts.entry(sender).or_default();
    let mut ctx = Ctx {
        sender,
        payer,
        // The fee is known before execution, so the transaction may spend all but it.
        reserved: units.saturating_mul(price),
        now_secs: timestamp_us / 1_000_000,
        chain_id: genesis.chain_id,
        aether: genesis.aether,
        events: Vec::new(),
    };
    let (outcome, gas_used) = if units > raw.max_gas_amount {
        (Err(ExecError::OutOfGas), raw.max_gas_amount)
    } else {
        let outcome = match entry {
            Some(ef) => dispatch(state, &mut ctx, ef),
            None => Err(ExecError::Status("FEATURE_UNDER_GATING")),
        };
        (outcome, units)
    };
    if outcome.is_err() {
        ctx.events.clear();
    }
    let fee = gas_used.saturating_mul(price);
    if let Some(p) = state.accounts.get_mut(&payer) {
        p.balance = p.balance.saturating_sub(fee);
    }
    if let Some(s) = state.accounts.get_mut(&sender) {
        s.sequence_number = s.sequence_number.saturating_add(1);
    }
    ctx.events.push(Event {
        type_tag: "0x1::transaction_fee::FeeStatement".into(),
        data: serde_json::json!({
            "total_charge_gas_units": gas_used.to_string(),
            "execution_gas_units": gas_used.saturating_sub(intrinsic).to_string(),
            "io_gas_units": intrinsic.min(gas_used).to_string(),
            "storage_fee_octas": "0",
            "storage_fee_refund_octas": "0",
        }),
    });
    let (success, vm_status) = match &outcome {
        Ok(()) => (true, "Executed successfully".to_string()),
        Err(e) => (false, e.vm_status()),
    };
    Outcome {
        success,
        vm_status,
        gas_used,
        events: ctx.events,
    }
}

fn dispatch(state: &mut State, ctx: &mut Ctx, ef: &EntryFunction) -> Result<(), ExecError> {
    let module = ef.module.name.as_str();
    let function = ef.function.as_str();
    if ef.module.address == AccountAddress::ONE {
        return framework::execute(state, ctx, module, function, &ef.type_args, &ef.args);
    }
    if ef.module.address != ctx.aether {
        return Err(ExecError::Status("LINKER_ERROR"));
    }
    if !ef.type_args.is_empty() {
        return Err(ExecError::Status("NUMBER_OF_TYPE_ARGUMENTS_MISMATCH"));
    }
    match module {
        ac::MODULE => {
            let call = ac::Call::decode_bcs(function, &ef.args).map_err(decode_status)?;
            agent_card::execute(state, ctx, call)
        }
        ds::MODULE => {
            let call = ds::Call::decode_bcs(function, &ef.args).map_err(decode_status)?;
            sessions::execute(state, ctx, call)
        }
        vo::MODULE => {
            let call = vo::Call::decode_bcs(function, &ef.args).map_err(decode_status)?;
            oracle::execute(state, ctx, call)
        }
        _ => Err(ExecError::Status("LINKER_ERROR")),
    }
}

impl Chain {
    /// Calls a view function with JSON arguments (`POST /v1/view`).
    pub fn view_json(
        &self,
        function: &str,
        type_args: &[String],
        args: &[Value],
        now_secs: u64,
    ) -> Result<Vec<Value>, ViewError> {
        let (addr, module, name) = split_function_id(function)?;
        if addr == AccountAddress::ONE {
            return framework::view_json(
                &self.state,
                self,
                module,
                name,
                type_args,
                args,
                now_secs,
            )
            .map_err(|e| e.with_function(function));
        }
        self.aether_view(addr, module, name, function, Payload::Json(args))
    }

    /// Calls a view function given as a BCS view request (same layout as an entry function).
    pub fn view_bcs(&self, ef: &EntryFunction, now_secs: u64) -> Result<Vec<Value>, ViewError> {
        let function = format!(
            "{}::{}::{}",
            ef.module.address.to_short_string(),
            ef.module.name,
            ef.function
        );
        if ef.module.address == AccountAddress::ONE {
            let type_args: Vec<String> = ef.type_args.iter().map(TypeTag::to_string).collect();
            let mut args = Vec::new();
            for a in &ef.args {
                args.push(framework::bcs_view_arg(a).map_err(|e| e.with_function(&function))?);
            }
            return framework::view_json(
                &self.state,
                self,
                ef.module.name.as_str(),
                &ef.function,
                &type_args,
                &args,
                now_secs,
            )
            .map_err(|e| e.with_function(&function));
        }
        self.aether_view(
            ef.module.address,
            ef.module.name.as_str(),
            &ef.function,
            &function,
            Payload::Bcs(&ef.args),
        )
    }

    fn aether_view(
        &self,
        addr: AccountAddress,
        module: &str,
        name: &str,
        function: &str,
        args: Payload<'_>,
    ) -> Result<Vec<Value>, ViewError> {
        if addr != self.genesis.aether {
            return Err(ViewError::UnknownFunction(function.to_string()));
        }
        let bad = |e: aether_protocol::ProtocolError| match e {
            aether_protocol::ProtocolError::UnknownFunction { .. } => {
                ViewError::UnknownFunction(function.to_string())
            }
            other => ViewError::BadArguments {
                function: function.to_string(),
                reason: other.to_string(),
            },
        };
        let ctx = ViewCtx {
            aether: self.genesis.aether,
        };
        let result = match module {
            ac::MODULE => {
                let v = match args {
                    Payload::Json(a) => ac::View::decode_json(name, a),
                    Payload::Bcs(a) => ac::View::decode_bcs(name, a),
                }
                .map_err(bad)?;
                agent_card::view(&self.state, &ctx, v)
            }
            ds::MODULE => {
                let v = match args {
                    Payload::Json(a) => ds::View::decode_json(name, a),
                    Payload::Bcs(a) => ds::View::decode_bcs(name, a),
                }
                .map_err(bad)?;
                sessions::view(&self.state, &ctx, v)
            }
            vo::MODULE => {
                let v = match args {
                    Payload::Json(a) => vo::View::decode_json(name, a),
                    Payload::Bcs(a) => vo::View::decode_bcs(name, a),
                }
                .map_err(bad)?;
                oracle::view(&self.state, &ctx, v)
            }
            _ => return Err(ViewError::UnknownFunction(function.to_string())),
        };
        result.map_err(|e| ViewError::Aborted {
            vm_status: e.vm_status(),
        })
    }
}

enum Payload<'a> {
    Json(&'a [Value]),
    Bcs(&'a [Vec<u8>]),
}

/// What a view needs besides the state.
pub(crate) struct ViewCtx {
    pub(crate) aether: AccountAddress,
}

impl ViewCtx {
    pub(crate) fn abort(&self, code: AbortCode) -> ExecError {
        ExecError::Abort {
            vm_status: code.vm_status(self.aether),
        }
    }
}

impl ViewError {
    fn with_function(self, function: &str) -> ViewError {
        match self {
            ViewError::UnknownFunction(_) => ViewError::UnknownFunction(function.to_string()),
            ViewError::BadArguments { reason, .. } => ViewError::BadArguments {
                function: function.to_string(),
                reason,
            },
            other => other,
        }
    }
}

fn decode_status(e: aether_protocol::ProtocolError) -> ExecError {
    match e {
        aether_protocol::ProtocolError::UnknownFunction { .. } => {
            ExecError::Status("FUNCTION_RESOLUTION_FAILURE")
        }
        aether_protocol::ProtocolError::WrongArity { .. } => {
            ExecError::Status("NUMBER_OF_ARGUMENTS_MISMATCH")
        }
        _ => ExecError::Status("FAILED_TO_DESERIALIZE_ARGUMENT"),
    }
}

fn split_function_id(function: &str) -> Result<(AccountAddress, &str, &str), ViewError> {
    let mut parts = function.splitn(3, "::");
    let (Some(a), Some(m), Some(n)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ViewError::BadFunctionId(function.to_string()));
    };
    let addr =
        AccountAddress::from_hex(a).map_err(|_| ViewError::BadFunctionId(function.to_string()))?;
    if m.is_empty() || n.is_empty() || n.contains("::") {
        return Err(ViewError::BadFunctionId(function.to_string()));
    }
    Ok((addr, m, n))
}

fn verify_account(
    auth: &AccountAuthenticator,
    message: &[u8],
    signer: AccountAddress,
    role: &str,
) -> Result<(), SubmitError> {
    match auth {
        AccountAuthenticator::Ed25519 {
            public_key,
            signature,
        } => {
            let pk = ed25519_dalek::VerifyingKey::from_bytes(&public_key.0).map_err(|_| {
                SubmitError::InvalidSignature {
                    reason: format!("{role} public key is not a valid ed25519 point"),
                }
            })?;
            let sig = ed25519_dalek::Signature::from_bytes(&signature.0);
            pk.verify_strict(message, &sig)
                .map_err(|_| SubmitError::InvalidSignature {
                    reason: format!("{role} ({signer}) signature does not verify"),
                })?;
        }
        AccountAuthenticator::NoAccountAuthenticator => {
            return Err(SubmitError::InvalidSignature {
                reason: format!("{role} has no authenticator"),
            });
        }
        other => {
            other
                .verify(message)
                .map_err(|e| SubmitError::InvalidSignature {
                    reason: format!("{role} ({signer}): {e}"),
                })?;
        }
    }
    let derived = auth
        .derived_address()
        .map_err(|e| SubmitError::InvalidSignature {
            reason: format!("{role}: {e}"),
        })?;
    if derived != signer {
        return Err(SubmitError::InvalidAuthKey { signer, derived });
    }
    Ok(())
}

fn next_accumulator(prev: &[u8; 32], hash: &HashValue, success: bool) -> [u8; 32] {
    let mut h = Sha3_256::new();
    h.update(prev);
    h.update(hash.as_bytes());
    h.update([u8::from(success)]);
    h.finalize().into()
}

#[cfg(test)]
mod boundary_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use aptos_sdk::account::Ed25519Account;
    use aptos_sdk::transaction::{RawTransaction, sign_transaction};
    use aptos_sdk::types::ChainId;

    const NOW: u64 = 1_700_000_000;

    fn genesis(faucet: &Ed25519Account) -> Genesis {
        Genesis {
            chain_id: 4,
            aether: AccountAddress::from_hex("0xcafe").unwrap(),
            faucet: faucet.address(),
            faucet_balance: 1_000 * OCTAS_PER_APT,
            aether_balance: 0,
            timestamp_us: NOW * 1_000_000,
        }
    }

    fn txn(from: &Ed25519Account, seq: u64, payload: TransactionPayload) -> Decoded {
        let raw = RawTransaction::new(
            from.address(),
            seq,
            payload,
            1_000,
            100,
            NOW + 60,
            ChainId::new(4),
        );
        let bytes = sign_transaction(&raw, from).unwrap().to_bcs().unwrap();
        Decoded::from_bcs(&bytes).unwrap()
    }

    fn transfer(to: AccountAddress, amount: u64) -> TransactionPayload {
        EntryFunction::apt_transfer(to, amount).unwrap().into()
    }

    #[test]
    fn a_transfer_moves_funds_and_charges_the_schedule() {
        let faucet = Ed25519Account::generate();
        let bob = Ed25519Account::generate().address();
        let mut chain = Chain::new(genesis(&faucet));
        let d = txn(&faucet, 0, transfer(bob, 500));
        chain.check_signatures(&d).unwrap();
        assert_eq!(chain.admit(&d, Some(NOW)).unwrap(), Admission::Ready);
        let c = chain.execute(&d, (NOW + 1) * 1_000_000).clone();
        assert!(c.success, "{}", c.vm_status);
        let units =
            gas::intrinsic_units(d.bytes.len()) + gas::function_units("aptos_account", "transfer");
        assert_eq!(c.json["gas_used"], units.to_string());
        assert_eq!(chain.balance(bob), 500);
        assert_eq!(
            chain.balance(faucet.address()),
            1_000 * OCTAS_PER_APT - 500 - units * 100
        );
        assert_eq!(chain.account(faucet.address()).unwrap().sequence_number, 1);
        // Replaying the same transaction is stale now.
        assert!(matches!(
            chain.admit(&d, Some(NOW)),
            Err(SubmitError::SequenceNumberTooOld {
                expected: 1,
                got: 0
            })
        ));
    }

    #[test]
    fn an_abort_changes_nothing_but_gas_and_sequence_number() {
        let faucet = Ed25519Account::generate();
        let bob = Ed25519Account::generate().address();
        let mut chain = Chain::new(genesis(&faucet));
        let before = chain.balance(faucet.address());
        let d = txn(&faucet, 0, transfer(bob, 10_000 * OCTAS_PER_APT));
        let c = chain.execute(&d, NOW * 1_000_000).clone();
        assert!(!c.success);
        assert!(
            c.vm_status.contains("EINSUFFICIENT_BALANCE"),
            "{}",
            c.vm_status
        );
        let gas: u64 = c.json["gas_used"].as_str().unwrap().parse().unwrap();
        assert_eq!(chain.balance(faucet.address()), before - gas * 100);
        assert_eq!(chain.balance(bob), 0);
        assert!(chain.account(bob).is_none());
        // Only the fee statement remains among the events.
        assert_eq!(c.json["events"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn replay_rebuilds_identical_history() {
        let faucet = Ed25519Account::generate();
        let bob = Ed25519Account::generate().address();
        let txns: Vec<Decoded> = (0..5)
            .map(|i| txn(&faucet, i, transfer(bob, 10 + i)))
            .collect();
        let run = || {
            let mut chain = Chain::new(genesis(&faucet));
            for (i, d) in txns.iter().enumerate() {
                chain.execute(d, (NOW + i as u64) * 1_000_000);
            }
            chain
                .range(0, 100)
                .iter()
                .map(|c| c.json.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn future_sequence_numbers_are_held_not_rejected() {
        let faucet = Ed25519Account::generate();
        let chain = Chain::new(genesis(&faucet));
        let d = txn(&faucet, 3, transfer(AccountAddress::ONE, 1));
        assert_eq!(
            chain.admit(&d, Some(NOW)).unwrap(),
            Admission::Future { expected: 0 }
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_are_rejected_without_panicking(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096)
        ) {
            let faucet = Ed25519Account::generate();
            let chain = Chain::new(genesis(&faucet));
            if let Ok(d) = Decoded::from_bcs(&bytes) {
                // Random bytes never carry a valid signature of an existing account.
                proptest::prop_assert!(
                    chain.check_signatures(&d).and_then(|()| chain.admit(&d, Some(NOW))).is_err()
                );
            }
        }
    }

    #[test]
    fn truncated_or_flipped_transactions_never_panic() {
        let faucet = Ed25519Account::generate();
        let chain = Chain::new(genesis(&faucet));
        let d = txn(&faucet, 0, transfer(AccountAddress::ONE, 1));
        for n in 0..d.bytes.len() {
            assert!(Decoded::from_bcs(&d.bytes[..n]).is_err());
        }
        for i in 0..d.bytes.len() {
            let mut b = d.bytes.clone();
            b[i] ^= 0x5a;
            if let Ok(x) = Decoded::from_bcs(&b) {
                // Whatever decodes must fail signature or admission checks, not panic.
                let _ = chain
                    .check_signatures(&x)
                    .and_then(|()| chain.admit(&x, Some(NOW)));
            }
        }
    }
}
