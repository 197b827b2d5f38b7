//! The content domains through HTTP: lifecycles audited as the key, conflicts, filters.
