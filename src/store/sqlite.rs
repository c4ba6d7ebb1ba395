//! The durable session store: one SQLite file (WAL) that every process of the
//! machine can share, written by one writer thread per store.
//!
//! Schema (inspect it with the `sqlite3` shell):
//!
//! ```sql
//! CREATE TABLE sessions (
//!   sid     TEXT PRIMARY KEY,  -- the session ID (WTF-8 bytes, as given)
//!   expires REAL,              -- ms since the epoch; NULL: never
//!   json    TEXT NOT NULL,     -- the session, as JSON.stringify wrote it
//!   owner   TEXT               -- who it belongs to (session()'s owner option)
//! );                           -- rowid order: insertion order, as MemoryStore's
//! CREATE INDEX sessions_expires ON sessions (expires);
//! CREATE INDEX sessions_owner ON sessions (owner) WHERE owner IS NOT NULL;
//! ```
//!
//! A file made before `owner` existed gets the column when it is opened
//! (`ALTER TABLE ... ADD COLUMN`: no row is rewritten or lost).
//!
//! Reads (`get`, `all`, `ids`, `len`) run on the caller's connection: in WAL mode
//! a reader never waits for the writer. Writes are queued to the writer thread,
//! which takes every write waiting in the queue into one transaction (one commit,
//! so one fsync with `Durability::PowerLoss`) and then completes each with its
//! own result. A write is acknowledged (its `done` runs with `Ok`) only after its
//! transaction committed: with `Durability::ProcessCrash` (SQLite's
//! `synchronous=NORMAL` in WAL mode) it then survives a crash of the process, with
//! `Durability::PowerLoss` (`synchronous=FULL`) also a power loss.
//!
//! A store stays with the file it opened: when its path is deleted or leads to
//! another file (a rename over it, a new file at the path), every later write and
//! read fails with `ErrorKind::FileReplaced` instead of going on with the orphaned
//! file while other processes use the new one (see `Origin`).

#![forbid(unsafe_code)]

use super::json;
use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// The member `touch` replaces.
const COOKIE: &[u8] = b"cookie";

/// Writes the writer thread takes into one transaction at most (a larger group
/// staged together still goes in one).
const MAX_BATCH: usize = 1024;

const TABLE: &str = "
CREATE TABLE IF NOT EXISTS sessions (
  sid     TEXT PRIMARY KEY,
  expires REAL,
  json    TEXT NOT NULL,
  owner   TEXT
);";

/// The expiry index, made once the table is known to be the store's.
const EXPIRES_INDEX: &str = "CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);";

/// The owner column's index, made once the column exists (see `add_owner`).
const OWNER_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS sessions_owner ON sessions (owner) WHERE owner IS NOT NULL;";

/// The owner a write records: `None` leaves the stored owner as it is (owners
/// are not tracked), `Some(None)` clears it, `Some(Some(owner))` sets it.
pub type Owner = Option<Option<Vec<u8>>>;

/// What an acknowledged write survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// A crash of the process at any moment (`synchronous=NORMAL`, WAL).
    #[default]
    ProcessCrash,
    /// A crash of the machine or a power loss too (`synchronous=FULL`: an fsync
    /// per commit, shared by every write of the batch).
    PowerLoss,
}

/// How to open a store.
#[derive(Debug, Clone)]
pub struct Options {
    /// The database file (created when missing).
    pub path: PathBuf,
    pub durability: Durability,
    /// How long a statement waits for another process's lock before failing.
    pub busy_timeout: Duration,
    /// SQLite's `max_page_count` (pages of 4 KiB by default): a size limit, past
    /// which writes fail as on a full disk. `None`: SQLite's default.
    pub max_page_count: Option<u64>,
}

impl Options {
    pub fn new(path: impl Into<PathBuf>) -> Options {
        Options {
            path: path.into(),
            durability: Durability::default(),
            busy_timeout: Duration::from_secs(5),
            max_page_count: None,
        }
    }
}

