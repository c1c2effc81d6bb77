#[test_only]
// Cross-module scenario: the script the Rust integration test replays against the localnet.
//
// Chain id 4, block time starts at START_TIME_SECS, APT amounts in octas (1 APT = 10^8).
//
//  1. Fund PRINCIPAL with 100 APT and PROVIDER with 10 APT. The principal also owns the client agent.
//  2. PROVIDER registers agent 1 ("translator", caps ["translate", "summarize"], rate 15_000_000);
//     PRINCIPAL registers agent 2 ("shopper").
//  3. PRINCIPAL creates session 1 for agent 2: allowance 1 APT, max_requests 10, duration 3600 s.
//  4. FACILITATOR submits `pay` of 15_000_000 to PROVIDER with nonce 7, valid_until now + 60
//     → session spent 15_000_000, requests_used 1. Reusing nonce 7 aborts ENONCE_USED.
//  5. PROVIDER stakes 10 APT for agent 1 with lock 86_400 s.
//  6. PROVIDER submits a paid result for agent 1 (session 1, nonce 7) → task 1, and an unpaid
//     result → task 2.
//  7. PRINCIPAL disputes task 1 within the window; the admin adds ORACLE, which resolves it upheld
//     → stake 5 APT, treasury (@aether_addr) + 5 APT, agent 1 stats successful 0 / paid 1 /
//     upheld 1, reputation 0 + 10 + 100 − 100 = 10.
//  8. A second payment (nonce 8) backs a second paid result → task 3; after fast-forwarding
//     86_401 s, disputing task 3 aborts EDISPUTE_WINDOW_CLOSED.
//  9. The lock is over: PROVIDER unstakes the remaining 5 APT; PRINCIPAL revokes session 1 and is
//     refunded 1 APT − 2 × 15_000_000 = 70_000_000.
//
// Steps that must abort get their own #[test]; each test replays the steps before it.
module aether_addr::scenario_tests {
    use std::signer;
    use std::string::{Self, String};

    use aptos_std::ed25519;

    use aptos_framework::event;
    use aptos_framework::timestamp;

    use aether_addr::agent_card;
    use aether_addr::delegated_sessions;
    use aether_addr::test_helpers;
    use aether_addr::validation_oracle;

    // Actors (the #[test] attributes below use the same literals).
    const PRINCIPAL: address = @0xa11ce;
    const PROVIDER: address = @0xb0b;
    const ORACLE: address = @0x0c1e;
    const FACILITATOR: address = @0xfac;
    /// Receives slashed stake (set by `init_module`).
    const TREASURY: address = @aether_addr;

    // Chain.
    const CHAIN_ID: u8 = 4;
    const START_TIME_SECS: u64 = 1700000000;

    // Step 1.
    const PRINCIPAL_FUNDS: u64 = 10000000000;
    const PROVIDER_FUNDS: u64 = 1000000000;

    // Step 2.
    const PROVIDER_AGENT_ID: u64 = 1;
    const PROVIDER_AGENT_NAME: vector<u8> = b"translator";
    const PROVIDER_AGENT_RATE: u64 = 15000000;
    const CLIENT_AGENT_ID: u64 = 2;
    const CLIENT_AGENT_NAME: vector<u8> = b"shopper";

    // Step 3.
    const SESSION_ID: u64 = 1;
    const SESSION_ALLOWANCE: u64 = 100000000;
    const SESSION_MAX_REQUESTS: u64 = 10;
    const SESSION_DURATION_SECS: u64 = 3600;

    // Step 4.
    const PAYMENT_AMOUNT: u64 = 15000000;
    const FIRST_NONCE: u64 = 7;
    const AUTHORIZATION_VALIDITY_SECS: u64 = 60;

    // Step 5.
    const STAKE_AMOUNT: u64 = 1000000000;
    const STAKE_LOCK_SECS: u64 = 86400;

