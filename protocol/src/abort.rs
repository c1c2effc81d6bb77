//! Abort codes of the Aether modules and the node's `vm_status` strings.
//!
//! A failed transaction's `vm_status` reads
//! `Move abort in 0x…::module: ENAME(0x50002): meaning` (or `Move abort in 0x…::module: 0x50002`
//! when the node has no error map). [`VmAbort::parse`] reads both; [`AbortCode::vm_status`]
//! writes the first, as the localnet must.

use std::fmt;

use aptos_sdk::types::AccountAddress;

use crate::abi::{agent_card, delegated_sessions, validation_oracle};

/// `std::error` categories: the high bits (`code >> 16`) of an abort code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum ErrorCategory {
    /// Caller specified an invalid argument (HTTP 400).
    InvalidArgument = 0x1,
    /// An input or result of a computation is out of range (HTTP 400).
    OutOfRange = 0x2,
    /// The system is not in a state where the operation can be performed (HTTP 400).
    InvalidState = 0x3,
    /// Request not authenticated due to missing, invalid, or expired auth token (HTTP 401).
    Unauthenticated = 0x4,
    /// Client does not have sufficient permission (HTTP 403).
    PermissionDenied = 0x5,
    /// A specified resource is not found (HTTP 404).
    NotFound = 0x6,
    /// Concurrency conflict (HTTP 409).
    Aborted = 0x7,
    /// The resource that a client tried to create already exists (HTTP 409).
    AlreadyExists = 0x8,
    /// Out of gas or other forms of quota (HTTP 429).
    ResourceExhausted = 0x9,
    /// Request cancelled by the client (HTTP 499).
    Cancelled = 0xA,
    /// Internal error (HTTP 500).
    Internal = 0xB,
    /// Feature not implemented (HTTP 501).
    NotImplemented = 0xC,
    /// The service is currently unavailable (HTTP 503).
    Unavailable = 0xD,
}

impl ErrorCategory {
    /// The `std::error` function name, e.g. `permission_denied`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCategory::InvalidArgument => "invalid_argument",
            ErrorCategory::OutOfRange => "out_of_range",
            ErrorCategory::InvalidState => "invalid_state",
            ErrorCategory::Unauthenticated => "unauthenticated",
            ErrorCategory::PermissionDenied => "permission_denied",
            ErrorCategory::NotFound => "not_found",
            ErrorCategory::Aborted => "aborted",
            ErrorCategory::AlreadyExists => "already_exists",
            ErrorCategory::ResourceExhausted => "resource_exhausted",
            ErrorCategory::Cancelled => "cancelled",
            ErrorCategory::Internal => "internal",
            ErrorCategory::NotImplemented => "not_implemented",
            ErrorCategory::Unavailable => "unavailable",
        }
    }
}

/// An abort code of one of the three Aether modules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AbortCode {
    /// Raised by `agent_card`.
    AgentCard(agent_card::Abort),
    /// Raised by `delegated_sessions`.
    DelegatedSessions(delegated_sessions::Abort),
    /// Raised by `validation_oracle`.
    ValidationOracle(validation_oracle::Abort),
}

impl AbortCode {
    /// Every abort code of every module.
    pub fn all() -> impl Iterator<Item = AbortCode> {
        let a = agent_card::Abort::ALL
            .iter()
            .copied()
            .map(AbortCode::AgentCard);
        let d = delegated_sessions::Abort::ALL
            .iter()
            .copied()
            .map(AbortCode::DelegatedSessions);
        let v = validation_oracle::Abort::ALL
            .iter()
            .copied()
            .map(AbortCode::ValidationOracle);
        a.chain(d).chain(v)
    }

    /// The code raised by `module` with value `code`, if it is one of ours.
    pub fn from_module_code(module: &str, code: u64) -> Option<AbortCode> {
        match module {
            agent_card::MODULE => agent_card::Abort::from_code(code).map(AbortCode::AgentCard),
            delegated_sessions::MODULE => {
                delegated_sessions::Abort::from_code(code).map(AbortCode::DelegatedSessions)
            }
            validation_oracle::MODULE => {
                validation_oracle::Abort::from_code(code).map(AbortCode::ValidationOracle)
            }
            _ => None,
        }
    }

