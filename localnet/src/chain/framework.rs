//! The `0x1` framework functions the localnet implements natively: APT transfers (coin and
//! fungible-asset entry points) and the views clients use for balances, time and chain id.

use aptos_sdk::aptos_bcs;
use aptos_sdk::types::{AccountAddress, TypeTag};
use serde_json::{Value, json};

use super::{Chain, Ctx, ExecError, State, ViewError, apt_metadata};

/// Entry functions under `0x1` that the localnet executes.
pub const ENTRY_FUNCTIONS: &[(&str, &str)] = &[
    ("aptos_account", "transfer"),
    ("aptos_account", "transfer_coins"),
    ("aptos_account", "create_account"),
    ("coin", "transfer"),
    ("primary_fungible_store", "transfer"),
];

fn is_apt(tag: &TypeTag) -> bool {
    *tag == TypeTag::aptos_coin()
}

fn arg<T: serde::de::DeserializeOwned>(args: &[Vec<u8>], i: usize) -> Result<T, ExecError> {
    let bytes = args
        .get(i)
        .ok_or(ExecError::Status("NUMBER_OF_ARGUMENTS_MISMATCH"))?;
    aptos_bcs::from_bytes(bytes).map_err(|_| ExecError::Status("FAILED_TO_DESERIALIZE_ARGUMENT"))
}

fn arity(args: &[Vec<u8>], n: usize, type_args: &[TypeTag], tn: usize) -> Result<(), ExecError> {
    if type_args.len() != tn {
        return Err(ExecError::Status("NUMBER_OF_TYPE_ARGUMENTS_MISMATCH"));
    }
    if args.len() != n {
        return Err(ExecError::Status("NUMBER_OF_ARGUMENTS_MISMATCH"));
    }
    Ok(())
}

fn coin_not_published() -> ExecError {
    ExecError::framework(
        "coin",
        "ECOIN_INFO_NOT_PUBLISHED",
        0x60002,
        "`CoinInfo` resource has not been published.",
    )
}

/// Executes a `0x1` entry function.
pub(crate) fn execute(
    state: &mut State,
    ctx: &mut Ctx,
    module: &str,
    function: &str,
    type_args: &[TypeTag],
    args: &[Vec<u8>],
) -> Result<(), ExecError> {
    match (module, function) {
        ("aptos_account", "transfer") => {
            arity(args, 2, type_args, 0)?;
            let to: AccountAddress = arg(args, 0)?;
            let amount: u64 = arg(args, 1)?;
            transfer(state, ctx, to, amount)
        }
        ("aptos_account", "transfer_coins") | ("coin", "transfer") => {
            arity(args, 2, type_args, 1)?;
            let to: AccountAddress = arg(args, 0)?;
            let amount: u64 = arg(args, 1)?;
            if !type_args.first().is_some_and(is_apt) {
                return Err(coin_not_published());
            }
            transfer(state, ctx, to, amount)
        }
        ("primary_fungible_store", "transfer") => {
            arity(args, 3, type_args, 1)?;
            let metadata: AccountAddress = arg(args, 0)?;
            let to: AccountAddress = arg(args, 1)?;
            let amount: u64 = arg(args, 2)?;
            if metadata != apt_metadata() {
                return Err(ExecError::framework(
                    "object",
                    "EOBJECT_DOES_NOT_EXIST",
                    0x60002,
                    "An object does not exist at this address",
                ));
            }
            transfer(state, ctx, to, amount)
        }
        ("aptos_account", "create_account") => {
            arity(args, 1, type_args, 0)?;
            let addr: AccountAddress = arg(args, 0)?;
            if state.accounts.contains_key(&addr) {
                return Err(ExecError::framework(
                    "account",
                    "EACCOUNT_ALREADY_EXISTS",
                    0x80001,
                    "Account already exists",
                ));
            }
            state.accounts.insert(addr, Default::default());
            Ok(())
        }
        _ if is_known_module(module) => Err(ExecError::Status("FUNCTION_RESOLUTION_FAILURE")),
        _ => Err(ExecError::Status("LINKER_ERROR")),
    }
}

fn is_known_module(module: &str) -> bool {
    ENTRY_FUNCTIONS.iter().any(|(m, _)| *m == module)
        || VIEW_FUNCTIONS.iter().any(|(m, _)| *m == module)
}