/// Why an operation failed, in the terms a user can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file is not a SQLite database.
    NotADatabase,
    /// The database file is damaged.
    Corrupt,
    /// The file or its folder cannot be opened or written (permissions).
    CannotOpen,
    /// The disk, or the `max_page_count` limit, is full.
    Full,
    /// Another process held the database lock past the busy timeout.
    Busy,
    /// An I/O error of the operating system.
    Io,
    /// The writer thread is gone (the store was closed).
    Closed,
    /// The database file was deleted, or its path now leads to another file,
    /// since the store opened it: the store must be opened again.
    FileReplaced,
    /// Anything else SQLite reported.
    Other,
}

/// A failed store operation: its kind and SQLite's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        let kind = match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => ErrorKind::NotADatabase,
            Some(ErrorCode::DatabaseCorrupt) => ErrorKind::Corrupt,
            Some(ErrorCode::CannotOpen)
            | Some(ErrorCode::PermissionDenied)
            | Some(ErrorCode::ReadOnly) => ErrorKind::CannotOpen,
            Some(ErrorCode::DiskFull) => ErrorKind::Full,
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => ErrorKind::Busy,
            Some(ErrorCode::SystemIoFailure) => ErrorKind::Io,
            _ => ErrorKind::Other,
        };
        Error {
            kind,
            message: e.to_string(),
        }
    }
}

fn closed() -> Error {
    Error {
        kind: ErrorKind::Closed,
        message: "the session store is closed".to_owned(),
    }
}

/// The error for a stored row that cannot be read back as it was written (a
/// damaged file, or a row changed by hand): `Corrupt`, naming the session.
pub fn damaged_row(sid: &[u8], why: &str) -> Error {
    Error {
        kind: ErrorKind::Corrupt,
        message: format!(
            "the stored row of session \"{}\" is damaged: {why}",
            String::from_utf8_lossy(sid)
        ),
    }
}

/// A stored row's column that is not of the type this store writes (SQLite
/// converts nothing on read) is a damaged row; any other error stays as it is.
fn row_error(sid: &[u8], e: rusqlite::Error) -> Error {
    match e {
        rusqlite::Error::InvalidColumnType(_, name, kind) => damaged_row(
            sid,
            &format!("its {name} column holds a value of type {kind}"),
        ),
        rusqlite::Error::FromSqlConversionFailure(_, _, e) => {
            damaged_row(sid, &format!("a column cannot be read ({e})"))
        }
        e => Error::from(e),
    }
}

/// What identifies a file while it exists: its device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

/// The identity of the file `path` leads to now.
#[cfg(unix)]
fn file_id(path: &Path) -> std::io::Result<FileId> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path)?;
    Ok(FileId {
        dev: m.dev(),
        ino: m.ino(),
    })
}

/// (Elsewhere only a deleted path is noticed.)
#[cfg(not(unix))]
fn file_id(path: &Path) -> std::io::Result<FileId> {
    std::fs::metadata(path).map(|_| FileId { dev: 0, ino: 0 })
}

/// The file a store opened, to notice when its path no longer leads to it.
///
/// SQLite keeps writing to the file it opened (its descriptor) when the path is
/// deleted or renamed over, and says nothing: the store would go on acknowledging
/// writes to an orphaned file that new processes never see, while they write to
/// the new one (and sessions destroyed there would still be read here). So every
/// batch of writes compares the path's device and inode with those taken when the
/// store opened (one `stat`, just before the commit), and so do reads, at most
/// once per `READ_CHECK_INTERVAL` (a `stat` costs as much as half a `get`);
/// after a mismatch every later operation fails with the same error. (While the
/// store holds its file open, the file's inode cannot be reused by a new file.)
#[derive(Debug)]
struct Origin {
    path: PathBuf,
    id: FileId,
    /// Set once the path was found deleted or replaced.
    gone: OnceLock<Error>,
    /// When the last check found the file in place: µs since `opened`.
    checked: AtomicU64,
    opened: Instant,
}

/// How long a read trusts the last check that found the file in place: a read
/// may still reach the replaced file this long after its replacement.
const READ_CHECK_INTERVAL: Duration = Duration::from_millis(1);

impl Origin {
    /// The file at `path` now (just after it was opened).
    fn new(path: &Path) -> Result<Origin, Error> {
        // (as SQLite opened it: a relative path from the working folder of now)
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let id = file_id(&path).map_err(|e| Error {
            kind: ErrorKind::CannotOpen,
            message: format!("cannot stat {}: {e}", path.display()),
        })?;
        Ok(Origin {
            path,
            id,
            gone: OnceLock::new(),
            checked: AtomicU64::new(0),
            opened: Instant::now(),
        })
    }