    // Step 6.
    const PAID_TASK_ID: u64 = 1;
    const UNPAID_TASK_ID: u64 = 2;
    const TASK_TYPE: vector<u8> = b"translate";

    // Step 7.
    const DISPUTE_REASON: vector<u8> = b"translation is in the wrong language";
    const EXPECTED_SLASH: u64 = 500000000;
    const EXPECTED_STAKE_AFTER_SLASH: u64 = 500000000;
    const EXPECTED_REPUTATION_AFTER_SLASH: u64 = 10;

    // Step 8.
    const SECOND_NONCE: u64 = 8;
    const SECOND_PAID_TASK_ID: u64 = 3;
    const FAST_FORWARD_SECS: u64 = 86401;

    // Step 9.
    const EXPECTED_REFUND: u64 = 70000000;
    /// 10 APT − 10 APT staked + 2 payments + 5 APT unstaked.
    const EXPECTED_PROVIDER_FINAL_BALANCE: u64 = 530000000;
    /// 100 APT − 1 APT escrowed + refund.
    const EXPECTED_PRINCIPAL_FINAL_BALANCE: u64 = 9970000000;

    fun utf8(bytes: vector<u8>): String {
        string::utf8(bytes)
    }

    fun result_hash(seed: u8): vector<u8> {
        test_helpers::hash32(seed)
    }

    fun evidence_hash(): vector<u8> {
        test_helpers::hash32(0xee)
    }

    //
    // Steps
    //

    fun step1_fund(aptos_framework: &signer, aether: &signer) {
        test_helpers::setup(aptos_framework, aether);
        assert!(timestamp::now_seconds() == START_TIME_SECS, 100);
        assert!(test_helpers::chain() == CHAIN_ID, 101);
        test_helpers::fund(PRINCIPAL, PRINCIPAL_FUNDS);
        test_helpers::fund(PROVIDER, PROVIDER_FUNDS);
        assert!(test_helpers::balance(PRINCIPAL) == PRINCIPAL_FUNDS, 102);
        assert!(test_helpers::balance(PROVIDER) == PROVIDER_FUNDS, 103);
    }

    fun step2_register(provider: &signer, principal: &signer) {
        agent_card::register(
            provider,
            utf8(PROVIDER_AGENT_NAME),
            utf8(b"Translates and summarizes documents"),
            vector[utf8(b"translate"), utf8(b"summarize")],
            utf8(b"https://translator.example/x402"),
            PROVIDER_AGENT_RATE,
            utf8(b"https://translator.example/manifest.json"),
            test_helpers::hash32(0x01),
            utf8(b""),
        );
        agent_card::register(
            principal,
            utf8(CLIENT_AGENT_NAME),
            utf8(b"Buys services for its principal"),
            vector[utf8(b"shop")],
            utf8(b""),
            0,
            utf8(b""),
            test_helpers::hash32(0x02),
            utf8(b""),
        );
        assert!(agent_card::owner_of(PROVIDER_AGENT_ID) == PROVIDER, 200);
        assert!(agent_card::owner_of(CLIENT_AGENT_ID) == PRINCIPAL, 201);
        let (_, _, _, name, _, caps, _, rate, _, _, _, active, _, _, _, _, _) =
            agent_card::unpack_card_info(agent_card::get_card(PROVIDER_AGENT_ID));
        assert!(name == utf8(PROVIDER_AGENT_NAME) && rate == PROVIDER_AGENT_RATE && active, 202);
        assert!(caps == vector[utf8(b"translate"), utf8(b"summarize")], 203);
    }

    fun step3_open_session(principal: &signer): ed25519::SecretKey {
        let (sk, pk) = test_helpers::new_session_key();
        delegated_sessions::create_session(
            principal, CLIENT_AGENT_ID, pk, SESSION_ALLOWANCE, SESSION_MAX_REQUESTS, SESSION_DURATION_SECS
        );
        assert!(delegated_sessions::session_count() == SESSION_ID, 300);
        assert!(delegated_sessions::remaining_allowance(SESSION_ID) == SESSION_ALLOWANCE, 301);
        assert!(test_helpers::balance(delegated_sessions::escrow_address()) == SESSION_ALLOWANCE, 302);
        assert!(test_helpers::balance(PRINCIPAL) == PRINCIPAL_FUNDS - SESSION_ALLOWANCE, 303);
        sk
    }

