#[test_only]
// Unit tests for `aether_addr::agent_card`: every entry function's success path (state through the
// views, events through `event::was_event_emitted`) and every abort code.
module aether_addr::agent_card_tests {
    use std::bcs;
    use std::signer;
    use std::string::{Self, String};
    use std::vector;

    use aptos_framework::event;
    use aptos_framework::object;
    use aptos_framework::timestamp;

    use aether_addr::agent_card::{Self, AgentCard};
    use aether_addr::test_helpers;

    const NAME: vector<u8> = b"translator";
    const DESCRIPTION: vector<u8> = b"Translates and summarizes text";
    const ENDPOINT: vector<u8> = b"https://translator.example/api";
    const RATE_OCTAS: u64 = 15000000;
    const MANIFEST_URL: vector<u8> = b"https://translator.example/manifest.json";
    const P2P_ENDPOINT: vector<u8> = b"/ip4/127.0.0.1/tcp/4001";

    fun utf8(bytes: vector<u8>): String {
        string::utf8(bytes)
    }

    fun capabilities(): vector<String> {
        vector[utf8(b"translate"), utf8(b"summarize")]
    }

    fun messaging_key(): vector<u8> {
        test_helpers::hash32(0x11)
    }

    /// Registers the standard test card for `owner`.
    fun register_default(owner: &signer) {
        agent_card::register(
            owner,
            utf8(NAME),
            utf8(DESCRIPTION),
            capabilities(),
            utf8(ENDPOINT),
            RATE_OCTAS,
            utf8(MANIFEST_URL),
            messaging_key(),
            utf8(P2P_ENDPOINT),
        );
    }

    /// Registers with the given fields and defaults for the rest (used by the validation tests).
    fun register_with(
        owner: &signer,
        name: String,
        description: String,
        caps: vector<String>,
        endpoint: String,
        manifest_url: String,
        key: vector<u8>,
        p2p_endpoint: String,
    ) {
        agent_card::register(owner, name, description, caps, endpoint, RATE_OCTAS, manifest_url, key, p2p_endpoint);
    }

    fun setup_with_agent(aptos_framework: &signer, aether: &signer, owner: &signer) {
        test_helpers::setup(aptos_framework, aether);
        register_default(owner);
    }