    /// The raising module's name.
    pub fn module(self) -> &'static str {
        match self {
            AbortCode::AgentCard(_) => agent_card::MODULE,
            AbortCode::DelegatedSessions(_) => delegated_sessions::MODULE,
            AbortCode::ValidationOracle(_) => validation_oracle::MODULE,
        }
    }

    /// The Move constant name, e.g. `ENONCE_USED`.
    pub fn name(self) -> &'static str {
        match self {
            AbortCode::AgentCard(c) => c.name(),
            AbortCode::DelegatedSessions(c) => c.name(),
            AbortCode::ValidationOracle(c) => c.name(),
        }
    }

    /// The full abort code, `(category << 16) + reason`.
    pub fn code(self) -> u64 {
        match self {
            AbortCode::AgentCard(c) => c.code(),
            AbortCode::DelegatedSessions(c) => c.code(),
            AbortCode::ValidationOracle(c) => c.code(),
        }
    }

    /// The category it is raised with.
    pub fn category(self) -> ErrorCategory {
        match self {
            AbortCode::AgentCard(c) => c.category(),
            AbortCode::DelegatedSessions(c) => c.category(),
            AbortCode::ValidationOracle(c) => c.category(),
        }
    }

    /// One-line meaning.
    pub fn meaning(self) -> &'static str {
        match self {
            AbortCode::AgentCard(c) => c.meaning(),
            AbortCode::DelegatedSessions(c) => c.meaning(),
            AbortCode::ValidationOracle(c) => c.meaning(),
        }
    }

    /// The `vm_status` a node reports for this abort at deployment address `aether`.
    pub fn vm_status(self, aether: AccountAddress) -> String {
        format!(
            "Move abort in {}::{}: {}({:#x}): {}",
            aether.to_short_string(),
            self.module(),
            self.name(),
            self.code(),
            self.meaning()
        )
    }
}

impl fmt::Display for AbortCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}::{} ({:#x}): {}",
            self.module(),
            self.name(),
            self.code(),
            self.meaning()
        )
    }
}

/// A Move abort read from a `vm_status` string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmAbort {
    /// Address of the aborting module.
    pub address: AccountAddress,
    /// Name of the aborting module.
    pub module: String,
    /// Constant name, when the node knew it.
    pub name: Option<String>,
    /// Full abort code.
    pub code: u64,
    /// Description, when the node knew it.
    pub description: Option<String>,
}

impl VmAbort {
    /// Parses `Move abort in 0xADDR::module: NAME(0xCODE): description` or
    /// `Move abort in 0xADDR::module: 0xCODE`. Returns `None` for any other status.
    pub fn parse(vm_status: &str) -> Option<VmAbort> {
        let rest = vm_status.trim().strip_prefix("Move abort in ")?;
        let (location, detail) = rest.split_once(": ")?;
        let (addr, module) = location.split_once("::")?;
        let address = AccountAddress::from_hex(addr).ok()?;
        let parse_code = |s: &str| {
            let s = s.trim();
            match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => s.parse().ok(),
            }
        };
        let (name, code, description) = match detail.split_once('(') {
            Some((name, after)) => {
                let (code, desc) = after.split_once(')')?;
                let desc = desc
                    .strip_prefix(':')
                    .map(str::trim)
                    .filter(|d| !d.is_empty());
                (
                    Some(name.trim().to_string()),
                    parse_code(code)?,
                    desc.map(str::to_string),
                )
            }
            None => (None, parse_code(detail)?, None),
        };
        Some(VmAbort {
            address,
            module: module.to_string(),
            name,
            code,
            description,
        })
    }

    /// The Aether abort code, if the abort came from an Aether module at `aether`.
    pub fn aether_code(&self, aether: AccountAddress) -> Option<AbortCode> {
        (self.address == aether)
            .then(|| AbortCode::from_module_code(&self.module, self.code))
            .flatten()
    }
}

