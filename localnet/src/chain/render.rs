//! The node's JSON shapes: transactions (committed and pending), accounts and resources.

use aether_protocol::abi::{agent_card as ac, delegated_sessions as ds, validation_oracle as vo};
use aptos_sdk::aptos_bcs;
use aptos_sdk::transaction::{
    AccountAuthenticator, EntryFunction, TransactionAuthenticator, TransactionPayload,
};
use aptos_sdk::types::{AccountAddress, HashValue, TypeTag};
use serde_json::{Value, json};

use super::{AccountState, Decoded, Event, Genesis};

fn hex0x(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

/// The genesis transaction (version 0).
pub fn genesis_json(g: &Genesis, hash: HashValue) -> Value {
    json!({
        "type": "genesis_transaction",
        "version": "0",
        "hash": hash.to_string(),
        "state_change_hash": hash.to_string(),
        "event_root_hash": hash.to_string(),
        "state_checkpoint_hash": null,
        "gas_used": "0",
        "success": true,
        "vm_status": "Executed successfully",
        "accumulator_root_hash": hash.to_string(),
        "changes": [],
        "payload": {"type": "write_set_payload", "write_set": {"type": "direct_write_set", "changes": [], "events": []}},
        "events": [],
        "timestamp": g.timestamp_us.to_string(),
    })
}

/// Arguments of an entry function in the node's JSON form.
fn args_json(ef: &EntryFunction, aether: AccountAddress) -> Vec<Value> {
    let name = ef.function.as_str();
    if ef.module.address == aether {
        let decoded = match ef.module.name.as_str() {
            ac::MODULE => ac::Call::decode_bcs(name, &ef.args).map(|c| c.json_args()),
            ds::MODULE => ds::Call::decode_bcs(name, &ef.args).map(|c| c.json_args()),
            vo::MODULE => vo::Call::decode_bcs(name, &ef.args).map(|c| c.json_args()),
            _ => return raw_args(ef),
        };
        return decoded.unwrap_or_else(|_| raw_args(ef));
    }
    if ef.module.address == AccountAddress::ONE {
        let mut out = Vec::new();
        for a in &ef.args {
            match a.len() {
                32 => match AccountAddress::from_bytes(a) {
                    Ok(addr) => out.push(json!(addr.to_string())),
                    Err(_) => return raw_args(ef),
                },
                8 => match aptos_bcs::from_bytes::<u64>(a) {
                    Ok(n) => out.push(json!(n.to_string())),
                    Err(_) => return raw_args(ef),
                },
                _ => return raw_args(ef),
            }
        }
        return out;
    }
    raw_args(ef)
}

fn raw_args(ef: &EntryFunction) -> Vec<Value> {
    ef.args.iter().map(|a| json!(hex0x(a))).collect()
}

/// The `payload` of a transaction.
pub fn payload_json(payload: &TransactionPayload, aether: AccountAddress) -> Value {
    match payload {
        TransactionPayload::EntryFunction(ef) => json!({
            "type": "entry_function_payload",
            "function": format!("{}::{}::{}", ef.module.address.to_short_string(), ef.module.name, ef.function),
            "type_arguments": ef.type_args.iter().map(TypeTag::to_string).collect::<Vec<_>>(),
            "arguments": args_json(ef, aether),
        }),
        _ => json!({"type": "unsupported_payload"}),
    }
}

fn account_sig_json(a: &AccountAuthenticator) -> Value {
    match a {
        AccountAuthenticator::Ed25519 {
            public_key,
            signature,
        } => json!({
            "type": "ed25519_signature",
            "public_key": hex0x(&public_key.0),
            "signature": hex0x(&signature.0),
        }),
        AccountAuthenticator::MultiEd25519 {
            public_key,
            signature,
        } => json!({
            "type": "multi_ed25519_signature",
            "public_key": hex0x(public_key),
            "signature": hex0x(signature),
        }),
        AccountAuthenticator::SingleKey {
            public_key,
            signature,
        } => json!({
            "type": "single_key_signature",
            "public_key": hex0x(public_key),
            "signature": hex0x(signature),
        }),
        AccountAuthenticator::MultiKey {
            public_key,
            signature,
        } => json!({
            "type": "multi_key_signature",
            "public_key": hex0x(public_key),
            "signature": hex0x(signature),
        }),
        AccountAuthenticator::NoAccountAuthenticator => json!({"type": "no_account_signature"}),
    }
}

/// The `signature` of a transaction.
pub fn signature_json(auth: &TransactionAuthenticator) -> Value {
    match auth {
        TransactionAuthenticator::Ed25519 {
            public_key,
            signature,
        } => json!({
            "type": "ed25519_signature",
            "public_key": hex0x(&public_key.0),
            "signature": hex0x(&signature.0),
        }),
        TransactionAuthenticator::MultiEd25519 {
            public_key,
            signature,
        } => json!({
            "type": "multi_ed25519_signature",
            "public_key": hex0x(public_key),
            "signature": hex0x(signature),
        }),
        TransactionAuthenticator::SingleSender { sender } => json!({
            "type": "single_sender",
            "sender": account_sig_json(sender),
        }),
        TransactionAuthenticator::MultiAgent {
            sender,
            secondary_signer_addresses,
            secondary_signers,
        } => json!({
            "type": "multi_agent_signature",
            "sender": account_sig_json(sender),
            "secondary_signer_addresses": secondary_signer_addresses.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "secondary_signers": secondary_signers.iter().map(account_sig_json).collect::<Vec<_>>(),
        }),
        TransactionAuthenticator::FeePayer {
            sender,
            secondary_signer_addresses,
            secondary_signers,
            fee_payer_address,
            fee_payer_signer,
        } => json!({
            "type": "fee_payer_signature",
            "sender": account_sig_json(sender),
            "secondary_signer_addresses": secondary_signer_addresses.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "secondary_signers": secondary_signers.iter().map(account_sig_json).collect::<Vec<_>>(),
            "fee_payer_address": fee_payer_address.to_string(),
            "fee_payer_signer": account_sig_json(fee_payer_signer),
        }),
    }
}

/// What a committed user transaction's JSON is made of.
pub(crate) struct UserTxnInfo<'a> {
    pub(crate) decoded: &'a Decoded,
    pub(crate) version: u64,
    pub(crate) success: bool,
    pub(crate) vm_status: &'a str,
    pub(crate) gas_used: u64,
    pub(crate) events: &'a [Event],
    pub(crate) timestamp_us: u64,
    pub(crate) accumulator: [u8; 32],
    pub(crate) aether: AccountAddress,
}

