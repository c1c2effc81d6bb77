//! The ledger log: an append-only file of length-prefixed, checksummed records, replayed at start.
//!
//! ```text
//! file   = MAGIC ("AETHLOG1") ‖ record*
//! record = len: u32 LE ‖ crc32(payload): u32 LE ‖ payload (len bytes, at most MAX_RECORD_LEN)
//! payload = 0x00 ‖ genesis JSON                      (first record, exactly once)
//!         | 0x01 ‖ timestamp_us: u64 LE ‖ BCS SignedTransaction   (a committed transaction)
//!         | 0x02 ‖ offset_us: u64 LE                  (the ledger clock was moved forward)
//! ```
//!
//! Every committed transaction is appended (one `write`) before the submitter gets its answer,
//! so it survives the process being killed (`kill -9`). Whether it also survives power loss
//! depends on the [`FsyncPolicy`]: under `Always` the submitter is answered only once an
//! `fdatasync` covering its record has completed; concurrent submitters share one `fdatasync`
//! (group commit, [`Syncer`]), which runs outside the node's lock. `Never` leaves flushing to
//! the OS.
//!
//! Recovery: records are read until the first one that is incomplete, has a bad length or a bad
//! checksum, or does not decode. That tail is cut off, saved next to the log as
//! `ledger.log.torn-<offset>` and reported in [`Recovery::truncated`] (the node logs it as a
//! warning), never silently misread.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use crate::chain::Genesis;

/// File magic.
pub const MAGIC: &[u8; 8] = b"AETHLOG1";
/// Largest record payload.
pub const MAX_RECORD_LEN: usize = 1024 * 1024;
const HEADER_LEN: usize = 8;

/// When the log is flushed to stable storage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// `fdatasync` after every record: a committed transaction survives power loss.
    #[default]
    Always,
    /// Leave it to the OS: survives a killed process, not necessarily power loss. Faster.
    Never,
}

impl std::str::FromStr for FsyncPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "always" => Ok(FsyncPolicy::Always),
            "never" => Ok(FsyncPolicy::Never),
            other => Err(format!("unknown fsync policy {other:?} (always, never)")),
        }
    }
}

/// One log record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// What genesis created.
    Genesis(Genesis),
    /// A committed transaction and its block timestamp.
    Txn {
        /// Block timestamp, microseconds.
        timestamp_us: u64,
        /// BCS `SignedTransaction`.
        bytes: Vec<u8>,
    },
    /// The ledger clock's offset from the wall clock, microseconds.
    ClockOffset {
        /// New offset.
        offset_us: u64,
    },
}

/// Errors of the ledger log.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The file could not be opened, read, written or synced.
    #[error("ledger log {path}: {source}")]
    Io {
        /// The log file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with [`MAGIC`].
    #[error("{path} is not an aether-localnet ledger log (bad magic)")]
    BadMagic {
        /// The file.
        path: PathBuf,
    },
    /// A record to append is larger than [`MAX_RECORD_LEN`].
    #[error("record of {len} bytes is above the {max}-byte limit")]
    RecordTooLarge {
        /// Payload size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The genesis record could not be encoded.
    #[error("cannot encode genesis: {0}")]
    Genesis(String),
}

/// Why a record could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Fewer bytes than the header or the declared length.
    #[error("incomplete record ({have} of {need} bytes)")]
    Incomplete {
        /// Bytes present.
        have: usize,
        /// Bytes needed.
        need: usize,
    },
    /// Declared length above [`MAX_RECORD_LEN`] or zero.
    #[error("bad record length {0}")]
    BadLength(usize),
    /// Checksum mismatch.
    #[error("checksum mismatch (stored {stored:#010x}, computed {computed:#010x})")]
    Checksum {
        /// Stored CRC.
        stored: u32,
        /// Computed CRC.
        computed: u32,
    },
    /// The payload does not decode.
    #[error("undecodable payload: {0}")]
    Payload(String),
}

