//! `billmigrate-fixtures`: fills a MariaDB/MySQL database with a realistic legacy billing.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let opts = billmigrate::cli::FixturesCli::parse().into_options();
    match billmigrate::fixtures_gen::run(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("billmigrate-fixtures: error: {e:#}");
            ExitCode::from(billmigrate::exit::COULD_NOT_RUN)
        }
    }
}
