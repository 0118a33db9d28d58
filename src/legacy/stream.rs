//! Every account in scope as a stream of chunks, in id order. The chunks' bounds are found
//! first, one cheap query each through the id index alone (the id of the chunk's last
//! account); the chunks themselves are then read side by side, each on its own connection
//! and in its own consistent snapshot, and handed on in order. Reading one chunk is a
//! series of queries the server runs one after another, so a single reader kept MariaDB
//! on one core while the rest of the pipeline waited (docs/performance.md).

use std::collections::VecDeque;

use mysql_async::prelude::*;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::model::LegacyAccount;
use super::reader::{LegacyError, LegacySource, retrying};
use crate::scope::Scope;

/// Chunks read at once, each on its own connection. A chunk's read waits on the server's
/// round trips between its queries: with two, `plan` left the cores idle a fifth of its
/// run; a third made it a tenth faster at 1M, a fourth 2 % more for half again its memory.
const PARALLEL_READS: usize = 3;

/// The legacy pool a streaming command needs: the chunk readers and one for the bounds.
pub const CONNECTIONS: usize = PARALLEL_READS + 1;

type ChunkRead = JoinHandle<Result<Vec<LegacyAccount>, LegacyError>>;
type Sender = mpsc::Sender<Result<Vec<LegacyAccount>, LegacyError>>;

impl LegacySource {
    /// Streams every account in scope, chunk by chunk, reading ahead of the consumer; a
    /// failed read is the last item.
    pub fn stream(
        &self,
        scope: Scope,
        chunk_size: usize,
    ) -> mpsc::Receiver<Result<Vec<LegacyAccount>, LegacyError>> {
        let (tx, rx) = mpsc::channel(2);
        tokio::spawn(read_ahead(self.clone(), scope, chunk_size, tx));
        rx
    }

    /// The id of the `chunk_size`-th account in scope from `from` on (up to `upto`), or
    /// `None` when fewer are left.
    async fn chunk_end(
        &self,
        from: i64,
        upto: i64,
        chunk_size: usize,
    ) -> Result<Option<i64>, LegacyError> {
        let offset = chunk_size.saturating_sub(1) as u64;
        retrying(|| async {
            let mut conn = self.pool().get_conn().await?;
            conn.exec_first(self.queries().chunk_end.as_str(), (from, upto, offset))
                .await
        })
        .await
        .map_err(|e| LegacyError::Read {
            what: format!("finding the legacy accounts to read from id {from}"),
            message: self.url().scrub(&e.to_string()),
        })
    }
}

/// The stream's producer: bounds one chunk after another, up to `PARALLEL_READS` reads in
/// flight, each handed on in order as soon as it is the oldest.
async fn read_ahead(source: LegacySource, scope: Scope, chunk_size: usize, tx: Sender) {
    let mut reads: VecDeque<ChunkRead> = VecDeque::new();
    let mut failure = None;
    'ranges: for (lo, hi) in scope.ranges() {
        let mut from = lo;
        loop {
            let end = match source.chunk_end(from, hi, chunk_size).await {
                Ok(end) => end,
                Err(e) => {
                    failure = Some(e);
                    break 'ranges;
                }
            };
            // No full chunk left: the rest of the range is the last one.
            let upto = end.unwrap_or(hi);
            let reader = source.clone();
            // Bounded by id, not by a count: accounts added since the bound was found are
            // read too, and none is read twice.
            reads.push_back(tokio::spawn(async move {
                reader.read_chunk(from, upto, usize::MAX).await
            }));
            if reads.len() >= PARALLEL_READS && !forward(&tx, &mut reads).await {
                return;
            }
            match end {
                // `id < hi` also keeps `id + 1` from overflowing at i64::MAX.
                Some(id) if id < hi => from = id + 1,
                _ => break,
            }
        }
    }
    while !reads.is_empty() {
        if !forward(&tx, &mut reads).await {
            return;
        }
    }
    // The chunks before a failed bound are whole: they go first, the error last.
    if let Some(e) = failure {
        let _ = tx.send(Err(e)).await;
    }
}

/// Hands the oldest read on, unless it came back empty; `false` when the stream must stop
/// (the consumer is gone, or the read failed and its error was the last item).
async fn forward(tx: &Sender, reads: &mut VecDeque<ChunkRead>) -> bool {
    let Some(read) = reads.pop_front() else {
        return true;
    };
    let chunk = read.await.unwrap_or_else(|e| {
        Err(LegacyError::Read {
            what: "reading legacy accounts".into(),
            message: format!("the reading task failed: {e}"),
        })
    });
    let failed = chunk.is_err();
    if matches!(&chunk, Ok(accounts) if accounts.is_empty()) {
        return true;
    }
    if tx.send(chunk).await.is_err() || failed {
        for read in reads.drain(..) {
            read.abort();
        }
        return false;
    }
    true
}
