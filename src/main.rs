use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = billmigrate::cli::Cli::parse();
    match billmigrate::app::run(cli) {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(billmigrate::exit::COULD_NOT_RUN)
        }
    }
}