fn transfer(
    state: &mut State,
    ctx: &mut Ctx,
    to: AccountAddress,
    amount: u64,
) -> Result<(), ExecError> {
    let from = ctx.sender;
    state.check_withdraw(ctx, from, amount)?;
    state.transfer(ctx, from, to, amount);
    Ok(())
}

/// View functions under `0x1` that the localnet answers.
pub const VIEW_FUNCTIONS: &[(&str, &str)] = &[
    ("coin", "balance"),
    ("coin", "is_account_registered"),
    ("primary_fungible_store", "balance"),
    ("account", "exists_at"),
    ("account", "get_sequence_number"),
    ("timestamp", "now_seconds"),
    ("timestamp", "now_microseconds"),
    ("chain_id", "get"),
];

fn json_address(args: &[Value], i: usize) -> Result<AccountAddress, ViewError> {
    let bad = |reason: String| ViewError::BadArguments {
        function: String::new(),
        reason,
    };
    let v = args
        .get(i)
        .ok_or_else(|| bad(format!("missing argument {i}")))?;
    let s = v
        .as_str()
        .ok_or_else(|| bad(format!("argument {i}: expected an address string, got {v}")))?;
    AccountAddress::from_hex(s).map_err(|e| bad(format!("argument {i}: {e}")))
}

fn type_arg(type_args: &[String]) -> Result<TypeTag, ViewError> {
    let s = type_args.first().ok_or_else(|| ViewError::BadArguments {
        function: String::new(),
        reason: "expected one type argument".into(),
    })?;
    TypeTag::from_str_strict(s).map_err(|e| ViewError::BadArguments {
        function: String::new(),
        reason: format!("type argument {s:?}: {e}"),
    })
}

/// Answers a `0x1` view function with JSON arguments.
pub(crate) fn view_json(
    state: &State,
    chain: &Chain,
    module: &str,
    function: &str,
    type_args: &[String],
    args: &[Value],
    now_secs: u64,
) -> Result<Vec<Value>, ViewError> {
    Ok(match (module, function) {
        ("coin", "balance") => {
            if !is_apt(&type_arg(type_args)?) {
                return Err(ViewError::Aborted {
                    vm_status: coin_not_published().vm_status(),
                });
            }
            vec![json!(state.balance(json_address(args, 0)?).to_string())]
        }
        ("coin", "is_account_registered") => {
            let apt = is_apt(&type_arg(type_args)?);
            vec![json!(
                apt && state.accounts.contains_key(&json_address(args, 0)?)
            )]
        }
        ("primary_fungible_store", "balance") => {
            let owner = json_address(args, 0)?;
            let metadata = json_address(args, 1)?;
            let b = if metadata == apt_metadata() {
                state.balance(owner)
            } else {
                0
            };
            vec![json!(b.to_string())]
        }
        ("account", "exists_at") => {
            vec![json!(state.accounts.contains_key(&json_address(args, 0)?))]
        }
        ("account", "get_sequence_number") => {
            let addr = json_address(args, 0)?;
            vec![json!(
                state
                    .accounts
                    .get(&addr)
                    .map_or(0, |a| a.sequence_number)
                    .to_string()
            )]
        }
        ("timestamp", "now_seconds") => vec![json!(now_secs.to_string())],
        ("timestamp", "now_microseconds") => {
            vec![json!(
                chain
                    .last_timestamp_us()
                    .max(now_secs * 1_000_000)
                    .to_string()
            )]
        }
        ("chain_id", "get") => vec![json!(chain.chain_id())],
        _ => return Err(ViewError::UnknownFunction(String::new())),
    })
}

/// Turns a BCS view argument of a `0x1` view into its JSON form: 32 bytes are an address,
/// 8 bytes a `u64` (the only argument types the supported framework views take).
pub(crate) fn bcs_view_arg(bytes: &[u8]) -> Result<Value, ViewError> {
    match bytes.len() {
        32 => AccountAddress::from_bytes(bytes)
            .map(|a| json!(a.to_string()))
            .map_err(|e| ViewError::BadArguments {
                function: String::new(),
                reason: e.to_string(),
            }),
        8 => {
            let v: u64 = aptos_bcs::from_bytes(bytes).map_err(|e| ViewError::BadArguments {
                function: String::new(),
                reason: e.to_string(),
            })?;
            Ok(json!(v.to_string()))
        }
        n => Err(ViewError::BadArguments {
            function: String::new(),
            reason: format!("unsupported {n}-byte BCS argument"),
        }),
    }
}
