//! The file store's binding (`createSqliteStore`): a `#[napi]` class for the cold
//! methods, the request path's calls as raw callbacks on each instance, and
//! writes completing through a `Completer`.

use super::completer::Completer;
use super::raw::{callback, Cx, Result, Scratch, Throw};
use super::{
    cold, expires_arg, js_string, js_strings, limit, now_arg, number, optional_json, owned_sid,
    owner_arg, patch_args, sid_arg, strings_arg, wtf8, JSON_NOT_STRING, OWNER_NOT_STRING,
    SID_NOT_STRING,
};
use crate::store::sqlite;
use napi::bindgen_prelude::{
    Array, ClassInstance, Env, FnArgs, FromNapiValue, JavaScriptClassExt, Unknown,
};
use napi::{JsString, ValueType};
use napi_derive::napi;
use std::sync::Arc;
use std::time::Duration;

/// A write's completion, for the main thread: (request id, the value its
/// callback gets (the rows changed, for a write that gives them) or error).
type Completion = (f64, std::result::Result<Option<u64>, sqlite::Error>);

/// What `onDone` gets for a batch: `(ids, codes, messages, values)`, a code and
/// a message of null for a write that succeeded, a value of null for one that
/// gives none.
type DoneArgs = FnArgs<(
    Vec<f64>,
    Vec<Option<&'static str>>,
    Vec<Option<String>>,
    Vec<Option<f64>>,
)>;

/// A file store and the completions of its writes.
struct Handle {
    store: sqlite::SqliteStore,
    done: Arc<Completer<Completion, DoneArgs>>,
}

type HandleRef = Arc<Handle>;

/// `err.code` of a file store error.
fn error_code(kind: sqlite::ErrorKind) -> &'static str {
    match kind {
        sqlite::ErrorKind::NotADatabase => "SQLITE_NOTADB",
        sqlite::ErrorKind::Corrupt => "SQLITE_CORRUPT",
        sqlite::ErrorKind::CannotOpen => "SQLITE_CANTOPEN",
        sqlite::ErrorKind::Full => "SQLITE_FULL",
        sqlite::ErrorKind::Busy => "SQLITE_BUSY",
        sqlite::ErrorKind::Io => "SQLITE_IOERR",
        sqlite::ErrorKind::Closed => "ERR_STORE_CLOSED",
        sqlite::ErrorKind::FileReplaced => "ERR_STORE_FILE_REPLACED",
        sqlite::ErrorKind::Other => "SQLITE_ERROR",
    }
}

/// A file store error, thrown with its `err.code`.
fn thrown(e: sqlite::Error) -> Throw {
    Throw::error_with_code(&e.message, error_code(e.kind))
}

/// `onDone`'s arguments for a batch of completed writes.
fn done_args(batch: Vec<Completion>) -> DoneArgs {
    let mut ids = Vec::with_capacity(batch.len());
    let mut codes = Vec::with_capacity(batch.len());
    let mut messages = Vec::with_capacity(batch.len());
    let mut values = Vec::with_capacity(batch.len());
    for (id, result) in batch {
        ids.push(id);
        let (code, message, value) = match result {
            Ok(value) => (None, None, value.map(|n| n as f64)),
            Err(e) => (Some(error_code(e.kind)), Some(e.message), None),
        };
        codes.push(code);
        messages.push(message);
        values.push(value);
    }
    FnArgs::from((ids, codes, messages, values))
}

/// Stages `write` for request `id`: `flush()` sends it.
fn queue(h: &Handle, id: Option<f64>, write: sqlite::Write) -> Result<()> {
    let id = id.ok_or(Throw::type_error(c"request id must be a number"))?;
    let done = h.done.clone();
    // (destroyOwner gives its count; the others call back without a value)
    let counted = matches!(write, sqlite::Write::DestroyOwner { .. });
    let queued = h.store.stage(
        write,
        Box::new(move |r| done.push((id, r.map(|n| counted.then_some(n))))),
    );
    if !queued {
        // (closed: the error completes asynchronously all the same)
        h.done.deliver();
    }
    Ok(())
}

const DAMAGED_JSON: &str = "its json bytes are not valid UTF-8 (WTF-8) text";
const DAMAGED_SID: &str = "its sid bytes are not valid UTF-8 (WTF-8) text";

/// A stored row whose text cannot be read back as a JS string: `SQLITE_CORRUPT`.
fn damaged(sid: &[u8], why: &str) -> Throw {
    thrown(sqlite::damaged_row(sid, why))
}

