//! RedisStore's binding (`createRedisStore`): a `#[napi]` class for the cold
//! methods, the request path's calls as raw callbacks on each instance, and
//! replies coming back through a `Completer`, one call per batch (as the file
//! store's writes do).

use super::completer::Completer;
use super::raw::{callback, Cx, Result, Scratch, Throw};
use super::{
    cold, number, owner_arg, patch_args, sid_arg, strings_arg, wtf8, JSON_NOT_STRING,
    OWNER_NOT_STRING, SID_NOT_STRING,
};
use crate::store::redis;
use crate::text;
use napi::bindgen_prelude::{
    Array, ClassInstance, Either, Either3, Env, FnArgs, FromNapiValue, JavaScriptClassExt,
    Uint16Array, Unknown,
};
use napi::{JsValue, ValueType};
use napi_derive::napi;
use std::sync::Arc;
use std::time::Duration;

/// Text from Redis for JS: a string when it is UTF-8, else its UTF-16 code units
/// (WTF-8 with lone surrogates: a session ID that had them), which JS joins.
type Text = Either<String, Uint16Array>;

/// A command's value for JS: `get`'s text (or null), the IDs or rows of `ids`,
/// `all` and `owned` (`[sid, json, ...]`), `deleteIf`'s count, or null.
type JsReply = Option<Either3<Text, Vec<Text>, f64>>;

/// A command's completion: (request id, reply or error).
type Completion = (f64, std::result::Result<JsReply, redis::Error>);

/// What `onDone` gets for a batch: `(ids, codes, messages, values)`.
type DoneArgs = FnArgs<(
    Vec<f64>,
    Vec<Option<String>>,
    Vec<Option<String>>,
    Vec<JsReply>,
)>;

struct Handle {
    store: redis::RedisStore,
    prefix: Vec<u8>,
    /// `'owners:' + prefix`: the prefix of the owners' indexes (see
    /// `redis::Owner`), outside the sessions' keys for any prefix but `''` and
    /// a few letters of `owners:` (the JS store hides them from `ids`).
    owners: Vec<u8>,
    /// The command timeout in ms: the grace of the index entries (see
    /// `redis::Owner`).
    grace_ms: u64,
    scan_count: usize,
    done: Arc<Completer<Completion, DoneArgs>>,
}

type HandleRef = Arc<Handle>;

/// `err.code` of a RedisStore error.
fn error_code(kind: &redis::ErrorKind) -> String {
    match kind {
        redis::ErrorKind::ConnectionRefused => "ECONNREFUSED".into(),
        redis::ErrorKind::ConnectionReset => "ECONNRESET".into(),
        redis::ErrorKind::Timeout => "ETIMEDOUT".into(),
        redis::ErrorKind::Closed => "ERR_STORE_CLOSED".into(),
        redis::ErrorKind::Server(code) => code.clone(),
        redis::ErrorKind::Tls { certificate: true } => "ERR_TLS_CERT_INVALID".into(),
        redis::ErrorKind::Tls { certificate: false } => "ERR_TLS_HANDSHAKE".into(),
        redis::ErrorKind::InvalidOptions => "ERR_INVALID_ARG_VALUE".into(),
        redis::ErrorKind::UnexpectedReply => "ERR_REDIS_REPLY".into(),
        redis::ErrorKind::Other => "ERR_REDIS".into(),
    }
}

fn done_args(batch: Vec<Completion>) -> DoneArgs {
    let n = batch.len();
    let (mut ids, mut codes, mut messages, mut values) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for (id, result) in batch {
        ids.push(id);
        match result {
            Ok(value) => {
                codes.push(None);
                messages.push(None);
                values.push(value);
            }
            Err(e) => {
                codes.push(Some(error_code(&e.kind)));
                messages.push(Some(e.message));
                values.push(None);
            }
        }
    }
    FnArgs::from((ids, codes, messages, values))
}