    /// µs since the store opened.
    fn now(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// `check`, unless one found the file in place less than
    /// `READ_CHECK_INTERVAL` ago.
    fn check_recent(&self) -> Result<(), Error> {
        let since = self
            .now()
            .saturating_sub(self.checked.load(Ordering::Relaxed));
        if since < READ_CHECK_INTERVAL.as_micros() as u64 && self.gone.get().is_none() {
            return Ok(());
        }
        self.check()
    }

    /// The error once the file was found deleted or replaced, without a `stat`.
    fn known_gone(&self) -> Option<Error> {
        self.gone.get().cloned()
    }

    /// Ok while the path still leads to the file the store opened.
    fn check(&self) -> Result<(), Error> {
        if let Some(e) = self.known_gone() {
            return Err(e);
        }
        let what = match file_id(&self.path) {
            Ok(id) if id == self.id => {
                self.checked.store(self.now(), Ordering::Relaxed);
                return Ok(());
            }
            Ok(_) => "was replaced by another file",
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                "was deleted"
            }
            Err(e) => {
                // (not known either way, e.g. a folder made unreadable: this
                // operation fails, a later one checks again)
                return Err(Error {
                    kind: ErrorKind::Io,
                    message: format!(
                        "cannot check that {} is still the file this session store opened: {e}",
                        self.path.display()
                    ),
                });
            }
        };
        let e = Error {
            kind: ErrorKind::FileReplaced,
            message: format!(
                "the session database {} {what} while this store had it open: \
                 nothing more is written or read through this store (it would go to \
                 the orphaned file); open a new SqliteStore on the path",
                self.path.display()
            ),
        };
        Err(self.gone.get_or_init(|| e).clone())
    }
}

/// A write for the writer thread.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Insert or replace a session.
    Set {
        sid: Vec<u8>,
        json: Vec<u8>,
        expires: f64,
        owner: Owner,
    },
    /// Replace the `cookie` member of a live session and its expiry.
    Touch {
        sid: Vec<u8>,
        cookie: Option<Vec<u8>>,
        expires: f64,
        now: f64,
        owner: Owner,
    },
    /// Write only some top-level members of a live session (`patch`) and set its
    /// expiry; without a live session (or over text that is not a JSON object),
    /// store `full` as `Set` would.
    Merge {
        sid: Vec<u8>,
        full: Vec<u8>,
        patch: json::Patch,
        expires: f64,
        now: f64,
        owner: Owner,
    },
    /// Remove sessions.
    ///
    /// (and below: remove the sessions of `owner` but `except`; the rows
    /// changed are the live ones removed)
    DestroyOwner {
        owner: Vec<u8>,
        except: Vec<Vec<u8>>,
        now: f64,
    },
    Destroy {
        sids: Vec<Vec<u8>>,
    },
    /// Remove every session.
    Clear,
    /// Remove at most `limit` sessions expired at `now`.
    Sweep {
        now: f64,
        limit: u32,
    },
}

/// A stored session: (session ID, JSON).
pub type Row = (Vec<u8>, Vec<u8>);

/// Called once with a write's result: the number of rows it changed.
pub type Done = Box<dyn FnOnce(Result<u64, Error>) + Send>;

/// Called on the writer thread after the `done` of every write of a batch ran
/// (so that their results can travel on together).
pub type AfterBatch = Box<dyn FnMut() + Send>;

struct Job {
    write: Write,
    done: Done,
}

/// Counters since the store was opened (this process only).
#[derive(Debug, Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    expired: AtomicU64,
}

/// What `stats()` reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Rows in the file now (live or expired), all processes.
    pub count: u64,
    /// Bytes of session IDs and JSON in the file now.
    pub bytes: u64,
    pub hits: u64,
    pub misses: u64,
    /// Sessions this process found expired on read or removed by its sweeps.
    pub expired: u64,
}

/// Writes on their way to the writer thread.
struct Queue {
    /// None once closed.
    tx: Option<mpsc::Sender<Vec<Job>>>,
    /// Staged writes, sent together by the next `flush`.
    staged: Vec<Job>,
}