/// Decodes a transaction's `vm_status` into an Aether abort code (module, name, meaning),
/// or `None` when the status is not an abort of an Aether module at `aether`.
pub fn decode_vm_status(vm_status: &str, aether: AccountAddress) -> Option<AbortCode> {
    VmAbort::parse(vm_status)?.aether_code(aether)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn aether() -> AccountAddress {
        AccountAddress::from_hex("0xcafe").unwrap()
    }

    #[test]
    fn codes_are_unique_per_module_and_match_the_readme() {
        let mut seen = HashSet::new();
        for c in AbortCode::all() {
            assert!(seen.insert((c.module(), c.code())), "duplicate {c}");
            assert!(
                seen.insert((c.module(), c.reason_key())),
                "duplicate reason {c}"
            );
        }
        // Spot checks against contracts/README.md.
        let readme = include_str!("../../contracts/README.md");
        for c in AbortCode::all() {
            let row = format!(
                "| `{}` | {} | {} | `{:#x}` |",
                c.name(),
                c.code() & 0xffff,
                c.category().name(),
                c.code()
            );
            assert!(readme.contains(&row), "README has no row {row}");
        }
        assert_eq!(
            AbortCode::DelegatedSessions(delegated_sessions::Abort::NonceUsed).code(),
            0x80006
        );
    }

    /// A node's `vm_status` carries the Move constant's doc comment as the description, so the
    /// meanings here must be those doc comments, word for word.
    #[test]
    fn meanings_are_the_move_doc_comments() {
        let sources = [
            (
                "agent_card",
                include_str!("../../contracts/sources/agent_card.move"),
            ),
            (
                "delegated_sessions",
                include_str!("../../contracts/sources/delegated_sessions.move"),
            ),
            (
                "validation_oracle",
                include_str!("../../contracts/sources/validation_oracle.move"),
            ),
        ];
        for c in AbortCode::all() {
            let (_, src) = sources.iter().find(|(m, _)| *m == c.module()).unwrap();
            let decl = format!("const {}: u64 = {};", c.name(), c.code() & 0xffff);
            let at = src
                .find(&decl)
                .unwrap_or_else(|| panic!("no `{decl}` in {}", c.module()));
            let doc: Vec<&str> = src[..at]
                .lines()
                .rev()
                .skip(1) // the partial line holding the declaration's indentation
                .map(str::trim)
                .take_while(|l| l.starts_with("///"))
                .map(|l| l.trim_start_matches('/').trim())
                .collect();
            let doc = doc.into_iter().rev().collect::<Vec<_>>().join(" ");
            assert_eq!(c.meaning(), doc, "{}::{}", c.module(), c.name());
        }
    }

    #[test]
    fn vm_status_roundtrip() {
        for c in AbortCode::all() {
            let s = c.vm_status(aether());
            assert_eq!(decode_vm_status(&s, aether()), Some(c), "{s}");
            assert_eq!(decode_vm_status(&s, AccountAddress::ONE), None);
        }
        assert_eq!(
            AbortCode::AgentCard(agent_card::Abort::NotOwner).vm_status(aether()),
            "Move abort in 0xcafe::agent_card: ENOT_OWNER(0x50002): The signer does not own the agent."
        );
    }

    #[test]
    fn parses_real_node_statuses() {
        let a = VmAbort::parse(
            "Move abort in 0x1::coin: EINSUFFICIENT_BALANCE(0x10006): Not enough coins to complete transaction",
        )
        .unwrap();
        assert_eq!(a.address, AccountAddress::ONE);
        assert_eq!(a.module, "coin");
        assert_eq!(a.name.as_deref(), Some("EINSUFFICIENT_BALANCE"));
        assert_eq!(a.code, 0x10006);
        let full = format!(
            "Move abort in {}::validation_oracle: 0x30013",
            aether().to_hex()
        );
        assert_eq!(
            decode_vm_status(&full, aether()),
            Some(AbortCode::ValidationOracle(
                validation_oracle::Abort::DisputeWindowClosed
            ))
        );
        for other in [
            "Executed successfully",
            "OUT_OF_GAS",
            "Move abort in nowhere",
            "",
        ] {
            assert!(VmAbort::parse(other).is_none(), "{other}");
        }
    }

    impl AbortCode {
        fn reason_key(self) -> u64 {
            (1 << 32) | (self.code() & 0xffff)
        }
    }
}