/// Stored bytes as text for JS (see `Text`), or the bytes back when they are
/// not WTF-8.
fn js_text(bytes: Vec<u8>) -> std::result::Result<Text, Vec<u8>> {
    match String::from_utf8(bytes) {
        Ok(s) => Ok(Either::A(s)),
        Err(e) => match text::utf16(e.as_bytes()) {
            Ok(units) => Ok(Either::B(Uint16Array::new(units))),
            Err(_) => Err(e.into_bytes()),
        },
    }
}

/// Stored bytes (a key or a session) as text for JS: as `js_text`, and bytes
/// that are not WTF-8 (written by another client) decoded with U+FFFD for what
/// is not text, as connect-redis's client decodes them, rather than failing the
/// call (or a whole list).
fn js_lossy(bytes: Vec<u8>) -> Text {
    js_text(bytes).unwrap_or_else(|b| Either::A(String::from_utf8_lossy(&b).into_owned()))
}

/// The reply of a command for JS, keys without the store's prefix.
fn js_reply(prefix_len: usize, reply: redis::Reply) -> JsReply {
    let strip = |mut key: Vec<u8>| {
        key.drain(..prefix_len.min(key.len()));
        js_lossy(key)
    };
    match reply {
        redis::Reply::Value(None) | redis::Reply::Count(_) => None,
        redis::Reply::Number(n) => Some(Either3::C(n as f64)),
        redis::Reply::Value(Some(v)) => Some(Either3::A(js_lossy(v))),
        redis::Reply::Keys(keys) => Some(Either3::B(keys.into_iter().map(strip).collect())),
        redis::Reply::Rows(rows) => {
            let mut flat = Vec::with_capacity(rows.len() * 2);
            for (key, value) in rows {
                flat.push(strip(key));
                flat.push(js_lossy(value));
            }
            Some(Either3::B(flat))
        }
    }
}

/// Stages `command` for request `id`: `flush()` sends it.
fn queue(h: &Handle, id: Option<f64>, command: redis::Command) -> Result<()> {
    let id = id.ok_or(Throw::type_error(c"request id must be a number"))?;
    let done = h.done.clone();
    let prefix_len = h.prefix.len();
    let staged = h.store.stage(
        command,
        Box::new(move |r| done.push((id, r.map(|reply| js_reply(prefix_len, reply))))),
    );
    if !staged {
        h.done.deliver();
    }
    Ok(())
}

/// `prefix + sid`, the key of session `sid`.
fn key(h: &Handle, sid: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(h.prefix.len() + sid.len());
    key.extend_from_slice(&h.prefix);
    key.extend_from_slice(sid);
    key
}

/// The key of the session id argument `i`.
fn key_arg(cx: &Cx, h: &Handle, i: usize) -> Result<Vec<u8>> {
    let mut scratch = Scratch::<256>::default();
    sid_arg(cx, i, &mut scratch).map(|sid| key(h, sid))
}

/// The key of the index of `owner`.
fn owner_index(h: &Handle, owner: &[u8]) -> Vec<u8> {
    [h.owners.as_slice(), owner].concat()
}

/// `command`, indexed under the owner argument `i` when there is one (a
/// string; undefined or null: none), with the session's lifetime `ttl` in
/// seconds (none: no expiry).
fn with_owner(
    cx: &Cx,
    h: &Handle,
    i: usize,
    ttl: Option<i64>,
    command: redis::Command,
) -> Result<redis::Command> {
    let mut scratch = Scratch::<64>::default();
    let Some(Some(owner)) = owner_arg(cx, i, &mut scratch)? else {
        return Ok(command);
    };
    let index = owner_index(h, owner);
    let member = match &command {
        redis::Command::Set { key, .. }
        | redis::Command::Expire { key, .. }
        | redis::Command::Merge { key, .. } => key[h.prefix.len()..].to_vec(),
        _ => Vec::new(),
    };
    Ok(redis::Command::Indexed {
        owner: redis::Owner {
            index,
            member,
            ttl,
            grace_ms: h.grace_ms,
        },
        command: Box::new(command),
    })
}

