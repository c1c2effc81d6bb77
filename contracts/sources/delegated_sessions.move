/// Delegated spending sessions.
///
/// A principal escrows APT for one of its agents (`agent_id`, the client agent) and hands the agent an
/// ephemeral ed25519 session key. Whoever holds that key signs `PaymentAuthorization`s, and anyone
/// (typically the x402 facilitator) submits them with `pay`, which moves the amount from the escrow
/// to the payee. A session is bounded by its allowance, a request count and an expiry; the
/// principal can top it up or revoke it, and anyone can close it once expired. Unspent APT always
/// goes back to the principal.
///
/// Escrowed APT sits in a resource account derived from `@aether_addr` with seed
/// `b"aether::delegated_sessions"`. Settled payments are recorded per (`session_id`, `nonce`), so
/// `validation_oracle` can check that a task result was paid for.
module aether_addr::delegated_sessions {
    use std::error;
    use std::signer;
    use std::vector;

    use aptos_std::ed25519;
    use aptos_std::table::{Self, Table};

    use aptos_framework::account::{Self, SignerCapability};
    use aptos_framework::aptos_account;
    use aptos_framework::event;
    use aptos_framework::timestamp;

    use aether_addr::agent_card;

    //
    // Errors
    //

    /// No session with that id.
    const ESESSION_NOT_FOUND: u64 = 1;
    /// The signer is not the session's principal.
    const ENOT_PRINCIPAL: u64 = 2;
    /// The session is past `expires_at`.
    const ESESSION_EXPIRED: u64 = 3;
    /// The session was revoked or closed.
    const ESESSION_NOT_ACTIVE: u64 = 4;
    /// The authorization's `valid_until` has passed.
    const EAUTHORIZATION_EXPIRED: u64 = 5;
    /// The nonce was already used in this session.
    const ENONCE_USED: u64 = 6;
    /// The amount is above the remaining allowance.
    const EINSUFFICIENT_ALLOWANCE: u64 = 7;
    /// The session has no requests left.
    const EREQUESTS_EXHAUSTED: u64 = 8;
    /// The authorization's chain id is not this chain's.
    const EWRONG_CHAIN_ID: u64 = 9;
    /// The signature is not `SIGNATURE_LENGTH` bytes or does not verify under the session key.
    const EINVALID_SIGNATURE: u64 = 10;
    /// The session public key is not `SESSION_KEY_LENGTH` bytes.
    const EINVALID_SESSION_KEY: u64 = 11;
    /// The allowance, top-up or payment amount is 0.
    const EZERO_AMOUNT: u64 = 12;
    /// The duration is 0 or above `MAX_SESSION_DURATION_SECS`.
    const EINVALID_DURATION: u64 = 13;
    /// `close_expired` before `expires_at`.
    const ESESSION_NOT_EXPIRED: u64 = 14;
    /// No agent with that id.
    const EAGENT_NOT_FOUND: u64 = 15;
    /// The agent is deactivated.
    const EAGENT_INACTIVE: u64 = 16;
    /// No payment with that session and nonce.
    const EPAYMENT_NOT_FOUND: u64 = 17;
    /// `max_requests` is 0 or above `MAX_REQUESTS`.
    const EINVALID_MAX_REQUESTS: u64 = 18;

    //
    // Limits and constants
    //

    /// Exact length of an ed25519 session public key.
    const SESSION_KEY_LENGTH: u64 = 32;
    /// Exact length of an ed25519 signature.
    const SIGNATURE_LENGTH: u64 = 64;
    /// Longest session: 90 days.
    const MAX_SESSION_DURATION_SECS: u64 = 7776000;
    /// Most requests per session.
    const MAX_REQUESTS: u64 = 10000000;

    /// Seed of the escrow resource account.
    const ESCROW_SEED: vector<u8> = b"aether::delegated_sessions";

    /// `SessionInfo.status`: open (an open session past `expires_at` still reads active).
    const STATUS_ACTIVE: u8 = 0;
    /// `SessionInfo.status`: revoked by the principal.
    const STATUS_REVOKED: u8 = 1;
    /// `SessionInfo.status`: closed after expiry.
    const STATUS_CLOSED: u8 = 2;

    //
    // Resources and structs
    //

