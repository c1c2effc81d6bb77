//! Deterministic addresses the Aether modules create (object and resource-account derivations).

use aptos_sdk::types::AccountAddress;
use sha3::{Digest, Sha3_256};

use crate::abi::{delegated_sessions, validation_oracle};

/// Domain byte of `object::create_object_address` (named objects).
pub const OBJECT_FROM_SEED_SCHEME: u8 = 0xFE;
/// Domain byte of `object::create_user_derived_object_address` (primary fungible stores).
pub const OBJECT_FROM_USER_SCHEME: u8 = 0xFC;
/// Domain byte of `account::create_resource_address`.
pub const RESOURCE_ACCOUNT_SCHEME: u8 = 0xFF;
/// Prefix of an agent card's object seed; the seed is this prefix followed by `bcs(agent_id)`.
pub const CARD_SEED_PREFIX: &[u8] = b"aether::agent_card::";

/// `sha3_256(source ‖ seed ‖ scheme)`: every object and resource-account address derivation.
pub fn derive(source: AccountAddress, seed: &[u8], scheme: u8) -> AccountAddress {
    let mut h = Sha3_256::new();
    h.update(source.as_bytes());
    h.update(seed);
    h.update([scheme]);
    AccountAddress::new(h.finalize().into())
}

/// `object::create_object_address(&creator, seed)`: `sha3_256(creator ‖ seed ‖ 0xFE)`.
pub fn named_object_address(creator: AccountAddress, seed: &[u8]) -> AccountAddress {
    derive(creator, seed, OBJECT_FROM_SEED_SCHEME)
}

/// `account::create_resource_address(&source, seed)`: `sha3_256(source ‖ seed ‖ 0xFF)`.
pub fn resource_account_address(source: AccountAddress, seed: &[u8]) -> AccountAddress {
    derive(source, seed, RESOURCE_ACCOUNT_SCHEME)
}

/// The seed of agent `agent_id`'s card object.
pub fn card_seed(agent_id: u64) -> Vec<u8> {
    let mut seed = CARD_SEED_PREFIX.to_vec();
    seed.extend_from_slice(&agent_id.to_le_bytes());
    seed
}

/// Object address of the card that `owner` registered as agent `agent_id` (the address is fixed
/// at registration: a later transfer changes the owner, not the address).
pub fn card_object_address(registering_owner: AccountAddress, agent_id: u64) -> AccountAddress {
    named_object_address(registering_owner, &card_seed(agent_id))
}

/// The resource account holding session escrow.
pub fn escrow_address(aether: AccountAddress) -> AccountAddress {
    resource_account_address(aether, delegated_sessions::ESCROW_SEED)
}

/// The resource account holding stakes.
pub fn stake_vault_address(aether: AccountAddress) -> AccountAddress {
    resource_account_address(aether, validation_oracle::STAKE_VAULT_SEED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivations_are_domain_separated() {
        let a = AccountAddress::from_hex("0xcafe").unwrap();
        assert_ne!(escrow_address(a), stake_vault_address(a));
        assert_ne!(
            named_object_address(a, b"x"),
            resource_account_address(a, b"x")
        );
        assert_ne!(card_object_address(a, 1), card_object_address(a, 2));
        assert_eq!(
            card_seed(1)[CARD_SEED_PREFIX.len()..],
            [1, 0, 0, 0, 0, 0, 0, 0]
        );
    }
}
