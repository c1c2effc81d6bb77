/// Stake, task results, disputes, slashing and the reputation score of Aether agents.
///
/// An agent's owner stakes APT for the agent and submits task results. A result counts toward the
/// success rate only when it references a settled `delegated_sessions` payment that (1) exists,
/// (2) was paid to the agent's current owner, (3) came from a session whose principal is not the
/// agent's owner, and (4) no other result has referenced yet (the anti-inflation rule). Only the
/// paying principal or the owner of the paying session's (client) agent may dispute a paid result,
/// within the dispute window. Oracles resolve disputes; an upheld dispute slashes
/// `stake × slash_bps / 10 000` of the agent's stake to the treasury.
///
/// Staked APT sits in a resource account derived from `@aether_addr` with seed
/// `b"aether::validation_oracle"`. The stake belongs to the agent: it follows the agent when the
/// card is transferred.
module aether_addr::validation_oracle {
    use std::error;
    use std::signer;
    use std::string::{Self, String};
    use std::vector;

    use aptos_std::table::{Self, Table};

    use aptos_framework::account::{Self, SignerCapability};
    use aptos_framework::aptos_account;
    use aptos_framework::event;
    use aptos_framework::timestamp;

    use aether_addr::agent_card;
    use aether_addr::delegated_sessions;

    //
    // Errors
    //

    /// The signer is not the module admin.
    const ENOT_ADMIN: u64 = 1;
    /// The signer is not an oracle.
    const ENOT_ORACLE: u64 = 2;
    /// The signer does not own the agent.
    const ENOT_AGENT_OWNER: u64 = 3;
    /// No agent with that id.
    const EAGENT_NOT_FOUND: u64 = 4;
    /// The stake or unstake amount is 0.
    const EZERO_AMOUNT: u64 = 5;
    /// `lock_secs` is above `MAX_LOCK_SECS`.
    const ELOCK_TOO_LONG: u64 = 6;
    /// The agent has no stake.
    const ENO_STAKE: u64 = 7;
    /// The stake is locked (`now < locked_until`).
    const ESTAKE_LOCKED: u64 = 8;
    /// The unstake amount is above the stake.
    const EINSUFFICIENT_STAKE: u64 = 9;
    /// A dispute against the agent is pending.
    const EDISPUTE_PENDING: u64 = 10;
    /// The result hash is not `HASH_LENGTH` bytes.
    const EINVALID_RESULT_HASH: u64 = 11;
    /// The task type is empty or longer than `MAX_TASK_TYPE_LENGTH`.
    const EINVALID_TASK_TYPE: u64 = 12;
    /// No task with that id.
    const ETASK_NOT_FOUND: u64 = 13;
    /// The referenced session payment does not exist.
    const EPAYMENT_NOT_FOUND: u64 = 14;
    /// The payment's payee is not the agent's owner.
    const EPAYMENT_NOT_TO_AGENT: u64 = 15;
    /// The paying session's principal is the agent's owner.
    const ESELF_PAID: u64 = 16;
    /// Another result already references that payment.
    const EPAYMENT_ALREADY_USED: u64 = 17;
    /// The task is unpaid and cannot be disputed.
    const ENOT_DISPUTABLE: u64 = 18;
    /// The dispute window of the task has closed.
    const EDISPUTE_WINDOW_CLOSED: u64 = 19;
    /// The task already has a dispute.
    const EDISPUTE_EXISTS: u64 = 20;
    /// The disputer is neither the paying principal nor the client agent's owner.
    const ENOT_PAYER: u64 = 21;
    /// The reason is empty or longer than `MAX_REASON_LENGTH`.
    const EINVALID_REASON: u64 = 22;
    /// The evidence hash is not `HASH_LENGTH` bytes.
    const EINVALID_EVIDENCE_HASH: u64 = 23;
    /// The task has no dispute.
    const EDISPUTE_NOT_FOUND: u64 = 24;
    /// The dispute was already resolved.
    const EDISPUTE_RESOLVED: u64 = 25;
    /// `add_oracle` for an address that already is an oracle.
    const EORACLE_EXISTS: u64 = 26;
    /// `remove_oracle` for an address that is not an oracle.
    const EORACLE_NOT_FOUND: u64 = 27;
    /// `bps` is above `BPS_DENOMINATOR`.
    const EINVALID_SLASH_BPS: u64 = 28;
    /// The window is 0 or above `MAX_DISPUTE_WINDOW_SECS`.
    const EINVALID_WINDOW: u64 = 29;

    //
    // Limits and constants
    //

