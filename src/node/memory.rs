//! The in-memory store's binding (`createStore`): a `#[napi]` class for the cold
//! methods, the request path's calls as raw callbacks on each instance.

use super::raw::{callback, Cx, Scratch, Throw};
use super::{
    cold, expires_arg, js_string, js_strings, limit, not_wtf8, now_arg, number, optional_json,
    owner_arg, patch_args, sid_arg, wtf8, JSON_NOT_STRING, SID_NOT_STRING,
};
use crate::store;
use napi::bindgen_prelude::{
    Array, ClassInstance, Either, Env, JavaScriptClassExt, Undefined, Unknown,
};
use napi::JsString;
use napi_derive::napi;
use std::sync::Arc;
use std::time::Duration;

type StoreRef = Arc<store::Store>;

callback! {
    /// `get(sid, now)`: the stored JSON of a live session, or undefined.
    const GET: StoreRef = |cx, store| {
        let mut scratch = Scratch::<256>::default();
        let sid = sid_arg(cx, 0, &mut scratch)?;
        let now = now_arg(cx, 1)?;
        store
            .get_with(sid, now, |json| cx.string(json))
            .unwrap_or_else(|| cx.undefined())
    }
}

callback! {
    /// `set(sid, json, expires, now, owner?)` (`owner`: see `owner_arg`).
    const SET: StoreRef = |cx, store| {
        let mut scratch = Scratch::<256>::default();
        let sid = sid_arg(cx, 0, &mut scratch)?;
        let mut json_scratch = Scratch::<1024>::default();
        let json = cx.wtf8(cx.arg(1), &mut json_scratch).ok_or(JSON_NOT_STRING)?;
        let mut owner_scratch = Scratch::<64>::default();
        let owner = owner_arg(cx, 4, &mut owner_scratch)?;
        store.set(sid, json, expires_arg(cx, 2)?, now_arg(cx, 3)?);
        if let Some(owner) = owner {
            store.set_owner(sid, owner);
        }
        cx.undefined()
    }
}

callback! {
    /// `merge(sid, fullJson, sets, deletes, expires, now, owner?)`: writes only
    /// the members of `sets` (`[key, valueJson, ...]`) and `deletes` (`[key,
    /// ...]`) into the live session, or stores `fullJson` when there is none.
    const MERGE: StoreRef = |cx, store| {
        let mut scratch = Scratch::<256>::default();
        let sid = sid_arg(cx, 0, &mut scratch)?;
        let mut json_scratch = Scratch::<1024>::default();
        let full = cx.wtf8(cx.arg(1), &mut json_scratch).ok_or(JSON_NOT_STRING)?;
        let patch = patch_args(cx, 2)?;
        let mut owner_scratch = Scratch::<64>::default();
        let owner = owner_arg(cx, 6, &mut owner_scratch)?;
        store.merge(sid, full, &patch, expires_arg(cx, 4)?, now_arg(cx, 5)?);
        if let Some(owner) = owner {
            store.set_owner(sid, owner);
        }
        cx.undefined()
    }
}

callback! {
    /// `destroy(sid)`: true when a session was removed.
    const DESTROY: StoreRef = |cx, store| {
        let mut scratch = Scratch::<256>::default();
        let sid = sid_arg(cx, 0, &mut scratch)?;
        cx.boolean(store.destroy(sid))
    }
}

callback! {
    /// `touch(sid, cookieJson | undefined, expires, now, owner?)`: true when the
    /// session is live.
    const TOUCH: StoreRef = |cx, store| {
        let mut scratch = Scratch::<256>::default();
        let sid = sid_arg(cx, 0, &mut scratch)?;
        let mut cookie_scratch = Scratch::<512>::default();
        let cookie = optional_json(cx, 1, &mut cookie_scratch)?;
        let mut owner_scratch = Scratch::<64>::default();
        let owner = owner_arg(cx, 4, &mut owner_scratch)?;
        let live = store.touch(sid, cookie, expires_arg(cx, 2)?, now_arg(cx, 3)?);
        if let (true, Some(owner)) = (live, owner) {
            store.set_owner(sid, owner);
        }
        cx.boolean(live)
    }
}

