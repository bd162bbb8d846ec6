//! `jwtd`: parse the command line, run the command, map the outcome to an
//! exit code (0 done, 1 failed, 2 usage; `token explain` adds 3).

use std::process::ExitCode;

fn main() -> ExitCode {
    let invocation =
        match jwtd::cli::parse(std::env::args().skip(1), |name| std::env::var(name).ok()) {
            Ok(invocation) => invocation,
            Err(e) => {
                eprintln!("jwtd: {e}");
                return ExitCode::from(2);
            }
        };
    match jwtd::cli::run(invocation) {
        Ok(status) => ExitCode::from(status),
        Err(e) => {
            eprintln!("jwtd: {e}");
            ExitCode::FAILURE
        }
    }
}