fn events_json(events: &[Event]) -> Vec<Value> {
    events
        .iter()
        .map(|e| {
            json!({
                "guid": {"creation_number": "0", "account_address": "0x0"},
                "sequence_number": "0",
                "type": e.type_tag,
                "data": e.data,
            })
        })
        .collect()
}

/// A committed user transaction.
pub(crate) fn user_txn_json(i: &UserTxnInfo<'_>) -> Value {
    let raw = &i.decoded.txn.raw_txn;
    let zero = HashValue::new([0u8; 32]).to_string();
    json!({
        "type": "user_transaction",
        "version": i.version.to_string(),
        "hash": i.decoded.hash.to_string(),
        "state_change_hash": zero,
        "event_root_hash": zero,
        "state_checkpoint_hash": null,
        "gas_used": i.gas_used.to_string(),
        "success": i.success,
        "vm_status": i.vm_status,
        "accumulator_root_hash": hex0x(&i.accumulator),
        "changes": [],
        "sender": raw.sender.to_string(),
        "sequence_number": raw.sequence_number.to_string(),
        "max_gas_amount": raw.max_gas_amount.to_string(),
        "gas_unit_price": raw.gas_unit_price.to_string(),
        "expiration_timestamp_secs": raw.expiration_timestamp_secs.to_string(),
        "payload": payload_json(&raw.payload, i.aether),
        "signature": signature_json(&i.decoded.txn.authenticator),
        "events": events_json(i.events),
        "timestamp": i.timestamp_us.to_string(),
    })
}

/// A transaction accepted but not yet committed (its sequence number is ahead of its sender's).
pub fn pending_json(d: &Decoded, aether: AccountAddress) -> Value {
    let raw = &d.txn.raw_txn;
    json!({
        "type": "pending_transaction",
        "hash": d.hash.to_string(),
        "sender": raw.sender.to_string(),
        "sequence_number": raw.sequence_number.to_string(),
        "max_gas_amount": raw.max_gas_amount.to_string(),
        "gas_unit_price": raw.gas_unit_price.to_string(),
        "expiration_timestamp_secs": raw.expiration_timestamp_secs.to_string(),
        "payload": payload_json(&raw.payload, aether),
        "signature": signature_json(&d.txn.authenticator),
    })
}

/// `GET /v1/accounts/{addr}`.
pub fn account_json(addr: AccountAddress, a: &AccountState) -> Value {
    json!({
        "sequence_number": a.sequence_number.to_string(),
        "authentication_key": addr.to_hex(),
    })
}

fn event_handle(addr: AccountAddress, creation_num: u64) -> Value {
    json!({"counter": "0", "guid": {"id": {"addr": addr.to_string(), "creation_num": creation_num.to_string()}}})
}

/// Resource type of the account resource.
pub const ACCOUNT_RESOURCE: &str = "0x1::account::Account";
/// Resource type of the APT coin store.
pub const COIN_STORE_RESOURCE: &str = "0x1::coin::CoinStore<0x1::aptos_coin::AptosCoin>";

/// The resources of an account: `0x1::account::Account` and the APT `CoinStore`.
pub fn resources_json(addr: AccountAddress, a: &AccountState) -> Vec<Value> {
    vec![
        json!({
            "type": ACCOUNT_RESOURCE,
            "data": {
                "authentication_key": addr.to_hex(),
                "sequence_number": a.sequence_number.to_string(),
                "guid_creation_num": "2",
                "coin_register_events": event_handle(addr, 0),
                "key_rotation_events": event_handle(addr, 1),
                "rotation_capability_offer": {"for": {"vec": []}},
                "signer_capability_offer": {"for": {"vec": []}},
            }
        }),
        json!({
            "type": COIN_STORE_RESOURCE,
            "data": {
                "coin": {"value": a.balance.to_string()},
                "frozen": false,
                "deposit_events": event_handle(addr, 2),
                "withdraw_events": event_handle(addr, 3),
            }
        }),
    ]
}