    /// Longest task type, in bytes (task types must also be non-empty).
    const MAX_TASK_TYPE_LENGTH: u64 = 64;
    /// Exact length of result and evidence hashes.
    const HASH_LENGTH: u64 = 32;
    /// Longest dispute reason, in bytes (reasons must also be non-empty).
    const MAX_REASON_LENGTH: u64 = 512;
    /// Longest stake lock: 365 days.
    const MAX_LOCK_SECS: u64 = 31536000;
    /// Longest configurable dispute window: 30 days.
    const MAX_DISPUTE_WINDOW_SECS: u64 = 2592000;
    /// Dispute window set by `init_module`: 24 hours.
    const DEFAULT_DISPUTE_WINDOW_SECS: u64 = 86400;
    /// Share of the stake an upheld dispute slashes, set by `init_module`: 50 %.
    const DEFAULT_SLASH_BPS: u64 = 5000;
    /// Basis points in 100 %.
    const BPS_DENOMINATOR: u64 = 10000;

    /// Seed of the stake vault resource account.
    const VAULT_SEED: vector<u8> = b"aether::validation_oracle";

    /// Reputation: points for a perfect success rate.
    const SUCCESS_WEIGHT: u128 = 500;
    /// Reputation: points per staked APT.
    const POINTS_PER_APT: u128 = 2;
    /// Octas in one APT.
    const OCTAS_PER_APT: u128 = 100000000;
    /// Reputation: base points of every agent.
    const BASE_SCORE: u128 = 100;
    /// Reputation: points lost per upheld dispute.
    const UPHELD_PENALTY: u128 = 100;
    /// Reputation: highest score.
    const MAX_SCORE: u128 = 1000;

    /// `TaskInfo.status`: completed (no dispute).
    const TASK_COMPLETED: u8 = 0;
    /// `TaskInfo.status`: a dispute is pending.
    const TASK_DISPUTED: u8 = 1;
    /// `TaskInfo.status`: the dispute was upheld.
    const TASK_DISPUTE_UPHELD: u8 = 2;
    /// `TaskInfo.status`: the dispute was rejected.
    const TASK_DISPUTE_REJECTED: u8 = 3;

    /// `DisputeInfo.status`: pending.
    const DISPUTE_PENDING: u8 = 0;
    /// `DisputeInfo.status`: upheld.
    const DISPUTE_UPHELD: u8 = 1;
    /// `DisputeInfo.status`: rejected.
    const DISPUTE_REJECTED: u8 = 2;

    //
    // Resources and structs
    //

    /// Configuration and all records, stored at `@aether_addr`.
    struct OracleState has key {
        admin: address,
        dispute_window_secs: u64,
        slash_bps: u64,
        /// Receives slashed stake.
        treasury: address,
        oracles: Table<address, bool>,
        /// Signs for the stake vault resource account.
        vault_cap: SignerCapability,
        stakes: Table<u64, StakeInfo>,
        stats: Table<u64, AgentStats>,
        /// Number of tasks ever submitted; also the last id handed out.
        task_count: u64,
        tasks: Table<u64, TaskInfo>,
        /// Disputes, keyed by task id.
        disputes: Table<u64, DisputeInfo>,
        /// Session payments already referenced by a result, to the task that references them.
        used_payments: Table<PaymentRef, u64>,
    }

    /// A session payment (`delegated_sessions` key).
    struct PaymentRef has copy, drop, store {
        session_id: u64,
        nonce: u64,
    }

    /// An agent's stake, returned by `get_stake`.
    struct StakeInfo has copy, drop, store {
        amount: u64,
        locked_until: u64,
    }

    /// A task result, returned by `get_task`.
    struct TaskInfo has copy, drop, store {
        id: u64,
        agent_id: u64,
        task_type: String,
        result_hash: vector<u8>,
        submitted_at: u64,
        paid: bool,
        /// 0 when unpaid.
        session_id: u64,
        /// 0 when unpaid.
        nonce: u64,
        /// The paying session's principal, `@0x0` when unpaid.
        payer: address,
        /// `TASK_COMPLETED`, `TASK_DISPUTED`, `TASK_DISPUTE_UPHELD` or `TASK_DISPUTE_REJECTED`.
        status: u8,
    }

    /// A dispute, returned by `get_dispute`.
    struct DisputeInfo has copy, drop, store {
        task_id: u64,
        agent_id: u64,
        disputer: address,
        reason: String,
        evidence_hash: vector<u8>,
        created_at: u64,
        /// `DISPUTE_PENDING`, `DISPUTE_UPHELD` or `DISPUTE_REJECTED`.
        status: u8,
        /// `@0x0` while pending.
        resolver: address,
        /// 0 while pending.
        resolved_at: u64,
        /// Octas slashed (0 unless upheld).
        slashed: u64,
    }

