//! `aether-indexer`: Follows an Aptos node and serves Aether agent discovery.
//!
//! **Status: not built yet.** This crate is an empty placeholder reserved in the workspace so the
//! layout matches `docs/ARCHITECTURE.md`; its issue fills it. It exposes nothing.