    /// All sessions and payments, stored at `@aether_addr`.
    struct SessionStore has key {
        /// Signs for the escrow resource account.
        escrow_cap: SignerCapability,
        /// Number of sessions ever created; also the last id handed out.
        session_count: u64,
        sessions: Table<u64, SessionInfo>,
        payments: Table<PaymentKey, PaymentInfo>,
    }

    /// Key of a settled payment.
    struct PaymentKey has copy, drop, store {
        session_id: u64,
        nonce: u64,
    }

    /// The message the session key signs (verified with `ed25519::signature_verify_strict_t`).
    struct PaymentAuthorization has copy, drop {
        chain_id: u8,
        session: u64,
        payee: address,
        amount: u64,
        nonce: u64,
        valid_until: u64,
    }

    /// A session, returned by `get_session`.
    struct SessionInfo has copy, drop, store {
        id: u64,
        principal: address,
        agent_id: u64,
        session_pubkey: vector<u8>,
        /// Initial allowance plus top-ups, in octas.
        deposited: u64,
        /// Paid out so far, in octas.
        spent: u64,
        max_requests: u64,
        requests_used: u64,
        created_at: u64,
        expires_at: u64,
        /// `STATUS_ACTIVE`, `STATUS_REVOKED` or `STATUS_CLOSED`.
        status: u8,
    }

    /// A settled payment, returned by `get_payment`.
    struct PaymentInfo has copy, drop, store {
        payee: address,
        amount: u64,
        timestamp: u64,
    }

    //
    // Events
    //

    #[event]
    /// Emitted when a principal opens a session.
    struct SessionCreated has drop, store {
        session_id: u64,
        principal: address,
        agent_id: u64,
        session_pubkey: vector<u8>,
        allowance: u64,
        max_requests: u64,
        expires_at: u64,
        timestamp: u64,
    }

    #[event]
    /// Emitted when `pay` moves funds from the escrow to a payee.
    struct PaymentSettled has drop, store {
        session_id: u64,
        payee: address,
        amount: u64,
        nonce: u64,
        spent: u64,
        requests_used: u64,
        timestamp: u64,
    }

    #[event]
    /// Emitted when the principal adds funds to a session.
    struct SessionToppedUp has drop, store {
        session_id: u64,
        amount: u64,
        deposited: u64,
        timestamp: u64,
    }

    #[event]
    /// Emitted when the principal revokes a session.
    struct SessionRevoked has drop, store {
        session_id: u64,
        refund: u64,
        timestamp: u64,
    }

    #[event]
    /// Emitted when an expired session is closed.
    struct SessionClosed has drop, store {
        session_id: u64,
        closer: address,
        refund: u64,
        timestamp: u64,
    }

    //
    // Initialization
    //

    /// Creates the escrow resource account and publishes the session store.
    fun init_module(deployer: &signer) {
        let (_escrow, escrow_cap) = account::create_resource_account(deployer, ESCROW_SEED);
        move_to(deployer, SessionStore {
            escrow_cap,
            session_count: 0,
            sessions: table::new(),
            payments: table::new(),
        });
    }

    //
    // Entry functions
    //

    /// Opens a session for `agent_id`, escrowing `allowance` octas from the principal.
    public entry fun create_session(
        principal: &signer,
        agent_id: u64,
        session_pubkey: vector<u8>,
        allowance: u64,
        max_requests: u64,
        duration_secs: u64,
    ) acquires SessionStore {
        assert!(agent_card::agent_exists(agent_id), error::not_found(EAGENT_NOT_FOUND));
        assert!(agent_card::is_active(agent_id), error::invalid_state(EAGENT_INACTIVE));
        assert!(
            vector::length(&session_pubkey) == SESSION_KEY_LENGTH,
            error::invalid_argument(EINVALID_SESSION_KEY)
        );
        assert!(allowance > 0, error::invalid_argument(EZERO_AMOUNT));
        assert!(
            max_requests > 0 && max_requests <= MAX_REQUESTS,
            error::invalid_argument(EINVALID_MAX_REQUESTS)
        );
        assert!(
            duration_secs > 0 && duration_secs <= MAX_SESSION_DURATION_SECS,
            error::invalid_argument(EINVALID_DURATION)
        );

        let principal_addr = signer::address_of(principal);
        let store = borrow_global_mut<SessionStore>(@aether_addr);
        aptos_account::transfer(principal, account::get_signer_capability_address(&store.escrow_cap), allowance);

        let now = timestamp::now_seconds();
        let session_id = store.session_count + 1;
        let expires_at = now + duration_secs;
        store.session_count = session_id;
        table::add(&mut store.sessions, session_id, SessionInfo {
            id: session_id,
            principal: principal_addr,
            agent_id,
            session_pubkey,
            deposited: allowance,
            spent: 0,
            max_requests,
            requests_used: 0,
            created_at: now,
            expires_at,
            status: STATUS_ACTIVE,
        });
        event::emit(SessionCreated {
            session_id,
            principal: principal_addr,
            agent_id,
            session_pubkey,
            allowance,
            max_requests,
            expires_at,
            timestamp: now,
        });
    }

