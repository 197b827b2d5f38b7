//! The archive against a real Postgres and object stores (a directory, and S3 through
//! moto).

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

mod archive;
mod s3;
