//! `RedisStore`'s engine: sessions on a Redis server, in connect-redis's layout
//! (a string key `prefix + id` holding the session JSON, its TTL the session's
//! lifetime), so that an app switches between connect-redis and this store
//! without logging anyone out.
//!
//! Commands are staged by the caller and sent together by `flush`: one sender
//! task per store, on the process's tokio runtime, puts them on the connection
//! in the order they were flushed (a run of plain commands as one pipeline),
//! and each command's result goes to its `done`, then `after_batch` runs once,
//! so that the results travel on together. Every command fails within the
//! command timeout when the server is down or slow; the connection is made
//! again by itself.

use crate::store::json;
use futures_util::future::join_all;
use futures_util::FutureExt;
use redis::aio::MultiplexedConnection;
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{
    AsyncConnectionConfig, Client, Cmd, FromRedisValue, Pipeline, RedisError, Script,
    ScriptInvocation, Value,
};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, LazyLock, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// The process's runtime for Redis I/O: one worker thread is plenty for network
/// waits (the work per reply is a copy).
static RUNTIME: LazyLock<std::io::Result<Runtime>> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("express-session-rs-redis")
        .enable_all()
        .build()
});

/// Where the sessions are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One server: `redis://[[user]:password@]host[:port][/db]`.
    Server(String),
    /// A Redis Cluster, found through these nodes (`redis://host:port` each):
    /// keys are routed by slot, `MOVED`/`ASK` followed, the slot map refreshed
    /// after a reshard or a failover.
    Cluster(Vec<String>),
}

/// What to connect to and how long to wait.
#[derive(Debug, Clone)]
pub struct Options {
    pub target: Target,
    /// How long one connection attempt may take.
    pub connect_timeout: Duration,
    /// How long a command may take, reconnection included.
    pub command_timeout: Duration,
    /// Reconnection: after a failed attempt, the commands of the next delay
    /// fail at once with its error, then the next command tries again; the
    /// delay starts at `min_delay` and doubles up to `max_delay`. (`retries`:
    /// how many times the cluster client retries a command.)
    pub min_delay: Duration,
    pub max_delay: Duration,
    pub retries: usize,
    /// The certificates of a `rediss://` connection (TLS, with rustls), when
    /// not only the system's roots.
    pub tls: Option<Tls>,
}

/// Certificates for TLS, PEM: the CAs that the server's certificate must chain
/// to (else the system's), and the client's certificate and key (mutual TLS).
#[derive(Debug, Clone, Default)]
pub struct Tls {
    pub ca: Option<Vec<u8>>,
    pub client: Option<(Vec<u8>, Vec<u8>)>,
}

/// Whether this build has TLS: not the macOS ones (rustls's system roots need
/// Apple's frameworks, which the cross-build cannot link).
pub const HAS_TLS: bool = cfg!(not(target_os = "macos"));

#[cfg(not(target_os = "macos"))]
fn certificates(tls: &Tls) -> redis::TlsCertificates {
    redis::TlsCertificates {
        client_tls: tls
            .client
            .as_ref()
            .map(|(cert, key)| redis::ClientTlsConfig {
                client_cert: cert.clone(),
                client_key: key.clone(),
            }),
        root_cert: tls.ca.clone(),
    }
}

/// The client of a server URL (with the certificates of `tls`).
fn server_client(url: &str, tls: Option<&Tls>) -> Result<Client, Error> {
    let invalid = |e: RedisError| Error::new(ErrorKind::InvalidOptions, format!("url: {e}"));
    if url.starts_with("rediss:") && !HAS_TLS {
        return Err(no_tls());
    }
    match tls {
        #[cfg(not(target_os = "macos"))]
        Some(tls) => Client::build_with_tls(url, certificates(tls)).map_err(invalid),
        _ => Client::open(url).map_err(invalid),
    }
}

fn no_tls() -> Error {
    Error::new(
        ErrorKind::InvalidOptions,
        "rediss:// (TLS) is not available in the macOS builds of express-session-rs",
    )
}

impl Options {
    pub fn new(url: impl Into<String>) -> Options {
        Options::with_target(Target::Server(url.into()))
    }

    pub fn with_target(target: Target) -> Options {
        Options {
            target,
            connect_timeout: Duration::from_secs(5),
            command_timeout: Duration::from_secs(5),
            min_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(2),
            retries: 3,
            tls: None,
        }
    }
}

/// What kind of failure an error is (the binding's `err.code`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// Nothing listens at the address.
    ConnectionRefused,
    /// The connection broke.
    ConnectionReset,
    /// No reply within the command timeout (or no connection within the connect
    /// timeout).
    Timeout,
    /// The store was closed.
    Closed,
    /// The server's error reply, by its prefix (`WRONGTYPE`, `NOAUTH`, `ERR`...).
    Server(String),
    /// TLS failed: the server's certificate was refused (`certificate`), or the
    /// handshake failed otherwise.
    Tls { certificate: bool },
    /// The options cannot work (a URL that does not parse...).
    InvalidOptions,
    /// A reply of a type that a session key never holds.
    UnexpectedReply,
    /// Any other I/O or client error.
    Other,
}

/// A failed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }
}

fn closed() -> Error {
    Error::new(ErrorKind::Closed, "the RedisStore is closed")
}

fn timeout(after: Duration) -> Error {
    Error::new(
        ErrorKind::Timeout,
        format!(
            "Redis did not answer within the command timeout ({} ms)",
            after.as_millis()
        ),
    )
}

impl From<RedisError> for Error {
    fn from(e: RedisError) -> Error {
        let kind = if let Some(kind) = tls_error(&e) {
            kind
        } else if e.is_timeout() {
            ErrorKind::Timeout
        } else if e.is_connection_refusal() {
            ErrorKind::ConnectionRefused
        } else if e.is_connection_dropped() {
            ErrorKind::ConnectionReset
        } else if e.kind() == redis::ErrorKind::AuthenticationFailed {
            // (the server's reply, WRONGPASS, is not kept by the client)
            ErrorKind::Server("WRONGPASS".into())
        } else if let Some(code) = e.code() {
            ErrorKind::Server(code.to_string())
        } else {
            ErrorKind::Other
        };
        Error::new(kind, format!("Redis: {e}"))
    }
}

impl Error {
    /// Whether the connection is no good after this error, so that the next
    /// command makes a new one: it broke, a command got no reply in time (a
    /// half-open connection is only seen so), or the server says `READONLY`
    /// (a failover behind one address: the old master became a replica).
    fn drops_connection(&self) -> bool {
        match &self.kind {
            ErrorKind::ConnectionRefused
            | ErrorKind::ConnectionReset
            | ErrorKind::Other
            | ErrorKind::Timeout => true,
            ErrorKind::Server(code) => code == "READONLY",
            _ => false,
        }
    }
}

