//! The Node-API binding: converts and validates JS arguments, calls the plain Rust
//! core (`signer`, `sid`, `store`), and returns JS values. No logic, no `unsafe`
//! (that lives in `raw`).
//!
//! Every argument is validated here, so that no input reaches a panic in the core:
//! strings are read whole (`Cx::utf8` for what is hashed, `Cx::wtf8` for keys and
//! stored text, lossless), numbers are checked for type and range.

#[cfg(feature = "napi-compare")]
mod compare;
mod raw;

use crate::store::sqlite;
use crate::{sid, signer, store};
use raw::{callback, Cx, Result, Scratch, Throw, Tsfn, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Defines the module's exports (called once per module instance).
fn register<'a>(cx: &Cx<'a>, exports: Value<'a>) -> Result<()> {
    cx.set(
        exports,
        c"generateId",
        cx.function(c"generateId", GENERATE_ID, ())?,
    )?;
    cx.set(
        exports,
        c"createSigner",
        cx.function(c"createSigner", CREATE_SIGNER, ())?,
    )?;
    cx.set(
        exports,
        c"createStore",
        cx.function(c"createStore", CREATE_STORE, ())?,
    )?;
    cx.set(
        exports,
        c"createSqliteStore",
        cx.function(c"createSqliteStore", CREATE_SQLITE_STORE, ())?,
    )?;
    Ok(())
}

// ---- signing and IDs -----------------------------------------------------------

const VALUE_NOT_STRING: Throw = Throw::type_error(c"Cookie value must be provided as a string.");
const SIGNED_NOT_STRING: Throw = Throw::type_error(c"Signed cookie string must be provided.");
const NO_SECRET: Throw = Throw::type_error(c"Secret key must be provided.");
const BAD_SECRETS: Throw = Throw::type_error(c"secrets must be an array of Buffers");

callback! {
    /// `generateId()`: a new 32-character session ID.
    const GENERATE_ID: () = |cx, _| {
        let mut id = [0u8; sid::ID_LEN];
        sid::generate_into(&mut id).map_err(|_| Throw::error(c"failed to read random bytes"))?;
        cx.latin1(&id)
    }
}

callback! {
    /// A signer's `sign(value)`: the 43-character signature of `value` (the caller
    /// joins `value + '.' + signature`, keeping the JS string exactly as given).
    const SIGN: signer::Signer = |cx, signer| {
        let mut scratch = Scratch::<256>::default();
        let value = cx.utf8(cx.arg(0), &mut scratch).ok_or(VALUE_NOT_STRING)?;
        cx.latin1(&signer.signature(value))
    }
}

callback! {
    /// A signer's `verify(input)`: true when `input` is `value + '.' + signature`
    /// under any of the signer's secrets.
    const VERIFY: signer::Signer = |cx, signer| {
        let mut scratch = Scratch::<256>::default();
        let input = cx.utf8(cx.arg(0), &mut scratch).ok_or(SIGNED_NOT_STRING)?;
        cx.boolean(signer.unsign_len(input).is_some())
    }
}

callback! {
    /// `createSigner(secrets: Buffer[])`: `{ sign(value), verify(input) }` with the
    /// keys prepared once.
    const CREATE_SIGNER: () = |cx, _| {
        if cx.argc() < 1 {
            return Err(NO_SECRET);
        }
        let secrets = cx
            .array(cx.arg(0))
            .ok_or(BAD_SECRETS)?
            .map(|el| el.and_then(|el| cx.buffer(el)))
            .collect::<Option<Vec<&[u8]>>>()
            .ok_or(BAD_SECRETS)?;
        let signer = signer::Signer::new(secrets).map_err(|_| NO_SECRET)?;
        let obj = cx.object()?;
        cx.set(obj, c"sign", cx.function(c"sign", SIGN, signer.clone())?)?;
        cx.set(obj, c"verify", cx.function(c"verify", VERIFY, signer)?)?;
        Ok(obj)
    }
}

// ---- the native session store --------------------------------------------------