    /// Counters of an agent, returned by `agent_stats`.
    struct AgentStats has copy, drop, store {
        /// Every result, paid or not.
        total_tasks: u64,
        /// Results backed by a qualifying payment.
        paid_tasks: u64,
        /// Paid results not lost in a dispute.
        successful_tasks: u64,
        /// Disputes ever opened.
        disputes: u64,
        /// Disputes upheld.
        upheld_disputes: u64,
        /// Disputes not yet resolved.
        pending_disputes: u64,
    }

    /// The configuration, returned by `get_config`.
    struct OracleConfig has copy, drop, store {
        admin: address,
        dispute_window_secs: u64,
        slash_bps: u64,
        treasury: address,
    }

    //
    // Events
    //

    #[event]
    /// Emitted when an owner stakes APT for an agent.
    struct Staked has drop, store {
        agent_id: u64,
        owner: address,
        amount: u64,
        total: u64,
        locked_until: u64,
        timestamp: u64,
    }

    #[event]
    /// Emitted when an owner withdraws stake.
    struct Unstaked has drop, store {
        agent_id: u64,
        owner: address,
        amount: u64,
        remaining: u64,
        timestamp: u64,
    }

    #[event]
    /// Emitted when a task result (paid or not) is submitted.
    struct TaskResultSubmitted has drop, store {
        task_id: u64,
        agent_id: u64,
        task_type: String,
        result_hash: vector<u8>,
        paid: bool,
        session_id: u64,
        nonce: u64,
        payer: address,
        timestamp: u64,
    }

    #[event]
    /// Emitted when a paid result is disputed.
    struct DisputeCreated has drop, store {
        task_id: u64,
        agent_id: u64,
        disputer: address,
        reason: String,
        evidence_hash: vector<u8>,
        timestamp: u64,
    }

    #[event]
    /// Emitted when an oracle resolves a dispute.
    struct DisputeResolved has drop, store {
        task_id: u64,
        agent_id: u64,
        oracle: address,
        upheld: bool,
        slashed: u64,
        timestamp: u64,
    }

    #[event]
    /// Emitted when the admin adds an oracle.
    struct OracleAdded has drop, store {
        oracle: address,
    }

    #[event]
    /// Emitted when the admin removes an oracle.
    struct OracleRemoved has drop, store {
        oracle: address,
    }

    #[event]
    /// Emitted when the admin changes the configuration; carries the whole configuration after the change.
    struct ConfigUpdated has drop, store {
        admin: address,
        dispute_window_secs: u64,
        slash_bps: u64,
        treasury: address,
    }

    //
    // Initialization
    //

    /// Creates the stake vault and publishes the state; the deployer (`@aether_addr`) becomes the
    /// admin and the treasury.
    fun init_module(deployer: &signer) {
        let deployer_addr = signer::address_of(deployer);
        let (_vault, vault_cap) = account::create_resource_account(deployer, VAULT_SEED);
        move_to(deployer, OracleState {
            admin: deployer_addr,
            dispute_window_secs: DEFAULT_DISPUTE_WINDOW_SECS,
            slash_bps: DEFAULT_SLASH_BPS,
            treasury: deployer_addr,
            oracles: table::new(),
            vault_cap,
            stakes: table::new(),
            stats: table::new(),
            task_count: 0,
            tasks: table::new(),
            disputes: table::new(),
            used_payments: table::new(),
        });
    }

    //
    // Entry functions: agent owners
    //

    /// Moves `amount` octas from the owner into the agent's stake and extends the lock to at least
    /// `now + lock_secs`.
    public entry fun stake(owner: &signer, agent_id: u64, amount: u64, lock_secs: u64) acquires OracleState {
        assert_agent_owner(owner, agent_id);
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        assert!(lock_secs <= MAX_LOCK_SECS, error::invalid_argument(ELOCK_TOO_LONG));

        let state = borrow_global_mut<OracleState>(@aether_addr);
        aptos_account::transfer(owner, account::get_signer_capability_address(&state.vault_cap), amount);
        let now = timestamp::now_seconds();
        let info = table::borrow_mut_with_default(
            &mut state.stakes, agent_id, StakeInfo { amount: 0, locked_until: 0 }
        );
        info.amount = info.amount + amount;
        let until = now + lock_secs;
        if (until > info.locked_until) {
            info.locked_until = until;
        };
        event::emit(Staked {
            agent_id,
            owner: signer::address_of(owner),
            amount,
            total: info.amount,
            locked_until: info.locked_until,
            timestamp: now,
        });
    }