/// The kind of a TLS failure behind `e`, if it is one.
#[cfg(not(target_os = "macos"))]
fn tls_error(e: &RedisError) -> Option<ErrorKind> {
    let kind = |t: &rustls::Error| ErrorKind::Tls {
        certificate: matches!(
            t,
            rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
        ),
    };
    let mut cause = std::error::Error::source(e);
    while let Some(err) = cause {
        if let Some(t) = err.downcast_ref::<rustls::Error>() {
            return Some(kind(t));
        }
        // (redis keeps the io::Error behind an Arc<dyn Error>, whose source is
        // the io::Error's, not the io::Error)
        type Shared = Arc<dyn std::error::Error + Send + Sync>;
        let io = err.downcast_ref::<std::io::Error>().or_else(|| {
            err.downcast_ref::<Shared>()
                .and_then(|a| a.downcast_ref::<std::io::Error>())
        });
        if let Some(t) = io.and_then(|io| io.get_ref()?.downcast_ref::<rustls::Error>()) {
            return Some(kind(t));
        }
        cause = err.source();
    }
    None
}

#[cfg(target_os = "macos")]
fn tls_error(_: &RedisError) -> Option<ErrorKind> {
    None
}

/// A command for the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `GET key`: the value, or none.
    Get { key: Vec<u8> },
    /// `SET key value [EX ttl]`.
    Set {
        key: Vec<u8>,
        value: Vec<u8>,
        ttl: Option<u64>,
    },
    /// `EXPIRE key ttl` (a ttl <= 0 removes the key, as Redis does).
    Expire { key: Vec<u8>, ttl: i64 },
    /// `DEL key...`.
    Del { keys: Vec<Vec<u8>> },
    /// Every key matching `pattern` (`SCAN ... MATCH pattern COUNT count`, never
    /// `KEYS`), each once.
    Keys { pattern: Vec<u8>, count: usize },
    /// Every key matching `pattern` with its value (`SCAN`, then `MGET`); a key
    /// removed in between is left out.
    Rows { pattern: Vec<u8>, count: usize },
    /// Removes every key matching `pattern`; the reply counts them.
    Clear { pattern: Vec<u8>, count: usize },
    /// Writes `patch`'s members into the stored session (`json::apply_patch`),
    /// or `full` when none is stored (or it is not a JSON object), atomically
    /// on the server, with `SET ... [EX ttl]`.
    Merge {
        key: Vec<u8>,
        full: Vec<u8>,
        patch: json::Patch,
        ttl: Option<u64>,
    },
    /// `command` (a `Set`, `Expire` or `Merge` of a session) with the session's
    /// entry in its owner's index, written first (see `Owner`).
    Indexed { owner: Owner, command: Box<Command> },
    /// Removes `key` if it still holds `value` (a script); the reply counts it.
    DelIf { key: Vec<u8>, value: Vec<u8> },
    /// The sessions of an owner's index `index` (its unexpired members, after
    /// removing the expired ones), each read at `prefix + member` (`MGET`,
    /// `count` keys at a time): the rows of those that exist.
    Owned {
        index: Vec<u8>,
        prefix: Vec<u8>,
        count: usize,
    },
}

/// A session's entry in the index of its owner: the sorted set `index`, whose
/// members are session IDs scored by when their session expires (ms since the
/// epoch, by the server's clock; `inf` for never), and whose own key expires
/// with its last member. The index is a superset: an entry stays until its
/// score passes, also after its session was destroyed or moved to another
/// owner (the reader checks each session), so that no race between two writers
/// can take out the entry of a live session, and a Redis Cluster (where the
/// index and the session are on different slots) needs no cross-slot write.
/// An entry's score is never lowered (a write that reaches Redis later than
/// another's entry can be the older one), and it has `grace_ms` more than the
/// session's lifetime: the session is written after its entry (in a cluster
/// or a merge, once the entry is written; by then at most a command timeout
/// has passed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub index: Vec<u8>,
    pub member: Vec<u8>,
    /// The session's lifetime in seconds (<= 0: over; none: no expiry).
    pub ttl: Option<i64>,
    pub grace_ms: u64,
}

/// A command's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `Get`'s value (none when the key does not exist).
    Value(Option<Vec<u8>>),
    /// Done (`Set`, `Expire`, `Del`), with the count the server gave (keys
    /// removed, or whether the key exists), else 1.
    Count(u64),
    Keys(Vec<Vec<u8>>),
    Rows(Vec<(Vec<u8>, Vec<u8>)>),
    /// `DelIf`'s count, for the caller.
    Number(u64),
}

/// Called once with a command's result (on a runtime thread).
pub type Done = Box<dyn FnOnce(Result<Reply, Error>) + Send + Sync>;

/// Called after the `done` of every command of a batch ran.
pub type AfterBatch = Arc<dyn Fn() + Send + Sync>;

/// How many commands are staged or in flight, for `close` to wait for.
#[derive(Default)]
struct InFlight {
    count: Mutex<usize>,
    idle: Condvar,
}

impl InFlight {
    fn lock(&self) -> MutexGuard<'_, usize> {
        self.count.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A command on its way: its `done` runs exactly once, with an internal error
/// if the command is dropped unanswered (a panic in the runtime), and the
/// command then stops counting as in flight.
struct Entry {
    command: Command,
    deadline: Instant,
    done: Option<Done>,
    in_flight: Arc<InFlight>,
}

impl Entry {
    fn finish(mut self, result: Result<Reply, Error>) {
        if let Some(done) = self.done.take() {
            done(result);
        }
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            done(Err(Error::new(
                ErrorKind::Other,
                "express-session-rs: internal error (Rust panic) in a Redis command",
            )));
        }
        let mut n = self.in_flight.lock();
        *n -= 1;
        if *n == 0 {
            self.in_flight.idle.notify_all();
        }
    }
}

/// A session store on one Redis server or a Redis Cluster.
pub struct RedisStore {
    sender: tokio::sync::mpsc::UnboundedSender<Vec<Entry>>,
    command_timeout: Duration,
    staged: Mutex<Vec<Entry>>,
    closed: AtomicBool,
    in_flight: Arc<InFlight>,
    after_batch: AfterBatch,
    commands: AtomicUsize,
}

impl RedisStore {
    /// A store on the server `options.url`. Connects lazily: the first command
    /// waits for the connection; a server that is down fails commands (within the
    /// command timeout) until it is back.
    pub fn open(options: Options, after_batch: AfterBatch) -> Result<RedisStore, Error> {
        let runtime = RUNTIME
            .as_ref()
            .map_err(|e| Error::new(ErrorKind::Other, format!("cannot start tokio: {e}")))?
            .handle()
            .clone();
        let link = match &options.target {
            Target::Server(url) => {
                let client = server_client(url, options.tls.as_ref())?;
                Link::Server(Box::new(ServerLink::new(client, &options)))
            }
            Target::Cluster(nodes) => {
                if nodes.iter().any(|n| n.starts_with("rediss:")) && !HAS_TLS {
                    return Err(no_tls());
                }
                let builder = ClusterClient::builder(nodes.iter().map(String::as_str));
                #[cfg(not(target_os = "macos"))]
                let builder = match &options.tls {
                    Some(tls) => builder.certs(certificates(tls)),
                    None => builder,
                };
                let client = builder
                    .connection_timeout(options.connect_timeout)
                    .response_timeout(options.command_timeout)
                    .retries(options.retries as u32)
                    .min_retry_wait(options.min_delay.as_millis() as u64)
                    .max_retry_wait(options.max_delay.as_millis() as u64)
                    .build()
                    .map_err(|e| Error::new(ErrorKind::InvalidOptions, format!("nodes: {e}")))?;
                Link::Cluster(Arc::new(ClusterLink {
                    client,
                    conn: tokio::sync::OnceCell::new(),
                    command_timeout: options.command_timeout,
                }))
            }
        };
        let (sender, batches) = tokio::sync::mpsc::unbounded_channel();
        runtime.spawn(send_in_order(batches, link, after_batch.clone()));
        Ok(RedisStore {
            sender,
            command_timeout: options.command_timeout,
            staged: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
            in_flight: Arc::default(),
            after_batch,
            commands: AtomicUsize::new(0),
        })
    }

