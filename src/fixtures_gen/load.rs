//! The bulk-load pipeline: generator threads → placer → writer connections.
//!
//! - Generator threads (plain OS threads) take chunk indices from a shared counter and build
//!   each chunk from its own RNG stream.
//! - The placer thread puts chunks back in index order and gives each one its id offsets
//!   (rows of every table in all earlier chunks), so ids do not depend on thread timing.
//! - Writer tasks, each with its own connection, turn a placed chunk into multi-row INSERTs
//!   and commit it as one transaction.
//!
//! Channels are bounded, so memory stays flat whatever the account count.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};

use anyhow::{Context, Result, anyhow};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts};
use tokio::sync::Mutex;
use tokio::task::JoinSet;

use super::cases::Ctx;
use super::chunkgen::generate_chunk;
use super::model::{Chunk, Offsets};
use super::progress::Progress;
use super::schema::load_session;
use super::sqlgen::statements;

/// Generator threads. One keeps two writers busy on a 2-core machine; more only helps with
/// more cores.
const GENERATORS: usize = 1;
/// Writer connections.
pub const WRITERS: usize = 3;

type Placed = (Chunk, Offsets);

/// Loads every chunk of `ctx`; returns the rows written per generated table.
pub async fn load(
    ctx: &Ctx,
    opts: &Opts,
    progress: Arc<Progress>,
) -> Result<Vec<(&'static str, u64)>> {
    let chunks = ctx.chunks();
    let next = Arc::new(AtomicU64::new(0));
    let (gen_tx, gen_rx) = mpsc::sync_channel::<Chunk>(GENERATORS * 2);
    let (placed_tx, placed_rx) = tokio::sync::mpsc::channel::<Placed>(WRITERS * 2);

    let mut generators = Vec::new();
    for _ in 0..GENERATORS {
        let (ctx, next, tx) = (ctx.clone(), next.clone(), gen_tx.clone());
        generators.push(std::thread::spawn(move || {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= chunks || tx.send(generate_chunk(&ctx, i)).is_err() {
                    break;
                }
            }
        }));
    }
    drop(gen_tx);
    let placer = std::thread::spawn(move || place(gen_rx, placed_tx));

    // Connect every writer first, so that a bad URL fails before any work.
    let rx = Arc::new(Mutex::new(placed_rx));
    let mut writers = JoinSet::new();
    for w in 0..WRITERS {
        let mut conn = Conn::new(opts.clone())
            .await
            .with_context(|| format!("writer {w}: cannot connect"))?;
        load_session(&mut conn).await?;
        let (rx, progress) = (rx.clone(), progress.clone());
        writers.spawn(async move {
            write_loop(conn, rx, progress)
                .await
                .with_context(|| format!("writer {w}"))
        });
    }
    let mut first_err = None;
    while let Some(res) = writers.join_next().await {
        let res = res
            .map_err(|e| anyhow!("writer task failed: {e}"))
            .and_then(|r| r);
        if let Err(e) = res {
            if first_err.is_none() {
                first_err = Some(e);
                // Stop the pipeline: generators and placer see closed channels and exit.
                rx.lock().await.close();
                writers.abort_all();
            }
        }
    }
    // Drain what the placer may still hold so that it cannot block forever.
    while rx.lock().await.try_recv().is_ok() {}
    let counts = tokio::task::spawn_blocking(move || {
        let counts = placer.join().map_err(|_| anyhow!("placer thread panicked"));
        for g in generators {
            g.join().map_err(|_| anyhow!("generator thread panicked"))?;
        }
        counts
    })
    .await
    .map_err(|e| anyhow!("join failed: {e}"))??;
    match first_err {
        Some(e) => Err(e),
        None => Ok(counts),
    }
}

/// Reorders chunks by index, assigns offsets, forwards them; returns the totals.
fn place(
    rx: mpsc::Receiver<Chunk>,
    tx: tokio::sync::mpsc::Sender<Placed>,
) -> Vec<(&'static str, u64)> {
    let mut pending = BTreeMap::new();
    let mut next = 0u64;
    let mut off = Offsets::default();
    let mut totals: Vec<(&'static str, u64)> = Chunk::default().table_counts();
    for chunk in rx {
        pending.insert(chunk.index, chunk);
        while let Some(chunk) = pending.remove(&next) {
            for (t, (_, n)) in totals.iter_mut().zip(chunk.table_counts()) {
                t.1 += n;
            }
            let here = off;
            off.advance(&chunk);
            next += 1;
            if tx.blocking_send((chunk, here)).is_err() {
                return totals;
            }
        }
    }
    totals
}

async fn write_loop(
    mut conn: Conn,
    rx: Arc<Mutex<tokio::sync::mpsc::Receiver<Placed>>>,
    progress: Arc<Progress>,
) -> Result<()> {
    loop {
        let Some((chunk, off)) = rx.lock().await.recv().await else {
            break;
        };
        let accounts = chunk.accounts_done;
        let index = chunk.index;
        let sql = tokio::task::spawn_blocking(move || statements(&chunk, &off))
            .await
            .map_err(|e| anyhow!("serialising chunk {index} failed: {e}"))?;
        write_chunk(&mut conn, index, &sql).await?;
        progress.inc(accounts);
    }
    conn.disconnect().await.ok();
    Ok(())
}

/// Tries a chunk's transaction this often when InnoDB picks it as a deadlock victim.
const CHUNK_ATTEMPTS: u32 = 5;

/// Writes one chunk as one transaction. Writers insert disjoint id ranges, yet InnoDB's
/// gap and foreign-key locks can still deadlock two of them; the victim's transaction is
/// rolled back whole, so the chunk is written again from its first statement.
pub async fn write_chunk(conn: &mut Conn, index: u64, sql: &[String]) -> Result<()> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_chunk(conn, sql).await {
            Ok(()) => return Ok(()),
            Err((e, _)) if lock_conflict(&e) && attempt < CHUNK_ATTEMPTS => {
                // A lock wait timeout rolls back only the statement: end the transaction.
                conn.query_drop("ROLLBACK")
                    .await
                    .with_context(|| format!("chunk {index}: ROLLBACK after {e} failed"))?;
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
            }
            Err((e, head)) => {
                return Err(anyhow::Error::new(e).context(format!("chunk {index}: {head}")));
            }
        }
    }
}

/// One attempt; on failure, the error and which statement it came from.
async fn try_chunk(conn: &mut Conn, sql: &[String]) -> Result<(), (mysql_async::Error, String)> {
    let fail = |head: String| move |e| (e, head);
    conn.query_drop("START TRANSACTION")
        .await
        .map_err(fail("START TRANSACTION failed".into()))?;
    for s in sql {
        conn.query_drop(s).await.map_err(|e| {
            let head: String = s.chars().take(120).collect();
            (e, format!("INSERT failed: {head}…"))
        })?;
    }
    conn.query_drop("COMMIT")
        .await
        .map_err(fail("COMMIT failed".into()))
}

/// Deadlock (1213) or lock wait timeout (1205).
fn lock_conflict(e: &mysql_async::Error) -> bool {
    matches!(e, mysql_async::Error::Server(s) if matches!(s.code, 1205 | 1213))
}
