/// On-chain identity for Aether agents.
///
/// Every agent is an Aptos object (a named object created by its owner's signer) holding an
/// `AgentCard` resource, and is addressed everywhere by a sequential `agent_id` (the first agent is
/// `1`). The registry at `@aether_addr` maps ids to card objects and owners to their ids, and keeps
/// the set of attesters that may vouch for an agent's principal (`attest_principal`).
///
/// Ungated transfer of card objects is disabled: ownership only moves through `transfer`, which
/// keeps the owner index right and clears any attestation.
module aether_addr::agent_card {
    use std::bcs;
    use std::error;
    use std::signer;
    use std::string::{Self, String};
    use std::vector;

    use aptos_std::table::{Self, Table};

    use aptos_framework::event;
    use aptos_framework::object::{Self, TransferRef};
    use aptos_framework::timestamp;

    //
    // Errors
    //

    /// The signer is not the module admin.
    const ENOT_ADMIN: u64 = 1;
    /// The signer does not own the agent.
    const ENOT_OWNER: u64 = 2;
    /// The signer is not a registered attester (nor, for revocation, the admin).
    const ENOT_ATTESTER: u64 = 3;
    /// No agent with that id.
    const EAGENT_NOT_FOUND: u64 = 4;
    /// The name is empty or longer than `MAX_NAME_LENGTH`.
    const EINVALID_NAME: u64 = 5;
    /// The description is longer than `MAX_DESCRIPTION_LENGTH`.
    const EDESCRIPTION_TOO_LONG: u64 = 6;
    /// More than `MAX_CAPABILITIES` capability tags.
    const ETOO_MANY_CAPABILITIES: u64 = 7;
    /// A capability tag is empty or longer than `MAX_CAPABILITY_LENGTH`.
    const EINVALID_CAPABILITY: u64 = 8;
    /// The endpoint or manifest URL is longer than `MAX_URL_LENGTH`.
    const EURL_TOO_LONG: u64 = 9;
    /// The messaging public key is not `MESSAGING_KEY_LENGTH` bytes.
    const EINVALID_MESSAGING_KEY: u64 = 10;
    /// The p2p endpoint is longer than `MAX_P2P_ENDPOINT_LENGTH`.
    const EP2P_ENDPOINT_TOO_LONG: u64 = 11;
    /// `reactivate` on an active agent.
    const EALREADY_ACTIVE: u64 = 12;
    /// `deactivate` on an inactive agent.
    const EALREADY_INACTIVE: u64 = 13;
    /// `add_attester` for an address that already is an attester.
    const EATTESTER_EXISTS: u64 = 14;
    /// `remove_attester` for an address that is not an attester.
    const EATTESTER_NOT_FOUND: u64 = 15;
    /// The principal hash is not `PRINCIPAL_HASH_LENGTH` bytes.
    const EINVALID_PRINCIPAL_HASH: u64 = 16;
    /// `revoke_attestation` on an agent without attestation.
    const ENOT_ATTESTED: u64 = 17;
    /// `transfer` to the current owner.
    const ESAME_OWNER: u64 = 18;
    /// No agent card at that object address.
    const ECARD_NOT_FOUND: u64 = 19;
    /// The owner (or transfer recipient) already has `MAX_AGENTS_PER_OWNER` agents.
    const ETOO_MANY_AGENTS: u64 = 20;

    //
    // Limits
    //

    /// Longest name, in bytes (names must also be non-empty).
    const MAX_NAME_LENGTH: u64 = 64;
    /// Longest description, in bytes.
    const MAX_DESCRIPTION_LENGTH: u64 = 1024;
    /// Most capability tags per agent.
    const MAX_CAPABILITIES: u64 = 32;
    /// Longest capability tag, in bytes (tags must also be non-empty).
    const MAX_CAPABILITY_LENGTH: u64 = 64;
    /// Longest endpoint or manifest URL, in bytes (may be empty).
    const MAX_URL_LENGTH: u64 = 256;
    /// Longest p2p endpoint, in bytes (may be empty).
    const MAX_P2P_ENDPOINT_LENGTH: u64 = 128;
    /// Exact length of the ed25519 messaging public key (the length is checked, not the point).
    const MESSAGING_KEY_LENGTH: u64 = 32;
    /// Exact length of an attested principal hash.
    const PRINCIPAL_HASH_LENGTH: u64 = 32;
    /// Most agents one address may own.
    const MAX_AGENTS_PER_OWNER: u64 = 100;