    fn staged(&self) -> MutexGuard<'_, Vec<Entry>> {
        self.staged.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stages a command for the next `flush`. After `close`, `done` runs at once
    /// with a `Closed` error and this returns false.
    pub fn stage(&self, command: Command, done: Done) -> bool {
        if self.closed.load(Ordering::Acquire) {
            done(Err(closed()));
            return false;
        }
        *self.in_flight.lock() += 1;
        let entry = Entry {
            command,
            deadline: Instant::now() + self.command_timeout,
            done: Some(done),
            in_flight: self.in_flight.clone(),
        };
        self.staged().push(entry);
        true
    }

    /// Sends the staged commands, together, after every command sent before.
    /// False when the store is closed (nothing was staged then).
    pub fn flush(&self) -> bool {
        let batch = std::mem::take(&mut *self.staged());
        if batch.is_empty() {
            return !self.closed.load(Ordering::Acquire);
        }
        self.commands.fetch_add(batch.len(), Ordering::Relaxed);
        if let Err(refused) = self.sender.send(batch) {
            // (the sender task is gone: only when the runtime shuts down)
            for entry in refused.0 {
                entry.finish(Err(closed()));
            }
            (self.after_batch)();
        }
        true
    }

    /// The number of commands sent since the store was opened.
    pub fn commands(&self) -> usize {
        self.commands.load(Ordering::Relaxed)
    }

