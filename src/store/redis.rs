//! `RedisStore`'s engine: sessions on a Redis server, in connect-redis's layout
//! (a string key `prefix + id` holding the session JSON, its TTL the session's
//! lifetime), so that an app switches between connect-redis and this store
//! without logging anyone out.
//!
//! Commands are staged by the caller and sent together by `flush` (one task on
//! the process's tokio runtime runs them concurrently over one multiplexed
//! connection, so they go out pipelined); each command's result goes to its
//! `done`, then `after_batch` runs once, so that the results of a batch travel
//! on together. Every command fails within the command timeout when the server
//! is down or slow; the connection reconnects by itself.

use futures_util::future::join_all;
use futures_util::FutureExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{Client, Cmd, FromRedisValue, RedisError, Value};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, LazyLock, Mutex, MutexGuard};
use std::time::Duration;
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
    /// Reconnection: the first delay, the longest one, and how many more
    /// attempts a reconnection makes before its error goes to the commands that
    /// wait for it (the next command starts another reconnection). Few, so that
    /// an error that attempting again cannot fix (a wrong password, nothing
    /// listening) reaches the caller within the command timeout, as itself.
    pub min_delay: Duration,
    pub max_delay: Duration,
    pub retries: usize,
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
        let kind = if e.is_timeout() {
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
}

/// Called once with a command's result (on a runtime thread).
pub type Done = Box<dyn FnOnce(Result<Reply, Error>) + Send>;

/// Called after the `done` of every command of a batch ran.
pub type AfterBatch = Arc<dyn Fn() + Send + Sync>;

/// How many batches are in flight, for `close` to wait for.
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

