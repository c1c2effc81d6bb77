//! Placeholder for the throughput benchmark (see README).
fn main() {}