/// A TTL argument in seconds: an integer (negative for `SET`: no expiry; for
/// `EXPIRE`: removed, as Redis does).
fn ttl_arg(cx: &Cx, i: usize) -> Result<i64> {
    let n = cx
        .number(cx.arg(i))
        .ok_or(Throw::type_error(c"ttl must be a number"))?;
    if !(n.is_finite() && n.fract() == 0.0 && n.abs() <= 9.0e15) {
        return Err(Throw::range_error(
            c"ttl must be an integer number of seconds (negative: no expiry)",
        ));
    }
    Ok(n as i64)
}

callback! {
    /// `get(id, sid)`: queued; the session's JSON, or null, through `onDone`.
    const GET: HandleRef = |cx, h| {
        let key = key_arg(cx, h, 1)?;
        queue(h, cx.number(cx.arg(0)), redis::Command::Get { key })?;
        cx.undefined()
    }
}

callback! {
    /// `set(id, sid, json, ttl, owner?)`: queued; `SET key json EX ttl` (no
    /// `EX` when ttl is negative), after the session's entry in the index of
    /// `owner` when it is a string.
    const SET: HandleRef = |cx, h| {
        let key = key_arg(cx, h, 1)?;
        let mut json_scratch = Scratch::<1024>::default();
        let value = cx.wtf8(cx.arg(2), &mut json_scratch).ok_or(JSON_NOT_STRING)?.to_vec();
        let ttl = u64::try_from(ttl_arg(cx, 3)?).ok();
        let life = ttl.map(|t| t as i64);
        let command = with_owner(cx, h, 4, life, redis::Command::Set { key, value, ttl })?;
        queue(h, cx.number(cx.arg(0)), command)?;
        cx.undefined()
    }
}

callback! {
    /// `merge(id, sid, fullJson, sets, deletes, ttl, owner?)`: queued; writes
    /// the patch's members into the stored session (the full session when
    /// there is none), atomically on the server (see the engine's
    /// `Command::Merge`), after the entry in the index of `owner`.
    const MERGE: HandleRef = |cx, h| {
        let key = key_arg(cx, h, 1)?;
        let mut json_scratch = Scratch::<1024>::default();
        let full = cx.wtf8(cx.arg(2), &mut json_scratch).ok_or(JSON_NOT_STRING)?.to_vec();
        let patch = patch_args(cx, 3)?;
        let ttl = u64::try_from(ttl_arg(cx, 5)?).ok();
        let life = ttl.map(|t| t as i64);
        let command = with_owner(cx, h, 6, life, redis::Command::Merge { key, full, patch, ttl })?;
        queue(h, cx.number(cx.arg(0)), command)?;
        cx.undefined()
    }
}

callback! {
    /// `expire(id, sid, ttl, owner?)`: queued; `EXPIRE key ttl`, after the
    /// entry in the index of `owner`.
    const EXPIRE: HandleRef = |cx, h| {
        let key = key_arg(cx, h, 1)?;
        let ttl = ttl_arg(cx, 2)?;
        let command = with_owner(cx, h, 3, Some(ttl), redis::Command::Expire { key, ttl })?;
        queue(h, cx.number(cx.arg(0)), command)?;
        cx.undefined()
    }
}

callback! {
    /// `destroy(id, sidOrSids)`: queued; `DEL` of their keys.
    const DESTROY: HandleRef = |cx, h| {
        let keys = if cx.array(cx.arg(1)).is_some() {
            strings_arg(cx, 1, Throw::type_error(c"session ids must be strings"))?
                .iter()
                .map(|sid| key(h, sid))
                .collect()
        } else {
            vec![key_arg(cx, h, 1)?]
        };
        queue(h, cx.number(cx.arg(0)), redis::Command::Del { keys })?;
        cx.undefined()
    }
}

callback! {
    /// `flush()`: sends the staged commands, together.
    const FLUSH: HandleRef = |cx, h| {
        if !h.store.flush() {
            h.done.deliver();
        }
        cx.undefined()
    }
}