/// A session store on one Redis server.
pub struct RedisStore {
    runtime: tokio::runtime::Handle,
    conn: Conn,
    command_timeout: Duration,
    staged: Mutex<Vec<(Command, Done)>>,
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
        let conn = match &options.target {
            Target::Server(url) => {
                let client = Client::open(url.as_str())
                    .map_err(|e| Error::new(ErrorKind::InvalidOptions, format!("url: {e}")))?;
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(options.connect_timeout))
                    .set_response_timeout(Some(options.command_timeout))
                    .set_min_delay(options.min_delay)
                    .set_max_delay(options.max_delay)
                    .set_number_of_retries(options.retries);
                let _entered = runtime.enter();
                Conn::Server(ConnectionManager::new_lazy_with_config(client, config)?)
            }
            Target::Cluster(nodes) => {
                let client = ClusterClient::builder(nodes.iter().map(String::as_str))
                    .connection_timeout(options.connect_timeout)
                    .response_timeout(options.command_timeout)
                    .retries(options.retries as u32)
                    .min_retry_wait(options.min_delay.as_millis() as u64)
                    .max_retry_wait(options.max_delay.as_millis() as u64)
                    .build()
                    .map_err(|e| Error::new(ErrorKind::InvalidOptions, format!("nodes: {e}")))?;
                Conn::Cluster(Arc::new(ClusterLink {
                    client,
                    conn: tokio::sync::OnceCell::new(),
                }))
            }
        };
        Ok(RedisStore {
            runtime,
            conn,
            command_timeout: options.command_timeout,
            staged: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
            in_flight: Arc::default(),
            after_batch,
            commands: AtomicUsize::new(0),
        })
    }

    fn staged(&self) -> MutexGuard<'_, Vec<(Command, Done)>> {
        self.staged.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stages a command for the next `flush`. After `close`, `done` runs at once
    /// with a `Closed` error and this returns false.
    pub fn stage(&self, command: Command, done: Done) -> bool {
        if self.closed.load(Ordering::Acquire) {
            done(Err(closed()));
            return false;
        }
        self.staged().push((command, done));
        true
    }

    /// Sends the staged commands, together. False when the store is closed
    /// (nothing was staged then).
    pub fn flush(&self) -> bool {
        let batch = std::mem::take(&mut *self.staged());
        if batch.is_empty() {
            return !self.closed.load(Ordering::Acquire);
        }
        self.commands.fetch_add(batch.len(), Ordering::Relaxed);
        *self.in_flight.lock() += 1;
        let conn = self.conn.clone();
        let limit = self.command_timeout;
        let in_flight = self.in_flight.clone();
        let after_batch = self.after_batch.clone();
        self.runtime.spawn(async move {
            // (counted down however the task ends, so that `close` never waits
            // for a batch that is gone)
            let _batch = BatchGuard(in_flight);
            let runs = batch.into_iter().map(|(command, done)| {
                let conn = conn.clone();
                async move {
                    // (a scan is many round trips, each within the timeout of the
                    // connection's own; one command, the whole timeout)
                    let scan = matches!(
                        command,
                        Command::Keys { .. } | Command::Rows { .. } | Command::Clear { .. }
                    );
                    let work = AssertUnwindSafe(run(conn, command)).catch_unwind();
                    let result = if scan {
                        Ok(work.await)
                    } else {
                        tokio::time::timeout(limit, work).await
                    };
                    done(match result {
                        Ok(Ok(reply)) => reply,
                        Ok(Err(_)) => Err(Error::new(
                            ErrorKind::Other,
                            "express-session-rs: internal error (Rust panic) in a Redis command",
                        )),
                        Err(_) => Err(timeout(limit)),
                    });
                }
            });
            join_all(runs).await;
            after_batch();
        });
        true
    }

    /// The number of commands sent since the store was opened.
    pub fn commands(&self) -> usize {
        self.commands.load(Ordering::Relaxed)
    }

    /// Sends what is staged, stops taking commands, and waits until every batch
    /// in flight completed (each within the command timeout).
    pub fn close(&self) {
        self.flush();
        self.closed.store(true, Ordering::Release);
        // (anything staged between the flush and the flag: refused now)
        let refused = std::mem::take(&mut *self.staged());
        if !refused.is_empty() {
            for (_, done) in refused {
                done(Err(closed()));
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

/// One batch in flight, for `close` to wait for; counted down when dropped.
struct BatchGuard(Arc<InFlight>);

impl Drop for BatchGuard {
    fn drop(&mut self) {
        let mut n = self.0.lock();
        *n -= 1;
        if *n == 0 {
            self.0.idle.notify_all();
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

/// A cluster client and its connection, made on first use (again after a
/// failed attempt).
struct ClusterLink {
    client: ClusterClient,
    conn: tokio::sync::OnceCell<ClusterConnection>,
}

/// The connection to one server (it reconnects by itself) or to a cluster.
#[derive(Clone)]
enum Conn {
    Server(ConnectionManager),
    Cluster(Arc<ClusterLink>),
}

impl Conn {
    async fn cluster(link: &ClusterLink) -> Result<ClusterConnection, Error> {
        let conn = link
            .conn
            .get_or_try_init(|| link.client.get_async_connection())
            .await?;
        Ok(conn.clone())
    }

    /// Sends `cmd` (routed by its key in a cluster) and converts the reply.
    async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, Error> {
        Ok(match self {
            Conn::Server(c) => cmd.query_async(&mut c.clone()).await?,
            Conn::Cluster(link) => cmd.query_async(&mut Conn::cluster(link).await?).await?,
        })
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
                let mut conn = Conn::cluster(link).await?;
                let nodes: String = redis::cmd("CLUSTER")
                    .arg("NODES")
                    .query_async(&mut conn)
                    .await?;
                for (host, port) in masters(&nodes) {
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

/// The (host, port) of each master that `CLUSTER NODES` lists as serving (not
/// failed).
fn masters(nodes: &str) -> Vec<(String, u16)> {
    nodes
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let flags = fields.get(2)?.split(',').collect::<Vec<_>>();
            if !flags.contains(&"master") || flags.iter().any(|f| f.starts_with("fail")) {
                return None;
            }
            let addr = fields.get(1)?.split('@').next()?;
            let (host, port) = addr.rsplit_once(':')?;
            Some((host.to_string(), port.parse().ok()?))
        })
        .collect()
}

/// Runs one command.
async fn run(conn: Conn, command: Command) -> Result<Reply, Error> {
    match command {
        Command::Get { key } => {
            let value: Option<Vec<u8>> = conn.query(redis::cmd("GET").arg(&key)).await?;
            Ok(Reply::Value(value))
        }
        Command::Set { key, value, ttl } => {
            let mut cmd = redis::cmd("SET");
            cmd.arg(&key).arg(&value);
            if let Some(ttl) = ttl {
                cmd.arg("EX").arg(ttl);
            }
            let _: Value = conn.query(&cmd).await?;
            Ok(Reply::Count(1))
        }
        Command::Expire { key, ttl } => {
            let n: u64 = conn.query(redis::cmd("EXPIRE").arg(&key).arg(ttl)).await?;
            Ok(Reply::Count(n))
        }
        Command::Del { keys } => {
            if keys.is_empty() {
                return Ok(Reply::Count(0));
            }
            let n: u64 = conn.query(redis::cmd("DEL").arg(&keys)).await?;
            Ok(Reply::Count(n))
        }
        Command::Keys { pattern, count } => Ok(Reply::Keys(conn.scan(&pattern, count).await?)),
        Command::Rows { pattern, count } => {
            let keys = conn.scan(&pattern, count).await?;
            let mut rows = Vec::with_capacity(keys.len());
            for chunk in keys.chunks(count.max(1)) {
                let values: Vec<Option<Vec<u8>>> =
                    conn.query(redis::cmd("MGET").arg(chunk)).await?;
                rows.extend(
                    chunk
                        .iter()
                        .zip(values)
                        .filter_map(|(k, v)| Some((k.clone(), v?))),
                );
            }
            Ok(Reply::Rows(rows))
        }
        Command::Clear { pattern, count } => {
            let keys = conn.scan(&pattern, count).await?;
            let mut removed = 0;
            for chunk in keys.chunks(count.max(1)) {
                let n: u64 = conn.query(redis::cmd("DEL").arg(chunk)).await?;
                removed += n;
            }
            Ok(Reply::Count(removed))
        }
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