    //
    // Success paths
    //

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    fun test_register(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        let alice_addr = signer::address_of(alice);
        let now = timestamp::now_seconds();

        assert!(agent_card::agent_count() == 1, 0);
        assert!(agent_card::agent_exists(1), 1);
        assert!(!agent_card::agent_exists(2), 2);

        // The card is the named object sha3_256(owner ‖ b"aether::agent_card::" ‖ bcs(1u64) ‖ 0xFE).
        let seed = b"aether::agent_card::";
        vector::append(&mut seed, bcs::to_bytes(&1u64));
        let card_addr = agent_card::card_address(1);
        assert!(card_addr == object::create_object_address(&alice_addr, seed), 3);
        let card_object = object::address_to_object<AgentCard>(card_addr);
        assert!(object::owner(card_object) == alice_addr, 4);
        assert!(!object::ungated_transfer_allowed(card_object), 5);

        let (
            id, card, owner, name, description, caps, endpoint, rate_octas, manifest_url, key, p2p_endpoint,
            active, verified, principal_hash, attester, created_at, updated_at
        ) = agent_card::unpack_card_info(agent_card::get_card(1));
        assert!(id == 1, 10);
        assert!(card == card_addr, 11);
        assert!(owner == alice_addr, 12);
        assert!(name == utf8(NAME), 13);
        assert!(description == utf8(DESCRIPTION), 14);
        assert!(caps == capabilities(), 15);
        assert!(endpoint == utf8(ENDPOINT), 16);
        assert!(rate_octas == RATE_OCTAS, 17);
        assert!(manifest_url == utf8(MANIFEST_URL), 18);
        assert!(key == messaging_key(), 19);
        assert!(p2p_endpoint == utf8(P2P_ENDPOINT), 20);
        assert!(active, 21);
        assert!(!verified, 22);
        assert!(vector::is_empty(&principal_hash), 23);
        assert!(attester == @0x0, 24);
        assert!(created_at == now && updated_at == now, 25);

        assert!(agent_card::get_card_by_address(card_addr) == agent_card::get_card(1), 30);
        assert!(agent_card::ids_by_owner(alice_addr) == vector[1], 31);
        assert!(agent_card::ids_by_owner(@0xb0b) == vector[], 32);
        assert!(agent_card::owner_of(1) == alice_addr, 33);
        assert!(agent_card::is_active(1), 34);
        assert!(!agent_card::is_verified(1), 35);
        assert!(agent_card::admin() == @aether_addr, 36);

        assert!(event::was_event_emitted(&agent_card::agent_registered_event(
            1, card_addr, alice_addr, utf8(NAME), utf8(DESCRIPTION), capabilities(), utf8(ENDPOINT), RATE_OCTAS,
            utf8(MANIFEST_URL), messaging_key(), utf8(P2P_ENDPOINT), now,
        )), 40);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, bob = @0xb0b)]
    fun test_sequential_ids_and_owner_index(aptos_framework: &signer, aether: &signer, alice: &signer, bob: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        register_default(bob);
        register_default(alice);
        assert!(agent_card::agent_count() == 3, 0);
        assert!(agent_card::ids_by_owner(signer::address_of(alice)) == vector[1, 3], 1);
        assert!(agent_card::ids_by_owner(signer::address_of(bob)) == vector[2], 2);
        assert!(agent_card::owner_of(2) == signer::address_of(bob), 3);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    fun test_register_with_empty_optional_fields_and_limits(
        aptos_framework: &signer, aether: &signer, alice: &signer
    ) {
        test_helpers::setup(aptos_framework, aether);
        // Longest allowed values everywhere; empty description, URLs and p2p endpoint are fine too.
        let caps = vector::empty<String>();
        let i = 0;
        while (i < 32) {
            vector::push_back(&mut caps, test_helpers::string_of_length(64));
            i = i + 1;
        };
        register_with(
            alice,
            test_helpers::string_of_length(64),
            test_helpers::string_of_length(1024),
            caps,
            test_helpers::string_of_length(256),
            test_helpers::string_of_length(256),
            messaging_key(),
            test_helpers::string_of_length(128),
        );
        register_with(alice, utf8(b"x"), utf8(b""), vector[], utf8(b""), utf8(b""), messaging_key(), utf8(b""));
        assert!(agent_card::agent_count() == 2, 0);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    fun test_register_up_to_owner_limit(aptos_framework: &signer, aether: &signer, alice: &signer) {
        test_helpers::setup(aptos_framework, aether);
        let alice_addr = signer::address_of(alice);
        agent_card::pad_owner_index_for_test(alice_addr, 99);
        register_default(alice);
        assert!(vector::length(&agent_card::ids_by_owner(alice_addr)) == 100, 0);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    fun test_update(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        timestamp::fast_forward_seconds(100);
        let now = timestamp::now_seconds();
        let alice_addr = signer::address_of(alice);
        agent_card::update(
            alice,
            1,
            utf8(b"translator-v2"),
            utf8(b"Now with more languages"),
            vector[utf8(b"translate")],
            utf8(b"https://v2.example/api"),
            20000000,
            utf8(b"https://v2.example/manifest.json"),
            test_helpers::hash32(0x22),
            utf8(b""),
        );
        let (
            _id, card, _owner, name, description, caps, endpoint, rate_octas, manifest_url, key, p2p_endpoint,
            _active, _verified, _principal_hash, _attester, created_at, updated_at
        ) = agent_card::unpack_card_info(agent_card::get_card(1));
        assert!(name == utf8(b"translator-v2"), 0);
        assert!(description == utf8(b"Now with more languages"), 1);
        assert!(caps == vector[utf8(b"translate")], 2);
        assert!(endpoint == utf8(b"https://v2.example/api"), 3);
        assert!(rate_octas == 20000000, 4);
        assert!(manifest_url == utf8(b"https://v2.example/manifest.json"), 5);
        assert!(key == test_helpers::hash32(0x22), 6);
        assert!(p2p_endpoint == utf8(b""), 7);
        assert!(created_at == test_helpers::start_time(), 8);
        assert!(updated_at == now, 9);
        assert!(event::was_event_emitted(&agent_card::agent_updated_event(
            1, card, alice_addr, utf8(b"translator-v2"), utf8(b"Now with more languages"), vector[utf8(b"translate")],
            utf8(b"https://v2.example/api"), 20000000, utf8(b"https://v2.example/manifest.json"),
            test_helpers::hash32(0x22), utf8(b""), now,
        )), 10);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    fun test_setters(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        timestamp::fast_forward_seconds(10);
        let alice_addr = signer::address_of(alice);
        let card = agent_card::card_address(1);

        agent_card::set_name(alice, 1, utf8(b"renamed"));
        agent_card::set_description(alice, 1, utf8(b"new description"));
        agent_card::set_capabilities(alice, 1, vector[utf8(b"ocr")]);
        agent_card::set_endpoint(alice, 1, utf8(b"https://new.example/api"));
        agent_card::set_rate(alice, 1, 42);
        agent_card::set_manifest_url(alice, 1, utf8(b"https://new.example/m.json"));
        agent_card::set_messaging_key(alice, 1, test_helpers::hash32(0x33));
        agent_card::set_p2p_endpoint(alice, 1, utf8(b"/dns/new.example/tcp/4001"));
        let now = timestamp::now_seconds();

        let (
            _id, _card, _owner, name, description, caps, endpoint, rate_octas, manifest_url, key, p2p_endpoint,
            _active, _verified, _principal_hash, _attester, _created_at, updated_at
        ) = agent_card::unpack_card_info(agent_card::get_card(1));
        assert!(name == utf8(b"renamed"), 0);
        assert!(description == utf8(b"new description"), 1);
        assert!(caps == vector[utf8(b"ocr")], 2);
        assert!(endpoint == utf8(b"https://new.example/api"), 3);
        assert!(rate_octas == 42, 4);
        assert!(manifest_url == utf8(b"https://new.example/m.json"), 5);
        assert!(key == test_helpers::hash32(0x33), 6);
        assert!(p2p_endpoint == utf8(b"/dns/new.example/tcp/4001"), 7);
        assert!(updated_at == now, 8);

        // Every setter emits the whole card after its change; check the first and the last.
        assert!(event::was_event_emitted(&agent_card::agent_updated_event(
            1, card, alice_addr, utf8(b"renamed"), utf8(DESCRIPTION), capabilities(), utf8(ENDPOINT), RATE_OCTAS,
            utf8(MANIFEST_URL), messaging_key(), utf8(P2P_ENDPOINT), now,
        )), 10);
        assert!(event::was_event_emitted(&agent_card::agent_updated_event(
            1, card, alice_addr, utf8(b"renamed"), utf8(b"new description"), vector[utf8(b"ocr")],
            utf8(b"https://new.example/api"), 42, utf8(b"https://new.example/m.json"), test_helpers::hash32(0x33),
            utf8(b"/dns/new.example/tcp/4001"), now,
        )), 11);
        assert!(vector::length(&event::emitted_events<agent_card::AgentUpdated>()) == 8, 12);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    fun test_deactivate_reactivate(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        let card = agent_card::card_address(1);
        let now = timestamp::now_seconds();
        agent_card::deactivate(alice, 1);
        assert!(!agent_card::is_active(1), 0);
        assert!(event::was_event_emitted(&agent_card::agent_status_changed_event(1, card, false, now)), 1);
        agent_card::reactivate(alice, 1);
        assert!(agent_card::is_active(1), 2);
        assert!(event::was_event_emitted(&agent_card::agent_status_changed_event(1, card, true, now)), 3);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, bob = @0xb0b)]
    fun test_transfer(aptos_framework: &signer, aether: &signer, alice: &signer, bob: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        register_default(alice);
        let alice_addr = signer::address_of(alice);
        let bob_addr = signer::address_of(bob);
        let card = agent_card::card_address(1);
        agent_card::add_attester(aether, @0xa77e57);
        agent_card::attest_principal(
            &aptos_framework::account::create_signer_for_test(@0xa77e57), 1, test_helpers::hash32(0x44)
        );
        assert!(agent_card::is_verified(1), 0);

        agent_card::transfer(alice, 1, bob_addr);
        let now = timestamp::now_seconds();
        assert!(agent_card::owner_of(1) == bob_addr, 1);
        assert!(object::owner(object::address_to_object<AgentCard>(card)) == bob_addr, 2);
        assert!(agent_card::ids_by_owner(alice_addr) == vector[2], 3);
        assert!(agent_card::ids_by_owner(bob_addr) == vector[1], 4);
        // The card keeps its address; the attestation is cleared.
        assert!(agent_card::card_address(1) == card, 5);
        let (
            _id, _card, owner, _name, _description, _caps, _endpoint, _rate_octas, _manifest_url, _key, _p2p,
            _active, verified, principal_hash, attester, _created_at, _updated_at
        ) = agent_card::unpack_card_info(agent_card::get_card(1));
        assert!(owner == bob_addr, 6);
        assert!(!verified && vector::is_empty(&principal_hash) && attester == @0x0, 7);
        assert!(event::was_event_emitted(&agent_card::agent_transferred_event(1, card, alice_addr, bob_addr, now)), 8);

        // The new owner can edit and hand it back.
        agent_card::set_rate(bob, 1, 1);
        agent_card::transfer(bob, 1, alice_addr);
        assert!(agent_card::ids_by_owner(alice_addr) == vector[2, 1], 9);
        assert!(agent_card::ids_by_owner(bob_addr) == vector[], 10);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, attester = @0xa77e57)]
    fun test_attestation(aptos_framework: &signer, aether: &signer, alice: &signer, attester: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        let attester_addr = signer::address_of(attester);
        let card = agent_card::card_address(1);
        let now = timestamp::now_seconds();

        agent_card::add_attester(aether, attester_addr);
        assert!(agent_card::is_attester(attester_addr), 0);
        assert!(event::was_event_emitted(&agent_card::attester_added_event(attester_addr)), 1);

        agent_card::attest_principal(attester, 1, test_helpers::hash32(0x55));
        let (
            _id, _card, _owner, _name, _description, _caps, _endpoint, _rate_octas, _manifest_url, _key, _p2p,
            _active, verified, principal_hash, attester_field, _created_at, _updated_at
        ) = agent_card::unpack_card_info(agent_card::get_card(1));
        assert!(verified && agent_card::is_verified(1), 2);
        assert!(principal_hash == test_helpers::hash32(0x55), 3);
        assert!(attester_field == attester_addr, 4);
        assert!(event::was_event_emitted(&agent_card::principal_attested_event(
            1, card, attester_addr, test_helpers::hash32(0x55), now
        )), 5);

        // An attester can revoke.
        agent_card::revoke_attestation(attester, 1);
        assert!(!agent_card::is_verified(1), 6);
        assert!(event::was_event_emitted(&agent_card::attestation_revoked_event(1, card, attester_addr, now)), 7);

        // The admin can revoke too.
        agent_card::attest_principal(attester, 1, test_helpers::hash32(0x66));
        agent_card::revoke_attestation(aether, 1);
        assert!(!agent_card::is_verified(1), 8);
        assert!(event::was_event_emitted(&agent_card::attestation_revoked_event(1, card, @aether_addr, now)), 9);

        agent_card::remove_attester(aether, attester_addr);
        assert!(!agent_card::is_attester(attester_addr), 10);
        assert!(event::was_event_emitted(&agent_card::attester_removed_event(attester_addr)), 11);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, bob = @0xb0b)]
    fun test_set_admin(aptos_framework: &signer, aether: &signer, bob: &signer) {
        test_helpers::setup(aptos_framework, aether);
        let bob_addr = signer::address_of(bob);
        agent_card::set_admin(aether, bob_addr);
        assert!(agent_card::admin() == bob_addr, 0);
        assert!(event::was_event_emitted(&agent_card::admin_changed_event(@aether_addr, bob_addr)), 1);
        agent_card::add_attester(bob, @0x123);
        assert!(agent_card::is_attester(@0x123), 2);
    }

    //
    // Abort codes
    //

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, bob = @0xb0b)]
    #[expected_failure(abort_code = 0x50001, location = aether_addr::agent_card)]
    fun test_add_attester_not_admin(aptos_framework: &signer, aether: &signer, bob: &signer) {
        test_helpers::setup(aptos_framework, aether);
        agent_card::add_attester(bob, @0x123);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, bob = @0xb0b)]
    #[expected_failure(abort_code = 0x50001, location = aether_addr::agent_card)]
    fun test_old_admin_loses_role(aptos_framework: &signer, aether: &signer, bob: &signer) {
        test_helpers::setup(aptos_framework, aether);
        agent_card::set_admin(aether, signer::address_of(bob));
        agent_card::set_admin(aether, @aether_addr);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, bob = @0xb0b)]
    #[expected_failure(abort_code = 0x50002, location = aether_addr::agent_card)]
    fun test_set_name_not_owner(aptos_framework: &signer, aether: &signer, alice: &signer, bob: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::set_name(bob, 1, utf8(b"stolen"));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, bob = @0xb0b)]
    #[expected_failure(abort_code = 0x50002, location = aether_addr::agent_card)]
    fun test_transfer_not_owner(aptos_framework: &signer, aether: &signer, alice: &signer, bob: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::transfer(bob, 1, signer::address_of(bob));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, bob = @0xb0b)]
    #[expected_failure(abort_code = 0x50002, location = aether_addr::agent_card)]
    fun test_previous_owner_loses_control(aptos_framework: &signer, aether: &signer, alice: &signer, bob: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::transfer(alice, 1, signer::address_of(bob));
        agent_card::deactivate(alice, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, bob = @0xb0b)]
    #[expected_failure(abort_code = 0x50003, location = aether_addr::agent_card)]
    fun test_attest_not_attester(aptos_framework: &signer, aether: &signer, alice: &signer, bob: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::attest_principal(bob, 1, test_helpers::hash32(1));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, bob = @0xb0b)]
    #[expected_failure(abort_code = 0x50003, location = aether_addr::agent_card)]
    fun test_revoke_attestation_not_attester(aptos_framework: &signer, aether: &signer, alice: &signer, bob: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::add_attester(aether, @0xa77e57);
        agent_card::attest_principal(
            &aptos_framework::account::create_signer_for_test(@0xa77e57), 1, test_helpers::hash32(1)
        );
        agent_card::revoke_attestation(bob, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x60004, location = aether_addr::agent_card)]
    fun test_set_name_agent_not_found(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::set_name(alice, 2, utf8(b"ghost"));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr)]
    #[expected_failure(abort_code = 0x60004, location = aether_addr::agent_card)]
    fun test_get_card_not_found(aptos_framework: &signer, aether: &signer) {
        test_helpers::setup(aptos_framework, aether);
        agent_card::get_card(1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x10005, location = aether_addr::agent_card)]
    fun test_register_empty_name(aptos_framework: &signer, aether: &signer, alice: &signer) {
        test_helpers::setup(aptos_framework, aether);
        register_with(alice, utf8(b""), utf8(b""), vector[], utf8(b""), utf8(b""), messaging_key(), utf8(b""));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x10005, location = aether_addr::agent_card)]
    fun test_set_name_too_long(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::set_name(alice, 1, test_helpers::string_of_length(65));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x10006, location = aether_addr::agent_card)]
    fun test_register_description_too_long(aptos_framework: &signer, aether: &signer, alice: &signer) {
        test_helpers::setup(aptos_framework, aether);
        register_with(
            alice, utf8(NAME), test_helpers::string_of_length(1025), vector[], utf8(b""), utf8(b""), messaging_key(),
            utf8(b"")
        );
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x10007, location = aether_addr::agent_card)]
    fun test_set_capabilities_too_many(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        let caps = vector::empty<String>();
        let i = 0;
        while (i < 33) {
            vector::push_back(&mut caps, utf8(b"tag"));
            i = i + 1;
        };
        agent_card::set_capabilities(alice, 1, caps);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x10008, location = aether_addr::agent_card)]
    fun test_register_empty_capability(aptos_framework: &signer, aether: &signer, alice: &signer) {
        test_helpers::setup(aptos_framework, aether);
        register_with(
            alice, utf8(NAME), utf8(b""), vector[utf8(b"ok"), utf8(b"")], utf8(b""), utf8(b""), messaging_key(),
            utf8(b"")
        );
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x10008, location = aether_addr::agent_card)]
    fun test_capability_too_long(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::set_capabilities(alice, 1, vector[test_helpers::string_of_length(65)]);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x10009, location = aether_addr::agent_card)]
    fun test_register_endpoint_too_long(aptos_framework: &signer, aether: &signer, alice: &signer) {
        test_helpers::setup(aptos_framework, aether);
        register_with(
            alice, utf8(NAME), utf8(b""), vector[], test_helpers::string_of_length(257), utf8(b""), messaging_key(),
            utf8(b"")
        );
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x10009, location = aether_addr::agent_card)]
    fun test_set_manifest_url_too_long(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::set_manifest_url(alice, 1, test_helpers::string_of_length(257));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x1000a, location = aether_addr::agent_card)]
    fun test_register_bad_messaging_key(aptos_framework: &signer, aether: &signer, alice: &signer) {
        test_helpers::setup(aptos_framework, aether);
        register_with(
            alice, utf8(NAME), utf8(b""), vector[], utf8(b""), utf8(b""), test_helpers::bytes_of(1, 31), utf8(b"")
        );
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x1000a, location = aether_addr::agent_card)]
    fun test_set_messaging_key_empty(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::set_messaging_key(alice, 1, vector[]);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x1000b, location = aether_addr::agent_card)]
    fun test_set_p2p_endpoint_too_long(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::set_p2p_endpoint(alice, 1, test_helpers::string_of_length(129));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x1000b, location = aether_addr::agent_card)]
    fun test_update_p2p_endpoint_too_long(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::update(
            alice, 1, utf8(NAME), utf8(b""), vector[], utf8(b""), 0, utf8(b""), messaging_key(),
            test_helpers::string_of_length(129)
        );
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x3000c, location = aether_addr::agent_card)]
    fun test_reactivate_active(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::reactivate(alice, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x3000d, location = aether_addr::agent_card)]
    fun test_deactivate_twice(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::deactivate(alice, 1);
        agent_card::deactivate(alice, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr)]
    #[expected_failure(abort_code = 0x8000e, location = aether_addr::agent_card)]
    fun test_add_attester_twice(aptos_framework: &signer, aether: &signer) {
        test_helpers::setup(aptos_framework, aether);
        agent_card::add_attester(aether, @0x123);
        agent_card::add_attester(aether, @0x123);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr)]
    #[expected_failure(abort_code = 0x6000f, location = aether_addr::agent_card)]
    fun test_remove_unknown_attester(aptos_framework: &signer, aether: &signer) {
        test_helpers::setup(aptos_framework, aether);
        agent_card::remove_attester(aether, @0x123);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, attester = @0xa77e57)]
    #[expected_failure(abort_code = 0x10010, location = aether_addr::agent_card)]
    fun test_attest_bad_hash(aptos_framework: &signer, aether: &signer, alice: &signer, attester: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::add_attester(aether, signer::address_of(attester));
        agent_card::attest_principal(attester, 1, test_helpers::bytes_of(1, 33));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x30011, location = aether_addr::agent_card)]
    fun test_revoke_without_attestation(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::revoke_attestation(aether, 1);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x10012, location = aether_addr::agent_card)]
    fun test_transfer_to_self(aptos_framework: &signer, aether: &signer, alice: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::transfer(alice, 1, signer::address_of(alice));
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr)]
    #[expected_failure(abort_code = 0x60013, location = aether_addr::agent_card)]
    fun test_get_card_by_unknown_address(aptos_framework: &signer, aether: &signer) {
        test_helpers::setup(aptos_framework, aether);
        agent_card::get_card_by_address(@0x1234);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce)]
    #[expected_failure(abort_code = 0x90014, location = aether_addr::agent_card)]
    fun test_register_too_many_agents(aptos_framework: &signer, aether: &signer, alice: &signer) {
        test_helpers::setup(aptos_framework, aether);
        agent_card::pad_owner_index_for_test(signer::address_of(alice), 100);
        register_default(alice);
    }

    #[test(aptos_framework = @aptos_framework, aether = @aether_addr, alice = @0xa11ce, bob = @0xb0b)]
    #[expected_failure(abort_code = 0x90014, location = aether_addr::agent_card)]
    fun test_transfer_to_full_owner(aptos_framework: &signer, aether: &signer, alice: &signer, bob: &signer) {
        setup_with_agent(aptos_framework, aether, alice);
        agent_card::pad_owner_index_for_test(signer::address_of(bob), 100);
        agent_card::transfer(alice, 1, signer::address_of(bob));
    }
}
