//! JSON transaction submission (`POST /v1/transactions` with `application/json`, and
//! `POST /v1/transactions/encode_submission`), as older SDK paths use it: the JSON is turned into
//! the BCS `RawTransaction` the node would build (arguments encoded with the function's ABI) and
//! then goes through exactly the same checks as a BCS submission.
//!
//! Supported: entry functions of the Aether modules and of the `0x1` functions the localnet
//! executes, with an `ed25519_signature`.

use aether_protocol::abi::{agent_card as ac, delegated_sessions as ds, validation_oracle as vo};
use aptos_sdk::aptos_bcs;
use aptos_sdk::transaction::authenticator::{Ed25519PublicKey, Ed25519Signature};
use aptos_sdk::transaction::{
    EntryFunction, RawTransaction, SignedTransaction, TransactionAuthenticator,
};
use aptos_sdk::types::{AccountAddress, ChainId, MoveModuleId, TypeTag};
use serde_json::Value;

use super::SubmitError;

fn bad(reason: impl Into<String>) -> SubmitError {
    SubmitError::Malformed {
        reason: reason.into(),
    }
}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, SubmitError> {
    v.get(name)
        .ok_or_else(|| bad(format!("missing field `{name}`")))
}

fn u64_field(v: &Value, name: &str) -> Result<u64, SubmitError> {
    let f = field(v, name)?;
    f.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| f.as_u64())
        .ok_or_else(|| bad(format!("`{name}` must be a u64 (as a string)")))
}

fn address(v: &Value, what: &str) -> Result<AccountAddress, SubmitError> {
    v.as_str()
        .and_then(|s| AccountAddress::from_hex(s).ok())
        .ok_or_else(|| bad(format!("{what} must be an address, got {v}")))
}

fn hex_field(v: &Value, name: &str) -> Result<Vec<u8>, SubmitError> {
    let s = field(v, name)?
        .as_str()
        .ok_or_else(|| bad(format!("`{name}` must be a hex string")))?;
    hex::decode(s.strip_prefix("0x").unwrap_or(s)).map_err(|e| bad(format!("`{name}`: {e}")))
}

fn bcs<T: serde::Serialize>(v: &T) -> Result<Vec<u8>, SubmitError> {
    aptos_bcs::to_bytes(v).map_err(|e| bad(e.to_string()))
}

/// BCS arguments of a `0x1` entry function from their JSON form.
fn framework_args(
    module: &str,
    function: &str,
    args: &[Value],
) -> Result<Vec<Vec<u8>>, SubmitError> {
    let types: &[&str] = match (module, function) {
        ("aptos_account", "transfer" | "transfer_coins") | ("coin", "transfer") => {
            &["address", "u64"]
        }
        ("primary_fungible_store", "transfer") => &["address", "address", "u64"],
        ("aptos_account", "create_account") => &["address"],
        _ => {
            return Err(SubmitError::Unsupported {
                what: format!("JSON arguments for 0x1::{module}::{function} (submit BCS instead)"),
            });
        }
    };
    if types.len() != args.len() {
        return Err(bad(format!(
            "0x1::{module}::{function} takes {} arguments, got {}",
            types.len(),
            args.len()
        )));
    }
    types
        .iter()
        .zip(args)
        .enumerate()
        .map(|(i, (ty, a))| match *ty {
            "address" => bcs(&address(a, &format!("argument {i}"))?),
            _ => {
                let n: u64 = a
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .or_else(|| a.as_u64())
                    .ok_or_else(|| bad(format!("argument {i} must be a u64")))?;
                bcs(&n)
            }
        })
        .collect()
}

