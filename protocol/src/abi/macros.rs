//! Declarative macros that turn one table per module into typed calls, ABI metadata and
//! abort-code enums, so the ABI is written once in Rust.

/// Declares an enum of Move functions (entry functions or views) with typed arguments.
///
/// Generates: the enum, `MODULE`, `FUNCTIONS` (ABI metadata), `function_name`, `bcs_args`,
/// `json_args`, `decode_bcs`, `decode_json`, and `entry_function`/`payload` builders.
macro_rules! move_functions {
    (
        $(#[$emeta:meta])*
        pub enum $Enum:ident (module = $module:literal, view = $is_view:literal) {
            $(
                $(#[$vmeta:meta])*
                $Variant:ident = $fname:literal { $( $field:ident : $ty:ty ),* $(,)? } $(-> [$($ret:literal),*])?
            ),* $(,)?
        }
    ) => {
        $(#[$emeta])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum $Enum {
            $(
                $(#[$vmeta])*
                #[allow(missing_docs, reason = "argument names are documented in contracts/README.md")]
                $Variant { $( $field: $ty ),* },
            )*
        }

        impl $Enum {
            /// The Move module these functions belong to.
            pub const MODULE: &'static str = $module;

            /// ABI metadata of every function, in declaration order.
            pub const FUNCTIONS: &'static [$crate::abi::FunctionAbi] = &[
                $(
                    $crate::abi::FunctionAbi {
                        name: $fname,
                        is_view: $is_view,
                        params: &[ $( (stringify!($field), <$ty as $crate::move_value::MoveArg>::MOVE_TYPE) ),* ],
                        returns: &[ $( $($ret),* )? ],
                    },
                )*
            ];

            /// The Move function name.
            pub fn function_name(&self) -> &'static str {
                match self {
                    $( Self::$Variant { .. } => $fname, )*
                }
            }

            /// The fully qualified function id, e.g. `0xcafe::agent_card::register`.
            pub fn function_id(&self, aether: aptos_sdk::types::AccountAddress) -> String {
                format!("{}::{}::{}", aether.to_hex(), $module, self.function_name())
            }

            /// Arguments as BCS bytes, as carried in an `EntryFunction` or a BCS view request.
            pub fn bcs_args(&self) -> Vec<Vec<u8>> {
                match self {
                    $( Self::$Variant { $( $field ),* } => vec![ $( $crate::move_value::MoveArg::to_bcs($field) ),* ], )*
                }
            }

            /// Arguments in the node's JSON form (transaction JSON `arguments`, `POST /v1/view`).
            pub fn json_args(&self) -> Vec<serde_json::Value> {
                match self {
                    $( Self::$Variant { $( $field ),* } => vec![ $( $crate::move_value::MoveArg::to_json($field) ),* ], )*
                }
            }

            /// Decodes a call from its function name and BCS arguments (what a node executes).
            pub fn decode_bcs(function: &str, args: &[Vec<u8>]) -> Result<Self, $crate::ProtocolError> {
                match function {
                    $(
                        $fname => {
                            const ARITY: usize = <[&str]>::len(&[ $( stringify!($field) ),* ]);
                            $crate::abi::check_arity($module, $fname, args.len(), ARITY)?;
                            #[allow(unused_mut, unused_variables, reason = "zero-argument functions")]
                            let mut it = args.iter();
                            Ok(Self::$Variant {
                                $( $field: {
                                    let raw = it.next().map(Vec::as_slice).unwrap_or_default();
                                    <$ty as $crate::move_value::MoveArg>::from_bcs(raw)
                                        .map_err(|e| $crate::abi::arg_error($module, $fname, stringify!($field), e))?
                                }, )*
                            })
                        }
                    )*
                    other => Err($crate::ProtocolError::UnknownFunction {
                        module: $module,
                        function: other.to_string(),
                    }),
                }
            }

            /// Decodes a call from its function name and JSON arguments (`POST /v1/view`).
            pub fn decode_json(function: &str, args: &[serde_json::Value]) -> Result<Self, $crate::ProtocolError> {
                match function {
                    $(
                        $fname => {
                            const ARITY: usize = <[&str]>::len(&[ $( stringify!($field) ),* ]);
                            $crate::abi::check_arity($module, $fname, args.len(), ARITY)?;
                            #[allow(unused_mut, unused_variables, reason = "zero-argument functions")]
                            let mut it = args.iter();
                            Ok(Self::$Variant {
                                $( $field: {
                                    let raw = it.next().unwrap_or(&serde_json::Value::Null);
                                    <$ty as $crate::move_value::MoveArg>::from_json(raw)
                                        .map_err(|e| $crate::abi::arg_error($module, $fname, stringify!($field), e))?
                                }, )*
                            })
                        }
                    )*
                    other => Err($crate::ProtocolError::UnknownFunction {
                        module: $module,
                        function: other.to_string(),
                    }),
                }
            }

            /// The call as an `aptos-sdk` entry function at the Aether deployment address.
            pub fn entry_function(&self, aether: aptos_sdk::types::AccountAddress) -> aptos_sdk::transaction::EntryFunction {
                aptos_sdk::transaction::EntryFunction::new(
                    $crate::abi::module_id(aether, $module),
                    self.function_name(),
                    vec![],
                    self.bcs_args(),
                )
            }

            /// The call as an `aptos-sdk` transaction payload (entry functions only make sense here).
            pub fn payload(&self, aether: aptos_sdk::types::AccountAddress) -> aptos_sdk::transaction::TransactionPayload {
                aptos_sdk::transaction::TransactionPayload::EntryFunction(self.entry_function(aether))
            }
        }
    };
}

/// Declares a module's abort codes: `Variant = (NAME, reason, Category, "meaning")`.
macro_rules! abort_codes {
    (
        $(#[$emeta:meta])*
        pub enum $Enum:ident (module = $module:literal) {
            $( $Variant:ident = ($name:literal, $reason:literal, $cat:ident, $meaning:literal) ),* $(,)?
        }
    ) => {
        $(#[$emeta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $Enum {
            $(
                #[doc = $meaning]
                $Variant,
            )*
        }

        impl $Enum {
            /// The Move module raising these codes.
            pub const MODULE: &'static str = $module;
            /// Every code, in reason order.
            pub const ALL: &'static [$Enum] = &[ $( $Enum::$Variant ),* ];

            /// The Move constant name, e.g. `ENOT_OWNER`.
            pub fn name(self) -> &'static str {
                match self { $( Self::$Variant => $name, )* }
            }
            /// The reason (the constant's value, low 16 bits of the abort code).
            pub fn reason(self) -> u64 {
                match self { $( Self::$Variant => $reason, )* }
            }
            /// The `std::error` category it is raised with.
            pub fn category(self) -> $crate::abort::ErrorCategory {
                match self { $( Self::$Variant => $crate::abort::ErrorCategory::$cat, )* }
            }
            /// The full abort code, `(category << 16) + reason`.
            pub fn code(self) -> u64 {
                (self.category() as u64) << 16 | self.reason()
            }
            /// One-line meaning, as in contracts/README.md.
            pub fn meaning(self) -> &'static str {
                match self { $( Self::$Variant => $meaning, )* }
            }
            /// The code with this full abort code value.
            pub fn from_code(code: u64) -> Option<Self> {
                Self::ALL.iter().copied().find(|c| c.code() == code)
            }
            /// The code with this Move constant name.
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|c| c.name() == name)
            }
        }
    };
}