/// An in-memory session store: session JSON by sid. `now` is a finite number of
/// ms since the epoch. (`get`, `set`, `merge`, `touch` and `destroy` are own
/// properties of each instance: see native/index.d.ts.)
#[napi]
pub struct NativeStore {
    inner: StoreRef,
}

/// One step of the incremental sweep.
#[napi(object)]
pub struct SweepResult {
    pub removed: f64,
    pub shards: f64,
    pub pass_complete: bool,
}

/// `MemoryStore#stats()`.
#[napi(object)]
pub struct StoreStats {
    pub count: f64,
    pub bytes: f64,
    pub hits: f64,
    pub misses: f64,
    pub expired: f64,
    pub evicted: f64,
}

#[napi]
impl NativeStore {
    /// Raw read: the stored JSON, expired or not, or undefined; no statistics.
    #[napi(catch_unwind, ts_args_type = "sid: string")]
    pub fn peek<'e>(
        &self,
        env: &'e Env,
        sid: Unknown<'e>,
    ) -> napi::Result<Either<JsString<'e>, Undefined>> {
        cold(env, || {
            let sid = wtf8(&sid).ok_or(SID_NOT_STRING)?;
            let json = self
                .inner
                .peek_with(&sid, |json| js_string(env, json, || not_wtf8(json)))
                .transpose()?;
            Ok(json.map_or(Either::B(()), Either::A))
        })
    }

    /// Every stored sid, expired or not, in insertion order.
    #[napi(catch_unwind, ts_return_type = "string[]")]
    pub fn keys<'e>(&self, env: &'e Env) -> napi::Result<Array<'e>> {
        cold(env, || {
            let keys = self.inner.keys();
            js_strings(env, keys.iter().map(Vec::as_slice), not_wtf8)
        })
    }

    /// Live sessions as `[sid, json, sid, json, ...]`, in insertion order.
    #[napi(
        catch_unwind,
        ts_args_type = "now: number",
        ts_return_type = "string[]"
    )]
    pub fn all<'e>(&self, env: &'e Env, now: Unknown<'e>) -> napi::Result<Array<'e>> {
        cold(env, || {
            let rows = self.inner.all(super::now(number(&now))?);
            let flat = rows.iter().flat_map(|(k, v)| [k.as_slice(), v.as_slice()]);
            js_strings(env, flat.collect::<Vec<_>>().into_iter(), not_wtf8)
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
            let owner = wtf8(&owner).ok_or(super::OWNER_NOT_STRING)?;
            let rows = self.inner.owned(&owner, super::now(number(&now))?);
            let flat = rows.iter().flat_map(|(k, v)| [k.as_slice(), v.as_slice()]);
            js_strings(env, flat.collect::<Vec<_>>().into_iter(), not_wtf8)
        })
    }

    /// Removes the live sessions of `owner` but those of `except`; returns how
    /// many.
    #[napi(
        catch_unwind,
        ts_args_type = "owner: string, except: string[], now: number"
    )]
    pub fn destroy_owned(
        &self,
        env: &Env,
        owner: Unknown,
        except: Vec<Unknown>,
        now: Unknown,
    ) -> napi::Result<f64> {
        cold(env, || {
            let owner = wtf8(&owner).ok_or(super::OWNER_NOT_STRING)?;
            let except = except
                .iter()
                .map(|sid| wtf8(sid).ok_or(SID_NOT_STRING))
                .collect::<super::Result<Vec<_>>>()?;
            let except: Vec<&[u8]> = except.iter().map(Vec::as_slice).collect();
            let now = super::now(number(&now))?;
            Ok(self.inner.destroy_owned(&owner, &except, now) as f64)
        })
    }

    /// Live session ids, in insertion order.
    #[napi(
        catch_unwind,
        ts_args_type = "now: number",
        ts_return_type = "string[]"
    )]
    pub fn ids<'e>(&self, env: &'e Env, now: Unknown<'e>) -> napi::Result<Array<'e>> {
        cold(env, || {
            let ids = self.inner.ids(super::now(number(&now))?);
            js_strings(env, ids.iter().map(Vec::as_slice), not_wtf8)
        })
    }

    /// The number of live sessions.
    #[napi(catch_unwind, ts_args_type = "now: number")]
    pub fn length(&self, env: &Env, now: Unknown) -> napi::Result<f64> {
        cold(env, || Ok(self.inner.len(super::now(number(&now))?) as f64))
    }

    #[napi(catch_unwind)]
    pub fn clear(&self) {
        self.inner.clear()
    }

    /// Removes every session expired at `now`; returns how many.
    #[napi(catch_unwind, ts_args_type = "now: number")]
    pub fn remove_expired(&self, env: &Env, now: Unknown) -> napi::Result<f64> {
        cold(env, || {
            Ok(self.inner.remove_expired(super::now(number(&now))?) as f64)
        })
    }

    /// One sweep step of at most `budgetMs` (finite, >= 0; at most 60 s is used).
    #[napi(catch_unwind, ts_args_type = "now: number, budgetMs: number")]
    pub fn sweep(&self, env: &Env, now: Unknown, budget_ms: Unknown) -> napi::Result<SweepResult> {
        cold(env, || {
            let r = self
                .inner
                .sweep(super::now(number(&now))?, budget(number(&budget_ms))?);
            Ok(SweepResult {
                removed: r.removed as f64,
                shards: r.shards as f64,
                pass_complete: r.pass_complete,
            })
        })
    }

    #[napi(catch_unwind)]
    pub fn stats(&self) -> StoreStats {
        let s = self.inner.stats();
        StoreStats {
            count: s.count as f64,
            bytes: s.bytes as f64,
            hits: s.hits as f64,
            misses: s.misses as f64,
            expired: s.expired as f64,
            evicted: s.evicted as f64,
        }
    }
}