type StoreRef = Arc<store::Store>;

const SID_NOT_STRING: Throw = Throw::type_error(c"session id must be a string");
const JSON_NOT_STRING: Throw = Throw::type_error(c"session JSON must be a string");
const NAME_NOT_STRING: Throw = Throw::type_error(c"store name must be a string");
const NOW_NOT_NUMBER: Throw = Throw::type_error(c"now must be a number");
const NOW_NOT_FINITE: Throw = Throw::range_error(c"now must be a finite number");
const EXPIRES_NOT_NUMBER: Throw = Throw::type_error(c"expires must be a number");
const BUDGET_NOT_NUMBER: Throw = Throw::type_error(c"budget must be a number");
const BUDGET_OUT_OF_RANGE: Throw =
    Throw::range_error(c"budget must be a finite number of milliseconds >= 0");
const LIMIT_NOT_NUMBER: Throw = Throw::type_error(c"limits must be numbers");
const LIMIT_OUT_OF_RANGE: Throw = Throw::range_error(c"limits must be >= 0 (0: unlimited)");

/// The longest sweep step a caller may ask for.
const MAX_BUDGET: Duration = Duration::from_secs(60);

/// A session id argument (WTF-8: distinct JS strings stay distinct keys).
fn sid_arg<'s, const N: usize>(cx: &Cx, i: usize, s: &'s mut Scratch<N>) -> Result<&'s [u8]> {
    cx.wtf8(cx.arg(i), s).ok_or(SID_NOT_STRING)
}

/// A `now` argument: a finite number of ms since the epoch.
fn now_arg(cx: &Cx, i: usize) -> Result<f64> {
    let now = cx.number(cx.arg(i)).ok_or(NOW_NOT_NUMBER)?;
    now.is_finite().then_some(now).ok_or(NOW_NOT_FINITE)
}

/// An `expires` argument: a number; NaN and ±Infinity mean never (as a non-finite
/// `expires` becomes `null` in the stored JSON, which never expires).
fn expires_arg(cx: &Cx, i: usize) -> Result<f64> {
    cx.number(cx.arg(i)).ok_or(EXPIRES_NOT_NUMBER)
}

/// A sweep budget in ms: finite and >= 0; at most `MAX_BUDGET` is used.
fn budget_arg(cx: &Cx, i: usize) -> Result<Duration> {
    let ms = cx.number(cx.arg(i)).ok_or(BUDGET_NOT_NUMBER)?;
    if !(ms.is_finite() && ms >= 0.0) {
        return Err(BUDGET_OUT_OF_RANGE);
    }
    Ok(Duration::try_from_secs_f64(ms / 1000.0)
        .unwrap_or(MAX_BUDGET)
        .min(MAX_BUDGET))
}

/// A limit: a number >= 0; 0 and Infinity mean unlimited, fractions are floored.
fn limit_arg(cx: &Cx, i: usize) -> Result<usize> {
    let n = cx.number(cx.arg(i)).ok_or(LIMIT_NOT_NUMBER)?;
    if n.is_nan() || n < 0.0 {
        return Err(LIMIT_OUT_OF_RANGE);
    }
    // (`as` saturates: Infinity and huge values become usize::MAX, no limit)
    Ok(if n == f64::INFINITY { 0 } else { n as usize })
}

/// `{ name: value, ... }` of counters.
fn counts<'a>(cx: &Cx<'a>, fields: &[(&std::ffi::CStr, u64)]) -> Result<Value<'a>> {
    let obj = cx.object()?;
    for &(name, value) in fields {
        cx.set(obj, name, cx.double(value as f64)?)?;
    }
    Ok(obj)
}

/// `[sid, json, sid, json, ...]` of stored rows.
fn flat_rows<'a>(cx: &Cx<'a>, rows: &[(Vec<u8>, Vec<u8>)]) -> Result<Value<'a>> {
    let flat: Vec<&[u8]> = rows
        .iter()
        .flat_map(|(k, v)| [k.as_slice(), v.as_slice()])
        .collect();
    cx.strings(flat.into_iter())
}