    /// Sends what is staged, stops taking commands, and waits until every
    /// command in flight completed (each within the command timeout).
    pub fn close(&self) {
        self.flush();
        self.closed.store(true, Ordering::Release);
        // (anything staged between the flush and the flag: refused now)
        let refused = std::mem::take(&mut *self.staged());
        if !refused.is_empty() {
            for entry in refused {
                entry.finish(Err(closed()));
            }
            (self.after_batch)();
        }
        let mut n = self.in_flight.lock();
        while *n > 0 {
            n = self
                .in_flight
                .idle
                .wait(n)
                .unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl Drop for RedisStore {
    /// Sends what is staged; never waits (it may run in a GC finalizer).
    fn drop(&mut self) {
        self.flush();
        self.closed.store(true, Ordering::Release);
    }
}

/// The store's one sender: it takes the batches in the order they were flushed
/// (with every batch that queued up meanwhile) and puts their commands on the
/// connection in that order, so that a `set` and a later `destroy` of one
/// session reach Redis in that order, reconnections included. A run of plain
/// commands goes out as one pipeline whose replies are awaited on their own
/// task; a run of merges is awaited before anything after it goes out (each is
/// a read and a conditional write); a scan runs on its own task, unordered (it
/// is many round trips, and lists what exists while it runs), but a `clear`
/// leaves the sessions that calls made after it write while it runs (see
/// `Clearing`).
async fn send_in_order(
    mut batches: tokio::sync::mpsc::UnboundedReceiver<Vec<Entry>>,
    mut link: Link,
    after_batch: AfterBatch,
) {
    let mut clearing: Vec<Arc<Clearing>> = Vec::new();
    while let Some(mut batch) = batches.recv().await {
        while let Ok(more) = batches.try_recv() {
            batch.extend(more);
        }
        let mut entries = batch.into_iter().peekable();
        while let Some(first) = entries.next() {
            let kind = Unit::of(&first.command);
            let mut unit = vec![first];
            if kind != Unit::Scan {
                while let Some(next) = entries.next_if(|e| Unit::of(&e.command) == kind) {
                    unit.push(next);
                }
                if !clearing.is_empty() {
                    clearing.retain(|c| !c.done.load(Ordering::Acquire));
                    for c in &clearing {
                        c.wrote(&unit).await;
                    }
                }
            }
            let unit_done = async {
                match kind {
                    Unit::Plain => link.send_plain(unit, after_batch.clone()).await,
                    Unit::Merge => {
                        link.merge(unit).await;
                        after_batch();
                    }
                    Unit::Scan => {
                        let unit = unexpired(unit, link.limit());
                        let Some(deadline) = unit.first().map(|e| e.deadline) else {
                            return after_batch();
                        };
                        let conn = link.conn(deadline).await;
                        let breaker = link.breaker();
                        let after = after_batch.clone();
                        let clear = matches!(unit[0].command, Command::Clear { .. }).then(|| {
                            let c = Arc::new(Clearing::default());
                            clearing.push(c.clone());
                            ClearingDone(c)
                        });
                        tokio::spawn(guarded(
                            async move {
                                for entry in unit {
                                    let result = match &conn {
                                        Ok(conn) => {
                                            let c = clear.as_ref().map(|c| &*c.0);
                                            run_scan(conn, &entry.command, c).await
                                        }
                                        Err(e) => Err(e.clone()),
                                    };
                                    if let (Err(e), Some((broken, generation))) =
                                        (&result, &breaker)
                                    {
                                        if e.drops_connection() {
                                            broken.fetch_max(*generation, Ordering::AcqRel);
                                        }
                                    }
                                    entry.finish(result);
                                }
                                after();
                            },
                            after_batch.clone(),
                        ));
                    }
                }
            };
            guarded(unit_done, after_batch.clone()).await;
        }
    }
}

/// A `clear` on its own task, and the keys of the sessions (and of their
/// owners' indexes) that calls made after it wrote meanwhile (`set`, a merge),
/// which it then leaves: as with a
/// MemoryStore, `clear(); set(sid, sess)` keeps the new session. The sender
/// notes a run's keys before it sends the run, and the `clear` filters each of
/// its `DEL`s and awaits its reply under the same lock: so a write is either
/// noted before a `DEL` is filtered, or sent after that `DEL` was done.
#[derive(Default)]
struct Clearing {
    done: AtomicBool,
    written: tokio::sync::Mutex<std::collections::HashSet<Vec<u8>>>,
}

impl Clearing {
    /// Notes the keys of the sessions that `unit` writes, and of their
    /// owners' indexes.
    async fn wrote(&self, unit: &[Entry]) {
        let mut written = self.written.lock().await;
        for entry in unit {
            note_written(&entry.command, &mut written);
        }
    }
}

/// Marks its `Clearing` done when dropped (the `clear` ended, or its task did).
struct ClearingDone(Arc<Clearing>);

impl Drop for ClearingDone {
    fn drop(&mut self) {
        self.0.done.store(true, Ordering::Release);
    }
}

/// Adds to `written` the key of the session that `command` stores (a `Set`
/// or a `Merge`), and of its owner's index.
fn note_written(command: &Command, written: &mut std::collections::HashSet<Vec<u8>>) {
    match command {
        Command::Set { key, .. } | Command::Merge { key, .. } => {
            written.insert(key.clone());
        }
        Command::Indexed { owner, command } => {
            written.insert(owner.index.clone());
            note_written(command, written);
        }
        _ => {}
    }
}

/// Runs `work`; if it panics, the commands it held were dropped (each `done`
/// got an internal error), and `after_batch` runs, so that they reach the
/// caller.
async fn guarded(work: impl std::future::Future<Output = ()>, after_batch: AfterBatch) {
    if AssertUnwindSafe(work).catch_unwind().await.is_err() {
        after_batch();
    }
}

/// How a command goes out (see `send_in_order`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Plain,
    Merge,
    Scan,
}

impl Unit {
    fn of(command: &Command) -> Unit {
        match command {
            Command::Get { .. }
            | Command::Set { .. }
            | Command::Expire { .. }
            | Command::Del { .. }
            | Command::DelIf { .. } => Unit::Plain,
            Command::Merge { .. } => Unit::Merge,
            Command::Indexed { command, .. } => Unit::of(command),
            Command::Keys { .. }
            | Command::Rows { .. }
            | Command::Clear { .. }
            | Command::Owned { .. } => Unit::Scan,
        }
    }
}

/// The earliest deadline of `unit`.
fn deadline_of(unit: &[Entry]) -> Instant {
    unit.iter()
        .map(|e| e.deadline)
        .min()
        .unwrap_or_else(Instant::now)
}

/// Fails the entries of `unit` whose deadline passed; the others.
fn unexpired(unit: Vec<Entry>, limit: Duration) -> Vec<Entry> {
    let now = Instant::now();
    let mut live = Vec::with_capacity(unit.len());
    for entry in unit {
        if entry.deadline <= now {
            entry.finish(Err(timeout(limit)));
        } else {
            live.push(entry);
        }
    }
    live
}

/// Fails every entry of `unit` with `error`.
fn fail(unit: Vec<Entry>, error: &Error) {
    for entry in unit {
        entry.finish(Err(error.clone()));
    }
}

/// The connection of the sender: to one server (made again after it broke,
/// waiting longer after each failed attempt) or to a cluster.
enum Link {
    Server(Box<ServerLink>),
    Cluster(Arc<ClusterLink>),
}

impl Link {
    /// A connection for the commands that run on their own (merges, scans),
    /// made now if there is none.
    async fn conn(&mut self, deadline: Instant) -> Result<Conn, Error> {
        match self {
            Link::Server(server) => Ok(Conn::Server(server.connect(deadline).await?)),
            Link::Cluster(cluster) => Ok(Conn::Cluster(cluster.clone())),
        }
    }

    /// For a task of its own (a scan): how to tell the sender that the
    /// server's connection is no good (`broken` raised to this connection's
    /// number).
    fn breaker(&self) -> Option<(Arc<AtomicU64>, u64)> {
        match self {
            Link::Server(s) => Some((s.broken.clone(), s.generation)),
            Link::Cluster(_) => None,
        }
    }

    fn limit(&self) -> Duration {
        match self {
            Link::Server(s) => s.command_timeout,
            Link::Cluster(c) => c.command_timeout,
        }
    }

    /// Sends a run of plain commands (one pipeline on a server; on a cluster
    /// each command routed by its key) and waits for their replies before
    /// anything after them goes out: so nothing overtakes them, not a request
    /// waiting for room in the connection's queue nor a command that the
    /// cluster client retries after a failover. (What arrives meanwhile goes out
    /// together next: the batches grow with the round trip.)
    async fn send_plain(&mut self, unit: Vec<Entry>, after_batch: AfterBatch) {
        let limit = self.limit();
        let unit = unexpired(unit, limit);
        if unit.is_empty() {
            return after_batch();
        }
        let deadline = deadline_of(&unit);
        match self {
            Link::Server(server) => {
                let reused = server.current().is_some();
                let mut conn = match server.connect(deadline).await {
                    Ok(conn) => conn,
                    Err(e) => {
                        fail(unit, &e);
                        return after_batch();
                    }
                };
                let (pipe, sent, indexed) = pipeline(&unit);
                let mut replies = query(&pipe, sent, &conn, deadline, limit).await;
                if reused && matches!(&replies, Err(e) if broke_idle(e)) {
                    server.drop_connection();
                    replies = match server.connect(deadline).await {
                        Ok(fresh) => {
                            conn = fresh;
                            query(&pipe, sent, &conn, deadline, limit).await
                        }
                        Err(e) => Err(e),
                    };
                }
                let again = conn;
                match replies {
                    Ok(mut replies) => {
                        if replies.iter().any(is_readonly) {
                            server.drop_connection();
                        }
                        if indexed {
                            let retried = own_by_text(&again, &unit, &mut replies);
                            let _ = tokio::time::timeout_at(deadline.into(), retried).await;
                        }
                        complete_plain(unit, replies)
                    }
                    Err(e) => {
                        if e.drops_connection() {
                            server.drop_connection();
                        }
                        fail(unit, &e)
                    }
                }
            }
            Link::Cluster(cluster) => {
                let conn = match Conn::cluster(cluster, deadline).await {
                    Ok(conn) => conn,
                    Err(e) => {
                        fail(unit, &e);
                        return after_batch();
                    }
                };
                // (the commands of one session one after the other, in their
                // order: the cluster client does not keep the order of
                // commands in flight together; other sessions' at once)
                let run = |i: usize| {
                    let command = &unit[i].command;
                    let conn = conn.clone();
                    async move { reply_of(command, &mut run_plain(conn, command).await?.into_iter()) }
                };
                match in_key_order(&unit, deadline, run).await {
                    Some(results) => {
                        for (entry, result) in unit.into_iter().zip(results) {
                            entry.finish(result);
                        }
                    }
                    None => fail(unit, &timeout(limit)),
                }
            }
        }
        after_batch();
    }

    /// Runs a run of merges to the end (see `merge_one`).
    async fn merge(&mut self, unit: Vec<Entry>) {
        let limit = self.limit();
        let unit = unexpired(unit, limit);
        if unit.is_empty() {
            return;
        }
        let deadline = deadline_of(&unit);
        let reused = self.has_connection();
        let mut results = None;
        for attempt in 0..2 {
            let conn = match self.conn(deadline).await {
                Ok(conn) => conn,
                Err(e) => return fail(unit, &e),
            };
            // (the merges of one key one after the other, in order: at once
            // they would only undo each other's reads; different keys at once)
            let run = |i: usize| merge_one(&conn, &unit[i].command);
            results = in_key_order(&unit, deadline, run).await;
            let broke = |all: &Vec<Result<Reply, Error>>| {
                all.iter().all(|r| matches!(r, Err(e) if broke_idle(e)))
            };
            match &results {
                Some(all) if attempt == 0 && reused && broke(all) => self.drop_connection(),
                _ => break,
            }
        }
        let Some(results) = results else {
            self.dropped_after(&timeout(limit));
            return fail(unit, &timeout(limit));
        };
        for (entry, result) in unit.into_iter().zip(results) {
            if let Err(e) = &result {
                self.dropped_after(e);
            }
            entry.finish(result);
        }
    }

    /// Whether there is a server's connection from before, which may have
    /// broken while it was idle (see `broke_idle`).
    fn has_connection(&mut self) -> bool {
        match self {
            Link::Server(server) => server.current().is_some(),
            Link::Cluster(_) => false,
        }
    }

    /// Forgets the server's connection (see `ServerLink::drop_connection`).
    fn drop_connection(&mut self) {
        if let Link::Server(server) = self {
            server.drop_connection();
        }
    }

    /// Drops the server's connection after `e` when `e` says it is no good
    /// (see `ServerLink::drop_connection`); the cluster client keeps its own.
    fn dropped_after(&mut self, e: &Error) {
        if let Link::Server(server) = self {
            if e.drops_connection() {
                server.drop_connection();
            }
        }
    }
}

/// The connection to one server, made again when it broke: a failed attempt
/// fails the commands that waited for it, and the commands of the next `delay`
/// (which doubles up to the longest) fail at once with its error; then the next
/// command tries again.
struct ServerLink {
    client: Client,
    config: AsyncConnectionConfig,
    connect_timeout: Duration,
    command_timeout: Duration,
    min_delay: Duration,
    max_delay: Duration,
    conn: Option<MultiplexedConnection>,
    /// This connection's number (from 1), and the highest number that a command
    /// found broken.
    generation: u64,
    broken: Arc<AtomicU64>,
    failing: Option<(Error, Instant)>,
    delay: Duration,
}

impl ServerLink {
    fn new(client: Client, options: &Options) -> ServerLink {
        ServerLink {
            client,
            config: AsyncConnectionConfig::new()
                .set_connection_timeout(Some(options.connect_timeout))
                .set_response_timeout(Some(options.command_timeout)),
            connect_timeout: options.connect_timeout,
            command_timeout: options.command_timeout,
            min_delay: options.min_delay,
            max_delay: options.max_delay,
            conn: None,
            generation: 0,
            broken: Arc::new(AtomicU64::new(0)),
            failing: None,
            delay: options.min_delay,
        }
    }

    /// Forgets the connection, so that the next command makes a new one: after
    /// it broke, after a command got no reply within the timeout (a server gone
    /// without a reset, a half-open connection, is only seen so), and after a
    /// `READONLY` reply (a failover behind one address: the old master became
    /// a replica).
    fn drop_connection(&mut self) {
        self.conn = None;
    }

    /// The connection, unless a command found it broken.
    fn current(&mut self) -> Option<MultiplexedConnection> {
        if self.broken.load(Ordering::Acquire) >= self.generation {
            self.conn = None;
        }
        self.conn.clone()
    }

    /// The connection, made now if there is none (by `deadline` at the latest).
    async fn connect(&mut self, deadline: Instant) -> Result<MultiplexedConnection, Error> {
        if let Some(conn) = self.current() {
            return Ok(conn);
        }
        let now = Instant::now();
        if let Some((error, until)) = &self.failing {
            if now < *until {
                return Err(error.clone());
            }
        }
        let attempt = self
            .client
            .get_multiplexed_async_connection_with_config(&self.config);
        let until = deadline.min(now + self.connect_timeout);
        // (an attempt cut short by the commands' deadline rather than by the
        // connect timeout says nothing of the server: no waiting after it)
        let cut = deadline < now + self.connect_timeout;
        let result = match tokio::time::timeout_at(until.into(), attempt).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(e)) => Err(Error::from(e)),
            Err(_) => Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "Redis: no connection within {} ms",
                    until.saturating_duration_since(now).as_millis()
                ),
            )),
        };
        match result {
            Ok(conn) => {
                self.generation = self.broken.load(Ordering::Acquire) + 1;
                self.conn = Some(conn.clone());
                self.failing = None;
                self.delay = self.min_delay;
                Ok(conn)
            }
            Err(e) => {
                if !(cut && e.kind == ErrorKind::Timeout) {
                    self.failing = Some((e.clone(), Instant::now() + self.delay));
                    self.delay = (self.delay * 2).min(self.max_delay);
                }
                Err(e)
            }
        }
    }
}

