#[test_only]
// Unit tests for `aether_addr::delegated_sessions`: every entry function's success path (state
// through the views, balances, events through `event::was_event_emitted`) and every abort code.
module aether_addr::delegated_sessions_tests {
    use std::signer;

    use aptos_std::ed25519;

    use aptos_framework::account;
    use aptos_framework::event;
    use aptos_framework::timestamp;

    use aether_addr::agent_card;
    use aether_addr::delegated_sessions;
    use aether_addr::test_helpers;

    /// Funds of the principal.
    const PRINCIPAL_FUNDS: u64 = 1000000000;
    /// Default session allowance (1 APT).
    const ALLOWANCE: u64 = 100000000;
    const MAX_REQUESTS: u64 = 10;
    const DURATION_SECS: u64 = 3600;
    const AMOUNT: u64 = 15000000;

    /// Sets up the framework, funds the principal (`alice`) and registers her agent 1.
    fun setup_principal(aptos_framework: &signer, aether: &signer, alice: &signer) {
        test_helpers::setup(aptos_framework, aether);
        test_helpers::fund(signer::address_of(alice), PRINCIPAL_FUNDS);
        test_helpers::register_agent(alice, b"shopper");
    }

    /// `setup_principal` plus session 1 for agent 1 with the default limits.
    fun setup_session(aptos_framework: &signer, aether: &signer, alice: &signer): ed25519::SecretKey {
        setup_principal(aptos_framework, aether, alice);
        let (_session_id, sk) = test_helpers::open_session(alice, 1, ALLOWANCE, MAX_REQUESTS, DURATION_SECS);
        sk
    }

    fun signed(
        sk: &ed25519::SecretKey, session_id: u64, payee: address, amount: u64, nonce: u64, valid_until: u64
    ): vector<u8> {
        delegated_sessions::sign_payment_for_test(
            sk, test_helpers::chain(), session_id, payee, amount, nonce, valid_until
        )
    }