callback! {
    /// `ref()`: keep the event loop alive while commands are pending.
    const REF: HandleRef = |cx, h| {
        h.done.keep_alive(cx, true)?;
        cx.undefined()
    }
}

callback! {
    /// `unref()`: let the event loop end although the store exists.
    const UNREF: HandleRef = |cx, h| {
        h.done.keep_alive(cx, false)?;
        cx.undefined()
    }
}

/// Sessions on a Redis server, in connect-redis's layout. Every call is queued
/// with a caller-chosen request `id`, sent by `flush()`, and completes through
/// the `onDone` given to `createRedisStore`, one call per batch. (`get`, `set`,
/// `merge`, `expire`, `destroy`, `flush`, `ref` and `unref` are own properties of each
/// instance: see native/index.d.ts.)
#[napi]
pub struct NativeRedisStore {
    handle: HandleRef,
}

/// `RedisStore#stats()`.
#[napi(object)]
pub struct RedisStoreStats {
    /// Commands sent since the store was made.
    pub commands: f64,
}

#[napi]
impl NativeRedisStore {
    /// The IDs of every stored session (queued; `SCAN`, never `KEYS`).
    #[napi(catch_unwind, ts_args_type = "id: number")]
    pub fn ids(&self, env: &Env, id: Unknown) -> napi::Result<()> {
        let h = &self.handle;
        let command = redis::Command::Keys {
            pattern: redis::pattern(&h.prefix),
            count: h.scan_count,
        };
        cold(env, || queue(h, number(&id), command))
    }

    /// Every stored session as `[sid, json, ...]` (queued; `SCAN`, then `MGET`).
    #[napi(catch_unwind, ts_args_type = "id: number")]
    pub fn all(&self, env: &Env, id: Unknown) -> napi::Result<()> {
        let h = &self.handle;
        let command = redis::Command::Rows {
            pattern: redis::pattern(&h.prefix),
            count: h.scan_count,
        };
        cold(env, || queue(h, number(&id), command))
    }

    /// Removes every stored session (queued; `SCAN`, then `DEL`).
    #[napi(catch_unwind, ts_args_type = "id: number")]
    pub fn clear(&self, env: &Env, id: Unknown) -> napi::Result<()> {
        let h = &self.handle;
        let command = redis::Command::Clear {
            pattern: redis::pattern(&h.prefix),
            count: h.scan_count,
        };
        cold(env, || queue(h, number(&id), command))
    }

    /// Removes every owner's index (queued; `SCAN`, then `DEL`).
    #[napi(catch_unwind, ts_args_type = "id: number")]
    pub fn clear_owners(&self, env: &Env, id: Unknown) -> napi::Result<()> {
        let h = &self.handle;
        let command = redis::Command::Clear {
            pattern: redis::pattern(&h.owners),
            count: h.scan_count,
        };
        cold(env, || queue(h, number(&id), command))
    }

    /// The sessions in the index of `owner` as `[sid, json, ...]` (queued; see
    /// the engine's `Command::Owned`): a superset of the owner's live sessions,
    /// which the caller checks.
    #[napi(catch_unwind, ts_args_type = "id: number, owner: string")]
    pub fn owned(&self, env: &Env, id: Unknown, owner: Unknown) -> napi::Result<()> {
        let h = &self.handle;
        cold(env, || {
            let owner = wtf8(&owner).ok_or(OWNER_NOT_STRING)?;
            let command = redis::Command::Owned {
                index: owner_index(h, &owner),
                prefix: h.prefix.clone(),
                count: h.scan_count,
            };
            queue(h, number(&id), command)
        })
    }