    /// Prefix of a card object's seed; the seed is this prefix followed by `bcs(agent_id)`.
    const CARD_SEED_PREFIX: vector<u8> = b"aether::agent_card::";

    //
    // Resources
    //

    /// Global registry, stored at `@aether_addr`.
    struct Registry has key {
        /// May manage attesters and hand the role over.
        admin: address,
        /// Number of agents ever registered; also the last id handed out.
        agent_count: u64,
        /// `agent_id` to card object address.
        cards: Table<u64, address>,
        /// Owner to the ids it owns, in the order it got them.
        owned: Table<address, vector<u64>>,
        /// Registered attesters.
        attesters: Table<address, bool>,
    }

    #[resource_group_member(group = aptos_framework::object::ObjectGroup)]
    /// The card, stored in the agent's object. The owner is the object's owner.
    struct AgentCard has key {
        id: u64,
        name: String,
        description: String,
        capabilities: vector<String>,
        endpoint: String,
        rate_octas: u64,
        manifest_url: String,
        messaging_pubkey: vector<u8>,
        p2p_endpoint: String,
        active: bool,
        verified: bool,
        principal_hash: vector<u8>,
        attester: address,
        created_at: u64,
        updated_at: u64,
        /// Moves the object on `transfer` (ungated transfer is disabled).
        transfer_ref: TransferRef,
    }

    /// Everything known about an agent, returned by `get_card` and `get_card_by_address`.
    struct CardInfo has copy, drop, store {
        id: u64,
        card: address,
        owner: address,
        name: String,
        description: String,
        capabilities: vector<String>,
        endpoint: String,
        rate_octas: u64,
        manifest_url: String,
        messaging_pubkey: vector<u8>,
        p2p_endpoint: String,
        active: bool,
        verified: bool,
        /// Empty when not attested.
        principal_hash: vector<u8>,
        /// `@0x0` when not attested.
        attester: address,
        created_at: u64,
        updated_at: u64,
    }

    //
    // Events
    //

    #[event]
    /// Emitted when an agent is registered.
    struct AgentRegistered has drop, store {
        agent_id: u64,
        card: address,
        owner: address,
        name: String,
        description: String,
        capabilities: vector<String>,
        endpoint: String,
        rate_octas: u64,
        manifest_url: String,
        messaging_pubkey: vector<u8>,
        p2p_endpoint: String,
        timestamp: u64,
    }

    #[event]
    /// Emitted when `update` or any `set_*` changes a card; carries the whole card after the change.
    struct AgentUpdated has drop, store {
        agent_id: u64,
        card: address,
        owner: address,
        name: String,
        description: String,
        capabilities: vector<String>,
        endpoint: String,
        rate_octas: u64,
        manifest_url: String,
        messaging_pubkey: vector<u8>,
        p2p_endpoint: String,
        timestamp: u64,
    }

    #[event]
    /// Emitted when an agent is deactivated or reactivated.
    struct AgentStatusChanged has drop, store {
        agent_id: u64,
        card: address,
        active: bool,
        timestamp: u64,
    }

    #[event]
    /// Emitted when an agent changes owner.
    struct AgentTransferred has drop, store {
        agent_id: u64,
        card: address,
        from: address,
        to: address,
        timestamp: u64,
    }

    #[event]
    /// Emitted when an attester vouches for an agent's principal.
    struct PrincipalAttested has drop, store {
        agent_id: u64,
        card: address,
        attester: address,
        principal_hash: vector<u8>,
        timestamp: u64,
    }

    #[event]
    /// Emitted when an attestation is revoked.
    struct AttestationRevoked has drop, store {
        agent_id: u64,
        card: address,
        revoker: address,
        timestamp: u64,
    }

    #[event]
    /// Emitted when the admin adds an attester.
    struct AttesterAdded has drop, store {
        attester: address,
    }

    #[event]
    /// Emitted when the admin removes an attester.
    struct AttesterRemoved has drop, store {
        attester: address,
    }

