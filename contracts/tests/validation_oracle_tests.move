#[test_only]
// Unit tests for `aether_addr::validation_oracle`: every entry function's success path (state
// through the views, balances, events through `event::was_event_emitted`), the reputation formula
// and every abort code.
module aether_addr::validation_oracle_tests {
    use std::signer;
    use std::string::{Self, String};

    use aptos_std::ed25519;

    use aptos_framework::account;
    use aptos_framework::event;
    use aptos_framework::timestamp;

    use aether_addr::agent_card;
    use aether_addr::delegated_sessions;
    use aether_addr::test_helpers;
    use aether_addr::validation_oracle;

    const APT: u64 = 100000000;
    /// Funds of the provider (owner of agent 1).
    const PROVIDER_FUNDS: u64 = 1000000000;
    /// Funds of the principal (owner of agent 2, the client agent).
    const PRINCIPAL_FUNDS: u64 = 10000000000;
    const ALLOWANCE: u64 = 100000000;
    const AMOUNT: u64 = 15000000;
    /// Agent of the provider.
    const PROVIDER_AGENT: u64 = 1;
    /// Agent of the principal (client agent); session 1 is for it.
    const CLIENT_AGENT: u64 = 2;
    const SESSION: u64 = 1;
    const DAY_SECS: u64 = 86400;

    fun utf8(bytes: vector<u8>): String {
        string::utf8(bytes)
    }

    fun task_type(): String {
        utf8(b"translate")
    }

    fun result_hash(): vector<u8> {
        test_helpers::hash32(0xaa)
    }

    fun reason(): String {
        utf8(b"wrong language")
    }

    fun evidence(): vector<u8> {
        test_helpers::hash32(0xee)
    }

    /// Framework, funds, agent 1 (provider), agent 2 (principal) and session 1 of the principal for
    /// agent 2. Returns the session key.
    fun setup_world(
        aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer
    ): ed25519::SecretKey {
        test_helpers::setup(aptos_framework, aether);
        test_helpers::fund(signer::address_of(provider), PROVIDER_FUNDS);
        test_helpers::fund(signer::address_of(principal), PRINCIPAL_FUNDS);
        test_helpers::register_agent(provider, b"translator");
        test_helpers::register_agent(principal, b"shopper");
        let (_session, sk) = test_helpers::open_session(principal, CLIENT_AGENT, ALLOWANCE, 10, 3600);
        sk
    }

    /// Session 1 pays `AMOUNT` to the provider with `nonce`; the provider submits a paid result for
    /// agent 1. Returns the task id.
    fun paid_task(provider: &signer, sk: &ed25519::SecretKey, nonce: u64): u64 {
        test_helpers::pay(provider, sk, SESSION, signer::address_of(provider), AMOUNT, nonce);
        validation_oracle::submit_paid_task_result(provider, PROVIDER_AGENT, task_type(), result_hash(), SESSION, nonce);
        validation_oracle::task_count()
    }

    fun add_oracle(aether: &signer, oracle: address) {
        validation_oracle::add_oracle(aether, oracle);
    }