    /// Removes session `sid` if it is still stored as `json` (queued; the
    /// value is 1 if it was removed, else 0).
    #[napi(catch_unwind, ts_args_type = "id: number, sid: string, json: string")]
    pub fn delete_if(
        &self,
        env: &Env,
        id: Unknown,
        sid: Unknown,
        json: Unknown,
    ) -> napi::Result<()> {
        let h = &self.handle;
        cold(env, || {
            let sid = wtf8(&sid).ok_or(SID_NOT_STRING)?;
            let value = wtf8(&json).ok_or(JSON_NOT_STRING)?;
            queue(
                h,
                number(&id),
                redis::Command::DelIf {
                    key: key(h, &sid),
                    value,
                },
            )
        })
    }

    #[napi(catch_unwind)]
    pub fn stats(&self) -> RedisStoreStats {
        RedisStoreStats {
            commands: self.handle.store.commands() as f64,
        }
    }

    /// Sends what is staged, then stops taking commands and waits for the ones
    /// in flight (each ends within the command timeout).
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.handle.store.close()
    }
}

const URL_NOT_STRING: Throw =
    Throw::type_error(c"url must be a string, or an array of node URL strings (a cluster)");

/// A server's URL, or the URLs of a cluster's nodes (an array: at least one).
fn target(url: &Unknown) -> Result<redis::Target> {
    let string = |v: Unknown| -> Result<String> {
        if v.get_type().ok() != Some(ValueType::String) {
            return Err(URL_NOT_STRING);
        }
        String::from_unknown(v).map_err(|_| URL_NOT_STRING)
    };
    if !url.is_array().unwrap_or(false) {
        return Ok(redis::Target::Server(string(*url)?));
    }
    let list = Array::from_unknown(*url).map_err(|_| URL_NOT_STRING)?;
    let mut nodes = Vec::new();
    for i in 0..list.len() {
        nodes.push(string(
            list.get::<Unknown>(i)
                .ok()
                .flatten()
                .ok_or(URL_NOT_STRING)?,
        )?);
    }
    if nodes.is_empty() {
        return Err(URL_NOT_STRING);
    }
    Ok(redis::Target::Cluster(nodes))
}

const TLS_NOT_TEXTS: Throw = Throw::type_error(
    c"tls must be null or [ca, cert, key], each a PEM string or null (cert and key together)",
);

/// The `tls` argument: null, or `[ca, cert, key]`, each PEM text or null.
fn tls_arg(tls: &Unknown) -> Result<Option<redis::Tls>> {
    if matches!(tls.get_type(), Ok(ValueType::Null | ValueType::Undefined)) {
        return Ok(None);
    }
    if !tls.is_array().unwrap_or(false) {
        return Err(TLS_NOT_TEXTS);
    }
    let list = Array::from_unknown(*tls).map_err(|_| TLS_NOT_TEXTS)?;
    if list.len() != 3 {
        return Err(TLS_NOT_TEXTS);
    }
    let mut texts = Vec::with_capacity(3);
    for i in 0..3 {
        let item = list.get::<Unknown>(i).ok().flatten().ok_or(TLS_NOT_TEXTS)?;
        texts.push(match item.get_type() {
            Ok(ValueType::Null | ValueType::Undefined) => None,
            Ok(ValueType::String) => Some(
                String::from_unknown(item)
                    .map_err(|_| TLS_NOT_TEXTS)?
                    .into_bytes(),
            ),
            _ => return Err(TLS_NOT_TEXTS),
        });
    }
    let (key, cert, ca) = (
        texts.pop().flatten(),
        texts.pop().flatten(),
        texts.pop().flatten(),
    );
    let client = match (cert, key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        _ => return Err(TLS_NOT_TEXTS),
    };
    Ok(Some(redis::Tls { ca, client }))
}

/// A duration option in ms: an integer from 1 to 2^31-1 (checked in JS first).
fn millis(v: &Unknown, what: &'static std::ffi::CStr) -> Result<Duration> {
    let ms = number(v).ok_or(Throw::type_error(what))?;
    if !(1.0..=f64::from(i32::MAX)).contains(&ms) {
        return Err(Throw::range_error(what));
    }
    Ok(Duration::from_millis(ms as u64))
}