    /// Signs and submits a payment of `PAYMENT_AMOUNT` to PROVIDER with `nonce`.
    fun pay_provider(facilitator: &signer, sk: &ed25519::SecretKey, nonce: u64) {
        let valid_until = timestamp::now_seconds() + AUTHORIZATION_VALIDITY_SECS;
        let signature = delegated_sessions::sign_payment_for_test(
            sk, CHAIN_ID, SESSION_ID, PROVIDER, PAYMENT_AMOUNT, nonce, valid_until
        );
        delegated_sessions::pay(
            facilitator, SESSION_ID, CHAIN_ID, PROVIDER, PAYMENT_AMOUNT, nonce, valid_until, signature
        );
    }

    fun step4_first_payment(facilitator: &signer, sk: &ed25519::SecretKey) {
        pay_provider(facilitator, sk, FIRST_NONCE);
        let (_, _, _, _, deposited, spent, _, requests_used, _, _, status) =
            delegated_sessions::unpack_session_info(delegated_sessions::get_session(SESSION_ID));
        assert!(deposited == SESSION_ALLOWANCE && spent == PAYMENT_AMOUNT && requests_used == 1, 400);
        assert!(status == 0, 401);
        assert!(delegated_sessions::is_nonce_used(SESSION_ID, FIRST_NONCE), 402);
        assert!(test_helpers::balance(PROVIDER) == PROVIDER_FUNDS + PAYMENT_AMOUNT, 403);
        assert!(event::was_event_emitted(&delegated_sessions::payment_settled_event(
            SESSION_ID, PROVIDER, PAYMENT_AMOUNT, FIRST_NONCE, PAYMENT_AMOUNT, 1, START_TIME_SECS
        )), 404);
    }

    fun step5_stake(provider: &signer) {
        validation_oracle::stake(provider, PROVIDER_AGENT_ID, STAKE_AMOUNT, STAKE_LOCK_SECS);
        let (amount, locked_until) =
            validation_oracle::unpack_stake_info(validation_oracle::get_stake(PROVIDER_AGENT_ID));
        assert!(amount == STAKE_AMOUNT && locked_until == START_TIME_SECS + STAKE_LOCK_SECS, 500);
        assert!(test_helpers::balance(PROVIDER) == PROVIDER_FUNDS + PAYMENT_AMOUNT - STAKE_AMOUNT, 501);
    }

    fun step6_submit_results(provider: &signer) {
        validation_oracle::submit_paid_task_result(
            provider, PROVIDER_AGENT_ID, utf8(TASK_TYPE), result_hash(0x61), SESSION_ID, FIRST_NONCE
        );
        validation_oracle::submit_task_result(provider, PROVIDER_AGENT_ID, utf8(TASK_TYPE), result_hash(0x62));
        assert!(validation_oracle::task_count() == UNPAID_TASK_ID, 600);
        let (_, _, _, _, _, paid, session_id, nonce, payer, status) =
            validation_oracle::unpack_task_info(validation_oracle::get_task(PAID_TASK_ID));
        assert!(paid && session_id == SESSION_ID && nonce == FIRST_NONCE && payer == PRINCIPAL && status == 0, 601);
        let (_, _, _, _, _, paid, _, _, payer, _) =
            validation_oracle::unpack_task_info(validation_oracle::get_task(UNPAID_TASK_ID));
        assert!(!paid && payer == @0x0, 602);
        let (total, paid_tasks, successful, _, _, _) =
            validation_oracle::unpack_agent_stats(validation_oracle::agent_stats(PROVIDER_AGENT_ID));
        assert!(total == 2 && paid_tasks == 1 && successful == 1, 603);
    }