    #[event]
    /// Emitted when the admin hands the role over.
    struct AdminChanged has drop, store {
        old_admin: address,
        new_admin: address,
    }

    //
    // Initialization
    //

    /// Publishes the registry; the deployer (`@aether_addr`) becomes the admin.
    fun init_module(deployer: &signer) {
        move_to(deployer, Registry {
            admin: signer::address_of(deployer),
            agent_count: 0,
            cards: table::new(),
            owned: table::new(),
            attesters: table::new(),
        });
    }

    //
    // Entry functions: owners
    //

    /// Registers a new agent owned by the signer; its id is the next sequential id.
    public entry fun register(
        owner: &signer,
        name: String,
        description: String,
        capabilities: vector<String>,
        endpoint: String,
        rate_octas: u64,
        manifest_url: String,
        messaging_pubkey: vector<u8>,
        p2p_endpoint: String,
    ) acquires Registry {
        validate_card_fields(
            &name, &description, &capabilities, &endpoint, &manifest_url, &messaging_pubkey, &p2p_endpoint
        );
        let owner_addr = signer::address_of(owner);
        let registry = borrow_global_mut<Registry>(@aether_addr);
        assert!(
            owned_count(registry, owner_addr) < MAX_AGENTS_PER_OWNER,
            error::resource_exhausted(ETOO_MANY_AGENTS)
        );

        let agent_id = registry.agent_count + 1;
        let constructor_ref = object::create_named_object(owner, card_seed(agent_id));
        let card_addr = object::address_from_constructor_ref(&constructor_ref);
        let transfer_ref = object::generate_transfer_ref(&constructor_ref);
        object::disable_ungated_transfer(&transfer_ref);
        let card_signer = object::generate_signer(&constructor_ref);

        let now = timestamp::now_seconds();
        let card = AgentCard {
            id: agent_id,
            name,
            description,
            capabilities,
            endpoint,
            rate_octas,
            manifest_url,
            messaging_pubkey,
            p2p_endpoint,
            active: true,
            verified: false,
            principal_hash: vector::empty(),
            attester: @0x0,
            created_at: now,
            updated_at: now,
            transfer_ref,
        };
        event::emit(AgentRegistered {
            agent_id,
            card: card_addr,
            owner: owner_addr,
            name: card.name,
            description: card.description,
            capabilities: card.capabilities,
            endpoint: card.endpoint,
            rate_octas: card.rate_octas,
            manifest_url: card.manifest_url,
            messaging_pubkey: card.messaging_pubkey,
            p2p_endpoint: card.p2p_endpoint,
            timestamp: now,
        });
        move_to(&card_signer, card);

        registry.agent_count = agent_id;
        table::add(&mut registry.cards, agent_id, card_addr);
        vector::push_back(
            table::borrow_mut_with_default(&mut registry.owned, owner_addr, vector::empty<u64>()),
            agent_id
        );
    }

    /// Replaces every editable field of the card at once.
    public entry fun update(
        owner: &signer,
        agent_id: u64,
        name: String,
        description: String,
        capabilities: vector<String>,
        endpoint: String,
        rate_octas: u64,
        manifest_url: String,
        messaging_pubkey: vector<u8>,
        p2p_endpoint: String,
    ) acquires Registry, AgentCard {
        let card_addr = assert_owned_card(owner, agent_id);
        validate_card_fields(
            &name, &description, &capabilities, &endpoint, &manifest_url, &messaging_pubkey, &p2p_endpoint
        );
        let card = borrow_global_mut<AgentCard>(card_addr);
        card.name = name;
        card.description = description;
        card.capabilities = capabilities;
        card.endpoint = endpoint;
        card.rate_octas = rate_octas;
        card.manifest_url = manifest_url;
        card.messaging_pubkey = messaging_pubkey;
        card.p2p_endpoint = p2p_endpoint;
        touch_and_emit_updated(card, card_addr, signer::address_of(owner));
    }

    /// Sets the name.
    public entry fun set_name(owner: &signer, agent_id: u64, name: String) acquires Registry, AgentCard {
        let card_addr = assert_owned_card(owner, agent_id);
        validate_name(&name);
        let card = borrow_global_mut<AgentCard>(card_addr);
        card.name = name;
        touch_and_emit_updated(card, card_addr, signer::address_of(owner));
    }

