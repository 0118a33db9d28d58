use std::process::ExitCode;

use clap::Parser;

// The reader, the rules and the row builders allocate many small strings per account; glibc's
// allocator spent ~45% of migrate's CPU in malloc/free (perf, 100k accounts).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = billmigrate::cli::Cli::parse();
    match cli
        .into_request()
        .map_err(anyhow::Error::from)
        .and_then(billmigrate::app::run)
    {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(err) => {
            let (code, message) = billmigrate::exit::ended(&err);
            eprintln!("{message}");
            ExitCode::from(code)
        }
    }
}