    fun step7_dispute_and_slash(aether: &signer, principal: &signer, oracle: &signer) {
        validation_oracle::create_dispute(principal, PAID_TASK_ID, utf8(DISPUTE_REASON), evidence_hash());
        let (_, _, _, disputes, _, pending) =
            validation_oracle::unpack_agent_stats(validation_oracle::agent_stats(PROVIDER_AGENT_ID));
        assert!(disputes == 1 && pending == 1, 700);

        let treasury_before = test_helpers::balance(TREASURY);
        validation_oracle::add_oracle(aether, ORACLE);
        validation_oracle::resolve_dispute(oracle, PAID_TASK_ID, true);

        let (amount, _) = validation_oracle::unpack_stake_info(validation_oracle::get_stake(PROVIDER_AGENT_ID));
        assert!(amount == EXPECTED_STAKE_AFTER_SLASH, 701);
        assert!(test_helpers::balance(TREASURY) == treasury_before + EXPECTED_SLASH, 702);
        let (total, paid, successful, disputes, upheld, pending) =
            validation_oracle::unpack_agent_stats(validation_oracle::agent_stats(PROVIDER_AGENT_ID));
        assert!(successful == 0 && paid == 1 && upheld == 1, 703);
        assert!(total == 2 && disputes == 1 && pending == 0, 704);
        let (_, _, _, _, _, _, _, _, _, task_status) =
            validation_oracle::unpack_task_info(validation_oracle::get_task(PAID_TASK_ID));
        assert!(task_status == 2, 705);
        assert!(validation_oracle::reputation(PROVIDER_AGENT_ID) == EXPECTED_REPUTATION_AFTER_SLASH, 706);
        assert!(event::was_event_emitted(&validation_oracle::dispute_resolved_event(
            PAID_TASK_ID, PROVIDER_AGENT_ID, ORACLE, true, EXPECTED_SLASH, START_TIME_SECS
        )), 707);
    }

    /// Second payment and paid result (task 3), then the clock moves past the window and the lock.
    fun step8_second_paid_task(facilitator: &signer, provider: &signer, sk: &ed25519::SecretKey) {
        pay_provider(facilitator, sk, SECOND_NONCE);
        validation_oracle::submit_paid_task_result(
            provider, PROVIDER_AGENT_ID, utf8(TASK_TYPE), result_hash(0x63), SESSION_ID, SECOND_NONCE
        );
        assert!(validation_oracle::task_count() == SECOND_PAID_TASK_ID, 800);
        timestamp::fast_forward_seconds(FAST_FORWARD_SECS);
    }

    /// Steps 1 to 7; returns the session key.
    fun run_steps_1_to_7(
        aptos_framework: &signer,
        aether: &signer,
        principal: &signer,
        provider: &signer,
        oracle: &signer,
        facilitator: &signer,
    ): ed25519::SecretKey {
        step1_fund(aptos_framework, aether);
        step2_register(provider, principal);
        let sk = step3_open_session(principal);
        step4_first_payment(facilitator, &sk);
        step5_stake(provider);
        step6_submit_results(provider);
        step7_dispute_and_slash(aether, principal, oracle);
        sk
    }

    //
    // Tests
    //

