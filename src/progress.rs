//! Progress for long commands: a bar with counts, rate and ETA on a terminal; a plain line
//! every few seconds when stderr is not a terminal (CI logs, cron); nothing with `--quiet`.

use std::io::IsTerminal;
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

/// A counter of processed units with an optional extra figure (e.g. held accounts).
pub struct Progress {
    mode: ProgressMode,
    bar: Option<ProgressBar>,
    what: &'static str,
    total: u64,
    done: u64,
    started: Instant,
    last_line: Instant,
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
            mode,
            bar,
            what,
            total,
            done: 0,
            started: now,
            last_line: now,
        }
    }

    /// Sets the total once it is known better; it never drops below what is done.
    pub fn set_total(&mut self, total: u64) {
        self.total = total.max(self.done);
        if let Some(bar) = &self.bar {
            bar.set_length(self.total);
        }
    }

    /// Adds `n` processed units; `note` is shown next to the counts (e.g. "12 held"). The
    /// count never passes the total: work that turned up after the start raises the total.
    pub fn advance(&mut self, n: u64, note: impl FnOnce() -> String) {
        self.done += n;
        if self.done > self.total {
            self.set_total(self.done);
        }
        match self.mode {
            ProgressMode::Bar => {
                if let Some(bar) = &self.bar {
                    bar.inc(n);
                    bar.set_message(note());
                }
            }
            ProgressMode::Lines if self.last_line.elapsed() >= LINE_EVERY => {
                self.last_line = Instant::now();
                eprintln!("{}", self.line(&note()));
            }
            _ => {}
        }
    }

    fn line(&self, note: &str) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let speed = self.done as f64 / secs;
        format!(
            "{}: {}/{} ({speed:.0}/s, {secs:.0}s elapsed){}{note}",
            self.what,
            self.done,
            self.total,
            if note.is_empty() { "" } else { ", " }
        )
    }

    pub fn finish(self) -> Duration {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
        self.started.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_never_passes_the_total() {
        let mut p = Progress::new(ProgressMode::Quiet, "send", 2);
        p.advance(1, String::new);
        p.set_total(1);
        assert_eq!(
            (p.done, p.total),
            (1, 1),
            "the total never drops below what is done"
        );
        p.advance(2, String::new);
        assert_eq!((p.done, p.total), (3, 3));
        assert!(p.line("").starts_with("send: 3/3 "), "{}", p.line(""));
    }
}