/// Whether the commands sent on a connection from before failed because it had
/// broken while it was idle (the server's `timeout`, or a proxy's, closed it):
/// then they go once more on a new connection, in the same order, which means
/// the same even if some had run (each sets, reads, expires or deletes).
fn broke_idle(e: &Error) -> bool {
    e.kind == ErrorKind::ConnectionReset
}

/// The replies of a pipeline of `sent` commands on `conn`, by `deadline`.
async fn query(
    pipe: &Pipeline,
    sent: usize,
    conn: &MultiplexedConnection,
    deadline: Instant,
    limit: Duration,
) -> Result<Vec<Value>, Error> {
    if sent == 0 {
        return Ok(Vec::new());
    }
    let mut conn = conn.clone();
    let request = pipe.query_async::<Vec<Value>>(&mut conn);
    match tokio::time::timeout_at(deadline.into(), request).await {
        Ok(Ok(replies)) => Ok(replies),
        Ok(Err(e)) => Err(Error::from(e)),
        Err(_) => Err(timeout(limit)),
    }
}

/// Whether a reply is `READONLY` (a write to a replica).
fn is_readonly(value: &Value) -> bool {
    matches!(value, Value::ServerError(e) if e.code() == "READONLY")
}

/// A pipeline of a run of plain commands (see `plain_cmds`), how many Redis
/// commands it has, and whether some are index entries.
fn pipeline(unit: &[Entry]) -> (Pipeline, usize, bool) {
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    // (the script of the index entries, loaded first: their EVALSHA then
    // finds it, also on a server that restarted since; its reply is ignored)
    let indexed = unit
        .iter()
        .any(|e| matches!(e.command, Command::Indexed { .. }));
    if indexed {
        pipe.cmd("SCRIPT").arg("LOAD").arg(OWN_SOURCE).ignore();
    }
    let mut n = 0;
    for entry in unit {
        plain_cmds(&entry.command, &mut |cmd| {
            pipe.add_command(cmd);
            n += 1;
        });
    }
    (pipe, n, indexed)
}

/// Gives each plain command its reply from a pipeline's.
fn complete_plain(unit: Vec<Entry>, replies: Vec<Value>) {
    let mut replies = replies.into_iter();
    for entry in unit {
        let n = plain_count(&entry.command);
        let result = if replies.len() < n {
            Err(Error::new(
                ErrorKind::UnexpectedReply,
                "Redis: a pipeline's reply has too few values",
            ))
        } else {
            let mut values = replies.by_ref().take(n);
            let result = reply_of(&entry.command, &mut values);
            values.for_each(drop); // (the rest of this command's, after an error)
            result
        };
        entry.finish(result);
    }
}