    /// Sets the description.
    public entry fun set_description(
        owner: &signer,
        agent_id: u64,
        description: String,
    ) acquires Registry, AgentCard {
        let card_addr = assert_owned_card(owner, agent_id);
        validate_description(&description);
        let card = borrow_global_mut<AgentCard>(card_addr);
        card.description = description;
        touch_and_emit_updated(card, card_addr, signer::address_of(owner));
    }

    /// Replaces the capability tags.
    public entry fun set_capabilities(
        owner: &signer,
        agent_id: u64,
        capabilities: vector<String>,
    ) acquires Registry, AgentCard {
        let card_addr = assert_owned_card(owner, agent_id);
        validate_capabilities(&capabilities);
        let card = borrow_global_mut<AgentCard>(card_addr);
        card.capabilities = capabilities;
        touch_and_emit_updated(card, card_addr, signer::address_of(owner));
    }

    /// Sets the service endpoint URL.
    public entry fun set_endpoint(owner: &signer, agent_id: u64, endpoint: String) acquires Registry, AgentCard {
        let card_addr = assert_owned_card(owner, agent_id);
        validate_url(&endpoint);
        let card = borrow_global_mut<AgentCard>(card_addr);
        card.endpoint = endpoint;
        touch_and_emit_updated(card, card_addr, signer::address_of(owner));
    }

    /// Sets the advertised rate, in octas.
    public entry fun set_rate(owner: &signer, agent_id: u64, rate_octas: u64) acquires Registry, AgentCard {
        let card_addr = assert_owned_card(owner, agent_id);
        let card = borrow_global_mut<AgentCard>(card_addr);
        card.rate_octas = rate_octas;
        touch_and_emit_updated(card, card_addr, signer::address_of(owner));
    }

    /// Sets the manifest URL.
    public entry fun set_manifest_url(
        owner: &signer,
        agent_id: u64,
        manifest_url: String,
    ) acquires Registry, AgentCard {
        let card_addr = assert_owned_card(owner, agent_id);
        validate_url(&manifest_url);
        let card = borrow_global_mut<AgentCard>(card_addr);
        card.manifest_url = manifest_url;
        touch_and_emit_updated(card, card_addr, signer::address_of(owner));
    }

    /// Sets the ed25519 messaging public key.
    public entry fun set_messaging_key(
        owner: &signer,
        agent_id: u64,
        messaging_pubkey: vector<u8>,
    ) acquires Registry, AgentCard {
        let card_addr = assert_owned_card(owner, agent_id);
        validate_messaging_key(&messaging_pubkey);
        let card = borrow_global_mut<AgentCard>(card_addr);
        card.messaging_pubkey = messaging_pubkey;
        touch_and_emit_updated(card, card_addr, signer::address_of(owner));
    }

    /// Sets the p2p endpoint.
    public entry fun set_p2p_endpoint(
        owner: &signer,
        agent_id: u64,
        p2p_endpoint: String,
    ) acquires Registry, AgentCard {
        let card_addr = assert_owned_card(owner, agent_id);
        validate_p2p_endpoint(&p2p_endpoint);
        let card = borrow_global_mut<AgentCard>(card_addr);
        card.p2p_endpoint = p2p_endpoint;
        touch_and_emit_updated(card, card_addr, signer::address_of(owner));
    }

    /// Marks the agent inactive (no new sessions can be opened for it).
    public entry fun deactivate(owner: &signer, agent_id: u64) acquires Registry, AgentCard {
        let card_addr = assert_owned_card(owner, agent_id);
        let card = borrow_global_mut<AgentCard>(card_addr);
        assert!(card.active, error::invalid_state(EALREADY_INACTIVE));
        set_active_internal(card, card_addr, false);
    }

    /// Marks a deactivated agent active again.
    public entry fun reactivate(owner: &signer, agent_id: u64) acquires Registry, AgentCard {
        let card_addr = assert_owned_card(owner, agent_id);
        let card = borrow_global_mut<AgentCard>(card_addr);
        assert!(!card.active, error::invalid_state(EALREADY_ACTIVE));
        set_active_internal(card, card_addr, true);
    }