callback! {
    /// `get(sid, now)`: the stored JSON of a live session, or undefined.
    const STORE_GET: StoreRef = |cx, store| {
        let mut scratch = Scratch::<256>::default();
        let sid = sid_arg(cx, 0, &mut scratch)?;
        let now = now_arg(cx, 1)?;
        store
            .get_with(sid, now, |json| cx.string(json))
            .unwrap_or_else(|| cx.undefined())
    }
}

callback! {
    /// `peek(sid)`: the stored JSON, expired or not, or undefined (a raw read).
    const STORE_PEEK: StoreRef = |cx, store| {
        let mut scratch = Scratch::<256>::default();
        let sid = sid_arg(cx, 0, &mut scratch)?;
        store
            .peek_with(sid, |json| cx.string(json))
            .unwrap_or_else(|| cx.undefined())
    }
}

callback! {
    /// `keys()`: every stored sid, expired or not, in insertion order.
    const STORE_KEYS: StoreRef = |cx, store| {
        let keys = store.keys();
        cx.strings(keys.iter().map(Vec::as_slice))
    }
}

callback! {
    /// `set(sid, json, expires, now)`.
    const STORE_SET: StoreRef = |cx, store| {
        let mut scratch = Scratch::<256>::default();
        let sid = sid_arg(cx, 0, &mut scratch)?;
        let mut json_scratch = Scratch::<1024>::default();
        let json = cx.wtf8(cx.arg(1), &mut json_scratch).ok_or(JSON_NOT_STRING)?;
        store.set(sid, json, expires_arg(cx, 2)?, now_arg(cx, 3)?);
        cx.undefined()
    }
}

callback! {
    /// `merge(sid, fullJson, sets, deletes, expires, now)`: writes only the
    /// members of `sets` (`[key, valueJson, ...]`) and `deletes` (`[key, ...]`)
    /// into the live session, or stores `fullJson` when there is none.
    const STORE_MERGE: StoreRef = |cx, store| {
        let mut scratch = Scratch::<256>::default();
        let sid = sid_arg(cx, 0, &mut scratch)?;
        let mut json_scratch = Scratch::<1024>::default();
        let full = cx.wtf8(cx.arg(1), &mut json_scratch).ok_or(JSON_NOT_STRING)?;
        let patch = patch_args(cx, 2)?;
        store.merge(sid, full, &patch, expires_arg(cx, 4)?, now_arg(cx, 5)?);
        cx.undefined()
    }
}

const PATCH_NOT_STRINGS: Throw =
    Throw::type_error(c"merge members must be arrays of strings ([key, json, ...] and [key, ...])");
const PATCH_BAD_KEY: Throw = Throw::type_error(
    c"merge keys must be JSON string text (a key as JSON.stringify writes it between the quotes)",
);

/// The `sets` (`[key, valueJson, ...]`) and `deletes` (`[key, ...]`) arguments
/// at `i` and `i + 1` as a patch.
fn patch_args(cx: &Cx, i: usize) -> Result<store::json::Patch> {
    let strings = |v: Value| -> Result<Vec<Vec<u8>>> {
        cx.array(v)
            .ok_or(PATCH_NOT_STRINGS)?
            .map(|item| {
                let mut scratch = Scratch::<256>::default();
                cx.wtf8(item.ok_or(PATCH_NOT_STRINGS)?, &mut scratch)
                    .map(<[u8]>::to_vec)
                    .ok_or(PATCH_NOT_STRINGS)
            })
            .collect()
    };
    let flat = strings(cx.arg(i))?;
    if flat.len() % 2 != 0 {
        return Err(PATCH_NOT_STRINGS);
    }
    let mut sets = Vec::with_capacity(flat.len() / 2);
    let mut items = flat.into_iter();
    while let (Some(key), Some(value)) = (items.next(), items.next()) {
        sets.push((key, value));
    }
    let patch = store::json::Patch {
        sets,
        deletes: strings(cx.arg(i + 1))?,
    };
    let mut keys = patch.sets.iter().map(|(k, _)| k).chain(&patch.deletes);
    if !keys.all(|k| store::json::is_key_text(k)) {
        return Err(PATCH_BAD_KEY);
    }
    Ok(patch)
}