/// How many Redis commands a plain command is (see `plain_cmds`).
fn plain_count(command: &Command) -> usize {
    match command {
        Command::Del { keys } if keys.is_empty() => 0,
        Command::Indexed { command, .. } => 1 + plain_count(command),
        _ => 1,
    }
}

/// Gives the Redis commands of a plain command to `out`: none for a `DEL` of
/// no key, the index's entry then the write for an indexed one.
fn plain_cmds(command: &Command, out: &mut impl FnMut(Cmd)) {
    let mut cmd;
    match command {
        Command::Get { key } => {
            cmd = redis::cmd("GET");
            cmd.arg(key);
        }
        Command::Set { key, value, ttl } => {
            cmd = redis::cmd("SET");
            cmd.arg(key).arg(value);
            if let Some(ttl) = ttl {
                cmd.arg("EX").arg(*ttl);
            }
        }
        Command::Expire { key, ttl } => {
            cmd = redis::cmd("EXPIRE");
            cmd.arg(key).arg(*ttl);
        }
        Command::Del { keys } if !keys.is_empty() => {
            cmd = redis::cmd("DEL");
            cmd.arg(keys);
        }
        Command::DelIf { key, value } => {
            cmd = eval(DEL_IF, key);
            cmd.arg(value);
        }
        Command::Indexed { owner, command } => {
            out(own_cmd(owner, false));
            return plain_cmds(command, out);
        }
        _ => return,
    }
    out(cmd);
}

/// `EVAL script 1 key` (arguments to add).
fn eval(script: &str, key: &[u8]) -> Cmd {
    let mut cmd = redis::cmd("EVAL");
    cmd.arg(script).arg(1).arg(key);
    cmd
}

/// Writes a session's entry in its owner's index (`OWN`): by the script's
/// hash (`EVALSHA`), or by its text (`EVAL`).
fn own_cmd(owner: &Owner, by_text: bool) -> Cmd {
    let mut cmd;
    if by_text {
        cmd = redis::cmd("EVAL");
        cmd.arg(OWN_SOURCE);
    } else {
        cmd = redis::cmd("EVALSHA");
        cmd.arg(OWN.get_hash());
    }
    cmd.arg(1)
        .arg(&owner.index)
        .arg(&owner.member)
        .arg(own_life(owner))
        .arg(owner.grace_ms);
    cmd
}

/// The script invocation of `own_cmd` (for calls that load the script when
/// the server answers NOSCRIPT).
fn own_invocation(owner: &Owner) -> ScriptInvocation<'static> {
    let mut invocation = OWN.key(&owner.index);
    invocation
        .arg(&owner.member)
        .arg(own_life(owner))
        .arg(owner.grace_ms);
    invocation
}

/// `OWN`'s lifetime argument: seconds, or `''` for none.
fn own_life(owner: &Owner) -> String {
    owner.ttl.map_or_else(String::new, |ttl| ttl.to_string())
}

/// A session's entry in its owner's index: `ZADD index expiry id`, the expiry
/// in ms by the server's clock with a grace (see `Owner`), `inf` for none, and
/// never lowered; the entries whose expiry passed are removed; the index
/// expires with its last entry (never while an entry never expires). ARGV:
/// the session ID, its lifetime in seconds (`''`: none), the grace in ms.
/// (Scripts that write after `TIME` need effects replication before Redis 5.)
static OWN: LazyLock<Script> = LazyLock::new(|| Script::new(OWN_SOURCE));

const OWN_SOURCE: &str = r"if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local left = redis.call('PTTL', KEYS[1])
local life = tonumber(ARGV[2])
local expires = 'inf'
if life then
  life = life * 1000 + tonumber(ARGV[3])
  expires = string.format('%d', now + life)
end
local old = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not old or tonumber(old) < tonumber(expires) then
  redis.call('ZADD', KEYS[1], expires, ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('(%d', now))
if not life then return redis.call('PERSIST', KEYS[1]) end
if left == -1 or left >= life then return 0 end
return redis.call('PEXPIREAT', KEYS[1], expires)";

/// The IDs in an owner's index whose expiry has not passed, after removing the
/// others.
const OWNED: &str = r"if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('(%d', now))
return redis.call('ZRANGE', KEYS[1], 0, -1)";

/// `DEL key` if the key holds ARGV[1]: 1 if removed, else 0.
const DEL_IF: &str = r"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0";

/// The sessions' keys that a command reads or writes (not an owner's index:
/// the order of two entries of an index does not matter).
fn keys_of(command: &Command) -> &[Vec<u8>] {
    match command {
        Command::Get { key }
        | Command::Set { key, .. }
        | Command::Expire { key, .. }
        | Command::DelIf { key, .. }
        | Command::Merge { key, .. } => std::slice::from_ref(key),
        Command::Del { keys } => keys,
        Command::Indexed { command, .. } => keys_of(command),
        Command::Keys { .. }
        | Command::Rows { .. }
        | Command::Clear { .. }
        | Command::Owned { .. } => &[],
    }
}