    //
    // Success paths
    //

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    fun test_init_config(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        let (admin, window, bps, treasury) = validation_oracle::unpack_oracle_config(validation_oracle::get_config());
        assert!(admin == @aether_addr && window == DAY_SECS && bps == 5000 && treasury == @aether_addr, 0);
        assert!(
            validation_oracle::stake_vault_address()
                == account::create_resource_address(&@aether_addr, b"aether::validation_oracle"),
            1
        );
        assert!(validation_oracle::task_count() == 0, 2);
        let (amount, locked_until) = validation_oracle::unpack_stake_info(validation_oracle::get_stake(PROVIDER_AGENT));
        assert!(amount == 0 && locked_until == 0, 3);
        let (total, paid, successful, disputes, upheld, pending) =
            validation_oracle::unpack_agent_stats(validation_oracle::agent_stats(PROVIDER_AGENT));
        assert!(total == 0 && paid == 0 && successful == 0 && disputes == 0 && upheld == 0 && pending == 0, 4);
        // A fresh agent scores the base 100.
        assert!(validation_oracle::reputation(PROVIDER_AGENT) == 100, 5);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    fun test_stake_and_unstake(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        let provider_addr = signer::address_of(provider);
        let vault = validation_oracle::stake_vault_address();
        let now = timestamp::now_seconds();

        validation_oracle::stake(provider, PROVIDER_AGENT, 5 * APT, 100);
        let (amount, locked_until) = validation_oracle::unpack_stake_info(validation_oracle::get_stake(PROVIDER_AGENT));
        assert!(amount == 5 * APT && locked_until == now + 100, 0);
        assert!(test_helpers::balance(vault) == 5 * APT, 1);
        assert!(test_helpers::balance(provider_addr) == PROVIDER_FUNDS - 5 * APT, 2);
        assert!(event::was_event_emitted(&validation_oracle::staked_event(
            PROVIDER_AGENT, provider_addr, 5 * APT, 5 * APT, now + 100, now
        )), 3);
        // 5 APT staked: 100 + 10.
        assert!(validation_oracle::reputation(PROVIDER_AGENT) == 110, 4);

        // A shorter lock never shortens `locked_until`.
        validation_oracle::stake(provider, PROVIDER_AGENT, APT, 10);
        let (amount, locked_until) = validation_oracle::unpack_stake_info(validation_oracle::get_stake(PROVIDER_AGENT));
        assert!(amount == 6 * APT && locked_until == now + 100, 5);
        assert!(event::was_event_emitted(&validation_oracle::staked_event(
            PROVIDER_AGENT, provider_addr, APT, 6 * APT, now + 100, now
        )), 6);

        // Unlocked exactly at `locked_until`.
        timestamp::fast_forward_seconds(100);
        validation_oracle::unstake(provider, PROVIDER_AGENT, 2 * APT);
        let (amount, _) = validation_oracle::unpack_stake_info(validation_oracle::get_stake(PROVIDER_AGENT));
        assert!(amount == 4 * APT, 7);
        assert!(test_helpers::balance(vault) == 4 * APT, 8);
        assert!(test_helpers::balance(provider_addr) == PROVIDER_FUNDS - 4 * APT, 9);
        assert!(event::was_event_emitted(&validation_oracle::unstaked_event(
            PROVIDER_AGENT, provider_addr, 2 * APT, 4 * APT, now + 100
        )), 10);

        validation_oracle::unstake(provider, PROVIDER_AGENT, 4 * APT);
        assert!(test_helpers::balance(provider_addr) == PROVIDER_FUNDS, 11);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce, buyer = @0xb0b)]
    fun test_stake_follows_the_agent(
        aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer, buyer: &signer
    ) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::stake(provider, PROVIDER_AGENT, APT, 0);
        agent_card::transfer(provider, PROVIDER_AGENT, signer::address_of(buyer));
        validation_oracle::unstake(buyer, PROVIDER_AGENT, APT);
        assert!(test_helpers::balance(signer::address_of(buyer)) == APT, 0);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    fun test_submit_task_result(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        let now = timestamp::now_seconds();
        validation_oracle::submit_task_result(provider, PROVIDER_AGENT, task_type(), result_hash());
        assert!(validation_oracle::task_count() == 1, 0);
        let (id, agent_id, stored_type, stored_hash, submitted_at, paid, session_id, nonce, payer, status) =
            validation_oracle::unpack_task_info(validation_oracle::get_task(1));
        assert!(id == 1 && agent_id == PROVIDER_AGENT, 1);
        assert!(stored_type == task_type() && stored_hash == result_hash(), 2);
        assert!(submitted_at == now && !paid && session_id == 0 && nonce == 0 && payer == @0x0, 3);
        assert!(status == 0, 4);
        let (total, paid_tasks, successful, _, _, _) =
            validation_oracle::unpack_agent_stats(validation_oracle::agent_stats(PROVIDER_AGENT));
        assert!(total == 1 && paid_tasks == 0 && successful == 0, 5);
        assert!(event::was_event_emitted(&validation_oracle::task_result_submitted_event(
            1, PROVIDER_AGENT, task_type(), result_hash(), false, 0, 0, @0x0, now
        )), 6);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    fun test_submit_paid_task_result(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        let principal_addr = signer::address_of(principal);
        let now = timestamp::now_seconds();
        let task_id = paid_task(provider, &sk, 7);
        assert!(task_id == 1, 0);
        let (_, agent_id, _, _, submitted_at, paid, session_id, nonce, payer, status) =
            validation_oracle::unpack_task_info(validation_oracle::get_task(1));
        assert!(agent_id == PROVIDER_AGENT && submitted_at == now, 1);
        assert!(paid && session_id == SESSION && nonce == 7 && payer == principal_addr && status == 0, 2);
        let (total, paid_tasks, successful, disputes, upheld, pending) =
            validation_oracle::unpack_agent_stats(validation_oracle::agent_stats(PROVIDER_AGENT));
        assert!(total == 1 && paid_tasks == 1 && successful == 1, 3);
        assert!(disputes == 0 && upheld == 0 && pending == 0, 4);
        assert!(event::was_event_emitted(&validation_oracle::task_result_submitted_event(
            1, PROVIDER_AGENT, task_type(), result_hash(), true, SESSION, 7, principal_addr, now
        )), 5);
        // 1 of 1 paid results successful: 500 + 100.
        assert!(validation_oracle::reputation(PROVIDER_AGENT) == 600, 6);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce, oracle = @0x0c1e)]
    fun test_dispute_upheld(
        aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer, oracle: &signer
    ) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        let principal_addr = signer::address_of(principal);
        let oracle_addr = signer::address_of(oracle);
        validation_oracle::stake(provider, PROVIDER_AGENT, 10 * APT, DAY_SECS);
        let task_id = paid_task(provider, &sk, 7);
        let treasury_before = test_helpers::balance(@aether_addr);