callback! {
    /// `destroy(sid)`: true when a session was removed.
    const STORE_DESTROY: StoreRef = |cx, store| {
        let mut scratch = Scratch::<256>::default();
        let sid = sid_arg(cx, 0, &mut scratch)?;
        cx.boolean(store.destroy(sid))
    }
}

callback! {
    /// `touch(sid, cookieJson | undefined, expires, now)`: true when the session is
    /// live.
    const STORE_TOUCH: StoreRef = |cx, store| {
        let mut scratch = Scratch::<256>::default();
        let sid = sid_arg(cx, 0, &mut scratch)?;
        let mut cookie_scratch = Scratch::<512>::default();
        let cookie = if cx.is_nullish(cx.arg(1)) {
            None
        } else {
            Some(cx.wtf8(cx.arg(1), &mut cookie_scratch).ok_or(JSON_NOT_STRING)?)
        };
        cx.boolean(store.touch(sid, cookie, expires_arg(cx, 2)?, now_arg(cx, 3)?))
    }
}

callback! {
    /// `all(now)`: live sessions as a flat `[sid, json, sid, json, ...]` in
    /// insertion order.
    const STORE_ALL: StoreRef = |cx, store| {
        flat_rows(cx, &store.all(now_arg(cx, 0)?))
    }
}

callback! {
    /// `ids(now)`: live session ids in insertion order.
    const STORE_IDS: StoreRef = |cx, store| {
        let ids = store.ids(now_arg(cx, 0)?);
        cx.strings(ids.iter().map(Vec::as_slice))
    }
}

callback! {
    /// `length(now)`: the number of live sessions.
    const STORE_LENGTH: StoreRef = |cx, store| {
        cx.double(store.len(now_arg(cx, 0)?) as f64)
    }
}

callback! {
    /// `clear()`.
    const STORE_CLEAR: StoreRef = |cx, store| {
        store.clear();
        cx.undefined()
    }
}

callback! {
    /// `removeExpired(now)`: removes every expired session now; returns how many.
    const STORE_REMOVE_EXPIRED: StoreRef = |cx, store| {
        cx.double(store.remove_expired(now_arg(cx, 0)?) as f64)
    }
}

callback! {
    /// `sweep(now, budgetMs)`: one incremental sweep step;
    /// `{ removed, shards, passComplete }`.
    const STORE_SWEEP: StoreRef = |cx, store| {
        let r = store.sweep(now_arg(cx, 0)?, budget_arg(cx, 1)?);
        let obj = cx.object()?;
        cx.set(obj, c"removed", cx.double(r.removed as f64)?)?;
        cx.set(obj, c"shards", cx.double(r.shards as f64)?)?;
        cx.set(obj, c"passComplete", cx.boolean(r.pass_complete)?)?;
        Ok(obj)
    }
}

callback! {
    /// `stats()`: `{ count, bytes, hits, misses, expired, evicted }`.
    const STORE_STATS: StoreRef = |cx, store| {
        let s = store.stats();
        counts(
            cx,
            &[
                (c"count", s.count),
                (c"bytes", s.bytes),
                (c"hits", s.hits),
                (c"misses", s.misses),
                (c"expired", s.expired),
                (c"evicted", s.evicted),
            ],
        )
    }
}

