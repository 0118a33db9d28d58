//! `send`: drains the outbox. Rows are claimed with `FOR UPDATE SKIP LOCKED` and committed as
//! `sending` before the server is contacted, so a crash between the server's 250 and our
//! commit leaves them `sending`; the next run turns those into `uncertain` and never resends
//! them unless told to (`--resend-uncertain`). 4xx and connection errors go back to
//! `pending` with exponential backoff; 5xx is `failed` with the server's reply
//! (`outcomes` records each).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use sqlx::PgPool;
use tokio::task::JoinSet;

use super::compose::{Claimed, Composed, MailContext, compose_batch};
use super::outcomes;
use super::transport::{Mailer, SendError};
use crate::progress::Progress;

/// Attempts before a transiently failing email is given up as `failed`.
const MAX_ATTEMPTS: i32 = 8;
/// How long one run waits for a retry that is due soon.
const MAX_WAIT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Default, Serialize)]
pub struct SendOptions {
    pub limit: Option<u64>,
    pub per_second: Option<f64>,
    pub resend_uncertain: bool,
    /// Only these outbox rows (used by `resend`).
    #[serde(skip)]
    pub only: Option<Vec<i64>>,
    pub connections: usize,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct SendSummary {
    pub sent: u64,
    pub retried: u64,
    pub failed: u64,
    pub marked_uncertain: u64,
    /// Outbox totals after the run.
    pub failed_total: i64,
    pub uncertain_total: i64,
    pub pending_total: i64,
    pub seconds: f64,
}

impl crate::exit::CommandReport for SendSummary {
    fn text(&self) -> String {
        self.render()
    }