callback! {
    /// `get(sid, now)`: the JSON of a live session, or undefined (synchronous: a
    /// WAL reader never waits for the writer).
    const GET: HandleRef = |cx, h| {
        let mut scratch = Scratch::<256>::default();
        let sid = sid_arg(cx, 0, &mut scratch)?;
        match h.store.get(sid, now_arg(cx, 1)?).map_err(thrown)? {
            Some(json) => cx.string_or(&json, || damaged(sid, DAMAGED_JSON)),
            None => cx.undefined(),
        }
    }
}

callback! {
    /// `set(id, sid, json, expires, owner?)`: queued; completes through
    /// `onDone` (`owner`: see `owner_arg`).
    const SET: HandleRef = |cx, h| {
        let sid = owned_sid(cx, 1)?;
        let mut json_scratch = Scratch::<1024>::default();
        let json = cx.wtf8(cx.arg(2), &mut json_scratch).ok_or(JSON_NOT_STRING)?.to_vec();
        let expires = expires_arg(cx, 3)?;
        let owner = owned_owner(cx, 4)?;
        queue(h, cx.number(cx.arg(0)), sqlite::Write::Set { sid, json, expires, owner })?;
        cx.undefined()
    }
}

callback! {
    /// `merge(id, sid, fullJson, sets, deletes, expires, now, owner?)`: queued
    /// (see the in-memory store's merge).
    const MERGE: HandleRef = |cx, h| {
        let sid = owned_sid(cx, 1)?;
        let mut json_scratch = Scratch::<1024>::default();
        let full = cx.wtf8(cx.arg(2), &mut json_scratch).ok_or(JSON_NOT_STRING)?.to_vec();
        let patch = patch_args(cx, 3)?;
        let expires = expires_arg(cx, 5)?;
        let now = now_arg(cx, 6)?;
        let owner = owned_owner(cx, 7)?;
        let write = sqlite::Write::Merge { sid, full, patch, expires, now, owner };
        queue(h, cx.number(cx.arg(0)), write)?;
        cx.undefined()
    }
}

callback! {
    /// `touch(id, sid, cookieJson | null, expires, now, owner?)`: queued.
    const TOUCH: HandleRef = |cx, h| {
        let sid = owned_sid(cx, 1)?;
        let mut cookie_scratch = Scratch::<512>::default();
        let cookie = optional_json(cx, 2, &mut cookie_scratch)?.map(<[u8]>::to_vec);
        let expires = expires_arg(cx, 3)?;
        let now = now_arg(cx, 4)?;
        let owner = owned_owner(cx, 5)?;
        let write = sqlite::Write::Touch { sid, cookie, expires, now, owner };
        queue(h, cx.number(cx.arg(0)), write)?;
        cx.undefined()
    }
}

/// An owner argument (`owner_arg`), owned for the writer thread.
fn owned_owner(cx: &Cx, i: usize) -> Result<sqlite::Owner> {
    let mut scratch = Scratch::<64>::default();
    Ok(owner_arg(cx, i, &mut scratch)?.map(|o| o.map(<[u8]>::to_vec)))
}

const SIDS_NOT_STRINGS: Throw = Throw::type_error(c"session ids must be strings");

callback! {
    /// `destroy(id, sidOrSids)`: queued.
    const DESTROY: HandleRef = |cx, h| {
        let sids = if cx.array(cx.arg(1)).is_some() {
            strings_arg(cx, 1, SIDS_NOT_STRINGS)?
        } else {
            vec![owned_sid(cx, 1)?]
        };
        queue(h, cx.number(cx.arg(0)), sqlite::Write::Destroy { sids })?;
        cx.undefined()
    }
}

callback! {
    /// `flush()`: sends the staged writes to the writer thread (one wake-up).
    const FLUSH: HandleRef = |cx, h| {
        if !h.store.flush() {
            h.done.deliver();
        }
        cx.undefined()
    }
}

