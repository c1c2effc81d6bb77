//! The on-chain ABI of the three Aether modules, mirrored from `contracts/README.md`.
//!
//! Per module (`agent_card`, `delegated_sessions`, `validation_oracle`):
//! - `Call`: every entry function with typed arguments; builds `aptos-sdk` payloads
//!   ([`agent_card::Call::payload`]) and decodes them back from BCS (what a node executes).
//! - `View`: every `#[view]` function; builds and decodes `POST /v1/view` requests.
//! - view return structs (`CardInfo`, `SessionInfo`, ...) and event structs, which (de)serialize
//!   in the node's JSON form.
//! - `Abort`: every abort code with its Move name, category and meaning.
//! - `limits`: the named input limits.
//!
//! [`AetherEvent`] parses any Aether event from a transaction's event list.

#[macro_use]
mod macros;

pub mod agent_card;
pub mod delegated_sessions;
pub mod validation_oracle;

use aptos_sdk::types::{AccountAddress, Identifier, MoveModuleId};
use serde_json::{Value, json};

use crate::ProtocolError;

/// The three Aether module names.
pub const MODULES: [&str; 3] = [
    agent_card::MODULE,
    delegated_sessions::MODULE,
    validation_oracle::MODULE,
];

/// ABI metadata of one function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FunctionAbi {
    /// Function name.
    pub name: &'static str,
    /// `true` for `#[view]` functions, `false` for entry functions.
    pub is_view: bool,
    /// Parameters after the `&signer` (entry) as (name, Move type).
    pub params: &'static [(&'static str, &'static str)],
    /// Return types (views); names without `::` are structs of the module itself.
    pub returns: &'static [&'static str],
}

impl FunctionAbi {
    /// The function in the node's module-ABI JSON shape (`exposed_functions` items).
    pub fn to_json(&self, aether: AccountAddress, module: &str) -> Value {
        let qualify = |t: &str| {
            if t.contains("::") || !t.starts_with(char::is_uppercase) {
                t.to_string()
            } else {
                format!("{}::{module}::{t}", aether.to_hex())
            }
        };
        let mut params: Vec<String> = Vec::new();
        if !self.is_view {
            params.push("&signer".to_string());
        }
        params.extend(self.params.iter().map(|(_, t)| t.to_string()));
        json!({
            "name": self.name,
            "visibility": "public",
            "is_entry": !self.is_view,
            "is_view": self.is_view,
            "generic_type_params": [],
            "params": params,
            "return": self.returns.iter().map(|t| qualify(t)).collect::<Vec<_>>(),
        })
    }
}

/// The module id `aether::module`.
pub fn module_id(aether: AccountAddress, module: &'static str) -> MoveModuleId {
    // Module names here are fixed valid identifiers; `Identifier::new` only rejects invalid ones.
    let name =
        Identifier::new(module).unwrap_or_else(|_| unreachable!("{module} is a valid identifier"));
    MoveModuleId::new(aether, name)
}

pub(crate) fn check_arity(
    module: &'static str,
    function: &'static str,
    got: usize,
    expected: usize,
) -> Result<(), ProtocolError> {
    if got == expected {
        Ok(())
    } else {
        Err(ProtocolError::WrongArity {
            module,
            function,
            expected,
            got,
        })
    }
}

pub(crate) fn arg_error(
    module: &'static str,
    function: &'static str,
    arg: &'static str,
    source: ProtocolError,
) -> ProtocolError {
    ProtocolError::InvalidArgument {
        module,
        function,
        arg,
        reason: source.to_string(),
    }
}

/// Any event an Aether module emits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AetherEvent {
    /// From `agent_card`.
    AgentCard(agent_card::Event),
    /// From `delegated_sessions`.
    DelegatedSessions(delegated_sessions::Event),
    /// From `validation_oracle`.
    ValidationOracle(validation_oracle::Event),
}

impl AetherEvent {
    /// Parses an event from a transaction's `events[i]` (`type` and `data`).
    ///
    /// Returns `Ok(None)` for events of other modules or addresses (framework events such as
    /// fungible-asset deposits), and an error when the type is ours but the data does not match.
    pub fn parse(
        aether: AccountAddress,
        type_tag: &str,
        data: &Value,
    ) -> Result<Option<AetherEvent>, ProtocolError> {
        let mut parts = type_tag.splitn(3, "::");
        let (Some(addr), Some(module), Some(name)) = (parts.next(), parts.next(), parts.next())
        else {
            return Ok(None);
        };
        match AccountAddress::from_hex(addr) {
            Ok(a) if a == aether => {}
            _ => return Ok(None),
        }
        Ok(match module {
            agent_card::MODULE => {
                agent_card::Event::from_json(name, data)?.map(AetherEvent::AgentCard)
            }
            delegated_sessions::MODULE => delegated_sessions::Event::from_json(name, data)?
                .map(AetherEvent::DelegatedSessions),
            validation_oracle::MODULE => {
                validation_oracle::Event::from_json(name, data)?.map(AetherEvent::ValidationOracle)
            }
            _ => None,
        })
    }

    /// The event's `type` string at this deployment, e.g. `0x…::agent_card::AgentRegistered`.
    pub fn type_tag(&self, aether: AccountAddress) -> String {
        let (module, name) = match self {
            AetherEvent::AgentCard(e) => (agent_card::MODULE, e.name()),
            AetherEvent::DelegatedSessions(e) => (delegated_sessions::MODULE, e.name()),
            AetherEvent::ValidationOracle(e) => (validation_oracle::MODULE, e.name()),
        };
        format!("{}::{module}::{name}", aether.to_hex())
    }

    /// The event data in the node's JSON form.
    pub fn data_json(&self) -> Value {
        match self {
            AetherEvent::AgentCard(e) => e.to_json(),
            AetherEvent::DelegatedSessions(e) => e.to_json(),
            AetherEvent::ValidationOracle(e) => e.to_json(),
        }
    }
}

/// Declares a module's `Event` enum over its event structs, with JSON (de)serialization by name.
macro_rules! module_events {
    ($( $Variant:ident ),* $(,)?) => {
        /// Every event this module emits.
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum Event {
            $(
                #[allow(missing_docs, reason = "each struct documents its event")]
                $Variant($Variant),
            )*
        }

        impl Event {
            /// Every event struct name of this module.
            pub const NAMES: &'static [&'static str] = &[ $( stringify!($Variant) ),* ];

            /// The Move struct name of the event.
            pub fn name(&self) -> &'static str {
                match self { $( Event::$Variant(_) => stringify!($Variant), )* }
            }

            /// Parses event data given the struct name; `Ok(None)` for an unknown name.
            pub fn from_json(name: &str, data: &serde_json::Value) -> Result<Option<Event>, $crate::ProtocolError> {
                match name {
                    $(
                        stringify!($Variant) => serde_json::from_value::<$Variant>(data.clone())
                            .map(|e| Some(Event::$Variant(e)))
                            .map_err(|e| $crate::ProtocolError::BadEvent { name: stringify!($Variant), reason: e.to_string() }),
                    )*
                    _ => Ok(None),
                }
            }

            /// The event data in the node's JSON form.
            pub fn to_json(&self) -> serde_json::Value {
                match self {
                    $( Event::$Variant(e) => serde_json::to_value(e).unwrap_or_default(), )*
                }
            }
        }
    };
}
pub(crate) use module_events;