    //
    // Success paths
    //

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    fun test_create_session(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_principal(aptos_framework, aether, alice);
        let alice_addr = signer::address_of(alice);
        let (_sk, pk) = test_helpers::new_session_key();
        delegated_sessions::create_session(alice, 1, pk, ALLOWANCE, MAX_REQUESTS, DURATION_SECS);
        let now = timestamp::now_seconds();

        let escrow = delegated_sessions::escrow_address();
        assert!(escrow == account::create_resource_address(&@aether_addr, b"aether::delegated_sessions"), 0);
        assert!(test_helpers::balance(escrow) == ALLOWANCE, 1);
        assert!(test_helpers::balance(alice_addr) == PRINCIPAL_FUNDS - ALLOWANCE, 2);
        assert!(delegated_sessions::session_count() == 1, 3);

        let (
            id, principal, agent_id, session_pubkey, deposited, spent, max_requests, requests_used, created_at,
            expires_at, status
        ) = delegated_sessions::unpack_session_info(delegated_sessions::get_session(1));
        assert!(id == 1 && principal == alice_addr && agent_id == 1, 4);
        assert!(session_pubkey == pk, 5);
        assert!(deposited == ALLOWANCE && spent == 0, 6);
        assert!(max_requests == MAX_REQUESTS && requests_used == 0, 7);
        assert!(created_at == now && expires_at == now + DURATION_SECS, 8);
        assert!(status == 0, 9);
        assert!(delegated_sessions::remaining_allowance(1) == ALLOWANCE, 10);
        assert!(delegated_sessions::remaining_requests(1) == MAX_REQUESTS, 11);
        assert!(delegated_sessions::session_principal(1) == alice_addr, 12);
        assert!(delegated_sessions::session_agent_id(1) == 1, 13);

        assert!(event::was_event_emitted(&delegated_sessions::session_created_event(
            1, alice_addr, 1, pk, ALLOWANCE, MAX_REQUESTS, now + DURATION_SECS, now
        )), 14);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, relayer = @0xfac, bob = @0xb0b)]
    fun test_pay(aptos_framework: &signer, aether: &signer, alice: &signer, relayer: &signer, bob: &signer) {
        let sk = setup_session(aptos_framework, aether, alice);
        let bob_addr = signer::address_of(bob);
        let now = timestamp::now_seconds();
        let valid_until = now + 60;

        // Nonces are unique per session and may arrive in any order; anyone may submit.
        delegated_sessions::pay(relayer, 1, 4, bob_addr, AMOUNT, 9, valid_until, signed(&sk, 1, bob_addr, AMOUNT, 9, valid_until));
        delegated_sessions::pay(relayer, 1, 4, bob_addr, 1, 2, valid_until, signed(&sk, 1, bob_addr, 1, 2, valid_until));
        // Exactly at `valid_until` is still accepted.
        timestamp::fast_forward_seconds(60);
        delegated_sessions::pay(bob, 1, 4, bob_addr, 2, 3, valid_until, signed(&sk, 1, bob_addr, 2, 3, valid_until));

        assert!(test_helpers::balance(bob_addr) == AMOUNT + 3, 0);
        assert!(test_helpers::balance(delegated_sessions::escrow_address()) == ALLOWANCE - AMOUNT - 3, 1);
        assert!(delegated_sessions::remaining_allowance(1) == ALLOWANCE - AMOUNT - 3, 2);
        assert!(delegated_sessions::remaining_requests(1) == MAX_REQUESTS - 3, 3);
        assert!(delegated_sessions::is_nonce_used(1, 9), 4);
        assert!(delegated_sessions::is_nonce_used(1, 2), 5);
        assert!(!delegated_sessions::is_nonce_used(1, 1), 6);
        assert!(!delegated_sessions::is_nonce_used(7, 9), 7);

        let (payee, amount, paid_at) = delegated_sessions::unpack_payment_info(delegated_sessions::get_payment(1, 9));
        assert!(payee == bob_addr && amount == AMOUNT && paid_at == now, 8);
        assert!(delegated_sessions::payment_payee(1, 3) == bob_addr, 9);

        let (_, _, _, _, deposited, spent, _, requests_used, _, _, status) =
            delegated_sessions::unpack_session_info(delegated_sessions::get_session(1));
        assert!(deposited == ALLOWANCE && spent == AMOUNT + 3 && requests_used == 3 && status == 0, 10);

        assert!(event::was_event_emitted(&delegated_sessions::payment_settled_event(
            1, bob_addr, AMOUNT, 9, AMOUNT, 1, now
        )), 11);
        assert!(event::was_event_emitted(&delegated_sessions::payment_settled_event(
            1, bob_addr, 2, 3, AMOUNT + 3, 3, now + 60
        )), 12);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, bob = @0xb0b)]
    fun test_pay_whole_allowance_to_new_account(aptos_framework: &signer, aether: &signer, alice: &signer, bob: &signer) {
        let sk = setup_session(aptos_framework, aether, alice);
        let valid_until = timestamp::now_seconds() + 60;
        // The payee has no account yet: `aptos_account::transfer` creates it.
        delegated_sessions::pay(bob, 1, 4, @0xbeef, ALLOWANCE, 1, valid_until, signed(&sk, 1, @0xbeef, ALLOWANCE, 1, valid_until));
        assert!(test_helpers::balance(@0xbeef) == ALLOWANCE, 0);
        assert!(delegated_sessions::remaining_allowance(1) == 0, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    fun test_top_up(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_session(aptos_framework, aether, alice);
        let now = timestamp::now_seconds();
        delegated_sessions::top_up(alice, 1, 50000000);
        assert!(delegated_sessions::remaining_allowance(1) == ALLOWANCE + 50000000, 0);
        assert!(test_helpers::balance(delegated_sessions::escrow_address()) == ALLOWANCE + 50000000, 1);
        assert!(test_helpers::balance(signer::address_of(alice)) == PRINCIPAL_FUNDS - ALLOWANCE - 50000000, 2);
        assert!(event::was_event_emitted(&delegated_sessions::session_topped_up_event(
            1, 50000000, ALLOWANCE + 50000000, now
        )), 3);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, bob = @0xb0b)]
    fun test_revoke_refunds(aptos_framework: &signer, aether: &signer, alice: &signer, bob: &signer) {
        let sk = setup_session(aptos_framework, aether, alice);
        let alice_addr = signer::address_of(alice);
        let bob_addr = signer::address_of(bob);
        let now = timestamp::now_seconds();
        delegated_sessions::pay(bob, 1, 4, bob_addr, AMOUNT, 1, now + 60, signed(&sk, 1, bob_addr, AMOUNT, 1, now + 60));

        delegated_sessions::revoke(alice, 1);
        let refund = ALLOWANCE - AMOUNT;
        assert!(test_helpers::balance(alice_addr) == PRINCIPAL_FUNDS - AMOUNT, 0);
        assert!(test_helpers::balance(delegated_sessions::escrow_address()) == 0, 1);
        let (_, _, _, _, deposited, spent, _, _, _, _, status) =
            delegated_sessions::unpack_session_info(delegated_sessions::get_session(1));
        assert!(status == 1, 2);
        // The views keep reporting the session's own counters.
        assert!(deposited == ALLOWANCE && spent == AMOUNT, 3);
        assert!(delegated_sessions::remaining_allowance(1) == refund, 4);
        assert!(event::was_event_emitted(&delegated_sessions::session_revoked_event(1, refund, now)), 5);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, bob = @0xb0b)]
    fun test_revoke_fully_spent_session(aptos_framework: &signer, aether: &signer, alice: &signer, bob: &signer) {
        let sk = setup_session(aptos_framework, aether, alice);
        let bob_addr = signer::address_of(bob);
        let now = timestamp::now_seconds();
        delegated_sessions::pay(bob, 1, 4, bob_addr, ALLOWANCE, 1, now + 60, signed(&sk, 1, bob_addr, ALLOWANCE, 1, now + 60));
        delegated_sessions::revoke(alice, 1);
        assert!(event::was_event_emitted(&delegated_sessions::session_revoked_event(1, 0, now)), 0);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, bob = @0xb0b)]
    fun test_close_expired(aptos_framework: &signer, aether: &signer, alice: &signer, bob: &signer) {
        setup_session(aptos_framework, aether, alice);
        let alice_addr = signer::address_of(alice);
        timestamp::fast_forward_seconds(DURATION_SECS);
        // An expired session still reads active until it is closed.
        let (_, _, _, _, _, _, _, _, _, _, status) =
            delegated_sessions::unpack_session_info(delegated_sessions::get_session(1));
        assert!(status == 0, 0);

        delegated_sessions::close_expired(bob, 1);
        let (_, _, _, _, _, _, _, _, _, _, status_after) =
            delegated_sessions::unpack_session_info(delegated_sessions::get_session(1));
        assert!(status_after == 2, 1);
        assert!(test_helpers::balance(alice_addr) == PRINCIPAL_FUNDS, 2);
        assert!(event::was_event_emitted(&delegated_sessions::session_closed_event(
            1, signer::address_of(bob), ALLOWANCE, timestamp::now_seconds()
        )), 3);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    fun test_revoke_after_expiry(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_session(aptos_framework, aether, alice);
        timestamp::fast_forward_seconds(DURATION_SECS + 1);
        delegated_sessions::revoke(alice, 1);
        assert!(test_helpers::balance(signer::address_of(alice)) == PRINCIPAL_FUNDS, 0);
    }

    //
    // Abort codes
    //

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x60001, location = aether_addr::delegated_sessions)]
    fun test_pay_session_not_found(aptos_framework: &signer, aether: &signer, alice: &signer) {
        let sk = setup_session(aptos_framework, aether, alice);
        let valid_until = timestamp::now_seconds() + 60;
        delegated_sessions::pay(alice, 2, 4, @0xb0b, 1, 1, valid_until, signed(&sk, 2, @0xb0b, 1, 1, valid_until));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr)]
    #[expected_failure(abort_code = 0x60001, location = aether_addr::delegated_sessions)]
    fun test_get_session_not_found(aptos_framework: &signer, aether: &signer) {
        test_helpers::setup(aptos_framework, aether);
        delegated_sessions::get_session(1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, bob = @0xb0b)]
    #[expected_failure(abort_code = 0x50002, location = aether_addr::delegated_sessions)]
    fun test_revoke_not_principal(aptos_framework: &signer, aether: &signer, alice: &signer, bob: &signer) {
        setup_session(aptos_framework, aether, alice);
        delegated_sessions::revoke(bob, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, bob = @0xb0b)]
    #[expected_failure(abort_code = 0x50002, location = aether_addr::delegated_sessions)]
    fun test_top_up_not_principal(aptos_framework: &signer, aether: &signer, alice: &signer, bob: &signer) {
        setup_session(aptos_framework, aether, alice);
        test_helpers::fund(signer::address_of(bob), PRINCIPAL_FUNDS);
        delegated_sessions::top_up(bob, 1, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x30003, location = aether_addr::delegated_sessions)]
    fun test_pay_session_expired(aptos_framework: &signer, aether: &signer, alice: &signer) {
        let sk = setup_session(aptos_framework, aether, alice);
        // Expired means now >= expires_at; the authorization itself is still valid.
        timestamp::fast_forward_seconds(DURATION_SECS);
        let valid_until = timestamp::now_seconds() + 60;
        delegated_sessions::pay(alice, 1, 4, @0xb0b, 1, 1, valid_until, signed(&sk, 1, @0xb0b, 1, 1, valid_until));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x30003, location = aether_addr::delegated_sessions)]
    fun test_top_up_expired(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_session(aptos_framework, aether, alice);
        timestamp::fast_forward_seconds(DURATION_SECS);
        delegated_sessions::top_up(alice, 1, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x30004, location = aether_addr::delegated_sessions)]
    fun test_pay_revoked_session(aptos_framework: &signer, aether: &signer, alice: &signer) {
        let sk = setup_session(aptos_framework, aether, alice);
        delegated_sessions::revoke(alice, 1);
        let valid_until = timestamp::now_seconds() + 60;
        delegated_sessions::pay(alice, 1, 4, @0xb0b, 1, 1, valid_until, signed(&sk, 1, @0xb0b, 1, 1, valid_until));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x30004, location = aether_addr::delegated_sessions)]
    fun test_revoke_twice(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_session(aptos_framework, aether, alice);
        delegated_sessions::revoke(alice, 1);
        delegated_sessions::revoke(alice, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x30004, location = aether_addr::delegated_sessions)]
    fun test_close_revoked_session(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_session(aptos_framework, aether, alice);
        delegated_sessions::revoke(alice, 1);
        timestamp::fast_forward_seconds(DURATION_SECS);
        delegated_sessions::close_expired(alice, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x30005, location = aether_addr::delegated_sessions)]
    fun test_pay_authorization_expired(aptos_framework: &signer, aether: &signer, alice: &signer) {
        let sk = setup_session(aptos_framework, aether, alice);
        let valid_until = timestamp::now_seconds() - 1;
        delegated_sessions::pay(alice, 1, 4, @0xb0b, 1, 1, valid_until, signed(&sk, 1, @0xb0b, 1, 1, valid_until));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x80006, location = aether_addr::delegated_sessions)]
    fun test_pay_nonce_reused(aptos_framework: &signer, aether: &signer, alice: &signer) {
        let sk = setup_session(aptos_framework, aether, alice);
        let valid_until = timestamp::now_seconds() + 60;
        delegated_sessions::pay(alice, 1, 4, @0xb0b, 1, 5, valid_until, signed(&sk, 1, @0xb0b, 1, 5, valid_until));
        // Same nonce, different amount: still rejected.
        delegated_sessions::pay(alice, 1, 4, @0xb0b, 2, 5, valid_until, signed(&sk, 1, @0xb0b, 2, 5, valid_until));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x90007, location = aether_addr::delegated_sessions)]
    fun test_pay_above_allowance(aptos_framework: &signer, aether: &signer, alice: &signer) {
        let sk = setup_session(aptos_framework, aether, alice);
        let valid_until = timestamp::now_seconds() + 60;
        delegated_sessions::pay(alice, 1, 4, @0xb0b, AMOUNT, 1, valid_until, signed(&sk, 1, @0xb0b, AMOUNT, 1, valid_until));
        let too_much = ALLOWANCE - AMOUNT + 1;
        delegated_sessions::pay(alice, 1, 4, @0xb0b, too_much, 2, valid_until, signed(&sk, 1, @0xb0b, too_much, 2, valid_until));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x90008, location = aether_addr::delegated_sessions)]
    fun test_pay_requests_exhausted(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_principal(aptos_framework, aether, alice);
        let (session_id, sk) = test_helpers::open_session(alice, 1, ALLOWANCE, 1, DURATION_SECS);
        let valid_until = timestamp::now_seconds() + 60;
        delegated_sessions::pay(alice, session_id, 4, @0xb0b, 1, 1, valid_until, signed(&sk, session_id, @0xb0b, 1, 1, valid_until));
        delegated_sessions::pay(alice, session_id, 4, @0xb0b, 1, 2, valid_until, signed(&sk, session_id, @0xb0b, 1, 2, valid_until));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x10009, location = aether_addr::delegated_sessions)]
    fun test_pay_wrong_chain_id(aptos_framework: &signer, aether: &signer, alice: &signer) {
        let sk = setup_session(aptos_framework, aether, alice);
        let valid_until = timestamp::now_seconds() + 60;
        let signature = delegated_sessions::sign_payment_for_test(&sk, 1, 1, @0xb0b, 1, 1, valid_until);
        delegated_sessions::pay(alice, 1, 1, @0xb0b, 1, 1, valid_until, signature);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x4000a, location = aether_addr::delegated_sessions)]
    fun test_pay_short_signature(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_session(aptos_framework, aether, alice);
        let valid_until = timestamp::now_seconds() + 60;
        delegated_sessions::pay(alice, 1, 4, @0xb0b, 1, 1, valid_until, test_helpers::bytes_of(1, 63));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x4000a, location = aether_addr::delegated_sessions)]
    fun test_pay_signed_by_other_key(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_session(aptos_framework, aether, alice);
        let (other_sk, _other_pk) = test_helpers::new_session_key();
        let valid_until = timestamp::now_seconds() + 60;
        delegated_sessions::pay(alice, 1, 4, @0xb0b, 1, 1, valid_until, signed(&other_sk, 1, @0xb0b, 1, 1, valid_until));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x4000a, location = aether_addr::delegated_sessions)]
    fun test_pay_tampered_amount(aptos_framework: &signer, aether: &signer, alice: &signer) {
        let sk = setup_session(aptos_framework, aether, alice);
        let valid_until = timestamp::now_seconds() + 60;
        delegated_sessions::pay(alice, 1, 4, @0xb0b, 2, 1, valid_until, signed(&sk, 1, @0xb0b, 1, 1, valid_until));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x1000b, location = aether_addr::delegated_sessions)]
    fun test_create_session_bad_key(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_principal(aptos_framework, aether, alice);
        delegated_sessions::create_session(alice, 1, test_helpers::bytes_of(1, 31), ALLOWANCE, MAX_REQUESTS, DURATION_SECS);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x1000c, location = aether_addr::delegated_sessions)]
    fun test_create_session_zero_allowance(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_principal(aptos_framework, aether, alice);
        let (_sk, pk) = test_helpers::new_session_key();
        delegated_sessions::create_session(alice, 1, pk, 0, MAX_REQUESTS, DURATION_SECS);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x1000c, location = aether_addr::delegated_sessions)]
    fun test_pay_zero_amount(aptos_framework: &signer, aether: &signer, alice: &signer) {
        let sk = setup_session(aptos_framework, aether, alice);
        let valid_until = timestamp::now_seconds() + 60;
        delegated_sessions::pay(alice, 1, 4, @0xb0b, 0, 1, valid_until, signed(&sk, 1, @0xb0b, 0, 1, valid_until));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x1000c, location = aether_addr::delegated_sessions)]
    fun test_top_up_zero(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_session(aptos_framework, aether, alice);
        delegated_sessions::top_up(alice, 1, 0);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x1000d, location = aether_addr::delegated_sessions)]
    fun test_create_session_zero_duration(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_principal(aptos_framework, aether, alice);
        let (_sk, pk) = test_helpers::new_session_key();
        delegated_sessions::create_session(alice, 1, pk, ALLOWANCE, MAX_REQUESTS, 0);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x1000d, location = aether_addr::delegated_sessions)]
    fun test_create_session_duration_too_long(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_principal(aptos_framework, aether, alice);
        let (_sk, pk) = test_helpers::new_session_key();
        delegated_sessions::create_session(alice, 1, pk, ALLOWANCE, MAX_REQUESTS, 7776001);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x3000e, location = aether_addr::delegated_sessions)]
    fun test_close_before_expiry(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_session(aptos_framework, aether, alice);
        timestamp::fast_forward_seconds(DURATION_SECS - 1);
        delegated_sessions::close_expired(alice, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x6000f, location = aether_addr::delegated_sessions)]
    fun test_create_session_unknown_agent(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_principal(aptos_framework, aether, alice);
        let (_sk, pk) = test_helpers::new_session_key();
        delegated_sessions::create_session(alice, 2, pk, ALLOWANCE, MAX_REQUESTS, DURATION_SECS);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x30010, location = aether_addr::delegated_sessions)]
    fun test_create_session_inactive_agent(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_principal(aptos_framework, aether, alice);
        agent_card::deactivate(alice, 1);
        let (_sk, pk) = test_helpers::new_session_key();
        delegated_sessions::create_session(alice, 1, pk, ALLOWANCE, MAX_REQUESTS, DURATION_SECS);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x60011, location = aether_addr::delegated_sessions)]
    fun test_get_payment_not_found(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_session(aptos_framework, aether, alice);
        delegated_sessions::get_payment(1, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x10012, location = aether_addr::delegated_sessions)]
    fun test_create_session_zero_max_requests(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_principal(aptos_framework, aether, alice);
        let (_sk, pk) = test_helpers::new_session_key();
        delegated_sessions::create_session(alice, 1, pk, ALLOWANCE, 0, DURATION_SECS);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x10012, location = aether_addr::delegated_sessions)]
    fun test_create_session_too_many_requests(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_principal(aptos_framework, aether, alice);
        let (_sk, pk) = test_helpers::new_session_key();
        delegated_sessions::create_session(alice, 1, pk, ALLOWANCE, 10000001, DURATION_SECS);
    }
}