callback! {
    /// `ref()`: keep the event loop alive while writes are pending.
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

/// One SQLite file (WAL). Reads are synchronous; writes are staged with a
/// caller-chosen request `id`, sent to the writer thread by `flush()`, and
/// complete through the `onDone` given to `createSqliteStore`, one call per
/// batch. (`get`, `set`, `merge`, `touch`, `destroy`, `flush`, `ref` and `unref`
/// are own properties of each instance: see native/index.d.ts.)
#[napi]
pub struct NativeSqliteStore {
    handle: HandleRef,
}

/// `SqliteStore#stats()`.
#[napi(object)]
pub struct SqliteStoreStats {
    pub count: f64,
    pub bytes: f64,
    pub hits: f64,
    pub misses: f64,
    pub expired: f64,
}

/// A stored sid or JSON as a JS string; `SQLITE_CORRUPT` when it is not WTF-8.
fn row_string<'e>(env: &'e Env, sid: &[u8], text: &[u8], why: &str) -> Result<JsString<'e>> {
    js_string(env, text, || damaged(sid, why))
}

#[napi]
impl NativeSqliteStore {
    /// Removes every session (queued).
    #[napi(catch_unwind, ts_args_type = "id: number")]
    pub fn clear(&self, env: &Env, id: Unknown) -> napi::Result<()> {
        cold(env, || {
            queue(&self.handle, number(&id), sqlite::Write::Clear)
        })
    }

    /// Removes at most `limit` sessions expired at `now` (queued; 0 or Infinity:
    /// no limit).
    #[napi(catch_unwind, ts_args_type = "id: number, now: number, limit: number")]
    pub fn sweep(&self, env: &Env, id: Unknown, now: Unknown, limit: Unknown) -> napi::Result<()> {
        cold(env, || {
            let now = super::now(number(&now))?;
            let limit = match super::limit(number(&limit))? {
                0 => u32::MAX,
                n => u32::try_from(n).unwrap_or(u32::MAX),
            };
            queue(
                &self.handle,
                number(&id),
                sqlite::Write::Sweep { now, limit },
            )
        })
    }

    /// Live sessions as `[sid, json, sid, json, ...]`, in session ID order.
    #[napi(
        catch_unwind,
        ts_args_type = "now: number",
        ts_return_type = "string[]"
    )]
    pub fn all<'e>(&self, env: &'e Env, now: Unknown<'e>) -> napi::Result<Array<'e>> {
        cold(env, || {
            let rows = self
                .handle
                .store
                .all(super::now(number(&now))?)
                .map_err(thrown)?;
            let len = u32::try_from(rows.len() * 2).map_err(|_| Throw::range_error(c"too many"))?;
            let mut list = env.create_array(len).map_err(super::failed)?;
            for (i, (sid, json)) in (0..len).step_by(2).zip(&rows) {
                let s = row_string(env, sid, sid, DAMAGED_SID)?;
                list.set(i, s).map_err(super::failed)?;
                let j = row_string(env, sid, json, DAMAGED_JSON)?;
                list.set(i + 1, j).map_err(super::failed)?;
            }
            Ok(list)
        })
    }

    /// The live sessions of `owner` as `[sid, json, sid, json, ...]`, in
    /// insertion order.
    #[napi(
        catch_unwind,
        ts_args_type = "owner: string, now: number",
        ts_return_type = "string[]"
    )]
    pub fn owned<'e>(
        &self,
        env: &'e Env,
        owner: Unknown<'e>,
        now: Unknown<'e>,
    ) -> napi::Result<Array<'e>> {
        cold(env, || {
            let owner = wtf8(&owner).ok_or(OWNER_NOT_STRING)?;
            let rows = self
                .handle
                .store
                .owned(&owner, super::now(number(&now))?)
                .map_err(thrown)?;
            let flat = rows.iter().flat_map(|(k, v)| [k.as_slice(), v.as_slice()]);
            js_strings(env, flat.collect::<Vec<_>>().into_iter(), |sid| {
                damaged(sid, DAMAGED_JSON)
            })
        })
    }

    /// Removes the live sessions of `owner` but those of `except` (queued;
    /// completes with how many).
    #[napi(
        catch_unwind,
        ts_args_type = "id: number, owner: string, except: string[], now: number"
    )]
    pub fn destroy_owner(
        &self,
        env: &Env,
        id: Unknown,
        owner: Unknown,
        except: Vec<Unknown>,
        now: Unknown,
    ) -> napi::Result<()> {
        cold(env, || {
            let owner = wtf8(&owner).ok_or(OWNER_NOT_STRING)?;
            let except = except
                .iter()
                .map(|sid| wtf8(sid).ok_or(SID_NOT_STRING))
                .collect::<Result<Vec<_>>>()?;
            let now = super::now(number(&now))?;
            let write = sqlite::Write::DestroyOwner { owner, except, now };
            queue(&self.handle, number(&id), write)
        })
    }

    /// Live session ids.
    #[napi(
        catch_unwind,
        ts_args_type = "now: number",
        ts_return_type = "string[]"
    )]
    pub fn ids<'e>(&self, env: &'e Env, now: Unknown<'e>) -> napi::Result<Array<'e>> {
        cold(env, || {
            let ids = self
                .handle
                .store
                .ids(super::now(number(&now))?)
                .map_err(thrown)?;
            js_strings(env, ids.iter().map(Vec::as_slice), |sid| {
                damaged(sid, DAMAGED_SID)
            })
        })
    }

    /// The number of live sessions.
    #[napi(catch_unwind, ts_args_type = "now: number")]
    pub fn length(&self, env: &Env, now: Unknown) -> napi::Result<f64> {
        cold(env, || {
            let n = self
                .handle
                .store
                .len(super::now(number(&now))?)
                .map_err(thrown)?;
            Ok(n as f64)
        })
    }

    #[napi(catch_unwind)]
    pub fn stats(&self, env: &Env) -> napi::Result<SqliteStoreStats> {
        cold(env, || {
            let s = self.handle.store.stats().map_err(thrown)?;
            Ok(SqliteStoreStats {
                count: s.count as f64,
                bytes: s.bytes as f64,
                hits: s.hits as f64,
                misses: s.misses as f64,
                expired: s.expired as f64,
            })
        })
    }

    /// Writes what is staged and queued, then stops the writer thread (blocks
    /// until then).
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.handle.store.close()
    }
}

