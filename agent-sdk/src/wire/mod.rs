//! M2M wire formats (not built yet).