fn entry_function(payload: &Value, aether: AccountAddress) -> Result<EntryFunction, SubmitError> {
    let kind = field(payload, "type")?.as_str().unwrap_or_default();
    if kind != "entry_function_payload" {
        return Err(SubmitError::Unsupported {
            what: format!("{kind:?} payloads in JSON"),
        });
    }
    let function = field(payload, "function")?
        .as_str()
        .ok_or_else(|| bad("`function` must be a string"))?;
    let mut parts = function.splitn(3, "::");
    let (Some(a), Some(m), Some(f)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad(format!("invalid function id {function:?}")));
    };
    let addr = address(&Value::from(a), "the function's address")?;
    let module = MoveModuleId::from_str_strict(&format!("{a}::{m}"))
        .map_err(|e| bad(format!("{function}: {e}")))?;
    let type_args = match payload.get("type_arguments") {
        None => Vec::new(),
        Some(v) => v
            .as_array()
            .ok_or_else(|| bad("`type_arguments` must be an array"))?
            .iter()
            .map(|t| {
                t.as_str()
                    .and_then(|s| TypeTag::from_str_strict(s).ok())
                    .ok_or_else(|| bad(format!("invalid type argument {t}")))
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let empty = Vec::new();
    let args = match payload.get("arguments") {
        None => &empty,
        Some(v) => v
            .as_array()
            .ok_or_else(|| bad("`arguments` must be an array"))?,
    };
    let conv = |e: aether_protocol::ProtocolError| bad(e.to_string());
    let bcs_args = if addr == aether {
        match m {
            ac::MODULE => ac::Call::decode_json(f, args).map_err(conv)?.bcs_args(),
            ds::MODULE => ds::Call::decode_json(f, args).map_err(conv)?.bcs_args(),
            vo::MODULE => vo::Call::decode_json(f, args).map_err(conv)?.bcs_args(),
            _ => return Err(bad(format!("no module {m} at {a}"))),
        }
    } else if addr == AccountAddress::ONE {
        framework_args(m, f, args)?
    } else {
        return Err(SubmitError::Unsupported {
            what: format!("JSON arguments for {function} (submit BCS instead)"),
        });
    };
    Ok(EntryFunction::new(module, f, type_args, bcs_args))
}

/// The `RawTransaction` of a JSON submission (the node's chain id is implied).
pub fn raw_transaction(
    v: &Value,
    aether: AccountAddress,
    chain_id: u8,
) -> Result<RawTransaction, SubmitError> {
    Ok(RawTransaction::new(
        address(field(v, "sender")?, "`sender`")?,
        u64_field(v, "sequence_number")?,
        entry_function(field(v, "payload")?, aether)?.into(),
        u64_field(v, "max_gas_amount")?,
        u64_field(v, "gas_unit_price")?,
        u64_field(v, "expiration_timestamp_secs")?,
        ChainId::new(chain_id),
    ))
}

/// The BCS `SignedTransaction` of a JSON submission with an `ed25519_signature`.
pub fn signed_transaction_bcs(
    v: &Value,
    aether: AccountAddress,
    chain_id: u8,
) -> Result<Vec<u8>, SubmitError> {
    let raw = raw_transaction(v, aether, chain_id)?;
    let sig = field(v, "signature")?;
    let kind = field(sig, "type")?.as_str().unwrap_or_default();
    if kind != "ed25519_signature" {
        return Err(SubmitError::Unsupported {
            what: format!("{kind:?} signatures in JSON (submit BCS instead)"),
        });
    }
    let pk: [u8; 32] = hex_field(sig, "public_key")?
        .try_into()
        .map_err(|_| bad("`public_key` must be 32 bytes"))?;
    let s: [u8; 64] = hex_field(sig, "signature")?
        .try_into()
        .map_err(|_| bad("`signature` must be 64 bytes"))?;
    let signed = SignedTransaction::new(
        raw,
        TransactionAuthenticator::Ed25519 {
            public_key: Ed25519PublicKey(pk),
            signature: Ed25519Signature(s),
        },
    );
    signed.to_bcs().map_err(|e| bad(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aptos_sdk::transaction::TransactionPayload;
    use serde_json::json;

    #[test]
    fn aether_calls_in_json_become_the_same_bcs_as_the_typed_call() {
        let aether = AccountAddress::from_hex("0xcafe").unwrap();
        let call = ac::Call::Register {
            name: "n".into(),
            description: "d".into(),
            capabilities: vec!["a".into(), "b".into()],
            endpoint: "e".into(),
            rate_octas: 15_000_000,
            manifest_url: "m".into(),
            messaging_pubkey: vec![7; 32],
            p2p_endpoint: String::new(),
        };
        let v = json!({
            "sender": "0x1234",
            "sequence_number": "3",
            "max_gas_amount": "1000",
            "gas_unit_price": "100",
            "expiration_timestamp_secs": "99",
            "payload": {
                "type": "entry_function_payload",
                "function": call.function_id(aether),
                "type_arguments": [],
                "arguments": call.json_args(),
            }
        });
        let raw = raw_transaction(&v, aether, 4).unwrap();
        assert_eq!(raw.sequence_number, 3);
        assert_eq!(raw.chain_id.id(), 4);
        assert_eq!(raw.payload, call.payload(aether));
        assert!(matches!(raw.payload, TransactionPayload::EntryFunction(_)));
    }

    #[test]
    fn bad_json_is_rejected_with_the_reason() {
        let aether = AccountAddress::from_hex("0xcafe").unwrap();
        let base = json!({
            "sender": "0x1", "sequence_number": "0", "max_gas_amount": "1",
            "gas_unit_price": "1", "expiration_timestamp_secs": "1",
            "payload": {"type": "entry_function_payload", "function": "0x1::aptos_account::transfer",
                        "type_arguments": [], "arguments": ["0x2"]}
        });
        let err = raw_transaction(&base, aether, 4).unwrap_err();
        assert!(err.to_string().contains("takes 2 arguments"), "{err}");
        let mut other = base.clone();
        other["payload"]["function"] = "0x1::code::publish_package_txn".into();
        assert!(matches!(
            raw_transaction(&other, aether, 4),
            Err(SubmitError::Unsupported { .. })
        ));
        let mut no_sig = base;
        no_sig["payload"]["arguments"] = json!(["0x2", "5"]);
        let err = signed_transaction_bcs(&no_sig, aether, 4).unwrap_err();
        assert!(err.to_string().contains("signature"), "{err}");
    }
}