const PATH_NOT_STRING: Throw = Throw::type_error(c"path must be a non-empty string");

/// A busy timeout in ms: from 0 to 2^31-1, fractions floored. (SQLite's
/// busy_timeout is a C int: rusqlite panics on a longer one; and Infinity must not
/// become 0, "fail at once", as a limit's Infinity does.)
fn busy_timeout(ms: Option<f64>) -> Result<Duration> {
    let ms = ms.ok_or(Throw::type_error(c"busy timeout must be a number"))?;
    if !(0.0..=f64::from(i32::MAX)).contains(&ms) {
        return Err(Throw::range_error(
            c"busy timeout must be a number of milliseconds from 0 to 2147483647",
        ));
    }
    Ok(Duration::from_millis(ms as u64))
}

/// `createSqliteStore(path, fsync, busyTimeoutMs, maxPageCount, onDone)`: opens
/// (or creates) the file; throws an Error with `err.code` (`SQLITE_NOTADB`,
/// `SQLITE_CANTOPEN`, ...) when it cannot be opened as a session database (it is
/// then left as it was). `onDone(ids, codes, messages)` is called once per batch
/// of committed writes: each write's request id, and its error's `err.code` and
/// message, or null.
#[napi(
    catch_unwind,
    ts_args_type = "path: string, fsync: number, busyTimeoutMs: number, maxPageCount: number, onDone: (ids: number[], codes: Array<string | null>, messages: Array<string | null>) => void"
)]
pub fn create_sqlite_store<'e>(
    env: &'e Env,
    path: Unknown<'e>,
    fsync: Unknown<'e>,
    busy_timeout_ms: Unknown<'e>,
    max_page_count: Unknown<'e>,
    on_done: Unknown<'e>,
) -> napi::Result<ClassInstance<'e, NativeSqliteStore>> {
    let handle = cold(env, || {
        // (as UTF-8, lone surrogates replaced: a file name is what the OS takes)
        if path.get_type().ok() != Some(ValueType::String) {
            return Err(PATH_NOT_STRING);
        }
        let path = String::from_unknown(path).map_err(|_| PATH_NOT_STRING)?;
        if path.is_empty() {
            return Err(PATH_NOT_STRING);
        }
        let mut options = sqlite::Options::new(path);
        if number(&fsync).is_some_and(|n| n != 0.0) {
            options.durability = sqlite::Durability::PowerLoss;
        }
        options.busy_timeout = busy_timeout(number(&busy_timeout_ms))?;
        let pages = limit(number(&max_page_count))?;
        options.max_page_count = (pages > 0).then_some(pages as u64);
        let done = Completer::new(on_done, done_args)?;
        let after_batch = {
            let done = done.clone();
            Box::new(move || done.deliver())
        };
        let store = sqlite::SqliteStore::open_with(options, after_batch).map_err(thrown)?;
        Ok(Arc::new(Handle { store, done }))
    })?;
    let instance = NativeSqliteStore {
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
            (c"touch", TOUCH),
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
