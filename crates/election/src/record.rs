//! The election record file (spec/record.md §11): the log's leaves and its
//! final signed checkpoint, as lines of text, written and read as a stream.
//!
//! ```text
//! {"format":"psephos/record/v1"}        header
//! <leaf 0 bytes>                         one line per leaf, exactly its bytes
//! …
//! {"checkpoint":{…}}                     the final signed checkpoint
//! ```
//!
//! Leaves are compact JSON, which never contains a raw newline, so each
//! line is one leaf's exact bytes (the bytes that are hashed).

use std::io::{self, BufRead, Read, Write};

use serde::{Deserialize, Serialize};

use crate::board::checkpoint::SignedCheckpoint;
use crate::error::RecordError;

/// The header's format string.
pub const RECORD_FORMAT: &str = "psephos/record/v1";

/// How the trailer line begins; no leaf may begin so.
const TRAILER_PREFIX: &[u8] = b"{\"checkpoint\":";

/// Longest line a reader accepts (a credential list for a million voters
/// is about 110 MB); longer lines make the record unreadable rather than
/// exhausting memory.
pub const MAX_LINE_BYTES: u64 = 256 << 20;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Trailer {
    checkpoint: SignedCheckpoint,
}

/// Writes a record as its leaves are produced.
pub struct RecordWriter<W: Write> {
    out: W,
    leaves: u64,
}

impl<W: Write> RecordWriter<W> {
    /// Writes the header.
    pub fn new(mut out: W) -> io::Result<Self> {
        serde_json::to_writer(
            &mut out,
            &Header {
                format: RECORD_FORMAT.into(),
            },
        )?;
        out.write_all(b"\n")?;
        Ok(RecordWriter { out, leaves: 0 })
    }

    /// Writes one leaf; refuses bytes containing a newline.
    pub fn write_leaf(&mut self, leaf: &[u8]) -> io::Result<()> {
        if leaf.contains(&b'\n') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a leaf must not contain a newline",
            ));
        }
        if leaf.starts_with(TRAILER_PREFIX) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a leaf must not begin like the final checkpoint",
            ));
        }
        self.out.write_all(leaf)?;
        self.out.write_all(b"\n")?;
        self.leaves += 1;
        Ok(())
    }

    /// Leaves written so far.
    pub fn leaves(&self) -> u64 {
        self.leaves
    }

    /// Writes the final checkpoint and returns the stream.
    pub fn finish(mut self, checkpoint: &SignedCheckpoint) -> io::Result<W> {
        serde_json::to_writer(
            &mut self.out,
            &Trailer {
                checkpoint: checkpoint.clone(),
            },
        )?;
        self.out.write_all(b"\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// One item of a record.
#[derive(Debug)]
pub enum RecordItem {
    /// A leaf's exact bytes.
    Leaf(Vec<u8>),
    /// The final checkpoint (always the last item).
    Checkpoint(SignedCheckpoint),
}

/// Reads a record item by item, in bounded memory.
pub struct RecordReader<R: BufRead> {
    input: R,
    line: u64,
    leaves: u64,
    offset: u64,
    done: bool,
}

impl<R: BufRead> RecordReader<R> {
    /// Reads and checks the header.
    pub fn new(mut input: R) -> Result<Self, RecordError> {
        let mut first = Vec::new();
        let n = input.read_until(b'\n', &mut first)?;
        let header: Header =
            serde_json::from_slice(strip_newline(&first)).map_err(|_| RecordError::BadHeader)?;
        if header.format != RECORD_FORMAT || first.last() != Some(&b'\n') {
            return Err(RecordError::BadHeader);
        }
        Ok(RecordReader {
            input,
            line: 1,
            leaves: 0,
            offset: n as u64,
            done: false,
        })
    }

    /// Leaves read so far.
    pub fn leaves(&self) -> u64 {
        self.leaves
    }

    /// The current line number (1-based).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The next item; `None` after the checkpoint has been read and the
    /// file is checked to end there.
    pub fn next_item(&mut self) -> Result<Option<RecordItem>, RecordError> {
        if self.done {
            return Ok(None);
        }
        let mut buf = Vec::new();
        let n = (&mut self.input)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut buf)?;
        if n as u64 > MAX_LINE_BYTES {
            return Err(RecordError::BadLeaf {
                line: self.line + 1,
                leaf: self.leaves,
                reason: format!("line longer than {MAX_LINE_BYTES} bytes"),
            });
        }
        if n == 0 || buf.last() != Some(&b'\n') {
            return Err(RecordError::Truncated {
                leaves: self.leaves,
                offset: self.offset + n as u64,
            });
        }
        self.offset += n as u64;
        self.line += 1;
        buf.pop();
        if buf.starts_with(TRAILER_PREFIX) {
            let trailer: Trailer =
                serde_json::from_slice(&buf).map_err(|e| RecordError::BadLeaf {
                    line: self.line,
                    leaf: self.leaves,
                    reason: format!("bad final checkpoint: {e}"),
                })?;
            let mut rest = Vec::new();
            if self.input.read_until(b'\n', &mut rest)? > 0 {
                return Err(RecordError::TrailingData(self.line + 1));
            }
            self.done = true;
            return Ok(Some(RecordItem::Checkpoint(trailer.checkpoint)));
        }
        self.leaves += 1;
        Ok(Some(RecordItem::Leaf(buf)))
    }
}

fn strip_newline(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\n").unwrap_or(line)
}
