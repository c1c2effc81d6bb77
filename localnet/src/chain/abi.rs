//! Module ABIs in the node's JSON shape (`GET /v1/accounts/{addr}/module/{name}`), for the
//! modules the localnet executes. The TypeScript SDK reads them to encode entry-function
//! arguments. There is no bytecode (`bytecode` is `0x`), and `structs` is empty.

use aether_protocol::abi::{FunctionAbi, agent_card, delegated_sessions, validation_oracle};
use aptos_sdk::types::AccountAddress;
use serde_json::{Value, json};

fn module_json(address: AccountAddress, name: &str, functions: Vec<Value>) -> Value {
    json!({
        "bytecode": "0x",
        "abi": {
            "address": address.to_string(),
            "name": name,
            "friends": [],
            "exposed_functions": functions,
            "structs": [],
        }
    })
}

fn aether_module(aether: AccountAddress, name: &str, fns: &[&[FunctionAbi]]) -> Value {
    let functions = fns
        .iter()
        .flat_map(|f| f.iter())
        .map(|f| f.to_json(aether, name))
        .collect();
    module_json(aether, name, functions)
}

fn framework_fn(name: &str, entry: bool, generics: usize, params: &[&str], ret: &[&str]) -> Value {
    let mut all: Vec<&str> = Vec::new();
    if entry {
        all.push("&signer");
    }
    all.extend_from_slice(params);
    json!({
        "name": name,
        "visibility": "public",
        "is_entry": entry,
        "is_view": !entry,
        "generic_type_params": (0..generics).map(|_| json!({"constraints": []})).collect::<Vec<_>>(),
        "params": all,
        "return": ret,
    })
}

/// Names of the modules published at `addr`.
pub fn module_names(addr: AccountAddress, aether: AccountAddress) -> Vec<&'static str> {
    if addr == aether {
        vec![
            agent_card::MODULE,
            delegated_sessions::MODULE,
            validation_oracle::MODULE,
        ]
    } else if addr == AccountAddress::ONE {
        vec![
            "aptos_account",
            "coin",
            "primary_fungible_store",
            "account",
            "timestamp",
            "chain_id",
        ]
    } else {
        vec![]
    }
}

/// The ABI of module `name` at `addr`, if the localnet executes it.
pub fn module(addr: AccountAddress, name: &str, aether: AccountAddress) -> Option<Value> {
    if addr == aether {
        return Some(match name {
            agent_card::MODULE => aether_module(
                aether,
                name,
                &[agent_card::Call::FUNCTIONS, agent_card::View::FUNCTIONS],
            ),
            delegated_sessions::MODULE => aether_module(
                aether,
                name,
                &[
                    delegated_sessions::Call::FUNCTIONS,
                    delegated_sessions::View::FUNCTIONS,
                ],
            ),
            validation_oracle::MODULE => aether_module(
                aether,
                name,
                &[
                    validation_oracle::Call::FUNCTIONS,
                    validation_oracle::View::FUNCTIONS,
                ],
            ),
            _ => return None,
        });
    }
    if addr != AccountAddress::ONE {
        return None;
    }
    let fns = match name {
        "aptos_account" => vec![
            framework_fn("transfer", true, 0, &["address", "u64"], &[]),
            framework_fn("transfer_coins", true, 1, &["address", "u64"], &[]),
            framework_fn("create_account", true, 0, &["address"], &[]),
        ],
        "coin" => vec![
            framework_fn("transfer", true, 1, &["address", "u64"], &[]),
            framework_fn("balance", false, 1, &["address"], &["u64"]),
            framework_fn("is_account_registered", false, 1, &["address"], &["bool"]),
        ],
        "primary_fungible_store" => vec![
            framework_fn(
                "transfer",
                true,
                1,
                &["0x1::object::Object<T0>", "address", "u64"],
                &[],
            ),
            framework_fn(
                "balance",
                false,
                1,
                &["address", "0x1::object::Object<T0>"],
                &["u64"],
            ),
        ],
        "account" => vec![
            framework_fn("exists_at", false, 0, &["address"], &["bool"]),
            framework_fn("get_sequence_number", false, 0, &["address"], &["u64"]),
        ],
        "timestamp" => vec![
            framework_fn("now_seconds", false, 0, &[], &["u64"]),
            framework_fn("now_microseconds", false, 0, &[], &["u64"]),
        ],
        "chain_id" => vec![framework_fn("get", false, 0, &[], &["u8"])],
        _ => return None,
    };
    Some(module_json(addr, name, fns))
}
