//! Progress output of a load on stderr: an indicatif bar (accounts, rate, ETA) when stderr
//! is a terminal, a plain line every few seconds otherwise, nothing when quiet.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// Seconds between two plain progress lines.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

enum Mode {
    Quiet,
    Bar(ProgressBar),
    Plain { last: Mutex<Instant> },
}

pub struct Progress {
    mode: Mode,
    total: u64,
    done: AtomicU64,
    start: Instant,
}

impl Progress {
    pub fn new(total: u64, quiet: bool) -> Progress {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{msg} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} accounts, {rate}, ETA {eta}",
            )
            .expect("valid template")
            .with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} accounts/s", state.per_sec());
            });
            bar.set_style(style);
            bar.set_message("loading");
            Mode::Bar(bar)
        } else {
            Mode::Plain {
                last: Mutex::new(Instant::now()),
            }
        };
        Progress {
            mode,
            total,
            done: AtomicU64::new(0),
            start: Instant::now(),
        }
    }

    /// A phase message ("creating schema", "building indexes", …).
    pub fn phase(&self, msg: &str) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Bar(bar) => bar.println(format!("billmigrate-fixtures: {msg}")),
            Mode::Plain { .. } => eprintln!("billmigrate-fixtures: {msg}"),
        }
    }

    /// `n` more accounts are committed.
    pub fn inc(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        match &self.mode {
            Mode::Quiet => {}
            Mode::Bar(bar) => bar.set_position(done),
            Mode::Plain { last } => {
                let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
                if last.elapsed() >= PLAIN_EVERY || done == self.total {
                    *last = Instant::now();
                    eprintln!("billmigrate-fixtures: {}", self.line(done));
                }
            }
        }
    }

    fn line(&self, done: u64) -> String {
        let secs = self.start.elapsed().as_secs_f64().max(0.001);
        let speed = done as f64 / secs;
        let pct = if self.total == 0 {
            100.0
        } else {
            done as f64 * 100.0 / self.total as f64
        };
        let eta = if speed > 0.0 {
            (self.total - done) as f64 / speed
        } else {
            0.0
        };
        format!(
            "{done}/{} accounts ({pct:.1}%), {speed:.0} accounts/s, ETA {eta:.0} s",
            self.total
        )
    }

    /// The load is over (successfully or not).
    pub fn finish(&self) {
        if let Mode::Bar(bar) = &self.mode {
            bar.finish_and_clear();
        }
    }
}