/// A durable session store on one SQLite file.
pub struct SqliteStore {
    /// None once closed.
    reader: Mutex<Option<Connection>>,
    queue: Mutex<Queue>,
    writer: Mutex<Option<thread::JoinHandle<()>>>,
    counters: Arc<Counters>,
    origin: Arc<Origin>,
}

/// An expiry for the `expires` column: NULL (never) unless finite.
fn expiry(expires: f64) -> Option<f64> {
    expires.is_finite().then_some(expires)
}

/// Runs `f` again while SQLite answers "busy" without having waited, for at most
/// `timeout` in all, as its busy handler would. Switching a new file to WAL
/// upgrades a read transaction to a write one, and SQLite never waits for such an
/// upgrade (it could deadlock two connections in one transaction each; here each
/// statement is its own transaction, so a retry cannot): the processes of a
/// cluster opening a new file at the same moment would fail at start.
fn retry_busy<T>(
    timeout: Duration,
    mut f: impl FnMut() -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match f() {
            Err(e)
                if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && start.elapsed() < timeout =>
            {
                thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            r => return r,
        }
    }
}

fn open_connection(o: &Options) -> Result<Connection, Error> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let c = Connection::open_with_flags(&o.path, flags)?;
    // (SQLite opens a file it may not write read-only: refuse it now rather than
    // fail every write later)
    if c.is_readonly(rusqlite::MAIN_DB)? {
        return Err(Error {
            kind: ErrorKind::CannotOpen,
            message: format!(
                "cannot write {} (permission denied or a read-only file system)",
                o.path.display()
            ),
        });
    }
    c.busy_timeout(o.busy_timeout)?;
    // Reads the header: a file that is not a database fails here, before anything
    // could be written over it.
    let mode: String = retry_busy(o.busy_timeout, || {
        c.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
    })?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error {
            kind: ErrorKind::Other,
            message: format!(
                "cannot switch {} to WAL (journal_mode is {mode})",
                o.path.display()
            ),
        });
    }
    let sync = match o.durability {
        Durability::ProcessCrash => "NORMAL",
        Durability::PowerLoss => "FULL",
    };
    c.execute_batch(&format!("PRAGMA synchronous={sync};"))?;
    if let Some(pages) = o.max_page_count {
        c.query_row(&format!("PRAGMA max_page_count={pages}"), [], |_| Ok(()))?;
    }
    Ok(c)
}

impl SqliteStore {
    /// Opens (or creates) the store's file and starts its writer thread. Fails,
    /// without touching the file, when it is not a usable SQLite database.
    pub fn open(options: Options) -> Result<SqliteStore, Error> {
        SqliteStore::open_with(options, Box::new(|| {}))
    }

    /// `open`, with `after_batch` run after each batch of writes completed.
    pub fn open_with(options: Options, after_batch: AfterBatch) -> Result<SqliteStore, Error> {
        let writer_conn = open_connection(&options)?;
        let origin = Arc::new(Origin::new(&options.path)?);
        writer_conn.execute_batch(TABLE)?;
        check_table(&writer_conn, &options.path)?;
        writer_conn.execute_batch(EXPIRES_INDEX)?;
        add_owner(&writer_conn, options.busy_timeout)?;
        let reader = open_connection(&options)?;
        // check the schema is readable now rather than on the first request
        reader.query_row("SELECT count(*) FROM sessions LIMIT 1", [], |_| Ok(()))?;
        // (and that both connections have the same file)
        origin.check()?;
        let counters = Arc::new(Counters::default());
        let (tx, rx) = mpsc::channel::<Vec<Job>>();
        let thread_counters = counters.clone();
        let thread_origin = origin.clone();
        let writer = thread::Builder::new()
            .name("express-session-rs sqlite writer".to_owned())
            .spawn(move || {
                writer_loop(
                    writer_conn,
                    rx,
                    thread_counters,
                    &thread_origin,
                    after_batch,
                )
            })
            .map_err(|e| Error {
                kind: ErrorKind::Other,
                message: format!("cannot start the writer thread: {e}"),
            })?;
        Ok(SqliteStore {
            reader: Mutex::new(Some(reader)),
            queue: Mutex::new(Queue {
                tx: Some(tx),
                staged: Vec::new(),
            }),
            writer: Mutex::new(Some(writer)),
            counters,
            origin,
        })
    }