/// `createRedisStore(url, prefix, scanCount, connectTimeoutMs, commandTimeoutMs,
/// minDelayMs, maxDelayMs, tls, onDone)`: a store on the server at `url`, or on
/// the Redis Cluster whose nodes' URLs `url` lists (it connects on first use);
/// `tls`, for `rediss://` URLs: null (the system's roots) or `[ca, cert, key]`,
/// PEM texts or null.
/// `onDone(ids, codes, messages, values)` is called once per
/// batch of completed commands: each one's request id, its error's `err.code`
/// and message or null, and its value (text or null; an array of texts for
/// `ids` and `all`). A text is a string, or a Uint16Array of UTF-16 code units
/// when it has lone surrogates.
#[napi(
    catch_unwind,
    ts_args_type = "url: string | string[], prefix: string, scanCount: number, connectTimeoutMs: number, commandTimeoutMs: number, minDelayMs: number, maxDelayMs: number, tls: [string | null, string | null, string | null] | null, onDone: (ids: number[], codes: Array<string | null>, messages: Array<string | null>, values: Array<string | Uint16Array | Array<string | Uint16Array> | null>) => void"
)]
#[allow(clippy::too_many_arguments)]
pub fn create_redis_store<'e>(
    env: &'e Env,
    url: Unknown<'e>,
    prefix: Unknown<'e>,
    scan_count: Unknown<'e>,
    connect_timeout_ms: Unknown<'e>,
    command_timeout_ms: Unknown<'e>,
    min_delay_ms: Unknown<'e>,
    max_delay_ms: Unknown<'e>,
    tls: Unknown<'e>,
    on_done: Unknown<'e>,
) -> napi::Result<ClassInstance<'e, NativeRedisStore>> {
    let handle = cold(env, || {
        let target = target(&url)?;
        let prefix = wtf8(&prefix).ok_or(Throw::type_error(c"prefix must be a string"))?;
        let scan_count = number(&scan_count)
            .filter(|n| (1.0..=1.0e9).contains(n) && n.fract() == 0.0)
            .ok_or(Throw::range_error(
                c"scanCount must be an integer from 1 to 10^9",
            ))? as usize;
        let mut options = redis::Options::with_target(target);
        options.connect_timeout = millis(
            &connect_timeout_ms,
            c"connect timeout must be 1 to 2147483647 ms",
        )?;
        options.command_timeout = millis(
            &command_timeout_ms,
            c"command timeout must be 1 to 2147483647 ms",
        )?;
        options.min_delay = millis(&min_delay_ms, c"reconnect delay must be 1 to 2147483647 ms")?;
        options.max_delay = millis(&max_delay_ms, c"reconnect delay must be 1 to 2147483647 ms")?;
        options.tls = tls_arg(&tls)?;
        let done = Completer::new(on_done, done_args)?;
        let after_batch: redis::AfterBatch = {
            let done = done.clone();
            Arc::new(move || done.deliver())
        };
        let grace_ms = options.command_timeout.as_millis() as u64;
        let store = redis::RedisStore::open(options, after_batch)
            .map_err(|e| Throw::error_with_code(&e.message, &error_code(&e.kind)))?;
        let owners = [b"owners:".as_slice(), &prefix].concat();
        Ok(Arc::new(Handle {
            store,
            owners,
            grace_ms,
            prefix,
            scan_count,
            done,
        }))
    })?;
    let instance = NativeRedisStore {
        handle: handle.clone(),
    }
    .into_instance(env)?;
    cold(env, || {
        let cx = Cx::of_napi(env);
        let obj = cx.value_of(&instance);
        let methods = [
            (c"get", GET),
            (c"set", SET),
            (c"merge", MERGE),
            (c"expire", EXPIRE),
            (c"destroy", DESTROY),
            (c"flush", FLUSH),
            (c"ref", REF),
            (c"unref", UNREF),
        ];
        for (name, method) in methods {
            cx.attach(obj, name, method, handle.clone())?;
        }
        Ok(())
    })?;
    Ok(instance)
}