callback! {
    /// `createStore(maxEntries, maxBytes, name?)`: an object of store methods.
    /// Limits of 0 (or Infinity) mean unlimited. With a `name`, every store of that
    /// name in the process (any thread) shares the same sessions.
    const CREATE_STORE: () = |cx, _| {
        let limits = store::Limits {
            max_entries: limit_arg(cx, 0)?,
            max_bytes: limit_arg(cx, 1)?,
        };
        let inner: StoreRef = if cx.is_nullish(cx.arg(2)) {
            Arc::new(store::Store::new(limits))
        } else {
            let mut scratch = Scratch::<256>::default();
            let name = cx.wtf8(cx.arg(2), &mut scratch).ok_or(NAME_NOT_STRING)?;
            store::Store::named(name, limits)
        };
        let methods = [
            (c"get", STORE_GET),
            (c"peek", STORE_PEEK),
            (c"keys", STORE_KEYS),
            (c"set", STORE_SET),
            (c"merge", STORE_MERGE),
            (c"destroy", STORE_DESTROY),
            (c"touch", STORE_TOUCH),
            (c"all", STORE_ALL),
            (c"ids", STORE_IDS),
            (c"length", STORE_LENGTH),
            (c"clear", STORE_CLEAR),
            (c"removeExpired", STORE_REMOVE_EXPIRED),
            (c"sweep", STORE_SWEEP),
            (c"stats", STORE_STATS),
        ];
        let obj = cx.object()?;
        for (name, method) in methods {
            cx.set(obj, name, cx.function(name, method, inner.clone())?)?;
        }
        Ok(obj)
    }
}

// ---- the durable file store ----------------------------------------------------

/// A write's completion, for the main thread: (request id, rows changed or error).
type Completion = (f64, std::result::Result<u64, sqlite::Error>);

/// Completions waiting to travel to the main thread together.
type Finished = Arc<Mutex<Vec<Completion>>>;

/// A file store and the JS function its writes complete through.
struct SqliteHandle {
    store: sqlite::SqliteStore,
    done: Arc<Tsfn<Vec<Completion>>>,
    finished: Finished,
}

/// Sends what `finished` holds to the main thread, in one call.
fn deliver(finished: &Finished, done: &Tsfn<Vec<Completion>>) {
    let batch = std::mem::take(&mut *finished.lock().unwrap_or_else(|e| e.into_inner()));
    if !batch.is_empty() {
        done.call(batch);
    }
}

type SqliteRef = Arc<SqliteHandle>;

const PATH_NOT_STRING: Throw = Throw::type_error(c"path must be a non-empty string");
const ID_NOT_NUMBER: Throw = Throw::type_error(c"request id must be a number");
const ON_DONE_NOT_FUNCTION: Throw = Throw::type_error(c"onDone must be a function");
const SIDS_NOT_STRINGS: Throw = Throw::type_error(c"session ids must be strings");
const BUSY_TIMEOUT_NOT_NUMBER: Throw = Throw::type_error(c"busy timeout must be a number");
const BUSY_TIMEOUT_OUT_OF_RANGE: Throw =
    Throw::range_error(c"busy timeout must be a number of milliseconds from 0 to 2147483647");

/// A busy timeout in ms: from 0 to 2^31-1, fractions floored. (SQLite's
/// busy_timeout is a C int: rusqlite panics on a longer one; and Infinity must not
/// become 0, "fail at once", as a limit's Infinity does.)
fn busy_timeout_arg(cx: &Cx, i: usize) -> Result<Duration> {
    let ms = cx.number(cx.arg(i)).ok_or(BUSY_TIMEOUT_NOT_NUMBER)?;
    if !(0.0..=f64::from(i32::MAX)).contains(&ms) {
        return Err(BUSY_TIMEOUT_OUT_OF_RANGE);
    }
    Ok(Duration::from_millis(ms as u64))
}

/// `err.code` of a file store error.
fn error_code(kind: sqlite::ErrorKind) -> &'static std::ffi::CStr {
    match kind {
        sqlite::ErrorKind::NotADatabase => c"SQLITE_NOTADB",
        sqlite::ErrorKind::Corrupt => c"SQLITE_CORRUPT",
        sqlite::ErrorKind::CannotOpen => c"SQLITE_CANTOPEN",
        sqlite::ErrorKind::Full => c"SQLITE_FULL",
        sqlite::ErrorKind::Busy => c"SQLITE_BUSY",
        sqlite::ErrorKind::Io => c"SQLITE_IOERR",
        sqlite::ErrorKind::Closed => c"ERR_STORE_CLOSED",
        sqlite::ErrorKind::FileReplaced => c"ERR_STORE_FILE_REPLACED",
        sqlite::ErrorKind::Other => c"SQLITE_ERROR",
    }
}