    fn outcome(&self) -> crate::exit::Outcome {
        crate::exit::Outcome::attention_if(self.failed_total + self.uncertain_total > 0)
    }
}

impl SendSummary {
    pub fn render(&self) -> String {
        let speed = self.sent as f64 / self.seconds.max(1e-3);
        let mut out = format!(
            "sent {} ({speed:.0}/s), retried {}, failed {}{}\n",
            self.sent,
            self.retried,
            self.failed,
            if self.marked_uncertain > 0 {
                format!(
                    ", {} found in flight from a crashed run → uncertain",
                    self.marked_uncertain
                )
            } else {
                String::new()
            }
        );
        out.push_str(&format!(
            "outbox now: {} pending, {} failed, {} uncertain\n",
            self.pending_total, self.failed_total, self.uncertain_total
        ));
        if self.uncertain_total > 0 {
            out.push_str("uncertain emails may or may not have been delivered; `send --resend-uncertain` sends them again\n");
        }
        out
    }
}

enum Outcome {
    /// Accepted by the server; recorded `sent` with the rest of its batch.
    Sent(i64),
    Retry,
    Failed,
}

/// Emails claimed (and so `sending`) at a time. A crash leaves at most this many rows
/// `uncertain`, whether or not they are marked `sent` one by one, so they are marked
/// together: one statement per batch instead of one round trip per email.
const CLAIM: u64 = 100;

/// A claimed batch with its messages (or why a message could not be composed).
type Prepared = (Vec<(Claimed, i32)>, Vec<Composed>);

/// Claims up to `n` due rows and composes their messages.
async fn prepare(
    pool: PgPool,
    ctx: Arc<MailContext>,
    run_id: i64,
    n: u64,
    only: Option<Vec<i64>>,
) -> anyhow::Result<Prepared> {
    let batch = claim(&pool, run_id, n as i64, only.as_ref()).await?;
    if batch.is_empty() {
        return Ok((batch, Vec::new()));
    }
    let rows: Vec<Claimed> = batch.iter().map(|(r, _)| r.clone()).collect();
    let messages = compose_batch(&pool, &ctx, &rows).await?;
    Ok((batch, messages))
}

/// The wait before the next attempt after `attempts`: 2 s doubling, at most an hour.
fn backoff(attempts: i32) -> Duration {
    Duration::from_secs(2u64.saturating_pow(attempts.clamp(1, 12) as u32).min(3600))
}

async fn send_one(
    pool: &PgPool,
    mailer: &Mailer,
    row: Claimed,
    attempts: i32,
    composed: Composed,
) -> anyhow::Result<Outcome> {
    let Composed {
        message,
        token_hash,
    } = composed;
    let result = match message {
        Ok(message) => {
            mailer
                .send(&message, &format!("{:08}-{}.eml", row.id, row.kind))
                .await
        }
        Err(e) => Err(SendError::Permanent(e)),
    };
    let outcome = match result {
        Ok(()) => Outcome::Sent(row.id),
        Err(SendError::Transient(reply)) if attempts < MAX_ATTEMPTS => {
            let later = Some(backoff(attempts));
            outcomes::failed_attempt(pool, row.id, later, &reply, token_hash.as_deref()).await?;
            Outcome::Retry
        }
        Err(SendError::Transient(reply) | SendError::Permanent(reply)) => {
            outcomes::failed_attempt(pool, row.id, None, &reply, token_hash.as_deref()).await?;
            Outcome::Failed
        }
    };
    Ok(outcome)
}

/// id, kind, to_email, language, user_id, client_id, invitation_id, attempts.
type ClaimRow = (
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i32,
);

/// Claims up to `n` due rows for `run_id`, at most one owner welcome per user: each welcome
/// mints a set-password link, and a newer link revokes older ones only across batches, so
/// two of one user's welcomes in one batch (an unsent welcome and a resend) would leave two
/// live links. The other waits, still pending, for the next batch.
async fn claim(
    pool: &PgPool,
    run_id: i64,
    n: i64,
    only: Option<&Vec<i64>>,
) -> Result<Vec<(Claimed, i32)>, sqlx::Error> {
    let rows: Vec<ClaimRow> = sqlx::query_as(
        "UPDATE migration.outbox o SET status = 'sending', send_run_id = $1, attempts = o.attempts + 1
         FROM (SELECT id FROM (
                 SELECT id, row_number() OVER (
                          PARTITION BY CASE WHEN kind = 'owner_welcome' AND user_id IS NOT NULL
                                            THEN user_id ELSE -id - 1 END
                          ORDER BY id) AS nth
                 FROM (SELECT id, kind, user_id FROM migration.outbox
                       WHERE status = 'pending' AND next_attempt_at <= now()
                         AND ($3::int8[] IS NULL OR id = ANY($3))
                       ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) due) ranked
               WHERE nth = 1) c
         WHERE o.id = c.id
         RETURNING o.id, o.kind, o.to_email, o.language, o.user_id, o.client_id, o.invitation_id, o.attempts",
    )
    .bind(run_id)
    .bind(n)
    .bind(only)
    .fetch_all(pool)
    .await?;
    let mut out: Vec<_> = rows
        .into_iter()
        .map(
            |(id, kind, to_email, language, user_id, client_id, invitation_id, attempts)| {
                (
                    Claimed {
                        id,
                        kind,
                        to_email,
                        language,
                        user_id,
                        client_id,
                        invitation_id,
                    },
                    attempts,
                )
            },
        )
        .collect();
    out.sort_by_key(|(c, _)| c.id);
    Ok(out)
}

/// Seconds until the next pending row of interest is due, if any.
async fn next_due(pool: &PgPool, only: Option<&Vec<i64>>) -> Result<Option<f64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT extract(epoch FROM min(next_attempt_at) - now())::float8 FROM migration.outbox
         WHERE status = 'pending' AND ($1::int8[] IS NULL OR id = ANY($1))",
    )
    .bind(only)
    .fetch_one(pool)
    .await
}

