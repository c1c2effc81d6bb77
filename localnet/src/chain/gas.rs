//! The fixed gas schedule of the localnet.
//!
//! Aptos meters every instruction; the localnet charges a fixed, documented price per
//! transaction instead, so that fees are predictable in tests:
//!
//! ```text
//! gas_used = TXN_BASE_UNITS + ceil(txn_bytes / 1024) * PER_KIB_UNITS + function_units(function)
//! fee      = gas_used * gas_unit_price          (charged to the fee payer, or else the sender)
//! ```
//!
//! A transaction that aborts is charged the same units as one that succeeds; a transaction whose
//! `max_gas_amount` is below its `gas_used` fails with `OUT_OF_GAS` and is charged
//! `max_gas_amount` units.

/// Lowest accepted gas unit price, in octas (the price `GET /v1/estimate_gas_price` answers).
pub const MIN_GAS_UNIT_PRICE: u64 = 100;
/// Highest accepted gas unit price, in octas.
pub const MAX_GAS_UNIT_PRICE: u64 = 10_000_000_000;
/// Highest accepted `max_gas_amount`.
pub const MAX_GAS_AMOUNT: u64 = 2_000_000;
/// Units every transaction pays.
pub const TXN_BASE_UNITS: u64 = 4;
/// Units per started KiB of the signed transaction.
pub const PER_KIB_UNITS: u64 = 1;

/// Intrinsic units of a transaction of `size` bytes (the lower bound of `max_gas_amount`).
pub fn intrinsic_units(size: usize) -> u64 {
    let kib = (size as u64).div_ceil(1024);
    TXN_BASE_UNITS + kib * PER_KIB_UNITS
}

/// Execution units of an entry function, by module and name. Unknown functions cost nothing
/// beyond the intrinsic units.
pub fn function_units(module: &str, function: &str) -> u64 {
    match (module, function) {
        ("aptos_account" | "coin" | "primary_fungible_store", _) => 6,
        ("agent_card", "register") => 40,
        ("agent_card", "update") => 20,
        ("agent_card", _) => 10,
        ("delegated_sessions", "create_session") => 30,
        // ed25519 verification dominates `pay`.
        ("delegated_sessions", "pay") => 25,
        ("delegated_sessions", _) => 12,
        ("validation_oracle", "submit_task_result" | "submit_paid_task_result") => 20,
        ("validation_oracle", "create_dispute" | "resolve_dispute") => 20,
        ("validation_oracle", _) => 12,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intrinsic_units_grow_per_started_kib() {
        assert_eq!(intrinsic_units(0), TXN_BASE_UNITS);
        assert_eq!(intrinsic_units(1), TXN_BASE_UNITS + 1);
        assert_eq!(intrinsic_units(1024), TXN_BASE_UNITS + 1);
        assert_eq!(intrinsic_units(1025), TXN_BASE_UNITS + 2);
    }
}
