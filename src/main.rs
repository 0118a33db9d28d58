use std::process::ExitCode;

use clap::Parser;

// The reader, the rules and the row builders allocate many small strings per account, and
// most are freed on another thread than the one that allocated them (a reader task builds an
// account; the planner, a writer or a check drops it). glibc's allocator spent ~45 % of
// migrate's CPU in malloc/free; mimalloc ~25 %, a third of it on frees from other threads.
// jemalloc frees into the freeing thread's cache and hands blocks back in batches: at 1M
// accounts our own CPU in migrate 22 % less than with mimalloc, in verify 12 %, in plan
// 8–20 %, at a lower peak (docs/decisions.md, docs/performance.md's twelfth session).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
