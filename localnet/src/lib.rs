//! `aether-localnet`: Embedded Aptos node (REST API v1 subset) executing the Aether modules natively.
//!
//! **Status: not built yet.** This crate is an empty placeholder reserved in the workspace so the
//! layout matches `docs/ARCHITECTURE.md`; its issue fills it. It exposes nothing.