fn thrown(e: sqlite::Error) -> Throw {
    Throw::error_with_code(&e.message, error_code(e.kind))
}

/// Runs on the main thread for each batch of completed writes:
/// `onDone([id, err | null, ...])`, one call for the batch.
fn complete<'a>(cx: &Cx<'a>, on_done: Value<'a>, batch: Vec<Completion>) -> Result<()> {
    let list = cx.array_of_length(batch.len() * 2)?;
    for (i, (id, result)) in batch.into_iter().enumerate() {
        let err = match result {
            Ok(_) => cx.null()?,
            Err(e) => cx.error(&e.message, error_code(e.kind))?,
        };
        cx.set_index(list, 2 * i, cx.double(id)?)?;
        cx.set_index(list, 2 * i + 1, err)?;
    }
    cx.call(on_done, &[list])
}

/// Stages `write` for request `id` (argument 0): `flush()` sends it.
fn queue(cx: &Cx, h: &SqliteHandle, write: sqlite::Write) -> Result<()> {
    let id = cx.number(cx.arg(0)).ok_or(ID_NOT_NUMBER)?;
    let finished = h.finished.clone();
    let queued = h.store.stage(
        write,
        Box::new(move |r| {
            finished
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((id, r));
        }),
    );
    if !queued {
        // (closed: the error completes asynchronously all the same)
        deliver(&h.finished, &h.done);
    }
    Ok(())
}

const DAMAGED_JSON: &str = "its json bytes are not valid UTF-8 (WTF-8) text";
const DAMAGED_SID: &str = "its sid bytes are not valid UTF-8 (WTF-8) text";

/// A stored row whose text cannot be read back as a JS string: `SQLITE_CORRUPT`.
fn damaged(sid: &[u8], why: &str) -> Throw {
    thrown(sqlite::damaged_row(sid, why))
}

/// A session id argument as owned WTF-8 bytes.
fn owned_sid(cx: &Cx, i: usize) -> Result<Vec<u8>> {
    let mut scratch = Scratch::<256>::default();
    sid_arg(cx, i, &mut scratch).map(<[u8]>::to_vec)
}

callback! {
    /// `get(sid, now)`: the JSON of a live session, or undefined (synchronous: a
    /// WAL reader never waits for the writer).
    const SQLITE_GET: SqliteRef = |cx, h| {
        let mut scratch = Scratch::<256>::default();
        let sid = sid_arg(cx, 0, &mut scratch)?;
        match h.store.get(sid, now_arg(cx, 1)?).map_err(thrown)? {
            Some(json) => cx.string_or(&json, || damaged(sid, DAMAGED_JSON)),
            None => cx.undefined(),
        }
    }
}

callback! {
    /// `set(id, sid, json, expires)`: queued; completes through `onDone`.
    const SQLITE_SET: SqliteRef = |cx, h| {
        let sid = owned_sid(cx, 1)?;
        let mut json_scratch = Scratch::<1024>::default();
        let json = cx.wtf8(cx.arg(2), &mut json_scratch).ok_or(JSON_NOT_STRING)?.to_vec();
        let expires = expires_arg(cx, 3)?;
        queue(cx, h, sqlite::Write::Set { sid, json, expires })?;
        cx.undefined()
    }
}

