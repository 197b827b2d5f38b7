//! Benchmarks: criterion micro-benchmarks and the end-to-end load benchmarks that
//! report a ratio against a baseline measured in the same run. The ingest, aggregation
//! and archive issues add them.