    /// `f` on the reading connection, while the path still leads to the store's
    /// file and the store is open.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, Error> {
        let reader = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        let reader = reader.as_ref().ok_or_else(closed)?;
        self.origin.check_recent()?;
        f(reader)
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a write; `done` runs on the writer thread once it committed (or
    /// failed). After `close`, `done` runs at once with a `Closed` error (and
    /// `write` returns false: no batch follows).
    pub fn write(&self, write: Write, done: Done) -> bool {
        self.stage(write, done) && self.flush()
    }

    /// Queues a write without waking the writer thread: the next `flush` (or
    /// `write`, or `close`) sends it, with every write staged before it, so that
    /// writes issued together wake the writer once. Returns false, after running
    /// `done` with a `Closed` error, when the store is closed.
    pub fn stage(&self, write: Write, done: Done) -> bool {
        let mut queue = self.queue();
        if queue.tx.is_none() {
            drop(queue);
            done(Err(closed()));
            return false;
        }
        queue.staged.push(Job { write, done });
        true
    }

    /// Sends the staged writes to the writer thread. False when the store is
    /// closed (their `done` ran with a `Closed` error).
    pub fn flush(&self) -> bool {
        let mut queue = self.queue();
        if queue.staged.is_empty() {
            return queue.tx.is_some();
        }
        let jobs = std::mem::take(&mut queue.staged);
        let refused = match queue.tx.as_ref() {
            Some(tx) => tx.send(jobs).err().map(|mpsc::SendError(jobs)| jobs),
            None => Some(jobs),
        };
        drop(queue);
        match refused {
            Some(jobs) => {
                for job in jobs {
                    (job.done)(Err(closed()));
                }
                false
            }
            None => true,
        }
    }

    /// The JSON of a live session. An expired one reads as absent (the sweep, or
    /// the next write of that ID, removes it).
    pub fn get(&self, sid: &[u8], now: f64) -> Result<Option<Vec<u8>>, Error> {
        self.read(|c| {
            let mut st = c.prepare_cached("SELECT json, expires FROM sessions WHERE sid = ?1")?;
            let row = st
                .query_row(params![text(sid)], |r| {
                    let json = r.get_ref(0)?.as_bytes().map(<[u8]>::to_vec)?;
                    let expires: Option<f64> = r.get(1)?;
                    Ok((json, expires))
                })
                .optional()
                .map_err(|e| row_error(sid, e))?;
            Ok(match row {
                Some((json, expires)) if !expires.is_some_and(|e| e <= now) => {
                    self.counters.hits.fetch_add(1, Ordering::Relaxed);
                    Some(json)
                }
                Some(_) => {
                    self.counters.expired.fetch_add(1, Ordering::Relaxed);
                    self.counters.misses.fetch_add(1, Ordering::Relaxed);
                    None
                }
                None => {
                    self.counters.misses.fetch_add(1, Ordering::Relaxed);
                    None
                }
            })
        })
    }

    /// Every live session as (sid, JSON), in insertion order (an update keeps a
    /// session's place; the rowid of an upsert does not change). (A row without
    /// an ID, which only another program can write, is no session.)
    pub fn all(&self, now: f64) -> Result<Vec<Row>, Error> {
        self.read(|c| {
            let mut st = c.prepare_cached(
            "SELECT sid, json FROM sessions WHERE sid IS NOT NULL AND (expires IS NULL OR expires > ?1) ORDER BY rowid",
        )?;
            let rows = st.query_map(params![now], |r| {
                Ok((
                    r.get_ref(0)?.as_bytes()?.to_vec(),
                    r.get_ref(1)?.as_bytes()?.to_vec(),
                ))
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// The live sessions of `owner`, in insertion order.
    pub fn owned(&self, owner: &[u8], now: f64) -> Result<Vec<Row>, Error> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT sid, json FROM sessions
             WHERE owner = ?1 AND sid IS NOT NULL AND (expires IS NULL OR expires > ?2) ORDER BY rowid",
            )?;
            let rows = st.query_map(params![text(owner), now], |r| {
                Ok((
                    r.get_ref(0)?.as_bytes()?.to_vec(),
                    r.get_ref(1)?.as_bytes()?.to_vec(),
                ))
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Every live session ID, in insertion order.
    pub fn ids(&self, now: f64) -> Result<Vec<Vec<u8>>, Error> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT sid FROM sessions WHERE sid IS NOT NULL AND (expires IS NULL OR expires > ?1) ORDER BY rowid",
            )?;
            let rows = st.query_map(params![now], |r| Ok(r.get_ref(0)?.as_bytes()?.to_vec()))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// The number of live sessions.
    pub fn len(&self, now: f64) -> Result<u64, Error> {
        self.read(|c| {
            let n: i64 = c.query_row(
                "SELECT count(*) FROM sessions WHERE sid IS NOT NULL AND (expires IS NULL OR expires > ?1)",
                params![now],
                |r| r.get(0),
            )?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    /// Rows and bytes in the file, and this process's counters.
    pub fn stats(&self) -> Result<Stats, Error> {
        self.read(|c| {
        let (count, bytes): (i64, i64) = c.query_row(
            "SELECT count(*), coalesce(sum(length(CAST(sid AS BLOB)) + length(CAST(json AS BLOB))), 0) FROM sessions",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(Stats {
            count: u64::try_from(count).unwrap_or(0),
            bytes: u64::try_from(bytes).unwrap_or(0),
            hits: self.counters.hits.load(Ordering::Relaxed),
            misses: self.counters.misses.load(Ordering::Relaxed),
            expired: self.counters.expired.load(Ordering::Relaxed),
        })
        })
    }

    /// Stops taking writes, lets the writer finish every queued one, waits for
    /// it, and closes the file (reads then fail with `Closed`). Once the last
    /// connection of every process has closed, SQLite has moved the WAL into the
    /// file and removed it.
    pub fn close(&self) {
        self.flush();
        drop(self.queue().tx.take());
        let handle = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(h) = handle {
            let _ = h.join();
        }
        drop(self.reader.lock().unwrap_or_else(|e| e.into_inner()).take());
    }
}

impl Drop for SqliteStore {
    /// Stops taking writes; the writer thread finishes the queued ones on its
    /// own (dropping never waits for the disk: it may run in a GC finalizer).
    fn drop(&mut self) {
        self.flush();
        drop(self.queue().tx.take());
    }
}

/// Binds bytes as TEXT (SQLite stores them as given).
fn text(b: &[u8]) -> rusqlite::types::ToSqlOutput<'_> {
    rusqlite::types::ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(b))
}

/// The writer thread: every write waiting in the queue goes into one transaction.
fn writer_loop(
    mut conn: Connection,
    rx: mpsc::Receiver<Vec<Job>>,
    counters: Arc<Counters>,
    origin: &Origin,
    mut after_batch: AfterBatch,
) {
    while let Ok(mut batch) = rx.recv() {
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(jobs) => batch.extend(jobs),
                Err(_) => break,
            }
        }
        let results = run_batch(&mut conn, &batch, &counters, origin);
        for (job, result) in batch.into_iter().zip(results) {
            (job.done)(result);
        }
        after_batch();
    }
}

/// Runs `batch` in one transaction; a failing write does not undo the others
/// (SQLite undoes a failed statement; a write of several statements runs in a
/// savepoint). Some errors (a full disk, an I/O error) make
/// SQLite roll back the whole transaction: the failed write then gets its error
/// and the others run again in a new transaction. A failed commit fails every
/// write still pending. So does a path that no longer leads to the store's file,
/// checked just before the commit (the transaction is then rolled back).
fn run_batch(
    conn: &mut Connection,
    batch: &[Job],
    counters: &Counters,
    origin: &Origin,
) -> Vec<Result<u64, Error>> {
    let mut results: Vec<Option<Result<u64, Error>>> = batch.iter().map(|_| None).collect();
    if let Some(e) = origin.known_gone() {
        return fail_pending(results, e);
    }
    'attempt: loop {
        let mut tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        {
            Ok(tx) => tx,
            Err(e) => return fail_pending(results, Error::from(e)),
        };
        let mut done: Vec<(usize, Result<u64, Error>)> = Vec::new();
        for (i, job) in batch.iter().enumerate() {
            if results[i].is_some() {
                continue;
            }
            let r = if statements(&job.write) > 1 {
                tx.savepoint().map_err(Error::from).and_then(|sp| {
                    let n = apply(&sp, &job.write, counters)?;
                    sp.commit()?;
                    Ok(n)
                })
            } else {
                apply(&tx, &job.write, counters)
            };
            if r.is_err() && tx.is_autocommit() {
                // the whole transaction was rolled back: this write failed, the
                // others run again
                results[i] = Some(r);
                continue 'attempt;
            }
            done.push((i, r));
        }
        if let Err(e) = origin.check() {
            drop(tx); // (rolled back)
            return fail_pending(results, e);
        }
        return match tx.commit() {
            Ok(()) => {
                for (i, r) in done {
                    results[i] = Some(r);
                }
                results
                    .into_iter()
                    .map(|r| r.unwrap_or_else(|| Err(closed())))
                    .collect()
            }
            Err(e) => fail_pending(results, Error::from(e)),
        };
    }
}

/// Every write without a result gets `e`.
fn fail_pending(results: Vec<Option<Result<u64, Error>>>, e: Error) -> Vec<Result<u64, Error>> {
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(e.clone())))
        .collect()
}

/// How many statements that change rows `w` may run.
fn statements(w: &Write) -> usize {
    match w {
        Write::Destroy { sids } => sids.len(),
        // (touch reads, then updates or deletes the one row)
        _ => 1,
    }
}

/// Gives a file made before owners were kept its `owner` column, under the
/// write lock (so that two processes opening it at once add it once), and the
/// column's index.
/// Fails when the file's `sessions` table is not one this store made (another
/// store's file, such as connect-sqlite3's): it lacks a column the store reads,
/// or the rowid that keeps insertion order.
fn check_table(c: &Connection, path: &Path) -> Result<(), Error> {
    let columns = c
        .prepare("SELECT name FROM pragma_table_info('sessions')")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut missing: Vec<&str> = ["sid", "expires", "json"]
        .into_iter()
        .filter(|name| !columns.iter().any(|c| c == name))
        .collect();
    if c.prepare("SELECT rowid FROM sessions LIMIT 0").is_err() {
        missing.push("rowid");
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error {
        kind: ErrorKind::Other,
        message: format!(
            "the sessions table of {} is not a SqliteStore's (it has no {}): another store's file?",
            path.display(),
            missing.join(", ")
        ),
    })
}

fn add_owner(c: &Connection, busy_timeout: Duration) -> Result<(), Error> {
    let has_owner = |c: &Connection| {
        c.prepare("SELECT 1 FROM pragma_table_info('sessions') WHERE name = 'owner'")?
            .exists([])
    };
    if !has_owner(c)? {
        retry_busy(busy_timeout, || {
            let tx =
                rusqlite::Transaction::new_unchecked(c, rusqlite::TransactionBehavior::Immediate)?;
            if !has_owner(&tx)? {
                tx.execute_batch("ALTER TABLE sessions ADD COLUMN owner TEXT")?;
            }
            tx.commit()
        })?;
    }
    retry_busy(busy_timeout, || c.execute_batch(OWNER_INDEX))?;
    Ok(())
}

/// Inserts or replaces a session (and records its owner, if given).
fn upsert(
    c: &Connection,
    sid: &[u8],
    expires: f64,
    json: &[u8],
    owner: &Owner,
) -> Result<usize, Error> {
    Ok(match owner {
        None => c
            .prepare_cached(
                "INSERT INTO sessions (sid, expires, json) VALUES (?1, ?2, ?3)
                 ON CONFLICT (sid) DO UPDATE SET expires = excluded.expires, json = excluded.json",
            )?
            .execute(params![text(sid), expiry(expires), text(json)])?,
        Some(owner) => c
            .prepare_cached(
                "INSERT INTO sessions (sid, expires, json, owner) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (sid) DO UPDATE SET expires = excluded.expires, json = excluded.json,
                   owner = excluded.owner",
            )?
            .execute(params![
                text(sid),
                expiry(expires),
                text(json),
                owner.as_deref().map(text)
            ])?,
    })
}

/// A stored session's JSON and expiry (`None`: never).
type Stored = (Vec<u8>, Option<f64>);

/// The stored JSON and expiry of `sid` (read inside the writer's transaction).
fn stored(c: &Connection, sid: &[u8]) -> Result<Option<Stored>, Error> {
    c.prepare_cached("SELECT json, expires FROM sessions WHERE sid = ?1")?
        .query_row(params![text(sid)], |r| {
            Ok((
                r.get_ref(0)?.as_bytes()?.to_vec(),
                r.get::<_, Option<f64>>(1)?,
            ))
        })
        .optional()
        .map_err(|e| row_error(sid, e))
}

/// One write inside the open transaction; returns the rows it changed.
fn apply(c: &Connection, w: &Write, counters: &Counters) -> Result<u64, Error> {
    let n = match w {
        Write::Set {
            sid,
            json,
            expires,
            owner,
        } => upsert(c, sid, *expires, json, owner)?,
        Write::Merge {
            sid,
            full,
            patch,
            expires,
            now,
            owner,
        } => {
            let merged = match stored(c, sid)? {
                Some((_, Some(e))) if e <= *now => {
                    counters.expired.fetch_add(1, Ordering::Relaxed);
                    None
                }
                Some((json, _)) => json::apply_patch(&json, patch).ok(),
                None => None,
            };
            upsert(c, sid, *expires, merged.as_deref().unwrap_or(full), owner)?
        }
        Write::Touch {
            sid,
            cookie,
            expires,
            now,
            owner,
        } => {
            let row = stored(c, sid)?;
            match row {
                None => 0,
                Some((_, Some(e))) if e <= *now => {
                    counters.expired.fetch_add(1, Ordering::Relaxed);
                    c.prepare_cached("DELETE FROM sessions WHERE sid = ?1")?
                        .execute(params![text(sid)])?;
                    0
                }
                Some((stored, _)) => {
                    // stored text that is not a JSON object keeps its data; the
                    // expiry moves all the same (as the in-memory store does)
                    let json =
                        json::replace_member(&stored, COOKIE, cookie.as_deref()).unwrap_or(stored);
                    match owner {
                        None => c
                            .prepare_cached(
                                "UPDATE sessions SET expires = ?2, json = ?3 WHERE sid = ?1",
                            )?
                            .execute(params![text(sid), expiry(*expires), text(&json)])?,
                        Some(owner) => c
                            .prepare_cached(
                                "UPDATE sessions SET expires = ?2, json = ?3, owner = ?4
                                 WHERE sid = ?1",
                            )?
                            .execute(params![
                                text(sid),
                                expiry(*expires),
                                text(&json),
                                owner.as_deref().map(text)
                            ])?,
                    }
                }
            }
        }
        Write::Destroy { sids } => {
            let mut st = c.prepare_cached("DELETE FROM sessions WHERE sid = ?1")?;
            let mut n = 0;
            for sid in sids {
                n += st.execute(params![text(sid)])?;
            }
            n
        }
        Write::DestroyOwner { owner, except, now } => {
            let rows = c
                .prepare_cached("SELECT sid, expires FROM sessions WHERE owner = ?1")?
                .query_map(params![text(owner)], |r| {
                    Ok((
                        r.get_ref(0)?.as_bytes()?.to_vec(),
                        r.get::<_, Option<f64>>(1)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut delete = c.prepare_cached("DELETE FROM sessions WHERE sid = ?1")?;
            let mut live = 0;
            for (sid, expires) in rows {
                if except.contains(&sid) {
                    continue;
                }
                delete.execute(params![text(&sid)])?;
                if expires.is_some_and(|e| e <= *now) {
                    counters.expired.fetch_add(1, Ordering::Relaxed);
                } else {
                    live += 1;
                }
            }
            live
        }
        Write::Clear => c.execute("DELETE FROM sessions", [])?,
        Write::Sweep { now, limit } => {
            let n = c
                .prepare_cached(
                    "DELETE FROM sessions WHERE sid IN
                       (SELECT sid FROM sessions WHERE expires <= ?1 LIMIT ?2)",
                )?
                .execute(params![now, limit])?;
            counters.expired.fetch_add(n as u64, Ordering::Relaxed);
            n
        }
    };
    Ok(n as u64)
}

#[cfg(test)]
mod tests;