/// A sweep budget in ms: finite and >= 0; at most a minute is used.
fn budget(ms: Option<f64>) -> super::Result<Duration> {
    const MAX: Duration = Duration::from_secs(60);
    let ms = ms.ok_or(Throw::type_error(c"budget must be a number"))?;
    if !(ms.is_finite() && ms >= 0.0) {
        return Err(Throw::range_error(
            c"budget must be a finite number of milliseconds >= 0",
        ));
    }
    Ok(Duration::try_from_secs_f64(ms / 1000.0)
        .unwrap_or(MAX)
        .min(MAX))
}

/// `createStore(maxEntries, maxBytes, name?)`. Limits are numbers >= 0; 0 and
/// Infinity mean unlimited. Stores of the same name share their sessions across
/// the process's threads.
#[napi(
    catch_unwind,
    ts_args_type = "maxEntries: number, maxBytes: number, name?: string | null"
)]
pub fn create_store<'e>(
    env: &'e Env,
    max_entries: Unknown<'e>,
    max_bytes: Unknown<'e>,
    name: Option<Unknown<'e>>,
) -> napi::Result<ClassInstance<'e, NativeStore>> {
    let inner = cold(env, || {
        let limits = store::Limits {
            max_entries: limit(number(&max_entries))?,
            max_bytes: limit(number(&max_bytes))?,
        };
        Ok(match name {
            None => Arc::new(store::Store::new(limits)),
            Some(name) => {
                let name = wtf8(&name).ok_or(Throw::type_error(c"store name must be a string"))?;
                store::Store::named(&name, limits)
            }
        })
    })?;
    let instance = NativeStore {
        inner: inner.clone(),
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
        ];
        for (name, method) in methods {
            cx.attach(obj, name, method, inner.clone())?;
        }
        Ok(())
    })?;
    Ok(instance)
}