/// Runs `run(i)` for each entry `i` of `unit`, those that share a key one
/// after the other in the unit's order (but for a run of `GET`s, at once), the
/// others at once; the results by entry, or none when the deadline passed
/// first.
async fn in_key_order<F, R>(
    unit: &[Entry],
    deadline: Instant,
    run: F,
) -> Option<Vec<Result<Reply, Error>>>
where
    F: Fn(usize) -> R,
    R: std::future::Future<Output = Result<Reply, Error>>,
{
    // (chains: entries joined by a key, union-find over the keys' first entry)
    let mut parent: Vec<usize> = (0..unit.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first: std::collections::HashMap<&[u8], usize> = std::collections::HashMap::new();
    for (i, entry) in unit.iter().enumerate() {
        for key in keys_of(&entry.command) {
            let j = *first.entry(key.as_slice()).or_insert(i);
            let (a, b) = (root(&mut parent, i), root(&mut parent, j));
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut chains: Vec<Vec<usize>> = Vec::new();
    let mut chain_of = vec![usize::MAX; unit.len()];
    for i in 0..unit.len() {
        let r = root(&mut parent, i);
        if chain_of[r] == usize::MAX {
            chain_of[r] = chains.len();
            chains.push(Vec::new());
        }
        chains[chain_of[r]].push(i);
    }
    // (in a chain, a run of reads goes out at once: they do not change what
    // each other reads)
    let reads = |i: usize| matches!(unit[i].command, Command::Get { .. });
    let runs = chains.iter().map(|chain| {
        let run = &run;
        async move {
            let mut results = Vec::with_capacity(chain.len());
            let mut rest = chain.as_slice();
            while let Some(&i) = rest.first() {
                let n = if reads(i) {
                    rest.iter().take_while(|&&j| reads(j)).count()
                } else {
                    1
                };
                let (step, next) = rest.split_at(n);
                let done = join_all(step.iter().map(|&j| run(j))).await;
                results.extend(step.iter().copied().zip(done));
                rest = next;
            }
            results
        }
    });
    let done = tokio::time::timeout_at(deadline.into(), join_all(runs))
        .await
        .ok()?;
    let mut results: Vec<Option<Result<Reply, Error>>> = (0..unit.len()).map(|_| None).collect();
    for (i, result) in done.into_iter().flatten() {
        results[i] = Some(result);
    }
    results.into_iter().collect()
}

/// Runs again, by the script's text (`EVAL`), each index entry of `unit` that
/// the server answered NOSCRIPT (the `SCRIPT LOAD` before it was refused: by
/// an ACL, or a proxy), and puts its reply in place of that one.
async fn own_by_text(conn: &MultiplexedConnection, unit: &[Entry], replies: &mut [Value]) {
    let mut at = 0;
    for entry in unit {
        if let Command::Indexed { owner, .. } = &entry.command {
            let noscript =
                matches!(replies.get(at), Some(Value::ServerError(e)) if e.code() == "NOSCRIPT");
            if noscript {
                if let Ok(value) = own_cmd(owner, true)
                    .query_async::<Value>(&mut conn.clone())
                    .await
                {
                    replies[at] = value;
                }
            }
        }
        at += plain_count(&entry.command);
    }
}

/// Sends one plain command's Redis commands on a cluster, one after the other
/// (routed by key; an index entry loads its script where the node has none),
/// and gives their values.
async fn run_plain(conn: ClusterConnection, command: &Command) -> Result<Vec<Value>, Error> {
    if let Command::Indexed { owner, command } = command {
        let own: Value = own_invocation(owner)
            .invoke_async(&mut conn.clone())
            .await?;
        let mut values = vec![own];
        values.extend(Box::pin(run_plain(conn, command)).await?);
        return Ok(values);
    }
    let mut cmds = Vec::new();
    plain_cmds(command, &mut |cmd| cmds.push(cmd));
    let mut values = Vec::with_capacity(cmds.len());
    for cmd in cmds {
        values.push(cmd.query_async(&mut conn.clone()).await?);
    }
    Ok(values)
}

/// A plain command's reply from the server's values for its Redis commands
/// (none: nothing was sent).
fn reply_of(command: &Command, values: &mut impl Iterator<Item = Value>) -> Result<Reply, Error> {
    if let Command::Indexed { command, .. } = command {
        if let Some(own) = values.next() {
            own.extract_error()?;
        }
        return reply_of(command, values);
    }
    let Some(value) = values.next() else {
        return Ok(Reply::Count(0));
    };
    let value = value.extract_error()?;
    let unexpected =
        |e: redis::ParsingError| Error::new(ErrorKind::UnexpectedReply, format!("Redis: {e}"));
    Ok(match command {
        Command::Get { .. } => {
            Reply::Value(Option::<Vec<u8>>::from_redis_value(value).map_err(unexpected)?)
        }
        Command::Set { .. } => Reply::Count(1),
        Command::DelIf { .. } => Reply::Number(u64::from_redis_value(value).map_err(unexpected)?),
        _ => Reply::Count(u64::from_redis_value(value).map_err(unexpected)?),
    })
}

/// Writes a merge: reads the stored session, patches it (`json::apply_patch`;
/// the full session when none is stored or the stored one is not an object),
/// and writes the result only if the stored value is still the one read (a
/// script compares its SHA-1), else reads again. So two app servers that write
/// different fields of one session at once both keep their change.
async fn merge_one(conn: &Conn, command: &Command) -> Result<Reply, Error> {
    if let Command::Indexed { owner, command } = command {
        conn.invoke::<Value>(&own_invocation(owner))
            .await?
            .extract_error()?;
        return Box::pin(merge_one(conn, command)).await;
    }
    let Command::Merge {
        key,
        full,
        patch,
        ttl,
    } = command
    else {
        return Err(Error::new(ErrorKind::Other, "not a merge"));
    };
    for attempt in 0..MERGE_ATTEMPTS {
        let stored: Option<Vec<u8>> = conn.query(redis::cmd("GET").arg(key)).await?;
        let (seen, merged) = match &stored {
            Some(old) => (hex_sha1(old), json::apply_patch(old, patch).ok()),
            None => (String::new(), None),
        };
        let value = merged.as_deref().unwrap_or(full);
        let mut invocation = CAS.key(key);
        invocation.arg(seen).arg(value);
        match ttl {
            Some(ttl) => invocation.arg(*ttl),
            None => invocation.arg(""),
        };
        let written: u64 = conn.invoke(&invocation).await?;
        if written == 1 {
            return Ok(Reply::Count(1));
        }
        // (another writer changed the session in between: wait a little, at
        // random, so that two writers that keep meeting stop meeting)
        let most = 50u64 << attempt.min(6);
        tokio::time::sleep(Duration::from_micros(fastrand::u64(0..=most))).await;
    }
    Err(Error::new(
        ErrorKind::Server("ERR_STORE_CONFLICT".into()),
        format!("Redis: the session changed {MERGE_ATTEMPTS} times while its fields were merged"),
    ))
}

/// How many times a merge reads again when the session changed meanwhile.
const MERGE_ATTEMPTS: usize = 32;

/// The merge's conditional write: `SET key value [EX ttl]` if the key's value
/// has the SHA-1 `seen` (`''`: the key does not exist); 1 if written, else 0.
static CAS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local cur = redis.call('GET', KEYS[1])
if cur then cur = redis.sha1hex(cur) else cur = '' end
if cur ~= ARGV[1] then return 0 end
if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[2])
else redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end
return 1",
    )
});

fn hex_sha1(bytes: &[u8]) -> String {
    use sha1::Digest;
    format!("{:x}", sha1::Sha1::digest(bytes))
}

/// A cluster client and its connection, made on first use (again after a
/// failed attempt).
struct ClusterLink {
    client: ClusterClient,
    conn: tokio::sync::OnceCell<ClusterConnection>,
    command_timeout: Duration,
}

/// A connection for merges and scans: to one server, or to a cluster.
#[derive(Clone)]
enum Conn {
    Server(MultiplexedConnection),
    Cluster(Arc<ClusterLink>),
}

impl Conn {
    /// The cluster's connection, made now if there is none (by `deadline` at
    /// the latest).
    async fn cluster(link: &ClusterLink, deadline: Instant) -> Result<ClusterConnection, Error> {
        let made = link
            .conn
            .get_or_try_init(|| link.client.get_async_connection());
        match tokio::time::timeout_at(deadline.into(), made).await {
            Ok(conn) => Ok(conn?.clone()),
            Err(_) => Err(timeout(link.command_timeout)),
        }
    }

    /// `Conn::cluster` within the command timeout.
    async fn cluster_now(link: &ClusterLink) -> Result<ClusterConnection, Error> {
        Conn::cluster(link, Instant::now() + link.command_timeout).await
    }

