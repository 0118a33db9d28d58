//! Progress for long commands: a bar with counts, rate and ETA on a terminal; a plain line
//! every few seconds when stderr is not a terminal (CI logs, cron); nothing with `--quiet`.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    Bar,
    Lines,
    Quiet,
}

impl ProgressMode {
    pub fn detect(quiet: bool) -> ProgressMode {
        if quiet {
            ProgressMode::Quiet
        } else if std::io::stderr().is_terminal() {
            ProgressMode::Bar
        } else {
            ProgressMode::Lines
        }
    }
}

/// A counter of processed units with an optional extra figure (e.g. held accounts). Clones
/// share one counter, so the task that finishes a unit of work (a writer committing its
/// batch) is the one that counts it.
#[derive(Clone)]
pub struct Progress {
    inner: Arc<Inner>,
}

struct Inner {
    mode: ProgressMode,
    bar: Option<ProgressBar>,
    what: &'static str,
    /// Grows when more work turns up than was known at the start: the count never passes it.
    total: AtomicU64,
    done: AtomicU64,
    started: Instant,
    last_line: Mutex<Instant>,
}

const LINE_EVERY: Duration = Duration::from_secs(5);

impl Progress {
    pub fn new(mode: ProgressMode, what: &'static str, total: u64) -> Progress {
        let bar = (mode == ProgressMode::Bar).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, ETA {eta}) {msg}",
                )
                .expect("static template"),
            );
            bar.set_prefix(what);
            bar
        });
        let now = Instant::now();
        Progress {
            inner: Arc::new(Inner {
                mode,
                bar,
                what,
                total: AtomicU64::new(total),
                done: AtomicU64::new(0),
                started: now,
                last_line: Mutex::new(now),
            }),
        }
    }

    /// Sets the total once it is known better; it never drops below what is done.
    pub fn set_total(&self, total: u64) {
        let total = total.max(self.done());
        self.inner.total.store(total, Ordering::Relaxed);
        if let Some(bar) = &self.inner.bar {
            bar.set_length(total);
        }
    }

    /// Adds `n` processed units; `note` is shown next to the counts (e.g. "12 held"). The
    /// count never passes the total: work that turned up after the start raises the total.
    pub fn advance(&self, n: u64, note: impl FnOnce() -> String) {
        let inner = &self.inner;
        let done = inner.done.fetch_add(n, Ordering::Relaxed) + n;
        if inner.total.fetch_max(done, Ordering::Relaxed) < done {
            if let Some(bar) = &inner.bar {
                bar.set_length(done);
            }
        }
        match inner.mode {
            ProgressMode::Bar => {
                if let Some(bar) = &inner.bar {
                    bar.inc(n);
                    bar.set_message(note());
                }
            }
            ProgressMode::Lines => {
                let mut last = inner.last_line.lock().unwrap_or_else(|e| e.into_inner());
                if last.elapsed() >= LINE_EVERY {
                    *last = Instant::now();
                    eprintln!("{}", self.line(done, &note()));
                }
            }
            ProgressMode::Quiet => {}
        }
    }

    /// A message for the operator (a held account, a retried batch) that must not be drawn
    /// over by the bar; shown even with `--quiet`, which silences progress, not warnings.
    pub fn println(&self, message: impl AsRef<str>) {
        match &self.inner.bar {
            Some(bar) => bar.println(message.as_ref()),
            None => eprintln!("{}", message.as_ref()),
        }
    }

    fn line(&self, done: u64, note: &str) -> String {
        let inner = &self.inner;
        let elapsed = inner.started.elapsed();
        let per_second = done * 1000 / (elapsed.as_millis() as u64).max(1);
        format!(
            "{}: {}/{} ({per_second}/s, {}s elapsed){}{note}",
            inner.what,
            done,
            inner.total.load(Ordering::Relaxed),
            elapsed.as_secs(),
            if note.is_empty() { "" } else { ", " }
        )
    }

    /// Units counted so far, by this handle and every clone of it.
    pub fn done(&self) -> u64 {
        self.inner.done.load(Ordering::Relaxed)
    }

    pub fn finish(self) -> Duration {
        if let Some(bar) = &self.inner.bar {
            bar.finish_and_clear();
        }
        self.inner.started.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_count_into_one_total_from_any_thread() {
        let progress = Progress::new(ProgressMode::Quiet, "migrate", 300);
        let writers: Vec<_> = (0..3)
            .map(|_| {
                let p = progress.clone();
                std::thread::spawn(move || (0..100).for_each(|_| p.advance(1, String::new)))
            })
            .collect();
        writers.into_iter().for_each(|w| w.join().unwrap());
        assert_eq!(progress.done(), 300);
    }

    #[test]
    fn a_plain_line_says_what_is_counted_and_never_more_than_done() {
        let progress = Progress::new(ProgressMode::Lines, "migrate", 10);
        progress.advance(4, String::new);
        let line = progress.line(progress.done(), "1 held");
        assert!(line.starts_with("migrate: 4/10 ("), "{line}");
        assert!(line.ends_with(", 1 held"), "{line}");
    }

    #[test]
    fn the_count_never_passes_the_total() {
        let p = Progress::new(ProgressMode::Quiet, "send", 2);
        p.advance(1, String::new);
        p.set_total(0);
        assert!(
            p.line(p.done(), "").starts_with("send: 1/1 "),
            "the total never drops below what is done"
        );
        p.advance(2, String::new);
        assert!(
            p.line(p.done(), "").starts_with("send: 3/3 "),
            "{}",
            p.line(3, "")
        );
    }
}
