#[test_only]
// Shared setup for the `aether` tests: framework state (time, chain id, APT), the three modules'
// `init_module`, funding, and small builders for agents, sessions and signed payments.
module aether_addr::test_helpers {
    use std::signer;
    use std::string::{Self, String};
    use std::vector;

    use aptos_std::ed25519;

    use aptos_framework::account;
    use aptos_framework::aptos_coin::{Self, AptosCoin};
    use aptos_framework::chain_id;
    use aptos_framework::coin::{Self, MintCapability};
    use aptos_framework::primary_fungible_store;
    use aptos_framework::timestamp;

    use aether_addr::agent_card;
    use aether_addr::delegated_sessions;
    use aether_addr::validation_oracle;

    /// Chain id the tests run with.
    const CHAIN_ID: u8 = 4;
    /// Block time (seconds) when every test starts.
    const START_TIME_SECS: u64 = 1700000000;
    /// Octas in one APT.
    const APT: u64 = 100000000;

    /// The APT mint capability `setup` keeps at `@aptos_framework` for `fund`.
    struct TestMintCap has key {
        cap: MintCapability<AptosCoin>,
    }

    public fun chain(): u8 { CHAIN_ID }

    public fun start_time(): u64 { START_TIME_SECS }

    public fun apt(): u64 { APT }

    /// Starts time at `START_TIME_SECS`, sets chain id 4, initializes APT and runs the three
    /// `init_module`s as `aether` (which must be `@aether_addr`).
    public fun setup(aptos_framework: &signer, aether: &signer) {
        timestamp::set_time_has_started_for_testing(aptos_framework);
        timestamp::update_global_time_for_test_secs(START_TIME_SECS);
        chain_id::initialize_for_test(aptos_framework, CHAIN_ID);
        let (burn_cap, mint_cap) = aptos_coin::initialize_for_test(aptos_framework);
        coin::destroy_burn_cap(burn_cap);
        move_to(aptos_framework, TestMintCap { cap: mint_cap });

        account::create_account_for_test(signer::address_of(aether));
        agent_card::init_module_for_test(aether);
        delegated_sessions::init_module_for_test(aether);
        validation_oracle::init_module_for_test(aether);
    }

    /// Creates `addr`'s account if needed and mints `amount` octas into its primary APT fungible
    /// store. The unit-test genesis enables the default features, among them
    /// `OPERATIONS_DEFAULT_TO_FA_APT_STORE`: `aptos_account::transfer` then moves APT between
    /// primary fungible stores only, so APT minted into a legacy `CoinStore` (what
    /// `coin::register` + `aptos_coin::mint` can produce) could not be spent by the modules.
    /// `coin::balance` counts both kinds of balance.
    public fun fund(addr: address, amount: u64) acquires TestMintCap {
        account::create_account_for_test(addr);
        let cap = &borrow_global<TestMintCap>(@aptos_framework).cap;
        let apt = coin::coin_to_fungible_asset(coin::mint<AptosCoin>(amount, cap));
        primary_fungible_store::deposit(addr, apt);
    }

    public fun balance(addr: address): u64 {
        coin::balance<AptosCoin>(addr)
    }

    /// `n` copies of `byte`. Pushes eight bytes per loop iteration (about four instructions a
    /// byte), so the longest test values (1 KiB) stay far below the unit-test instruction bound
    /// whether or not `vector::append` is a native in the framework release.
    public fun bytes_of(byte: u8, n: u64): vector<u8> {
        let out = vector::empty<u8>();
        let i = 0;
        while (i + 8 <= n) {
            vector::push_back(&mut out, byte);
            vector::push_back(&mut out, byte);
            vector::push_back(&mut out, byte);
            vector::push_back(&mut out, byte);
            vector::push_back(&mut out, byte);
            vector::push_back(&mut out, byte);
            vector::push_back(&mut out, byte);
            vector::push_back(&mut out, byte);
            i = i + 8;
        };
        while (i < n) {
            vector::push_back(&mut out, byte);
            i = i + 1;
        };
        out
    }

    /// A string of `n` times `a`.
    public fun string_of_length(n: u64): String {
        string::utf8(bytes_of(97, n))
    }

    /// A 32-byte hash-like value filled with `byte`.
    public fun hash32(byte: u8): vector<u8> {
        bytes_of(byte, 32)
    }

    /// Registers an agent with `name`, one capability and defaults; returns its id.
    public fun register_agent(owner: &signer, name: vector<u8>): u64 {
        agent_card::register(
            owner,
            string::utf8(name),
            string::utf8(b"test agent"),
            vector[string::utf8(b"test")],
            string::utf8(b"https://agent.example/api"),
            1000,
            string::utf8(b"https://agent.example/manifest.json"),
            hash32(7),
            string::utf8(b""),
        );
        agent_card::agent_count()
    }

    /// A fresh session key pair: `(secret key, 32-byte public key)`.
    public fun new_session_key(): (ed25519::SecretKey, vector<u8>) {
        let (sk, vpk) = ed25519::generate_keys();
        (sk, ed25519::validated_public_key_to_bytes(&vpk))
    }

    /// Opens a session for `agent_id` with a fresh key; returns `(session id, secret key)`.
    public fun open_session(
        principal: &signer,
        agent_id: u64,
        allowance: u64,
        max_requests: u64,
        duration_secs: u64,
    ): (u64, ed25519::SecretKey) {
        let (sk, pk) = new_session_key();
        delegated_sessions::create_session(principal, agent_id, pk, allowance, max_requests, duration_secs);
        (delegated_sessions::session_count(), sk)
    }

    /// Signs and submits a payment on this chain, valid for 60 s.
    public fun pay(
        submitter: &signer,
        sk: &ed25519::SecretKey,
        session_id: u64,
        payee: address,
        amount: u64,
        nonce: u64,
    ) {
        let valid_until = timestamp::now_seconds() + 60;
        let signature = delegated_sessions::sign_payment_for_test(
            sk, CHAIN_ID, session_id, payee, amount, nonce, valid_until
        );
        delegated_sessions::pay(submitter, session_id, CHAIN_ID, payee, amount, nonce, valid_until, signature);
    }
}
