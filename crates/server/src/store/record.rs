//! Streams an election record (spec/record.md §11) out of a store, page by
//! page, through [`RecordWriter`], so the bytes are exactly those the
//! in-process board writes for the same leaves, and memory stays bounded
//! by one page of leaves.

use std::io::{self, Write};
use std::mem;
use std::sync::{Arc, Mutex};

use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::record::RecordWriter;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::error::StoreError;

use super::Store;

/// Checks that `checkpoint` describes the log: its root is the log's root
/// at its size.
async fn check_final<S: Store>(store: &S, checkpoint: &SignedCheckpoint) -> Result<(), StoreError> {
    let mismatch = || StoreError::CheckpointMismatch {
        election: checkpoint.log_id.clone(),
        size: checkpoint.size,
    };
    match store.root_at(&checkpoint.log_id, checkpoint.size).await {
        Ok(root) if root == checkpoint.root => Ok(()),
        Ok(_) | Err(StoreError::OutOfRange { .. }) => Err(mismatch()),
        Err(e) => Err(e),
    }
}

/// The next page of leaves from `next` (below `size`, which the caller
/// checked), never empty.
async fn page<S: Store>(
    store: &S,
    election: &str,
    next: u64,
    size: u64,
) -> Result<Vec<Vec<u8>>, StoreError> {
    let page = store.leaves(election, next..size).await?;
    if page.is_empty() {
        return Err(StoreError::Corrupt(format!(
            "no leaves returned from index {next}"
        )));
    }
    Ok(page)
}

/// Writes the record of the log named by `checkpoint.log_id`: the header,
/// the first `checkpoint.size` leaves, and `checkpoint` as the final
/// checkpoint, which must match the log ([`StoreError::CheckpointMismatch`]
/// otherwise). Returns the output.
pub async fn write_record<S: Store, W: Write>(
    store: &S,
    checkpoint: &SignedCheckpoint,
    out: W,
) -> Result<W, StoreError> {
    check_final(store, checkpoint).await?;
    let mut writer = RecordWriter::new(out)?;
    let mut next = 0;
    while next < checkpoint.size {
        let leaves = page(store, &checkpoint.log_id, next, checkpoint.size).await?;
        next += leaves.len() as u64;
        for leaf in &leaves {
            writer.write_leaf(leaf)?;
        }
    }
    Ok(writer.finish(checkpoint)?)
}

/// A byte buffer the record writer fills and the async copy drains.
#[derive(Clone, Default)]
struct Spool(Arc<Mutex<Vec<u8>>>);

impl Spool {
    fn take(&self) -> io::Result<Vec<u8>> {
        let mut buf = self
            .0
            .lock()
            .map_err(|_| io::Error::other("spool poisoned"))?;
        Ok(mem::take(&mut *buf))
    }
}

impl Write for Spool {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let mut buf = self
            .0
            .lock()
            .map_err(|_| io::Error::other("spool poisoned"))?;
        buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// [`write_record`] into an asynchronous output (an HTTP body, a file),
/// one page of leaves at a time; flushes the output at the end.
pub async fn write_record_async<S: Store, W: AsyncWrite + Unpin>(
    store: &S,
    checkpoint: &SignedCheckpoint,
    mut out: W,
) -> Result<W, StoreError> {
    check_final(store, checkpoint).await?;
    let spool = Spool::default();
    let mut writer = RecordWriter::new(spool.clone())?;
    out.write_all(&spool.take()?).await?;
    let mut next = 0;
    while next < checkpoint.size {
        let leaves = page(store, &checkpoint.log_id, next, checkpoint.size).await?;
        next += leaves.len() as u64;
        for leaf in &leaves {
            writer.write_leaf(leaf)?;
        }
        out.write_all(&spool.take()?).await?;
    }
    writer.finish(checkpoint)?;
    out.write_all(&spool.take()?).await?;
    out.flush().await?;
    Ok(out)
}