    /// Settles a payment signed by the session key. The signer only pays gas.
    public entry fun pay(
        _submitter: &signer,
        session_id: u64,
        chain_id: u8,
        payee: address,
        amount: u64,
        nonce: u64,
        valid_until: u64,
        signature: vector<u8>,
    ) acquires SessionStore {
        let store = borrow_global_mut<SessionStore>(@aether_addr);
        assert!(table::contains(&store.sessions, session_id), error::not_found(ESESSION_NOT_FOUND));
        assert!(chain_id == aptos_framework::chain_id::get(), error::invalid_argument(EWRONG_CHAIN_ID));
        assert!(vector::length(&signature) == SIGNATURE_LENGTH, error::unauthenticated(EINVALID_SIGNATURE));

        let session = *table::borrow(&store.sessions, session_id);
        let authorization = PaymentAuthorization {
            chain_id,
            session: session_id,
            payee,
            amount,
            nonce,
            valid_until,
        };
        assert!(
            ed25519::signature_verify_strict_t(
                &ed25519::new_signature_from_bytes(signature),
                &ed25519::new_unvalidated_public_key_from_bytes(session.session_pubkey),
                authorization,
            ),
            error::unauthenticated(EINVALID_SIGNATURE)
        );

        let now = timestamp::now_seconds();
        assert!(session.status == STATUS_ACTIVE, error::invalid_state(ESESSION_NOT_ACTIVE));
        assert!(now < session.expires_at, error::invalid_state(ESESSION_EXPIRED));
        assert!(now <= valid_until, error::invalid_state(EAUTHORIZATION_EXPIRED));
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        let key = PaymentKey { session_id, nonce };
        assert!(!table::contains(&store.payments, key), error::already_exists(ENONCE_USED));
        assert!(
            session.requests_used < session.max_requests,
            error::resource_exhausted(EREQUESTS_EXHAUSTED)
        );
        assert!(
            amount <= session.deposited - session.spent,
            error::resource_exhausted(EINSUFFICIENT_ALLOWANCE)
        );

        let escrow = account::create_signer_with_capability(&store.escrow_cap);
        aptos_account::transfer(&escrow, payee, amount);
        table::add(&mut store.payments, key, PaymentInfo { payee, amount, timestamp: now });

        let stored = table::borrow_mut(&mut store.sessions, session_id);
        stored.spent = stored.spent + amount;
        stored.requests_used = stored.requests_used + 1;
        event::emit(PaymentSettled {
            session_id,
            payee,
            amount,
            nonce,
            spent: stored.spent,
            requests_used: stored.requests_used,
            timestamp: now,
        });
    }

