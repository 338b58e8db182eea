//! The one integration test binary: runs the real `falco-pod-scan` on the fixture logs in
//! `testdata/`, with a cleared environment, and checks exit codes, findings and messages.

mod actions;
mod cli;
mod cloud;
mod falco;
mod features;
mod fixtures;
mod formats;
mod hostile;
mod inputs;
mod util;