    /// Gives the agent to `new_owner` and clears any attestation.
    public entry fun transfer(owner: &signer, agent_id: u64, new_owner: address) acquires Registry, AgentCard {
        let card_addr = assert_owned_card(owner, agent_id);
        let from = signer::address_of(owner);
        assert!(new_owner != from, error::invalid_argument(ESAME_OWNER));

        let registry = borrow_global_mut<Registry>(@aether_addr);
        assert!(
            owned_count(registry, new_owner) < MAX_AGENTS_PER_OWNER,
            error::resource_exhausted(ETOO_MANY_AGENTS)
        );

        let card = borrow_global_mut<AgentCard>(card_addr);
        object::transfer_with_ref(object::generate_linear_transfer_ref(&card.transfer_ref), new_owner);
        let now = timestamp::now_seconds();
        card.verified = false;
        card.principal_hash = vector::empty();
        card.attester = @0x0;
        card.updated_at = now;

        let from_ids = table::borrow_mut(&mut registry.owned, from);
        let (found, index) = vector::index_of(from_ids, &agent_id);
        if (found) {
            vector::remove(from_ids, index);
        };
        vector::push_back(
            table::borrow_mut_with_default(&mut registry.owned, new_owner, vector::empty<u64>()),
            agent_id
        );

        event::emit(AgentTransferred { agent_id, card: card_addr, from, to: new_owner, timestamp: now });
    }

    //
    // Entry functions: attesters and admin
    //

    /// Vouches for the agent's principal (`principal_hash`, e.g. a hash of a KYC record).
    public entry fun attest_principal(
        attester: &signer,
        agent_id: u64,
        principal_hash: vector<u8>,
    ) acquires Registry, AgentCard {
        let attester_addr = signer::address_of(attester);
        assert!(is_attester(attester_addr), error::permission_denied(ENOT_ATTESTER));
        let card_addr = card_address(agent_id);
        assert!(
            vector::length(&principal_hash) == PRINCIPAL_HASH_LENGTH,
            error::invalid_argument(EINVALID_PRINCIPAL_HASH)
        );
        let card = borrow_global_mut<AgentCard>(card_addr);
        let now = timestamp::now_seconds();
        card.verified = true;
        card.principal_hash = principal_hash;
        card.attester = attester_addr;
        card.updated_at = now;
        event::emit(PrincipalAttested {
            agent_id,
            card: card_addr,
            attester: attester_addr,
            principal_hash,
            timestamp: now,
        });
    }

    /// Withdraws the attestation of an agent.
    public entry fun revoke_attestation(revoker: &signer, agent_id: u64) acquires Registry, AgentCard {
        let revoker_addr = signer::address_of(revoker);
        assert!(
            is_attester(revoker_addr) || revoker_addr == admin(),
            error::permission_denied(ENOT_ATTESTER)
        );
        let card_addr = card_address(agent_id);
        let card = borrow_global_mut<AgentCard>(card_addr);
        assert!(card.verified, error::invalid_state(ENOT_ATTESTED));
        let now = timestamp::now_seconds();
        card.verified = false;
        card.principal_hash = vector::empty();
        card.attester = @0x0;
        card.updated_at = now;
        event::emit(AttestationRevoked { agent_id, card: card_addr, revoker: revoker_addr, timestamp: now });
    }

    /// Registers an attester.
    public entry fun add_attester(account: &signer, attester: address) acquires Registry {
        let registry = borrow_global_mut<Registry>(@aether_addr);
        assert_admin(registry, account);
        assert!(!table::contains(&registry.attesters, attester), error::already_exists(EATTESTER_EXISTS));
        table::add(&mut registry.attesters, attester, true);
        event::emit(AttesterAdded { attester });
    }

    /// Unregisters an attester. Attestations it made stay until revoked.
    public entry fun remove_attester(account: &signer, attester: address) acquires Registry {
        let registry = borrow_global_mut<Registry>(@aether_addr);
        assert_admin(registry, account);
        assert!(table::contains(&registry.attesters, attester), error::not_found(EATTESTER_NOT_FOUND));
        table::remove(&mut registry.attesters, attester);
        event::emit(AttesterRemoved { attester });
    }

