//! The one integration test binary: runs the real `falco-pod-scan` on the fixture logs in
//! `testdata/`, with a cleared environment, and checks exit codes, findings and messages. Each
//! module is named by the behaviour it checks.

mod allowlist;
mod attribution;
mod cli;
mod cloud;
mod determinism;
mod expected;
mod falco;
mod filters;
mod formats;
mod help;
mod hostile;
mod image_changes;
mod inputs;
mod merge;
#[cfg(feature = "object-store")]
mod object_store;
mod per_image;
mod report;
mod shard;
mod suggest;
mod terminal;
mod util;
mod workloads;