    /// Sends `cmd` (routed by its key in a cluster) and converts the reply.
    async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, Error> {
        Ok(match self {
            Conn::Server(c) => cmd.query_async(&mut c.clone()).await?,
            Conn::Cluster(link) => cmd.query_async(&mut Conn::cluster_now(link).await?).await?,
        })
    }

    /// Runs a script (loaded first where the server does not have it).
    async fn invoke<T: FromRedisValue>(
        &self,
        invocation: &ScriptInvocation<'_>,
    ) -> Result<T, Error> {
        Ok(match self {
            Conn::Server(c) => invocation.invoke_async(&mut c.clone()).await?,
            Conn::Cluster(link) => {
                invocation
                    .invoke_async(&mut Conn::cluster_now(link).await?)
                    .await?
            }
        })
    }

    /// The values of `keys` (`MGET`, `count` at a time): the rows of those
    /// that exist and hold a string.
    async fn rows(&self, keys: &[Vec<u8>], count: usize) -> Result<Vec<(Vec<u8>, Vec<u8>)>, Error> {
        let mut rows = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(count.max(1)) {
            let values: Vec<Option<Vec<u8>>> = self.query(redis::cmd("MGET").arg(chunk)).await?;
            rows.extend(
                chunk
                    .iter()
                    .zip(values)
                    .filter_map(|(k, v)| Some((k.clone(), v?))),
            );
        }
        Ok(rows)
    }

    /// Every key matching `pattern`, each once: SCAN on the server, or on each
    /// master of the cluster.
    async fn scan(&self, pattern: &[u8], count: usize) -> Result<Vec<Vec<u8>>, Error> {
        let mut seen = std::collections::HashSet::new();
        let mut keys = Vec::new();
        let mut add = |batch: Vec<Vec<u8>>| {
            for key in batch {
                if seen.insert(key.clone()) {
                    keys.push(key);
                }
            }
        };
        match self {
            Conn::Server(_) => {
                let mut cursor = 0u64;
                loop {
                    let (next, batch): (u64, Vec<Vec<u8>>) =
                        self.query(&scan_step(cursor, pattern, count)).await?;
                    add(batch);
                    if next == 0 {
                        break;
                    }
                    cursor = next;
                }
            }
            Conn::Cluster(link) => {
                let mut conn = Conn::cluster_now(link).await?;
                let nodes: String = redis::cmd("CLUSTER")
                    .arg("NODES")
                    .query_async(&mut conn)
                    .await?;
                for (host, port) in masters(&nodes)? {
                    let mut cursor = 0u64;
                    loop {
                        let route = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
                            host: host.clone(),
                            port,
                        });
                        let reply = conn
                            .route_command(scan_step(cursor, pattern, count), route)
                            .await?;
                        let (next, batch): (u64, Vec<Vec<u8>>) =
                            FromRedisValue::from_redis_value(reply).map_err(|e| {
                                Error::new(ErrorKind::UnexpectedReply, format!("SCAN: {e}"))
                            })?;
                        add(batch);
                        if next == 0 {
                            break;
                        }
                        cursor = next;
                    }
                }
            }
        }
        Ok(keys)
    }
}

/// `SCAN cursor MATCH pattern COUNT count`.
fn scan_step(cursor: u64, pattern: &[u8], count: usize) -> Cmd {
    let mut cmd = redis::cmd("SCAN");
    cmd.arg(cursor)
        .arg("MATCH")
        .arg(pattern)
        .arg("COUNT")
        .arg(count.max(1));
    cmd
}

/// The address (host, port) of each master that `CLUSTER NODES` lists with
/// slots (a SCAN sent there lists the master's keys: the topology of now, where
/// the client's slot map may be older); an error when such a master has failed
/// (its keys could not be listed until a replica replaced it). (A master that
/// one node only suspects, `fail?`, is tried: it answers or the scan fails.)
fn masters(nodes: &str) -> Result<Vec<(String, u16)>, Error> {
    let mut masters = Vec::new();
    for line in nodes.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let flags: Vec<&str> = fields.get(2).map_or(Vec::new(), |f| f.split(',').collect());
        // (slots: a range "0-5460" or one "5461"; "[...]" marks a migration)
        let has_slots = fields
            .iter()
            .skip(8)
            .any(|f| !f.starts_with('[') && !f.is_empty());
        if !flags.contains(&"master") || !has_slots {
            continue;
        }
        let address = fields.get(1).copied().unwrap_or("?");
        if flags.contains(&"fail") {
            return Err(Error::new(
                ErrorKind::Server("CLUSTERDOWN".into()),
                format!("Redis: the master {address} has failed: its sessions cannot be listed until a replica replaces it"),
            ));
        }
        let host_port = address.split(['@', ',']).next().unwrap_or("");
        let parsed = host_port.rsplit_once(':').and_then(|(host, port)| {
            Some((
                host.trim_matches(['[', ']']).to_string(),
                port.parse().ok()?,
            ))
        });
        match parsed {
            Some(master) => masters.push(master),
            None => {
                return Err(Error::new(
                    ErrorKind::UnexpectedReply,
                    format!("Redis: CLUSTER NODES gave no address for a master: {line}"),
                ))
            }
        }
    }
    Ok(masters)
}

/// Runs a scan (`Keys`, `Rows`, `Clear`; a `Clear` with its `Clearing`).
async fn run_scan(
    conn: &Conn,
    command: &Command,
    clearing: Option<&Clearing>,
) -> Result<Reply, Error> {
    match command.clone() {
        Command::Keys { pattern, count } => Ok(Reply::Keys(conn.scan(&pattern, count).await?)),
        Command::Rows { pattern, count } => {
            let keys = conn.scan(&pattern, count).await?;
            Ok(Reply::Rows(conn.rows(&keys, count).await?))
        }
        Command::Owned {
            index,
            prefix,
            count,
        } => {
            let ids: Vec<Vec<u8>> = conn.query(&eval(OWNED, &index)).await?;
            let keys: Vec<Vec<u8>> = ids
                .into_iter()
                .map(|id| [prefix.as_slice(), &id].concat())
                .collect();
            Ok(Reply::Rows(conn.rows(&keys, count).await?))
        }
        Command::Clear { pattern, count } => {
            let keys = conn.scan(&pattern, count).await?;
            let mut removed = 0;
            for chunk in keys.chunks(count.max(1)) {
                let written = match clearing {
                    Some(c) => Some(c.written.lock().await),
                    None => None,
                };
                let chunk: Vec<&Vec<u8>> = chunk
                    .iter()
                    .filter(|k| !written.as_ref().is_some_and(|w| w.contains(*k)))
                    .collect();
                if !chunk.is_empty() {
                    let n: u64 = conn.query(redis::cmd("DEL").arg(chunk)).await?;
                    removed += n;
                }
            }
            Ok(Reply::Count(removed))
        }
        _ => Err(Error::new(ErrorKind::Other, "not a scan")),
    }
}

/// The SCAN pattern of every key under `prefix` (its glob characters escaped).
pub fn pattern(prefix: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(prefix.len() + 1);
    for &b in prefix {
        if matches!(b, b'*' | b'?' | b'[' | b']' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'*');
    out
}

#[cfg(test)]
mod tests;