    /// Hands the admin role to `new_admin`.
    public entry fun set_admin(account: &signer, new_admin: address) acquires Registry {
        let registry = borrow_global_mut<Registry>(@aether_addr);
        assert_admin(registry, account);
        let old_admin = registry.admin;
        registry.admin = new_admin;
        event::emit(AdminChanged { old_admin, new_admin });
    }

    //
    // Views
    //

    #[view]
    /// The card of `agent_id`. Aborts with `EAGENT_NOT_FOUND` if there is none.
    public fun get_card(agent_id: u64): CardInfo acquires Registry, AgentCard {
        card_info(card_address(agent_id))
    }

    #[view]
    /// The card stored in the object at `card`. Aborts with `ECARD_NOT_FOUND` if there is none.
    public fun get_card_by_address(card: address): CardInfo acquires AgentCard {
        assert!(exists<AgentCard>(card), error::not_found(ECARD_NOT_FOUND));
        card_info(card)
    }

    #[view]
    /// The object address of the card of `agent_id`. Aborts with `EAGENT_NOT_FOUND` if there is none.
    public fun card_address(agent_id: u64): address acquires Registry {
        let registry = borrow_global<Registry>(@aether_addr);
        assert!(table::contains(&registry.cards, agent_id), error::not_found(EAGENT_NOT_FOUND));
        *table::borrow(&registry.cards, agent_id)
    }

    #[view]
    /// Number of agents ever registered (the highest id).
    public fun agent_count(): u64 acquires Registry {
        borrow_global<Registry>(@aether_addr).agent_count
    }

    #[view]
    /// Ids owned by `owner` in the order it got them (empty if none).
    public fun ids_by_owner(owner: address): vector<u64> acquires Registry {
        let registry = borrow_global<Registry>(@aether_addr);
        if (table::contains(&registry.owned, owner)) {
            *table::borrow(&registry.owned, owner)
        } else {
            vector::empty()
        }
    }

    #[view]
    /// Whether an agent with that id exists.
    public fun agent_exists(agent_id: u64): bool acquires Registry {
        table::contains(&borrow_global<Registry>(@aether_addr).cards, agent_id)
    }

    #[view]
    /// Whether the agent is active. Aborts with `EAGENT_NOT_FOUND` if there is none.
    public fun is_active(agent_id: u64): bool acquires Registry, AgentCard {
        borrow_global<AgentCard>(card_address(agent_id)).active
    }

    #[view]
    /// Whether the agent's principal is attested. Aborts with `EAGENT_NOT_FOUND` if there is none.
    public fun is_verified(agent_id: u64): bool acquires Registry, AgentCard {
        borrow_global<AgentCard>(card_address(agent_id)).verified
    }

    #[view]
    /// The owner of the agent. Aborts with `EAGENT_NOT_FOUND` if there is none.
    public fun owner_of(agent_id: u64): address acquires Registry {
        card_owner(card_address(agent_id))
    }

    #[view]
    /// Whether `addr` is a registered attester.
    public fun is_attester(addr: address): bool acquires Registry {
        table::contains(&borrow_global<Registry>(@aether_addr).attesters, addr)
    }

    #[view]
    /// The module admin.
    public fun admin(): address acquires Registry {
        borrow_global<Registry>(@aether_addr).admin
    }

    //
    // Internal helpers
    //

    /// Aborts unless `agent_id` exists and `owner` owns it; returns the card address.
    fun assert_owned_card(owner: &signer, agent_id: u64): address acquires Registry {
        let card_addr = card_address(agent_id);
        assert!(card_owner(card_addr) == signer::address_of(owner), error::permission_denied(ENOT_OWNER));
        card_addr
    }

    fun assert_admin(registry: &Registry, account: &signer) {
        assert!(signer::address_of(account) == registry.admin, error::permission_denied(ENOT_ADMIN));
    }

    fun card_owner(card_addr: address): address {
        object::owner(object::address_to_object<AgentCard>(card_addr))
    }

    fun owned_count(registry: &Registry, owner: address): u64 {
        if (table::contains(&registry.owned, owner)) {
            vector::length(table::borrow(&registry.owned, owner))
        } else {
            0
        }
    }

