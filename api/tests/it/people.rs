//! The people domains through HTTP: lifecycles audited as the key, conflicts, filters.