pub async fn run(
    pool: &PgPool,
    ctx: MailContext,
    mailer: Mailer,
    run_id: i64,
    opts: &SendOptions,
    progress: &mut Progress,
) -> anyhow::Result<SendSummary> {
    let started = Instant::now();
    // A server without STARTTLS, refused credentials or a wrong port would fail every email
    // alike: find out on one connection, before anything is claimed or any token made.
    mailer.check(ctx.sender()).await?;
    // Rows another (now dead) run left in flight may have reached the server already.
    let marked_uncertain = sqlx::query(
        "UPDATE migration.outbox SET status = 'uncertain', last_error = 'interrupted while sending; the server may have accepted it'
         WHERE status = 'sending' AND (send_run_id IS NULL OR send_run_id IN (SELECT id FROM migration.runs WHERE status <> 'running'))",
    )
    .execute(pool)
    .await?
    .rows_affected();
    let mut summary = SendSummary {
        marked_uncertain,
        ..SendSummary::default()
    };
    if opts.resend_uncertain {
        sqlx::query("UPDATE migration.outbox SET status = 'pending', next_attempt_at = now() WHERE status = 'uncertain'")
            .execute(pool)
            .await?;
    }
    // What this run can finish: the due and later pending rows it may take, within --limit.
    let pending: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM migration.outbox WHERE status = 'pending' AND ($1::int8[] IS NULL OR id = ANY($1))",
    )
    .bind(opts.only.as_ref())
    .fetch_one(pool)
    .await?;
    progress.set_total((pending.max(0) as u64).min(opts.limit.unwrap_or(u64::MAX)));
    let mailer = Arc::new(mailer);
    let concurrency = opts.connections.max(1);
    let pace = opts
        .per_second
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(1.0 / r));
    let mut next_slot = Instant::now();
    let mut budget = opts.limit.unwrap_or(u64::MAX);
    let ctx = Arc::new(ctx);
    // The next batch is claimed and composed while this one is being sent, so the servers
    // never wait for the bookkeeping (at most two claimed batches are in flight). It is
    // claimed only within the budget, so the loop always sends what it claimed.
    let start = |n: u64| {
        tokio::spawn(prepare(
            pool.clone(),
            ctx.clone(),
            run_id,
            n.min(CLAIM),
            opts.only.clone(),
        ))
    };
    let mut prefetched = None;
    while budget > 0 {
        let (batch, messages) = prefetched.take().unwrap_or_else(|| start(budget)).await??;
        if batch.is_empty() {
            match next_due(pool, opts.only.as_ref()).await? {
                Some(wait) if Duration::from_secs_f64(wait.max(0.0)) <= MAX_WAIT => {
                    tokio::time::sleep(
                        Duration::from_secs_f64(wait.max(0.0)) + Duration::from_millis(50),
                    )
                    .await;
                    continue;
                }
                _ => break,
            }
        }
        budget -= batch.len() as u64;
        if budget > 0 && batch.len() as u64 == CLAIM {
            prefetched = Some(start(budget));
        }
        let mut tasks = JoinSet::new();
        let mut sent = Vec::with_capacity(batch.len());
        for ((row, attempts), message) in batch.into_iter().zip(messages) {
            if let Some(gap) = pace {
                tokio::time::sleep_until(next_slot.into()).await;
                next_slot = next_slot.max(Instant::now()) + gap;
            }
            while tasks.len() >= concurrency {
                tally(&mut summary, tasks.join_next().await, progress, &mut sent)?;
            }
            let (pool, mailer) = (pool.clone(), mailer.clone());
            tasks.spawn(async move { send_one(&pool, &mailer, row, attempts, message).await });
        }
        while let Some(done) = tasks.join_next().await {
            tally(&mut summary, Some(done), progress, &mut sent)?;
        }
        outcomes::mark_sent(pool, &sent).await?;
    }
    mailer.close().await;
    let totals: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM migration.outbox GROUP BY status")
            .fetch_all(pool)
            .await?;
    let total = |s: &str| totals.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    summary.failed_total = total("failed");
    summary.uncertain_total = total("uncertain");
    summary.pending_total = total("pending");
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn tally(
    summary: &mut SendSummary,
    done: Option<Result<anyhow::Result<Outcome>, tokio::task::JoinError>>,
    progress: &mut Progress,
    sent: &mut Vec<i64>,
) -> anyhow::Result<()> {
    let Some(done) = done else { return Ok(()) };
    // The bar counts emails, not attempts: an email is done when it is sent or given up;
    // a retry is only shown next to the count.
    let finished = match done?? {
        Outcome::Sent(id) => {
            summary.sent += 1;
            sent.push(id);
            1
        }
        Outcome::Retry => {
            summary.retried += 1;
            0
        }
        Outcome::Failed => {
            summary.failed += 1;
            1
        }
    };
    let (sent, retried, failed) = (summary.sent, summary.retried, summary.failed);
    progress.advance(finished, || {
        format!("{sent} sent, {failed} failed; {retried} attempts to retry")
    });
    Ok(())
}
