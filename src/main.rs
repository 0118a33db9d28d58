use std::process::ExitCode;

use clap::Parser;

// The reader, the rules and the row builders allocate many small strings per account; glibc's
// allocator spent ~45% of migrate's CPU in malloc/free (perf, 100k accounts).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    keep_freed_memory();
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

/// mimalloc's `mi_option_purge_delay` (mimalloc.h, v2), which libmimalloc-sys names no
/// constant for; the test below pins the number to the option's documented default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc gives emptied pages back to the kernel 10 ms after they empty. Every command
/// frees a chunk or batch of accounts at once and allocates the next one's right after, so
/// the same memory was handed back and faulted in again, zeroed by the kernel, all run
/// long: at 1M accounts `migrate`'s own system CPU 5.7–7.5 s with it, 1.9–2.3 s without
/// (docs/performance.md, ninth session). Kept instead, the heap stays at its peak, which
/// the bounded queues already bound (1M `migrate`: 185 MiB against 145 MiB).
/// An operator who set `MIMALLOC_PURGE_DELAY` (mimalloc reads it at start) keeps theirs.
fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: mi_option_set only stores a value in mimalloc's option table; -1 is the
    // documented "never purge" of this option.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Option numbers are positions in a C enum: a mimalloc update that moved them must fail
    /// here, not silently change another option.
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reading and storing options of mimalloc's option table.
        unsafe {
            if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
                assert_eq!(libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY), 10);
                keep_freed_memory();
                assert_eq!(libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY), -1);
            }
            // Its neighbours keep their documented defaults (eager_commit_delay 1, use_numa_nodes 0).
            assert_eq!(
                libmimalloc_sys::mi_option_get(libmimalloc_sys::mi_option_eager_commit_delay),
                1
            );
            assert_eq!(
                libmimalloc_sys::mi_option_get(libmimalloc_sys::mi_option_use_numa_nodes),
                0
            );
        }
    }
}
