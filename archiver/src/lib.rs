//! Data lifecycle: anonymization of old partitions (GDPR), archive to object storage with
//! verification before anything is dropped, and restore.