/// Encodes a record (header and payload) onto `out`.
pub fn encode(record: &Record, out: &mut Vec<u8>) -> Result<(), LogError> {
    let mut payload = Vec::new();
    match record {
        Record::Genesis(g) => {
            payload.push(0);
            payload.extend(serde_json::to_vec(g).map_err(|e| LogError::Genesis(e.to_string()))?);
        }
        Record::Txn {
            timestamp_us,
            bytes,
        } => {
            payload.push(1);
            payload.extend_from_slice(&timestamp_us.to_le_bytes());
            payload.extend_from_slice(bytes);
        }
        Record::ClockOffset { offset_us } => {
            payload.push(2);
            payload.extend_from_slice(&offset_us.to_le_bytes());
        }
    }
    if payload.len() > MAX_RECORD_LEN {
        return Err(LogError::RecordTooLarge {
            len: payload.len(),
            max: MAX_RECORD_LEN,
        });
    }
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(())
}

fn u64_at(b: &[u8]) -> Option<u64> {
    b.get(..8)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map(u64::from_le_bytes)
}

/// Decodes the record at the start of `buf`; returns it and its encoded length.
pub fn decode(buf: &[u8]) -> Result<(Record, usize), RecordError> {
    if buf.len() < HEADER_LEN {
        return Err(RecordError::Incomplete {
            have: buf.len(),
            need: HEADER_LEN,
        });
    }
    let len = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    let stored = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]);
    if len == 0 || len > MAX_RECORD_LEN {
        return Err(RecordError::BadLength(len));
    }
    let total = HEADER_LEN + len;
    let Some(payload) = buf.get(HEADER_LEN..total) else {
        return Err(RecordError::Incomplete {
            have: buf.len(),
            need: total,
        });
    };
    let computed = crc32fast::hash(payload);
    if computed != stored {
        return Err(RecordError::Checksum { stored, computed });
    }
    let body = &payload[1..];
    let record = match payload[0] {
        0 => Record::Genesis(
            serde_json::from_slice(body).map_err(|e| RecordError::Payload(e.to_string()))?,
        ),
        1 => {
            let ts = u64_at(body).ok_or_else(|| RecordError::Payload("short txn record".into()))?;
            Record::Txn {
                timestamp_us: ts,
                bytes: body[8..].to_vec(),
            }
        }
        2 => Record::ClockOffset {
            offset_us: u64_at(body)
                .ok_or_else(|| RecordError::Payload("short clock record".into()))?,
        },
        k => return Err(RecordError::Payload(format!("unknown record kind {k}"))),
    };
    Ok((record, total))
}

/// A cut-off tail found at open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Truncation {
    /// File offset where the valid log ends.
    pub offset: u64,
    /// Bytes removed.
    pub dropped: u64,
    /// Why the first dropped record was rejected.
    pub reason: RecordError,
    /// Where the dropped bytes were saved.
    pub saved_to: Option<PathBuf>,
}

/// What [`LedgerLog::open`] found.
#[derive(Debug)]
pub struct Recovery {
    /// Valid records, in order.
    pub records: Vec<Record>,
    /// The tail that was cut off, if any.
    pub truncated: Option<Truncation>,
}

/// The open ledger log.
#[derive(Debug)]
pub struct LedgerLog {
    file: File,
    path: PathBuf,
    policy: FsyncPolicy,
    buf: Vec<u8>,
    syncer: Arc<Syncer>,
}

/// Group commit: makes the log durable up to an offset, sharing one `fdatasync` among every
/// caller waiting for an offset it covers. Works on its own file handle, so it never needs the
/// node's lock.
#[derive(Debug)]
pub struct Syncer {
    file: File,
    path: PathBuf,
    /// Bytes written so far (end offset of the last appended record).
    written: AtomicU64,
    state: Mutex<SyncState>,
    done: Condvar,
}

#[derive(Debug, Default)]
struct SyncState {
    synced: u64,
    syncing: bool,
}

impl Syncer {
    /// Returns once everything up to `offset` is on stable storage.
    pub fn sync_to(&self, offset: u64) -> Result<(), LogError> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if st.synced >= offset {
                return Ok(());
            }
            if st.syncing {
                st = self.done.wait(st).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            st.syncing = true;
            // Every write that ended at or before `target` completed before this sync starts.
            let target = self.written.load(Ordering::Acquire);
            drop(st);
            let result = self.file.sync_data();
            st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            st.syncing = false;
            if result.is_ok() {
                st.synced = st.synced.max(target);
            }
            self.done.notify_all();
            result.map_err(|source| LogError::Io {
                path: self.path.clone(),
                source,
            })?;
        }
    }
}

