//! The `falco-pod-scan` binary: parse the command line, run, map how the run ended to the exit
//! status.

use std::process::ExitCode;

use clap::Parser;
use falco_pod_scan::{Cli, Task, execute, is_broken_pipe, write_errors};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match Task::from_cli(cli).and_then(|task| execute(&task)) {
        Ok(finished) => ExitCode::from(finished.leave().code()),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Nothing useful is left to do if stderr itself is gone. (The configuration, which
            // knows the terminal's width, may be what failed: the message is one line.)
            let _ = write_errors(&[format!("{e:#}")], None, &mut std::io::stderr().lock());
            ExitCode::from(2)
        }
    }
}