    /// `CARD_SEED_PREFIX ‖ bcs(agent_id)`.
    fun card_seed(agent_id: u64): vector<u8> {
        let seed = CARD_SEED_PREFIX;
        vector::append(&mut seed, bcs::to_bytes(&agent_id));
        seed
    }

    fun card_info(card_addr: address): CardInfo acquires AgentCard {
        let card = borrow_global<AgentCard>(card_addr);
        CardInfo {
            id: card.id,
            card: card_addr,
            owner: card_owner(card_addr),
            name: card.name,
            description: card.description,
            capabilities: card.capabilities,
            endpoint: card.endpoint,
            rate_octas: card.rate_octas,
            manifest_url: card.manifest_url,
            messaging_pubkey: card.messaging_pubkey,
            p2p_endpoint: card.p2p_endpoint,
            active: card.active,
            verified: card.verified,
            principal_hash: card.principal_hash,
            attester: card.attester,
            created_at: card.created_at,
            updated_at: card.updated_at,
        }
    }

    fun touch_and_emit_updated(card: &mut AgentCard, card_addr: address, owner: address) {
        let now = timestamp::now_seconds();
        card.updated_at = now;
        event::emit(AgentUpdated {
            agent_id: card.id,
            card: card_addr,
            owner,
            name: card.name,
            description: card.description,
            capabilities: card.capabilities,
            endpoint: card.endpoint,
            rate_octas: card.rate_octas,
            manifest_url: card.manifest_url,
            messaging_pubkey: card.messaging_pubkey,
            p2p_endpoint: card.p2p_endpoint,
            timestamp: now,
        });
    }

    fun set_active_internal(card: &mut AgentCard, card_addr: address, active: bool) {
        let now = timestamp::now_seconds();
        card.active = active;
        card.updated_at = now;
        event::emit(AgentStatusChanged { agent_id: card.id, card: card_addr, active, timestamp: now });
    }

    /// Checks the editable fields in the documented order.
    fun validate_card_fields(
        name: &String,
        description: &String,
        capabilities: &vector<String>,
        endpoint: &String,
        manifest_url: &String,
        messaging_pubkey: &vector<u8>,
        p2p_endpoint: &String,
    ) {
        validate_name(name);
        validate_description(description);
        validate_capabilities(capabilities);
        validate_url(endpoint);
        validate_url(manifest_url);
        validate_messaging_key(messaging_pubkey);
        validate_p2p_endpoint(p2p_endpoint);
    }

    fun validate_name(name: &String) {
        let len = string::length(name);
        assert!(len > 0 && len <= MAX_NAME_LENGTH, error::invalid_argument(EINVALID_NAME));
    }

    fun validate_description(description: &String) {
        assert!(
            string::length(description) <= MAX_DESCRIPTION_LENGTH,
            error::invalid_argument(EDESCRIPTION_TOO_LONG)
        );
    }

    fun validate_capabilities(capabilities: &vector<String>) {
        let count = vector::length(capabilities);
        assert!(count <= MAX_CAPABILITIES, error::invalid_argument(ETOO_MANY_CAPABILITIES));
        let i = 0;
        while (i < count) {
            let len = string::length(vector::borrow(capabilities, i));
            assert!(len > 0 && len <= MAX_CAPABILITY_LENGTH, error::invalid_argument(EINVALID_CAPABILITY));
            i = i + 1;
        };
    }

    fun validate_url(url: &String) {
        assert!(string::length(url) <= MAX_URL_LENGTH, error::invalid_argument(EURL_TOO_LONG));
    }

    fun validate_messaging_key(messaging_pubkey: &vector<u8>) {
        assert!(
            vector::length(messaging_pubkey) == MESSAGING_KEY_LENGTH,
            error::invalid_argument(EINVALID_MESSAGING_KEY)
        );
    }

    fun validate_p2p_endpoint(p2p_endpoint: &String) {
        assert!(
            string::length(p2p_endpoint) <= MAX_P2P_ENDPOINT_LENGTH,
            error::invalid_argument(EP2P_ENDPOINT_TOO_LONG)
        );
    }

    //
    // Test-only helpers
    //