impl LedgerLog {
    /// Opens (or creates) the log at `path`, reads every valid record and cuts off a torn tail.
    pub fn open(path: &Path, policy: FsyncPolicy) -> Result<(LedgerLog, Recovery), LogError> {
        let io = |source| LogError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io)?;
        let mut data = Vec::new();
        file.read_to_end(&mut data).map_err(io)?;
        let mut records = Vec::new();
        let mut truncated = None;
        if data.is_empty() {
            file.write_all(MAGIC).map_err(io)?;
            file.sync_all().map_err(io)?;
        } else if data.len() < MAGIC.len() && MAGIC.starts_with(&data) {
            // Torn while writing the magic of a fresh log.
            file.set_len(0).map_err(io)?;
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            file.write_all(MAGIC).map_err(io)?;
            file.sync_all().map_err(io)?;
        } else if !data.starts_with(MAGIC) {
            return Err(LogError::BadMagic {
                path: path.to_path_buf(),
            });
        } else {
            let mut pos = MAGIC.len();
            while pos < data.len() {
                match decode(&data[pos..]) {
                    Ok((r, n)) => {
                        records.push(r);
                        pos += n;
                    }
                    Err(reason) => {
                        let saved = path.with_extension(format!("log.torn-{pos}"));
                        let saved_to = std::fs::write(&saved, &data[pos..]).ok().map(|()| saved);
                        file.set_len(pos as u64).map_err(io)?;
                        file.sync_all().map_err(io)?;
                        truncated = Some(Truncation {
                            offset: pos as u64,
                            dropped: (data.len() - pos) as u64,
                            reason,
                            saved_to,
                        });
                        break;
                    }
                }
            }
        }
        let end = file.seek(SeekFrom::End(0)).map_err(io)?;
        let syncer = Arc::new(Syncer {
            file: file.try_clone().map_err(io)?,
            path: path.to_path_buf(),
            written: AtomicU64::new(end),
            state: Mutex::new(SyncState {
                synced: end,
                syncing: false,
            }),
            done: Condvar::new(),
        });
        Ok((
            LedgerLog {
                file,
                path: path.to_path_buf(),
                policy,
                buf: Vec::new(),
                syncer,
            },
            Recovery { records, truncated },
        ))
    }

    /// Appends a record with one `write` and returns the offset it ends at. Under
    /// [`FsyncPolicy::Always`] the caller must then wait for [`Syncer::sync_to`] of that offset
    /// (outside any lock) before reporting the record as durable; see [`LedgerLog::durable`].
    pub fn append(&mut self, record: &Record) -> Result<u64, LogError> {
        self.buf.clear();
        encode(record, &mut self.buf)?;
        self.file
            .write_all(&self.buf)
            .map_err(|source| LogError::Io {
                path: self.path.clone(),
                source,
            })?;
        let len = self.buf.len() as u64;
        Ok(self.syncer.written.fetch_add(len, Ordering::AcqRel) + len)
    }

    /// What a caller must wait for so that the record ending at `end` is durable under this
    /// log's policy: `Some((syncer, end))` under [`FsyncPolicy::Always`], `None` otherwise.
    pub fn durable(&self, end: u64) -> Option<(Arc<Syncer>, u64)> {
        (self.policy == FsyncPolicy::Always).then(|| (self.syncer.clone(), end))
    }

    /// Appends and, under [`FsyncPolicy::Always`], syncs before returning.
    pub fn append_durable(&mut self, record: &Record) -> Result<(), LogError> {
        let end = self.append(record)?;
        if let Some((s, end)) = self.durable(end) {
            s.sync_to(end)?;
        }
        Ok(())
    }

    /// Flushes everything written so far to stable storage.
    pub fn sync(&self) -> Result<(), LogError> {
        self.syncer
            .sync_to(self.syncer.written.load(Ordering::Acquire))
    }

    /// The log file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txn(n: u8) -> Record {
        Record::Txn {
            timestamp_us: u64::from(n) * 1000,
            bytes: vec![n; 40],
        }
    }

    #[test]
    fn round_trip_and_torn_tail_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.log");
        {
            let (mut log, rec) = LedgerLog::open(&path, FsyncPolicy::Never).unwrap();
            assert!(rec.records.is_empty());
            for n in 1..=3 {
                log.append(&txn(n)).unwrap();
            }
            log.append(&Record::ClockOffset { offset_us: 7 }).unwrap();
        }
        let full = std::fs::read(&path).unwrap();
        // Append half of another record: a torn write.
        let mut half = Vec::new();
        encode(&txn(9), &mut half).unwrap();
        let mut torn = full.clone();
        torn.extend_from_slice(&half[..half.len() / 2]);
        std::fs::write(&path, &torn).unwrap();
        let (_log, rec) = LedgerLog::open(&path, FsyncPolicy::Never).unwrap();
        assert_eq!(
            rec.records,
            vec![txn(1), txn(2), txn(3), Record::ClockOffset { offset_us: 7 }]
        );
        let t = rec.truncated.unwrap();
        assert_eq!(t.offset, full.len() as u64);
        assert_eq!(t.dropped, (half.len() / 2) as u64);
        assert!(matches!(t.reason, RecordError::Incomplete { .. }));
        assert_eq!(std::fs::read(&path).unwrap(), full);
        assert_eq!(
            std::fs::read(t.saved_to.unwrap()).unwrap(),
            &half[..half.len() / 2]
        );
    }

    #[test]
    fn flipped_byte_is_a_checksum_error() {
        let mut buf = Vec::new();
        encode(&txn(5), &mut buf).unwrap();
        for i in 0..buf.len() {
            let mut b = buf.clone();
            b[i] ^= 0x40;
            assert!(decode(&b).is_err(), "flip at {i} went unnoticed");
        }
        assert_eq!(decode(&buf).unwrap(), (txn(5), buf.len()));
    }

    #[test]
    fn truncated_prefixes_never_decode() {
        let mut buf = Vec::new();
        encode(&txn(3), &mut buf).unwrap();
        for n in 0..buf.len() {
            assert!(matches!(
                decode(&buf[..n]),
                Err(RecordError::Incomplete { .. })
            ));
        }
    }

    #[test]
    fn group_commit_serves_concurrent_writers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.log");
        let (log, _) = LedgerLog::open(&path, FsyncPolicy::Always).unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(log));
        let threads: Vec<_> = (0..8u8)
            .map(|t| {
                let log = log.clone();
                std::thread::spawn(move || {
                    for i in 0..20u8 {
                        let (syncer, end) = {
                            let mut l = log.lock().unwrap();
                            let end = l.append(&txn(t * 20 + i)).unwrap();
                            l.durable(end).unwrap()
                        };
                        syncer.sync_to(end).unwrap();
                        assert!(syncer.state.lock().unwrap().synced >= end);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        drop(log);
        let (_, rec) = LedgerLog::open(&path, FsyncPolicy::Never).unwrap();
        assert_eq!(rec.records.len(), 160);
        assert!(rec.truncated.is_none());
    }

    fn record() -> impl proptest::strategy::Strategy<Value = Record> {
        use proptest::prelude::*;
        prop_oneof![
            (any::<u64>(), proptest::collection::vec(any::<u8>(), 0..512)).prop_map(
                |(timestamp_us, bytes)| Record::Txn {
                    timestamp_us,
                    bytes
                }
            ),
            any::<u64>().prop_map(|offset_us| Record::ClockOffset { offset_us }),
        ]
    }

    proptest::proptest! {
        #[test]
        fn any_record_round_trips(r in record()) {
            let mut buf = Vec::new();
            encode(&r, &mut buf).unwrap();
            proptest::prop_assert_eq!(decode(&buf).unwrap(), (r, buf.len()));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            if let Ok((_, n)) = decode(&bytes) {
                proptest::prop_assert!(n <= bytes.len());
            }
        }
    }

    #[test]
    fn foreign_file_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.log");
        std::fs::write(&path, b"not a ledger at all").unwrap();
        assert!(matches!(
            LedgerLog::open(&path, FsyncPolicy::Never),
            Err(LogError::BadMagic { .. })
        ));
    }
}