        timestamp::fast_forward_seconds(DAY_SECS);
        let now = timestamp::now_seconds();
        // Exactly at the end of the window is still in time.
        validation_oracle::create_dispute(principal, task_id, reason(), evidence());
        assert!(event::was_event_emitted(&validation_oracle::dispute_created_event(
            task_id, PROVIDER_AGENT, principal_addr, reason(), evidence(), now
        )), 0);
        let (_, _, _, _, _, _, _, _, _, task_status) = validation_oracle::unpack_task_info(validation_oracle::get_task(task_id));
        assert!(task_status == 1, 1);
        let (_, _, successful, disputes, _, pending) =
            validation_oracle::unpack_agent_stats(validation_oracle::agent_stats(PROVIDER_AGENT));
        assert!(successful == 1 && disputes == 1 && pending == 1, 2);
        let (d_task, d_agent, disputer, d_reason, d_evidence, created_at, d_status, resolver, resolved_at, slashed) =
            validation_oracle::unpack_dispute_info(validation_oracle::get_dispute(task_id));
        assert!(d_task == task_id && d_agent == PROVIDER_AGENT && disputer == principal_addr, 3);
        assert!(d_reason == reason() && d_evidence == evidence() && created_at == now, 4);
        assert!(d_status == 0 && resolver == @0x0 && resolved_at == 0 && slashed == 0, 5);

        add_oracle(aether, oracle_addr);
        assert!(validation_oracle::is_oracle(oracle_addr), 6);
        assert!(event::was_event_emitted(&validation_oracle::oracle_added_event(oracle_addr)), 7);
        validation_oracle::resolve_dispute(oracle, task_id, true);

