//! Security scanner (not built yet).