    #[test(
        aptos_framework = @aptos_framework, aether = @aether_addr, principal = @0xa11ce, provider = @0xb0b,
        oracle = @0x0c1e, facilitator = @0xfac
    )]
    fun test_scenario_steps_1_to_7(
        aptos_framework: &signer,
        aether: &signer,
        principal: &signer,
        provider: &signer,
        oracle: &signer,
        facilitator: &signer,
    ) {
        assert!(signer::address_of(principal) == PRINCIPAL && signer::address_of(provider) == PROVIDER, 0);
        assert!(signer::address_of(oracle) == ORACLE && signer::address_of(facilitator) == FACILITATOR, 1);
        run_steps_1_to_7(aptos_framework, aether, principal, provider, oracle, facilitator);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, principal = @0xa11ce, provider = @0xb0b, facilitator = @0xfac)]
    #[expected_failure(abort_code = 0x80006, location = aether_addr::delegated_sessions)]
    fun test_scenario_step4_nonce_reuse_aborts(
        aptos_framework: &signer,
        aether: &signer,
        principal: &signer,
        provider: &signer,
        facilitator: &signer,
    ) {
        step1_fund(aptos_framework, aether);
        step2_register(provider, principal);
        let sk = step3_open_session(principal);
        step4_first_payment(facilitator, &sk);
        pay_provider(facilitator, &sk, FIRST_NONCE);
    }

    #[test(
        aptos_framework = @aptos_framework, aether = @aether_addr, principal = @0xa11ce, provider = @0xb0b,
        oracle = @0x0c1e, facilitator = @0xfac
    )]
    #[expected_failure(abort_code = 0x30013, location = aether_addr::validation_oracle)]
    fun test_scenario_step8_late_dispute_aborts(
        aptos_framework: &signer,
        aether: &signer,
        principal: &signer,
        provider: &signer,
        oracle: &signer,
        facilitator: &signer,
    ) {
        let sk = run_steps_1_to_7(aptos_framework, aether, principal, provider, oracle, facilitator);
        step8_second_paid_task(facilitator, provider, &sk);
        validation_oracle::create_dispute(principal, SECOND_PAID_TASK_ID, utf8(DISPUTE_REASON), evidence_hash());
    }

    #[test(
        aptos_framework = @aptos_framework, aether = @aether_addr, principal = @0xa11ce, provider = @0xb0b,
        oracle = @0x0c1e, facilitator = @0xfac
    )]
    fun test_scenario_step9_unstake_and_revoke(
        aptos_framework: &signer,
        aether: &signer,
        principal: &signer,
        provider: &signer,
        oracle: &signer,
        facilitator: &signer,
    ) {
        let sk = run_steps_1_to_7(aptos_framework, aether, principal, provider, oracle, facilitator);
        step8_second_paid_task(facilitator, provider, &sk);

        // The lock (START_TIME_SECS + STAKE_LOCK_SECS) is over and no dispute is pending.
        validation_oracle::unstake(provider, PROVIDER_AGENT_ID, EXPECTED_STAKE_AFTER_SLASH);
        let (amount, _) = validation_oracle::unpack_stake_info(validation_oracle::get_stake(PROVIDER_AGENT_ID));
        assert!(amount == 0, 900);
        assert!(test_helpers::balance(PROVIDER) == EXPECTED_PROVIDER_FINAL_BALANCE, 901);

        // The session expired during the fast-forward but is still active, so the principal can revoke it.
        delegated_sessions::revoke(principal, SESSION_ID);
        assert!(test_helpers::balance(PRINCIPAL) == EXPECTED_PRINCIPAL_FINAL_BALANCE, 902);
        assert!(test_helpers::balance(delegated_sessions::escrow_address()) == 0, 903);
        assert!(event::was_event_emitted(&delegated_sessions::session_revoked_event(
            SESSION_ID, EXPECTED_REFUND, START_TIME_SECS + FAST_FORWARD_SECS
        )), 904);
        let (_, _, _, _, deposited, spent, _, requests_used, _, _, status) =
            delegated_sessions::unpack_session_info(delegated_sessions::get_session(SESSION_ID));
        assert!(deposited - spent == EXPECTED_REFUND && requests_used == 2 && status == 1, 905);
        // The second paid result still counts: 1 of 2 successful.
        let (_, paid, successful, _, upheld, _) =
            validation_oracle::unpack_agent_stats(validation_oracle::agent_stats(PROVIDER_AGENT_ID));
        assert!(paid == 2 && successful == 1 && upheld == 1, 906);
        // 1 × 500 / 2 + 0 + 100 − 100.
        assert!(validation_oracle::reputation(PROVIDER_AGENT_ID) == 250, 907);
    }
}
