//! `aether-tests`: end-to-end scenarios across the Aether crates, run on loopback.
//!
//! **Status:** holds only cross-crate checks of what exists today (see `tests/`); full-stack
//! scenarios arrive with the localnet, indexer and facilitator.