    /// Adds `amount` octas to an active, unexpired session.
    public entry fun top_up(principal: &signer, session_id: u64, amount: u64) acquires SessionStore {
        let store = borrow_global_mut<SessionStore>(@aether_addr);
        assert!(table::contains(&store.sessions, session_id), error::not_found(ESESSION_NOT_FOUND));
        let session = *table::borrow(&store.sessions, session_id);
        assert!(signer::address_of(principal) == session.principal, error::permission_denied(ENOT_PRINCIPAL));
        assert!(session.status == STATUS_ACTIVE, error::invalid_state(ESESSION_NOT_ACTIVE));
        let now = timestamp::now_seconds();
        assert!(now < session.expires_at, error::invalid_state(ESESSION_EXPIRED));
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));

        aptos_account::transfer(principal, account::get_signer_capability_address(&store.escrow_cap), amount);
        let stored = table::borrow_mut(&mut store.sessions, session_id);
        stored.deposited = stored.deposited + amount;
        event::emit(SessionToppedUp { session_id, amount, deposited: stored.deposited, timestamp: now });
    }

    /// Ends an active session (expired or not) and refunds the unspent allowance to the principal.
    public entry fun revoke(principal: &signer, session_id: u64) acquires SessionStore {
        let store = borrow_global_mut<SessionStore>(@aether_addr);
        assert!(table::contains(&store.sessions, session_id), error::not_found(ESESSION_NOT_FOUND));
        let session = *table::borrow(&store.sessions, session_id);
        assert!(signer::address_of(principal) == session.principal, error::permission_denied(ENOT_PRINCIPAL));
        assert!(session.status == STATUS_ACTIVE, error::invalid_state(ESESSION_NOT_ACTIVE));

        let refund = end_session(store, session_id, STATUS_REVOKED);
        event::emit(SessionRevoked { session_id, refund, timestamp: timestamp::now_seconds() });
    }

    /// Closes an active session once it has expired and refunds the unspent allowance to the
    /// principal. Anyone may call it.
    public entry fun close_expired(closer: &signer, session_id: u64) acquires SessionStore {
        let store = borrow_global_mut<SessionStore>(@aether_addr);
        assert!(table::contains(&store.sessions, session_id), error::not_found(ESESSION_NOT_FOUND));
        let session = *table::borrow(&store.sessions, session_id);
        assert!(session.status == STATUS_ACTIVE, error::invalid_state(ESESSION_NOT_ACTIVE));
        let now = timestamp::now_seconds();
        assert!(now >= session.expires_at, error::invalid_state(ESESSION_NOT_EXPIRED));

        let refund = end_session(store, session_id, STATUS_CLOSED);
        event::emit(SessionClosed { session_id, closer: signer::address_of(closer), refund, timestamp: now });
    }

    //
    // Views
    //

    #[view]
    /// The session. Aborts with `ESESSION_NOT_FOUND` if there is none.
    public fun get_session(session_id: u64): SessionInfo acquires SessionStore {
        let store = borrow_global<SessionStore>(@aether_addr);
        assert!(table::contains(&store.sessions, session_id), error::not_found(ESESSION_NOT_FOUND));
        *table::borrow(&store.sessions, session_id)
    }

    #[view]
    /// `deposited - spent` in octas, whatever the status. Aborts with `ESESSION_NOT_FOUND`.
    public fun remaining_allowance(session_id: u64): u64 acquires SessionStore {
        let session = get_session(session_id);
        session.deposited - session.spent
    }

    #[view]
    /// `max_requests - requests_used`, whatever the status. Aborts with `ESESSION_NOT_FOUND`.
    public fun remaining_requests(session_id: u64): u64 acquires SessionStore {
        let session = get_session(session_id);
        session.max_requests - session.requests_used
    }

    #[view]
    /// Whether a payment with that nonce was settled in that session (false for unknown sessions).
    public fun is_nonce_used(session_id: u64, nonce: u64): bool acquires SessionStore {
        table::contains(&borrow_global<SessionStore>(@aether_addr).payments, PaymentKey { session_id, nonce })
    }

    #[view]
    /// The payment settled with that session and nonce. Aborts with `EPAYMENT_NOT_FOUND` if there is none.
    public fun get_payment(session_id: u64, nonce: u64): PaymentInfo acquires SessionStore {
        let store = borrow_global<SessionStore>(@aether_addr);
        let key = PaymentKey { session_id, nonce };
        assert!(table::contains(&store.payments, key), error::not_found(EPAYMENT_NOT_FOUND));
        *table::borrow(&store.payments, key)
    }

    #[view]
    /// Number of sessions ever created (the highest id).
    public fun session_count(): u64 acquires SessionStore {
        borrow_global<SessionStore>(@aether_addr).session_count
    }

    #[view]
    /// The resource account holding escrowed APT.
    public fun escrow_address(): address acquires SessionStore {
        account::get_signer_capability_address(&borrow_global<SessionStore>(@aether_addr).escrow_cap)
    }

    //
    // Module API (not callable by transactions)
    //

    /// Builds the `PaymentAuthorization` a session key signs, so off-chain tools and other modules
    /// can check a signature with `ed25519::signature_verify_strict_t` exactly as `pay` does.
    public fun new_payment_authorization(
        chain_id: u8,
        session: u64,
        payee: address,
        amount: u64,
        nonce: u64,
        valid_until: u64,
    ): PaymentAuthorization {
        PaymentAuthorization { chain_id, session, payee, amount, nonce, valid_until }
    }

    /// The principal of a session. Aborts with `ESESSION_NOT_FOUND` if there is none.
    public fun session_principal(session_id: u64): address acquires SessionStore {
        let session = get_session(session_id);
        session.principal
    }

    /// The (client) agent of a session. Aborts with `ESESSION_NOT_FOUND` if there is none.
    public fun session_agent_id(session_id: u64): u64 acquires SessionStore {
        let session = get_session(session_id);
        session.agent_id
    }

    /// The payee of a settled payment. Aborts with `EPAYMENT_NOT_FOUND` if there is none.
    public fun payment_payee(session_id: u64, nonce: u64): address acquires SessionStore {
        let payment = get_payment(session_id, nonce);
        payment.payee
    }

    //
    // Internal helpers
    //

    /// Sets the final status and refunds `deposited - spent` to the principal; returns the refund.
    fun end_session(store: &mut SessionStore, session_id: u64, status: u8): u64 {
        let session = table::borrow_mut(&mut store.sessions, session_id);
        session.status = status;
        let refund = session.deposited - session.spent;
        let principal = session.principal;
        if (refund > 0) {
            let escrow = account::create_signer_with_capability(&store.escrow_cap);
            aptos_account::transfer(&escrow, principal, refund);
        };
        refund
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
    /// Signs a `PaymentAuthorization` with `sk` and returns the 64 signature bytes `pay` expects.
    public fun sign_payment_for_test(
        sk: &ed25519::SecretKey,
        chain_id: u8,
        session: u64,
        payee: address,
        amount: u64,
        nonce: u64,
        valid_until: u64,
    ): vector<u8> {
        let authorization = PaymentAuthorization { chain_id, session, payee, amount, nonce, valid_until };
        ed25519::signature_to_bytes(&ed25519::sign_struct(sk, authorization))
    }

    #[test_only]
    /// `(id, principal, agent_id, session_pubkey, deposited, spent, max_requests, requests_used,
    /// created_at, expires_at, status)`.
    public fun unpack_session_info(info: SessionInfo): (
        u64, address, u64, vector<u8>, u64, u64, u64, u64, u64, u64, u8
    ) {
        let SessionInfo {
            id, principal, agent_id, session_pubkey, deposited, spent, max_requests, requests_used, created_at,
            expires_at, status,
        } = info;
        (
            id, principal, agent_id, session_pubkey, deposited, spent, max_requests, requests_used, created_at,
            expires_at, status
        )
    }

    #[test_only]
    /// `(payee, amount, timestamp)`.
    public fun unpack_payment_info(info: PaymentInfo): (address, u64, u64) {
        let PaymentInfo { payee, amount, timestamp } = info;
        (payee, amount, timestamp)
    }

    #[test_only]
    public fun session_created_event(
        session_id: u64,
        principal: address,
        agent_id: u64,
        session_pubkey: vector<u8>,
        allowance: u64,
        max_requests: u64,
        expires_at: u64,
        timestamp: u64,
    ): SessionCreated {
        SessionCreated { session_id, principal, agent_id, session_pubkey, allowance, max_requests, expires_at, timestamp }
    }

    #[test_only]
    public fun payment_settled_event(
        session_id: u64,
        payee: address,
        amount: u64,
        nonce: u64,
        spent: u64,
        requests_used: u64,
        timestamp: u64,
    ): PaymentSettled {
        PaymentSettled { session_id, payee, amount, nonce, spent, requests_used, timestamp }
    }

    #[test_only]
    public fun session_topped_up_event(
        session_id: u64, amount: u64, deposited: u64, timestamp: u64
    ): SessionToppedUp {
        SessionToppedUp { session_id, amount, deposited, timestamp }
    }

    #[test_only]
    public fun session_revoked_event(session_id: u64, refund: u64, timestamp: u64): SessionRevoked {
        SessionRevoked { session_id, refund, timestamp }
    }

    #[test_only]
    public fun session_closed_event(
        session_id: u64, closer: address, refund: u64, timestamp: u64
    ): SessionClosed {
        SessionClosed { session_id, closer, refund, timestamp }
    }
}