        let (stake_amount, _) = validation_oracle::unpack_stake_info(validation_oracle::get_stake(PROVIDER_AGENT));
        assert!(stake_amount == 5 * APT, 8);
        assert!(test_helpers::balance(@aether_addr) == treasury_before + 5 * APT, 9);
        assert!(test_helpers::balance(validation_oracle::stake_vault_address()) == 5 * APT, 10);
        let (_, _, _, _, _, _, _, _, _, task_status) = validation_oracle::unpack_task_info(validation_oracle::get_task(task_id));
        assert!(task_status == 2, 11);
        let (_, _, _, _, _, _, d_status, resolver, resolved_at, slashed) =
            validation_oracle::unpack_dispute_info(validation_oracle::get_dispute(task_id));
        assert!(d_status == 1 && resolver == oracle_addr && resolved_at == now && slashed == 5 * APT, 12);
        let (total, paid, successful, disputes, upheld, pending) =
            validation_oracle::unpack_agent_stats(validation_oracle::agent_stats(PROVIDER_AGENT));
        assert!(total == 1 && paid == 1 && successful == 0, 13);
        assert!(disputes == 1 && upheld == 1 && pending == 0, 14);
        assert!(event::was_event_emitted(&validation_oracle::dispute_resolved_event(
            task_id, PROVIDER_AGENT, oracle_addr, true, 5 * APT, now
        )), 15);
        // 0 of 1 successful, 5 APT staked, 1 upheld: 0 + 10 + 100 - 100.
        assert!(validation_oracle::reputation(PROVIDER_AGENT) == 10, 16);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce, oracle = @0x0c1e)]
    fun test_dispute_rejected(
        aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer, oracle: &signer
    ) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        let oracle_addr = signer::address_of(oracle);
        validation_oracle::stake(provider, PROVIDER_AGENT, 2 * APT, 0);
        let task_id = paid_task(provider, &sk, 7);
        validation_oracle::create_dispute(principal, task_id, reason(), evidence());
        add_oracle(aether, oracle_addr);
        validation_oracle::resolve_dispute(oracle, task_id, false);
        let now = timestamp::now_seconds();

        let (stake_amount, _) = validation_oracle::unpack_stake_info(validation_oracle::get_stake(PROVIDER_AGENT));
        assert!(stake_amount == 2 * APT, 0);
        let (_, _, _, _, _, _, _, _, _, task_status) = validation_oracle::unpack_task_info(validation_oracle::get_task(task_id));
        assert!(task_status == 3, 1);
        let (_, _, _, _, _, _, d_status, resolver, _, slashed) =
            validation_oracle::unpack_dispute_info(validation_oracle::get_dispute(task_id));
        assert!(d_status == 2 && resolver == oracle_addr && slashed == 0, 2);
        let (_, paid, successful, disputes, upheld, pending) =
            validation_oracle::unpack_agent_stats(validation_oracle::agent_stats(PROVIDER_AGENT));
        assert!(paid == 1 && successful == 1 && disputes == 1 && upheld == 0 && pending == 0, 3);
        assert!(event::was_event_emitted(&validation_oracle::dispute_resolved_event(
            task_id, PROVIDER_AGENT, oracle_addr, false, 0, now
        )), 4);
        // With no dispute pending the stake can leave.
        validation_oracle::unstake(provider, PROVIDER_AGENT, 2 * APT);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce, carol = @0xca201, oracle = @0x0c1e)]
    fun test_client_agent_owner_disputes_and_custom_slash(
        aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer, carol: &signer,
        oracle: &signer
    ) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        let carol_addr = signer::address_of(carol);
        let task_id = paid_task(provider, &sk, 7);
        // The client agent changes hands: its new owner may dispute although it did not pay.
        agent_card::transfer(principal, CLIENT_AGENT, carol_addr);
        validation_oracle::create_dispute(carol, task_id, reason(), evidence());
        let (_, _, disputer, _, _, _, _, _, _, _) =
            validation_oracle::unpack_dispute_info(validation_oracle::get_dispute(task_id));
        assert!(disputer == carol_addr, 0);

        // Upheld without any stake: nothing to slash, the counters still move.
        add_oracle(aether, signer::address_of(oracle));
        validation_oracle::set_slash_bps(aether, 10000);
        validation_oracle::set_treasury(aether, @0x7ea5);
        validation_oracle::resolve_dispute(oracle, task_id, true);
        let (_, _, _, _, _, _, _, _, _, slashed) =
            validation_oracle::unpack_dispute_info(validation_oracle::get_dispute(task_id));
        assert!(slashed == 0, 1);
        let (_, _, successful, _, upheld, _) =
            validation_oracle::unpack_agent_stats(validation_oracle::agent_stats(PROVIDER_AGENT));
        assert!(successful == 0 && upheld == 1, 2);

        // A second upheld dispute with 100 % slashing sends the whole stake to the new treasury.
        validation_oracle::stake(provider, PROVIDER_AGENT, 3 * APT, 0);
        let second = paid_task(provider, &sk, 8);
        validation_oracle::create_dispute(principal, second, reason(), evidence());
        validation_oracle::resolve_dispute(oracle, second, true);
        let (stake_amount, _) = validation_oracle::unpack_stake_info(validation_oracle::get_stake(PROVIDER_AGENT));
        assert!(stake_amount == 0, 3);
        assert!(test_helpers::balance(@0x7ea5) == 3 * APT, 4);
        // 0 of 2 successful, no stake, 2 upheld: clamped to 0.
        assert!(validation_oracle::reputation(PROVIDER_AGENT) == 0, 5);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    fun test_admin_functions(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        let new_admin = signer::address_of(provider);

        validation_oracle::add_oracle(aether, @0x0c1e);
        validation_oracle::remove_oracle(aether, @0x0c1e);
        assert!(!validation_oracle::is_oracle(@0x0c1e), 0);
        assert!(event::was_event_emitted(&validation_oracle::oracle_removed_event(@0x0c1e)), 1);

        validation_oracle::set_dispute_window(aether, 2592000);
        assert!(event::was_event_emitted(&validation_oracle::config_updated_event(
            @aether_addr, 2592000, 5000, @aether_addr
        )), 2);
        validation_oracle::set_slash_bps(aether, 0);
        assert!(event::was_event_emitted(&validation_oracle::config_updated_event(
            @aether_addr, 2592000, 0, @aether_addr
        )), 3);
        validation_oracle::set_treasury(aether, @0x7ea5);
        assert!(event::was_event_emitted(&validation_oracle::config_updated_event(
            @aether_addr, 2592000, 0, @0x7ea5
        )), 4);
        validation_oracle::set_admin(aether, new_admin);
        assert!(event::was_event_emitted(&validation_oracle::config_updated_event(
            new_admin, 2592000, 0, @0x7ea5
        )), 5);
        let (admin, window, bps, treasury) = validation_oracle::unpack_oracle_config(validation_oracle::get_config());
        assert!(admin == new_admin && window == 2592000 && bps == 0 && treasury == @0x7ea5, 6);

        // The new admin holds the role.
        validation_oracle::set_dispute_window(provider, 1);
        let (_, window, _, _) = validation_oracle::unpack_oracle_config(validation_oracle::get_config());
        assert!(window == 1, 7);
    }

    #[test]
    fun test_reputation_formula() {
        // The documented example: 38 of 40 (95 %), 10 APT staked, 2 upheld → 475 + 20 + 100 − 200.
        assert!(validation_oracle::reputation_score_for_test(38, 40, 10 * APT, 2) == 395, 0);
        assert!(validation_oracle::reputation_score_for_test(0, 0, 0, 0) == 100, 1);
        // Rounded down: 500 / 3 = 166, 1.5 APT → 3 points.
        assert!(validation_oracle::reputation_score_for_test(1, 3, 150000000, 0) == 269, 2);
        // 0.49999999 APT → 0 points.
        assert!(validation_oracle::reputation_score_for_test(0, 0, 49999999, 0) == 100, 3);
        // Clamped to 0 and to 1000.
        assert!(validation_oracle::reputation_score_for_test(0, 1, 0, 5) == 0, 4);
        assert!(validation_oracle::reputation_score_for_test(40, 40, 1000 * APT, 0) == 1000, 5);
        // No overflow at the extremes (computed in u128).
        assert!(validation_oracle::reputation_score_for_test(18446744073709551615, 18446744073709551615, 18446744073709551615, 0) == 1000, 6);
        assert!(validation_oracle::reputation_score_for_test(0, 0, 0, 18446744073709551615) == 0, 7);
    }

    //
    // Abort codes
    //

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x50001, location = aether_addr::validation_oracle)]
    fun test_add_oracle_not_admin(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::add_oracle(provider, @0x0c1e);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x50001, location = aether_addr::validation_oracle)]
    fun test_set_treasury_not_admin(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::set_treasury(provider, signer::address_of(provider));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x50002, location = aether_addr::validation_oracle)]
    fun test_resolve_not_oracle(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        let task_id = paid_task(provider, &sk, 7);
        validation_oracle::create_dispute(principal, task_id, reason(), evidence());
        validation_oracle::resolve_dispute(principal, task_id, false);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x50003, location = aether_addr::validation_oracle)]
    fun test_stake_not_owner(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::stake(principal, PROVIDER_AGENT, APT, 0);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x50003, location = aether_addr::validation_oracle)]
    fun test_submit_not_owner(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::submit_task_result(principal, PROVIDER_AGENT, task_type(), result_hash());
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x60004, location = aether_addr::validation_oracle)]
    fun test_stake_unknown_agent(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::stake(provider, 9, APT, 0);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr)]
    #[expected_failure(abort_code = 0x60004, location = aether_addr::validation_oracle)]
    fun test_reputation_unknown_agent(aptos_framework: &signer, aether: &signer) {
        test_helpers::setup(aptos_framework, aether);
        validation_oracle::reputation(1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x10005, location = aether_addr::validation_oracle)]
    fun test_stake_zero(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::stake(provider, PROVIDER_AGENT, 0, 0);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x10005, location = aether_addr::validation_oracle)]
    fun test_unstake_zero(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::stake(provider, PROVIDER_AGENT, APT, 0);
        validation_oracle::unstake(provider, PROVIDER_AGENT, 0);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x10006, location = aether_addr::validation_oracle)]
    fun test_stake_lock_too_long(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::stake(provider, PROVIDER_AGENT, APT, 31536001);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x60007, location = aether_addr::validation_oracle)]
    fun test_unstake_without_stake(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::unstake(provider, PROVIDER_AGENT, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x60007, location = aether_addr::validation_oracle)]
    fun test_unstake_after_full_unstake(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::stake(provider, PROVIDER_AGENT, APT, 0);
        validation_oracle::unstake(provider, PROVIDER_AGENT, APT);
        validation_oracle::unstake(provider, PROVIDER_AGENT, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x30008, location = aether_addr::validation_oracle)]
    fun test_unstake_locked(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::stake(provider, PROVIDER_AGENT, APT, 100);
        timestamp::fast_forward_seconds(99);
        validation_oracle::unstake(provider, PROVIDER_AGENT, APT);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x10009, location = aether_addr::validation_oracle)]
    fun test_unstake_too_much(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::stake(provider, PROVIDER_AGENT, APT, 0);
        validation_oracle::unstake(provider, PROVIDER_AGENT, APT + 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x3000a, location = aether_addr::validation_oracle)]
    fun test_unstake_dispute_pending(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::stake(provider, PROVIDER_AGENT, APT, 0);
        let task_id = paid_task(provider, &sk, 7);
        validation_oracle::create_dispute(principal, task_id, reason(), evidence());
        validation_oracle::unstake(provider, PROVIDER_AGENT, APT);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x1000b, location = aether_addr::validation_oracle)]
    fun test_submit_bad_result_hash(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::submit_task_result(provider, PROVIDER_AGENT, task_type(), test_helpers::bytes_of(1, 31));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x1000c, location = aether_addr::validation_oracle)]
    fun test_submit_empty_task_type(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        // The task type is checked before the hash.
        validation_oracle::submit_task_result(provider, PROVIDER_AGENT, utf8(b""), test_helpers::bytes_of(1, 31));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x1000c, location = aether_addr::validation_oracle)]
    fun test_submit_paid_long_task_type(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::submit_paid_task_result(
            provider, PROVIDER_AGENT, test_helpers::string_of_length(65), result_hash(), SESSION, 7
        );
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x6000d, location = aether_addr::validation_oracle)]
    fun test_dispute_unknown_task(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::create_dispute(principal, 5, reason(), evidence());
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x6000d, location = aether_addr::validation_oracle)]
    fun test_get_task_not_found(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::get_task(1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x6000e, location = aether_addr::validation_oracle)]
    fun test_submit_paid_unknown_payment(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::submit_paid_task_result(provider, PROVIDER_AGENT, task_type(), result_hash(), SESSION, 99);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x1000f, location = aether_addr::validation_oracle)]
    fun test_submit_paid_payment_to_someone_else(
        aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer
    ) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        test_helpers::pay(principal, &sk, SESSION, @0xca201, AMOUNT, 7);
        validation_oracle::submit_paid_task_result(provider, PROVIDER_AGENT, task_type(), result_hash(), SESSION, 7);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x10010, location = aether_addr::validation_oracle)]
    fun test_submit_paid_self_paid(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        // The provider opens a session (session 2) for its own agent and pays itself.
        let (session_id, own_sk) = test_helpers::open_session(provider, PROVIDER_AGENT, ALLOWANCE, 10, 3600);
        let provider_addr = signer::address_of(provider);
        test_helpers::pay(provider, &own_sk, session_id, provider_addr, AMOUNT, 1);
        validation_oracle::submit_paid_task_result(provider, PROVIDER_AGENT, task_type(), result_hash(), session_id, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x80011, location = aether_addr::validation_oracle)]
    fun test_submit_paid_payment_reused(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        paid_task(provider, &sk, 7);
        validation_oracle::submit_paid_task_result(provider, PROVIDER_AGENT, task_type(), result_hash(), SESSION, 7);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x30012, location = aether_addr::validation_oracle)]
    fun test_dispute_unpaid_task(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::submit_task_result(provider, PROVIDER_AGENT, task_type(), result_hash());
        validation_oracle::create_dispute(principal, 1, reason(), evidence());
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x30013, location = aether_addr::validation_oracle)]
    fun test_dispute_window_closed(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        let task_id = paid_task(provider, &sk, 7);
        timestamp::fast_forward_seconds(DAY_SECS + 1);
        validation_oracle::create_dispute(principal, task_id, reason(), evidence());
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x80014, location = aether_addr::validation_oracle)]
    fun test_dispute_twice(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        let task_id = paid_task(provider, &sk, 7);
        validation_oracle::create_dispute(principal, task_id, reason(), evidence());
        validation_oracle::create_dispute(principal, task_id, reason(), evidence());
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce, carol = @0xca201)]
    #[expected_failure(abort_code = 0x50015, location = aether_addr::validation_oracle)]
    fun test_dispute_not_payer(
        aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer, carol: &signer
    ) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        let task_id = paid_task(provider, &sk, 7);
        validation_oracle::create_dispute(carol, task_id, reason(), evidence());
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x10016, location = aether_addr::validation_oracle)]
    fun test_dispute_empty_reason(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        let task_id = paid_task(provider, &sk, 7);
        validation_oracle::create_dispute(principal, task_id, utf8(b""), evidence());
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x10016, location = aether_addr::validation_oracle)]
    fun test_dispute_reason_too_long(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        let task_id = paid_task(provider, &sk, 7);
        validation_oracle::create_dispute(principal, task_id, test_helpers::string_of_length(513), evidence());
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x10017, location = aether_addr::validation_oracle)]
    fun test_dispute_bad_evidence(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        let task_id = paid_task(provider, &sk, 7);
        validation_oracle::create_dispute(principal, task_id, reason(), test_helpers::bytes_of(1, 33));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x60018, location = aether_addr::validation_oracle)]
    fun test_resolve_without_dispute(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        let task_id = paid_task(provider, &sk, 7);
        add_oracle(aether, @aether_addr);
        validation_oracle::resolve_dispute(aether, task_id, true);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x60018, location = aether_addr::validation_oracle)]
    fun test_get_dispute_not_found(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        setup_world(aptos_framework, aether, provider, principal);
        validation_oracle::get_dispute(1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    #[expected_failure(abort_code = 0x30019, location = aether_addr::validation_oracle)]
    fun test_resolve_twice(aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        let task_id = paid_task(provider, &sk, 7);
        validation_oracle::create_dispute(principal, task_id, reason(), evidence());
        add_oracle(aether, @aether_addr);
        validation_oracle::resolve_dispute(aether, task_id, false);
        validation_oracle::resolve_dispute(aether, task_id, true);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr)]
    #[expected_failure(abort_code = 0x8001a, location = aether_addr::validation_oracle)]
    fun test_add_oracle_twice(aptos_framework: &signer, aether: &signer) {
        test_helpers::setup(aptos_framework, aether);
        validation_oracle::add_oracle(aether, @0x0c1e);
        validation_oracle::add_oracle(aether, @0x0c1e);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr)]
    #[expected_failure(abort_code = 0x6001b, location = aether_addr::validation_oracle)]
    fun test_remove_unknown_oracle(aptos_framework: &signer, aether: &signer) {
        test_helpers::setup(aptos_framework, aether);
        validation_oracle::remove_oracle(aether, @0x0c1e);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr)]
    #[expected_failure(abort_code = 0x1001c, location = aether_addr::validation_oracle)]
    fun test_set_slash_bps_too_high(aptos_framework: &signer, aether: &signer) {
        test_helpers::setup(aptos_framework, aether);
        validation_oracle::set_slash_bps(aether, 10001);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr)]
    #[expected_failure(abort_code = 0x1001d, location = aether_addr::validation_oracle)]
    fun test_set_dispute_window_zero(aptos_framework: &signer, aether: &signer) {
        test_helpers::setup(aptos_framework, aether);
        validation_oracle::set_dispute_window(aether, 0);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr)]
    #[expected_failure(abort_code = 0x1001d, location = aether_addr::validation_oracle)]
    fun test_set_dispute_window_too_long(aptos_framework: &signer, aether: &signer) {
        test_helpers::setup(aptos_framework, aether);
        validation_oracle::set_dispute_window(aether, 2592001);
    }

    // Keeps `delegated_sessions` in the imports honest: the paid result references a real payment.
    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, provider = @0x9001, principal = @0xa11ce)]
    fun test_paid_result_references_session_payment(
        aptos_framework: &signer, aether: &signer, provider: &signer, principal: &signer
    ) {
        let sk = setup_world(aptos_framework, aether, provider, principal);
        paid_task(provider, &sk, 7);
        assert!(delegated_sessions::is_nonce_used(SESSION, 7), 0);
        assert!(delegated_sessions::payment_payee(SESSION, 7) == signer::address_of(provider), 1);
    }
}