    #[test_only]
    /// Runs `init_module` (tests cannot call it directly).
    public fun init_module_for_test(deployer: &signer) {
        init_module(deployer);
    }

    #[test_only]
    /// Pads `owner`'s id index with `count` placeholder ids (`0`), so the per-owner limit can be
    /// reached without registering 100 agents in one test.
    public fun pad_owner_index_for_test(owner: address, count: u64) acquires Registry {
        let registry = borrow_global_mut<Registry>(@aether_addr);
        let ids = table::borrow_mut_with_default(&mut registry.owned, owner, vector::empty<u64>());
        let i = 0;
        while (i < count) {
            vector::push_back(ids, 0);
            i = i + 1;
        };
    }

    #[test_only]
    /// `(id, card, owner, name, description, capabilities, endpoint, rate_octas, manifest_url,
    /// messaging_pubkey, p2p_endpoint, active, verified, principal_hash, attester, created_at,
    /// updated_at)`.
    public fun unpack_card_info(info: CardInfo): (
        u64, address, address, String, String, vector<String>, String, u64, String, vector<u8>, String,
        bool, bool, vector<u8>, address, u64, u64
    ) {
        let CardInfo {
            id, card, owner, name, description, capabilities, endpoint, rate_octas, manifest_url,
            messaging_pubkey, p2p_endpoint, active, verified, principal_hash, attester, created_at, updated_at,
        } = info;
        (
            id, card, owner, name, description, capabilities, endpoint, rate_octas, manifest_url,
            messaging_pubkey, p2p_endpoint, active, verified, principal_hash, attester, created_at, updated_at
        )
    }

    #[test_only]
    public fun agent_registered_event(
        agent_id: u64,
        card: address,
        owner: address,
        name: String,
        description: String,
        capabilities: vector<String>,
        endpoint: String,
        rate_octas: u64,
        manifest_url: String,
        messaging_pubkey: vector<u8>,
        p2p_endpoint: String,
        timestamp: u64,
    ): AgentRegistered {
        AgentRegistered {
            agent_id, card, owner, name, description, capabilities, endpoint, rate_octas, manifest_url,
            messaging_pubkey, p2p_endpoint, timestamp,
        }
    }

    #[test_only]
    public fun agent_updated_event(
        agent_id: u64,
        card: address,
        owner: address,
        name: String,
        description: String,
        capabilities: vector<String>,
        endpoint: String,
        rate_octas: u64,
        manifest_url: String,
        messaging_pubkey: vector<u8>,
        p2p_endpoint: String,
        timestamp: u64,
    ): AgentUpdated {
        AgentUpdated {
            agent_id, card, owner, name, description, capabilities, endpoint, rate_octas, manifest_url,
            messaging_pubkey, p2p_endpoint, timestamp,
        }
    }

    #[test_only]
    public fun agent_status_changed_event(
        agent_id: u64, card: address, active: bool, timestamp: u64
    ): AgentStatusChanged {
        AgentStatusChanged { agent_id, card, active, timestamp }
    }

    #[test_only]
    public fun agent_transferred_event(
        agent_id: u64, card: address, from: address, to: address, timestamp: u64
    ): AgentTransferred {
        AgentTransferred { agent_id, card, from, to, timestamp }
    }

    #[test_only]
    public fun principal_attested_event(
        agent_id: u64, card: address, attester: address, principal_hash: vector<u8>, timestamp: u64
    ): PrincipalAttested {
        PrincipalAttested { agent_id, card, attester, principal_hash, timestamp }
    }

    #[test_only]
    public fun attestation_revoked_event(
        agent_id: u64, card: address, revoker: address, timestamp: u64
    ): AttestationRevoked {
        AttestationRevoked { agent_id, card, revoker, timestamp }
    }

    #[test_only]
    public fun attester_added_event(attester: address): AttesterAdded {
        AttesterAdded { attester }
    }

    #[test_only]
    public fun attester_removed_event(attester: address): AttesterRemoved {
        AttesterRemoved { attester }
    }

    #[test_only]
    public fun admin_changed_event(old_admin: address, new_admin: address): AdminChanged {
        AdminChanged { old_admin, new_admin }
    }
}