callback! {
    /// `merge(id, sid, fullJson, sets, deletes, expires, now)`: queued (see
    /// the in-memory store's merge).
    const SQLITE_MERGE: SqliteRef = |cx, h| {
        let sid = owned_sid(cx, 1)?;
        let mut json_scratch = Scratch::<1024>::default();
        let full = cx.wtf8(cx.arg(2), &mut json_scratch).ok_or(JSON_NOT_STRING)?.to_vec();
        let patch = patch_args(cx, 3)?;
        let expires = expires_arg(cx, 5)?;
        let now = now_arg(cx, 6)?;
        queue(cx, h, sqlite::Write::Merge { sid, full, patch, expires, now })?;
        cx.undefined()
    }
}

callback! {
    /// `touch(id, sid, cookieJson | null, expires, now)`: queued.
    const SQLITE_TOUCH: SqliteRef = |cx, h| {
        let sid = owned_sid(cx, 1)?;
        let mut cookie_scratch = Scratch::<512>::default();
        let cookie = if cx.is_nullish(cx.arg(2)) {
            None
        } else {
            Some(cx.wtf8(cx.arg(2), &mut cookie_scratch).ok_or(JSON_NOT_STRING)?.to_vec())
        };
        let expires = expires_arg(cx, 3)?;
        let now = now_arg(cx, 4)?;
        queue(cx, h, sqlite::Write::Touch { sid, cookie, expires, now })?;
        cx.undefined()
    }
}

callback! {
    /// `destroy(id, sidOrSids)`: queued.
    const SQLITE_DESTROY: SqliteRef = |cx, h| {
        let sids = match cx.array(cx.arg(1)) {
            Some(items) => items
                .map(|v| {
                    let mut scratch = Scratch::<256>::default();
                    let v = v.ok_or(SIDS_NOT_STRINGS)?;
                    cx.wtf8(v, &mut scratch).map(<[u8]>::to_vec).ok_or(SIDS_NOT_STRINGS)
                })
                .collect::<Result<Vec<_>>>()?,
            None => vec![owned_sid(cx, 1)?],
        };
        queue(cx, h, sqlite::Write::Destroy { sids })?;
        cx.undefined()
    }
}

callback! {
    /// `clear(id)`: queued.
    const SQLITE_CLEAR: SqliteRef = |cx, h| {
        queue(cx, h, sqlite::Write::Clear)?;
        cx.undefined()
    }
}

callback! {
    /// `sweep(id, now, limit)`: queued; removes at most `limit` expired sessions
    /// (a limit: 0 and Infinity mean unlimited, never `LIMIT 0`).
    const SQLITE_SWEEP: SqliteRef = |cx, h| {
        let now = now_arg(cx, 1)?;
        let limit = match limit_arg(cx, 2)? {
            0 => u32::MAX,
            n => u32::try_from(n).unwrap_or(u32::MAX),
        };
        queue(cx, h, sqlite::Write::Sweep { now, limit })?;
        cx.undefined()
    }
}

callback! {
    /// `all(now)`: live sessions as a flat `[sid, json, ...]`, in session ID order.
    const SQLITE_ALL: SqliteRef = |cx, h| {
        let rows = h.store.all(now_arg(cx, 0)?).map_err(thrown)?;
        let list = cx.array_of_length(rows.len() * 2)?;
        for (i, (sid, json)) in rows.iter().enumerate() {
            cx.set_index(list, 2 * i, cx.string_or(sid, || damaged(sid, DAMAGED_SID))?)?;
            cx.set_index(list, 2 * i + 1, cx.string_or(json, || damaged(sid, DAMAGED_JSON))?)?;
        }
        Ok(list)
    }
}

callback! {
    /// `ids(now)`: live session ids.
    const SQLITE_IDS: SqliteRef = |cx, h| {
        let ids = h.store.ids(now_arg(cx, 0)?).map_err(thrown)?;
        let list = cx.array_of_length(ids.len())?;
        for (i, sid) in ids.iter().enumerate() {
            cx.set_index(list, i, cx.string_or(sid, || damaged(sid, DAMAGED_SID))?)?;
        }
        Ok(list)
    }
}