    /// Withdraws `amount` octas of the agent's stake to the owner, once unlocked and with no
    /// dispute pending.
    public entry fun unstake(owner: &signer, agent_id: u64, amount: u64) acquires OracleState {
        assert_agent_owner(owner, agent_id);
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));

        let state = borrow_global_mut<OracleState>(@aether_addr);
        assert!(
            table::contains(&state.stakes, agent_id) && table::borrow(&state.stakes, agent_id).amount > 0,
            error::not_found(ENO_STAKE)
        );
        let info = *table::borrow(&state.stakes, agent_id);
        let now = timestamp::now_seconds();
        assert!(now >= info.locked_until, error::invalid_state(ESTAKE_LOCKED));
        assert!(pending_disputes(state, agent_id) == 0, error::invalid_state(EDISPUTE_PENDING));
        assert!(amount <= info.amount, error::invalid_argument(EINSUFFICIENT_STAKE));

        let remaining = info.amount - amount;
        let stored = table::borrow_mut(&mut state.stakes, agent_id);
        stored.amount = remaining;
        let owner_addr = signer::address_of(owner);
        let vault = account::create_signer_with_capability(&state.vault_cap);
        aptos_account::transfer(&vault, owner_addr, amount);
        event::emit(Unstaked { agent_id, owner: owner_addr, amount, remaining, timestamp: now });
    }

    /// Records an unpaid result: it counts in `total_tasks` only and cannot be disputed.
    public entry fun submit_task_result(
        owner: &signer,
        agent_id: u64,
        task_type: String,
        result_hash: vector<u8>,
    ) acquires OracleState {
        assert_agent_owner(owner, agent_id);
        validate_task(&task_type, &result_hash);
        let state = borrow_global_mut<OracleState>(@aether_addr);
        record_task(state, agent_id, task_type, result_hash, false, 0, 0, @0x0);
    }

    /// Records a result paid by the session payment (`session_id`, `nonce`); see the anti-inflation
    /// rule in the module documentation.
    public entry fun submit_paid_task_result(
        owner: &signer,
        agent_id: u64,
        task_type: String,
        result_hash: vector<u8>,
        session_id: u64,
        nonce: u64,
    ) acquires OracleState {
        assert_agent_owner(owner, agent_id);
        validate_task(&task_type, &result_hash);
        assert!(delegated_sessions::is_nonce_used(session_id, nonce), error::not_found(EPAYMENT_NOT_FOUND));
        let owner_addr = signer::address_of(owner);
        assert!(
            delegated_sessions::payment_payee(session_id, nonce) == owner_addr,
            error::invalid_argument(EPAYMENT_NOT_TO_AGENT)
        );
        let payer = delegated_sessions::session_principal(session_id);
        assert!(payer != owner_addr, error::invalid_argument(ESELF_PAID));

        let state = borrow_global_mut<OracleState>(@aether_addr);
        let payment = PaymentRef { session_id, nonce };
        assert!(!table::contains(&state.used_payments, payment), error::already_exists(EPAYMENT_ALREADY_USED));
        let task_id = record_task(state, agent_id, task_type, result_hash, true, session_id, nonce, payer);
        table::add(&mut state.used_payments, payment, task_id);
    }

    //
    // Entry functions: disputes
    //

    /// Disputes a paid result, within the dispute window. Only the paying principal or the owner
    /// of the paying session's (client) agent may dispute.
    public entry fun create_dispute(
        disputer: &signer,
        task_id: u64,
        reason: String,
        evidence_hash: vector<u8>,
    ) acquires OracleState {
        let state = borrow_global_mut<OracleState>(@aether_addr);
        assert!(table::contains(&state.tasks, task_id), error::not_found(ETASK_NOT_FOUND));
        let task = *table::borrow(&state.tasks, task_id);
        assert!(task.paid, error::invalid_state(ENOT_DISPUTABLE));
        assert!(!table::contains(&state.disputes, task_id), error::already_exists(EDISPUTE_EXISTS));
        let now = timestamp::now_seconds();
        assert!(
            now <= task.submitted_at + state.dispute_window_secs,
            error::invalid_state(EDISPUTE_WINDOW_CLOSED)
        );
        let disputer_addr = signer::address_of(disputer);
        assert!(
            disputer_addr == task.payer || disputer_addr == client_agent_owner(task.session_id),
            error::permission_denied(ENOT_PAYER)
        );
        let reason_length = string::length(&reason);
        assert!(
            reason_length > 0 && reason_length <= MAX_REASON_LENGTH,
            error::invalid_argument(EINVALID_REASON)
        );
        assert!(vector::length(&evidence_hash) == HASH_LENGTH, error::invalid_argument(EINVALID_EVIDENCE_HASH));

        table::add(&mut state.disputes, task_id, DisputeInfo {
            task_id,
            agent_id: task.agent_id,
            disputer: disputer_addr,
            reason,
            evidence_hash,
            created_at: now,
            status: DISPUTE_PENDING,
            resolver: @0x0,
            resolved_at: 0,
            slashed: 0,
        });
        let stored_task = table::borrow_mut(&mut state.tasks, task_id);
        stored_task.status = TASK_DISPUTED;
        let stats = table::borrow_mut_with_default(&mut state.stats, task.agent_id, empty_stats());
        stats.disputes = stats.disputes + 1;
        stats.pending_disputes = stats.pending_disputes + 1;
        event::emit(DisputeCreated {
            task_id,
            agent_id: task.agent_id,
            disputer: disputer_addr,
            reason,
            evidence_hash,
            timestamp: now,
        });
    }

    /// Resolves a pending dispute. Upheld: slashes `stake × slash_bps / 10 000` to the treasury and
    /// takes the result out of the success count. Rejected: the result keeps counting.
    public entry fun resolve_dispute(oracle: &signer, task_id: u64, upheld: bool) acquires OracleState {
        let state = borrow_global_mut<OracleState>(@aether_addr);
        let oracle_addr = signer::address_of(oracle);
        assert!(table::contains(&state.oracles, oracle_addr), error::permission_denied(ENOT_ORACLE));
        assert!(table::contains(&state.disputes, task_id), error::not_found(EDISPUTE_NOT_FOUND));
        let dispute = *table::borrow(&state.disputes, task_id);
        assert!(dispute.status == DISPUTE_PENDING, error::invalid_state(EDISPUTE_RESOLVED));

        let agent_id = dispute.agent_id;
        let now = timestamp::now_seconds();
        let slashed = 0;
        if (upheld) {
            if (table::contains(&state.stakes, agent_id)) {
                let slash_bps = state.slash_bps;
                let info = table::borrow_mut(&mut state.stakes, agent_id);
                slashed = (((info.amount as u128) * (slash_bps as u128) / (BPS_DENOMINATOR as u128)) as u64);
                info.amount = info.amount - slashed;
            };
            if (slashed > 0) {
                let treasury = state.treasury;
                let vault = account::create_signer_with_capability(&state.vault_cap);
                aptos_account::transfer(&vault, treasury, slashed);
            };
        };

        let stored_dispute = table::borrow_mut(&mut state.disputes, task_id);
        stored_dispute.status = if (upheld) { DISPUTE_UPHELD } else { DISPUTE_REJECTED };
        stored_dispute.resolver = oracle_addr;
        stored_dispute.resolved_at = now;
        stored_dispute.slashed = slashed;

        let stored_task = table::borrow_mut(&mut state.tasks, task_id);
        stored_task.status = if (upheld) { TASK_DISPUTE_UPHELD } else { TASK_DISPUTE_REJECTED };

        let stats = table::borrow_mut_with_default(&mut state.stats, agent_id, empty_stats());
        stats.pending_disputes = stats.pending_disputes - 1;
        if (upheld) {
            stats.successful_tasks = stats.successful_tasks - 1;
            stats.upheld_disputes = stats.upheld_disputes + 1;
        };

        event::emit(DisputeResolved { task_id, agent_id, oracle: oracle_addr, upheld, slashed, timestamp: now });
    }

    //
    // Entry functions: admin
    //

    /// Registers an oracle.
    public entry fun add_oracle(account: &signer, oracle: address) acquires OracleState {
        let state = borrow_global_mut<OracleState>(@aether_addr);
        assert_admin(state, account);
        assert!(!table::contains(&state.oracles, oracle), error::already_exists(EORACLE_EXISTS));
        table::add(&mut state.oracles, oracle, true);
        event::emit(OracleAdded { oracle });
    }

    /// Unregisters an oracle.
    public entry fun remove_oracle(account: &signer, oracle: address) acquires OracleState {
        let state = borrow_global_mut<OracleState>(@aether_addr);
        assert_admin(state, account);
        assert!(table::contains(&state.oracles, oracle), error::not_found(EORACLE_NOT_FOUND));
        table::remove(&mut state.oracles, oracle);
        event::emit(OracleRemoved { oracle });
    }

    /// Sets the dispute window (`0 < secs <= MAX_DISPUTE_WINDOW_SECS`); applies to every open task.
    public entry fun set_dispute_window(account: &signer, secs: u64) acquires OracleState {
        let state = borrow_global_mut<OracleState>(@aether_addr);
        assert_admin(state, account);
        assert!(secs > 0 && secs <= MAX_DISPUTE_WINDOW_SECS, error::invalid_argument(EINVALID_WINDOW));
        state.dispute_window_secs = secs;
        emit_config_updated(state);
    }

    /// Sets the share of the stake an upheld dispute slashes (`bps <= BPS_DENOMINATOR`).
    public entry fun set_slash_bps(account: &signer, bps: u64) acquires OracleState {
        let state = borrow_global_mut<OracleState>(@aether_addr);
        assert_admin(state, account);
        assert!(bps <= BPS_DENOMINATOR, error::invalid_argument(EINVALID_SLASH_BPS));
        state.slash_bps = bps;
        emit_config_updated(state);
    }

    /// Sets the address that receives slashed stake.
    public entry fun set_treasury(account: &signer, treasury: address) acquires OracleState {
        let state = borrow_global_mut<OracleState>(@aether_addr);
        assert_admin(state, account);
        state.treasury = treasury;
        emit_config_updated(state);
    }

    /// Hands the admin role to `new_admin`.
    public entry fun set_admin(account: &signer, new_admin: address) acquires OracleState {
        let state = borrow_global_mut<OracleState>(@aether_addr);
        assert_admin(state, account);
        state.admin = new_admin;
        emit_config_updated(state);
    }

    //
    // Views
    //

    #[view]
    /// The agent's stake (zeros when never staked).
    public fun get_stake(agent_id: u64): StakeInfo acquires OracleState {
        let state = borrow_global<OracleState>(@aether_addr);
        if (table::contains(&state.stakes, agent_id)) {
            *table::borrow(&state.stakes, agent_id)
        } else {
            StakeInfo { amount: 0, locked_until: 0 }
        }
    }

    #[view]
    /// The task. Aborts with `ETASK_NOT_FOUND` if there is none.
    public fun get_task(task_id: u64): TaskInfo acquires OracleState {
        let state = borrow_global<OracleState>(@aether_addr);
        assert!(table::contains(&state.tasks, task_id), error::not_found(ETASK_NOT_FOUND));
        *table::borrow(&state.tasks, task_id)
    }

    #[view]
    /// The dispute of the task. Aborts with `EDISPUTE_NOT_FOUND` if there is none.
    public fun get_dispute(task_id: u64): DisputeInfo acquires OracleState {
        let state = borrow_global<OracleState>(@aether_addr);
        assert!(table::contains(&state.disputes, task_id), error::not_found(EDISPUTE_NOT_FOUND));
        *table::borrow(&state.disputes, task_id)
    }

    #[view]
    /// The agent's counters (zeros when none).
    public fun agent_stats(agent_id: u64): AgentStats acquires OracleState {
        let state = borrow_global<OracleState>(@aether_addr);
        if (table::contains(&state.stats, agent_id)) {
            *table::borrow(&state.stats, agent_id)
        } else {
            empty_stats()
        }
    }

    #[view]
    /// The reputation score in 0..=1000. Aborts with `EAGENT_NOT_FOUND` if there is no such agent.
    public fun reputation(agent_id: u64): u64 acquires OracleState {
        assert!(agent_card::agent_exists(agent_id), error::not_found(EAGENT_NOT_FOUND));
        let stats = agent_stats(agent_id);
        let stake_info = get_stake(agent_id);
        reputation_score(stats.successful_tasks, stats.paid_tasks, stake_info.amount, stats.upheld_disputes)
    }

    #[view]
    /// Number of tasks ever submitted (the highest id).
    public fun task_count(): u64 acquires OracleState {
        borrow_global<OracleState>(@aether_addr).task_count
    }

    #[view]
    /// Whether `addr` is an oracle.
    public fun is_oracle(addr: address): bool acquires OracleState {
        table::contains(&borrow_global<OracleState>(@aether_addr).oracles, addr)
    }

    #[view]
    /// The admin, dispute window, slash share and treasury.
    public fun get_config(): OracleConfig acquires OracleState {
        let state = borrow_global<OracleState>(@aether_addr);
        OracleConfig {
            admin: state.admin,
            dispute_window_secs: state.dispute_window_secs,
            slash_bps: state.slash_bps,
            treasury: state.treasury,
        }
    }

    #[view]
    /// The resource account holding staked APT.
    public fun stake_vault_address(): address acquires OracleState {
        account::get_signer_capability_address(&borrow_global<OracleState>(@aether_addr).vault_cap)
    }

    //
    // Internal helpers
    //

    fun assert_admin(state: &OracleState, account: &signer) {
        assert!(signer::address_of(account) == state.admin, error::permission_denied(ENOT_ADMIN));
    }

    /// Aborts unless `agent_id` exists and `owner` owns it.
    fun assert_agent_owner(owner: &signer, agent_id: u64) {
        assert!(agent_card::agent_exists(agent_id), error::not_found(EAGENT_NOT_FOUND));
        assert!(
            agent_card::owner_of(agent_id) == signer::address_of(owner),
            error::permission_denied(ENOT_AGENT_OWNER)
        );
    }

    /// Checks the task type, then the result hash.
    fun validate_task(task_type: &String, result_hash: &vector<u8>) {
        let task_type_length = string::length(task_type);
        assert!(
            task_type_length > 0 && task_type_length <= MAX_TASK_TYPE_LENGTH,
            error::invalid_argument(EINVALID_TASK_TYPE)
        );
        assert!(vector::length(result_hash) == HASH_LENGTH, error::invalid_argument(EINVALID_RESULT_HASH));
    }

    /// The owner of the client agent of the paying session.
    fun client_agent_owner(session_id: u64): address {
        agent_card::owner_of(delegated_sessions::session_agent_id(session_id))
    }

    fun pending_disputes(state: &OracleState, agent_id: u64): u64 {
        if (table::contains(&state.stats, agent_id)) {
            table::borrow(&state.stats, agent_id).pending_disputes
        } else {
            0
        }
    }

    fun empty_stats(): AgentStats {
        AgentStats {
            total_tasks: 0,
            paid_tasks: 0,
            successful_tasks: 0,
            disputes: 0,
            upheld_disputes: 0,
            pending_disputes: 0,
        }
    }

    /// Stores a new task, updates the counters and emits `TaskResultSubmitted`; returns the task id.
    fun record_task(
        state: &mut OracleState,
        agent_id: u64,
        task_type: String,
        result_hash: vector<u8>,
        paid: bool,
        session_id: u64,
        nonce: u64,
        payer: address,
    ): u64 {
        let task_id = state.task_count + 1;
        state.task_count = task_id;
        let now = timestamp::now_seconds();
        table::add(&mut state.tasks, task_id, TaskInfo {
            id: task_id,
            agent_id,
            task_type,
            result_hash,
            submitted_at: now,
            paid,
            session_id,
            nonce,
            payer,
            status: TASK_COMPLETED,
        });
        let stats = table::borrow_mut_with_default(&mut state.stats, agent_id, empty_stats());
        stats.total_tasks = stats.total_tasks + 1;
        if (paid) {
            stats.paid_tasks = stats.paid_tasks + 1;
            stats.successful_tasks = stats.successful_tasks + 1;
        };
        event::emit(TaskResultSubmitted {
            task_id,
            agent_id,
            task_type,
            result_hash,
            paid,
            session_id,
            nonce,
            payer,
            timestamp: now,
        });
        task_id
    }

    fun emit_config_updated(state: &OracleState) {
        event::emit(ConfigUpdated {
            admin: state.admin,
            dispute_window_secs: state.dispute_window_secs,
            slash_bps: state.slash_bps,
            treasury: state.treasury,
        });
    }

    /// `successful × 500 / paid + stake × 2 / 10^8 + 100 − upheld × 100`, each division rounded
    /// down (the success term is 0 when `paid` is 0), computed in u128, clamped to 0..=1000.
    fun reputation_score(successful: u64, paid: u64, stake_octas: u64, upheld: u64): u64 {
        let success_term: u128 = if (paid == 0) {
            0
        } else {
            (successful as u128) * SUCCESS_WEIGHT / (paid as u128)
        };
        let stake_term = (stake_octas as u128) * POINTS_PER_APT / OCTAS_PER_APT;
        let positive = success_term + stake_term + BASE_SCORE;
        let penalty = (upheld as u128) * UPHELD_PENALTY;
        let score = if (penalty >= positive) { 0 } else { positive - penalty };
        if (score > MAX_SCORE) {
            (MAX_SCORE as u64)
        } else {
            (score as u64)
        }
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
    public fun reputation_score_for_test(successful: u64, paid: u64, stake_octas: u64, upheld: u64): u64 {
        reputation_score(successful, paid, stake_octas, upheld)
    }

    #[test_only]
    /// `(amount, locked_until)`.
    public fun unpack_stake_info(info: StakeInfo): (u64, u64) {
        let StakeInfo { amount, locked_until } = info;
        (amount, locked_until)
    }

    #[test_only]
    /// `(id, agent_id, task_type, result_hash, submitted_at, paid, session_id, nonce, payer, status)`.
    public fun unpack_task_info(info: TaskInfo): (u64, u64, String, vector<u8>, u64, bool, u64, u64, address, u8) {
        let TaskInfo {
            id, agent_id, task_type, result_hash, submitted_at, paid, session_id, nonce, payer, status
        } = info;
        (id, agent_id, task_type, result_hash, submitted_at, paid, session_id, nonce, payer, status)
    }

    #[test_only]
    /// `(task_id, agent_id, disputer, reason, evidence_hash, created_at, status, resolver, resolved_at,
    /// slashed)`.
    public fun unpack_dispute_info(
        info: DisputeInfo
    ): (u64, u64, address, String, vector<u8>, u64, u8, address, u64, u64) {
        let DisputeInfo {
            task_id, agent_id, disputer, reason, evidence_hash, created_at, status, resolver, resolved_at, slashed
        } = info;
        (task_id, agent_id, disputer, reason, evidence_hash, created_at, status, resolver, resolved_at, slashed)
    }

    #[test_only]
    /// `(total_tasks, paid_tasks, successful_tasks, disputes, upheld_disputes, pending_disputes)`.
    public fun unpack_agent_stats(stats: AgentStats): (u64, u64, u64, u64, u64, u64) {
        let AgentStats {
            total_tasks, paid_tasks, successful_tasks, disputes, upheld_disputes, pending_disputes
        } = stats;
        (total_tasks, paid_tasks, successful_tasks, disputes, upheld_disputes, pending_disputes)
    }

    #[test_only]
    /// `(admin, dispute_window_secs, slash_bps, treasury)`.
    public fun unpack_oracle_config(config: OracleConfig): (address, u64, u64, address) {
        let OracleConfig { admin, dispute_window_secs, slash_bps, treasury } = config;
        (admin, dispute_window_secs, slash_bps, treasury)
    }

    #[test_only]
    public fun staked_event(
        agent_id: u64, owner: address, amount: u64, total: u64, locked_until: u64, timestamp: u64
    ): Staked {
        Staked { agent_id, owner, amount, total, locked_until, timestamp }
    }

    #[test_only]
    public fun unstaked_event(
        agent_id: u64, owner: address, amount: u64, remaining: u64, timestamp: u64
    ): Unstaked {
        Unstaked { agent_id, owner, amount, remaining, timestamp }
    }

    #[test_only]
    public fun task_result_submitted_event(
        task_id: u64,
        agent_id: u64,
        task_type: String,
        result_hash: vector<u8>,
        paid: bool,
        session_id: u64,
        nonce: u64,
        payer: address,
        timestamp: u64,
    ): TaskResultSubmitted {
        TaskResultSubmitted { task_id, agent_id, task_type, result_hash, paid, session_id, nonce, payer, timestamp }
    }

    #[test_only]
    public fun dispute_created_event(
        task_id: u64,
        agent_id: u64,
        disputer: address,
        reason: String,
        evidence_hash: vector<u8>,
        timestamp: u64,
    ): DisputeCreated {
        DisputeCreated { task_id, agent_id, disputer, reason, evidence_hash, timestamp }
    }

    #[test_only]
    public fun dispute_resolved_event(
        task_id: u64, agent_id: u64, oracle: address, upheld: bool, slashed: u64, timestamp: u64
    ): DisputeResolved {
        DisputeResolved { task_id, agent_id, oracle, upheld, slashed, timestamp }
    }

    #[test_only]
    public fun oracle_added_event(oracle: address): OracleAdded {
        OracleAdded { oracle }
    }

    #[test_only]
    public fun oracle_removed_event(oracle: address): OracleRemoved {
        OracleRemoved { oracle }
    }

    #[test_only]
    public fun config_updated_event(
        admin: address, dispute_window_secs: u64, slash_bps: u64, treasury: address
    ): ConfigUpdated {
        ConfigUpdated { admin, dispute_window_secs, slash_bps, treasury }
    }
}