callback! {
    /// `length(now)`: the number of live sessions.
    const SQLITE_LENGTH: SqliteRef = |cx, h| {
        cx.double(h.store.len(now_arg(cx, 0)?).map_err(thrown)? as f64)
    }
}

callback! {
    /// `stats()`: `{ count, bytes, hits, misses, expired }`.
    const SQLITE_STATS: SqliteRef = |cx, h| {
        let s = h.store.stats().map_err(thrown)?;
        counts(
            cx,
            &[
                (c"count", s.count),
                (c"bytes", s.bytes),
                (c"hits", s.hits),
                (c"misses", s.misses),
                (c"expired", s.expired),
            ],
        )
    }
}

callback! {
    /// `flush()`: sends the staged writes to the writer thread (one wake-up).
    const SQLITE_FLUSH: SqliteRef = |cx, h| {
        if !h.store.flush() {
            deliver(&h.finished, &h.done);
        }
        cx.undefined()
    }
}

callback! {
    /// `ref()` / `unref()`: keep the event loop alive while writes are pending.
    const SQLITE_REF: SqliteRef = |cx, h| {
        cx.ref_tsfn(&h.done)?;
        cx.undefined()
    }
}

callback! {
    const SQLITE_UNREF: SqliteRef = |cx, h| {
        cx.unref_tsfn(&h.done)?;
        cx.undefined()
    }
}

callback! {
    /// `close()`: finishes the queued writes and stops the writer (blocks until
    /// they are written).
    const SQLITE_CLOSE: SqliteRef = |cx, h| {
        h.store.close();
        cx.undefined()
    }
}

callback! {
    /// `createSqliteStore(path, fsync, busyTimeoutMs, maxPageCount, onDone)`: an
    /// object of store methods. Throws an Error with `err.code` when the file
    /// cannot be opened as a session database (it is then left as it was).
    const CREATE_SQLITE_STORE: () = |cx, _| {
        let mut scratch = Scratch::<256>::default();
        let path = cx.utf8(cx.arg(0), &mut scratch).ok_or(PATH_NOT_STRING)?;
        if path.is_empty() {
            return Err(PATH_NOT_STRING);
        }
        let mut options = sqlite::Options::new(String::from_utf8_lossy(path).into_owned());
        if cx.number(cx.arg(1)).is_some_and(|n| n != 0.0) {
            options.durability = sqlite::Durability::PowerLoss;
        }
        options.busy_timeout = busy_timeout_arg(cx, 2)?;
        let pages = limit_arg(cx, 3)?;
        options.max_page_count = (pages > 0).then_some(pages as u64);
        let on_done = cx.arg(4);
        if !cx.is_function(on_done) {
            return Err(ON_DONE_NOT_FUNCTION);
        }
        let done = Arc::new(cx.threadsafe_function(on_done, complete)?);
        let finished = Finished::default();
        let after_batch = {
            let (finished, done) = (finished.clone(), done.clone());
            Box::new(move || deliver(&finished, &done))
        };
        let store = sqlite::SqliteStore::open_with(options, after_batch).map_err(thrown)?;
        let handle: SqliteRef = Arc::new(SqliteHandle { store, done, finished });
        let methods = [
            (c"get", SQLITE_GET),
            (c"set", SQLITE_SET),
            (c"merge", SQLITE_MERGE),
            (c"touch", SQLITE_TOUCH),
            (c"destroy", SQLITE_DESTROY),
            (c"clear", SQLITE_CLEAR),
            (c"sweep", SQLITE_SWEEP),
            (c"all", SQLITE_ALL),
            (c"ids", SQLITE_IDS),
            (c"length", SQLITE_LENGTH),
            (c"stats", SQLITE_STATS),
            (c"flush", SQLITE_FLUSH),
            (c"ref", SQLITE_REF),
            (c"unref", SQLITE_UNREF),
            (c"close", SQLITE_CLOSE),
        ];
        let obj = cx.object()?;
        for (name, method) in methods {
            cx.set(obj, name, cx.function(name, method, handle.clone())?)?;
        }
        Ok(obj)
    }
}
