//! The Node-API binding layer: converts JS values, calls the plain Rust core
//! (`signer`, `sid`, `store`), and maps failures to JS exceptions. No logic here.
//!
//! Every function is a raw Node-API callback (see `raw`): napi-derive's generic
//! conversions cost more than the work itself on the per-request paths (a store
//! `get` took 557 ns through it, measured, against ~150 ns here).

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod raw;
pub mod sid;
pub mod signer;
pub mod store;

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;
use raw::Throw;
use std::sync::Arc;

const VALUE_NOT_STRING: Throw = Throw::type_error("Cookie value must be provided as a string.");
const SIGNED_NOT_STRING: Throw = Throw::type_error("Signed cookie string must be provided.");
const NO_SECRET: Throw = Throw::type_error("Secret key must be provided.");
const BAD_SECRETS: Throw = Throw::type_error("secrets must be an array of Buffers");

/// `generateId()`: a new 32-character session ID.
unsafe extern "C" fn generate_id(
    env: sys::napi_env,
    _info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        let mut id = [0u8; sid::ID_LEN];
        sid::generate_into(&mut id).map_err(|_| Throw::error("failed to read random bytes"))?;
        raw::latin1(env, &id)
    })
}

/// A signer's `sign(value)`: the 43-character signature of `value` (the caller
/// joins `value + '.' + signature`, keeping the JS string exactly as given).
unsafe extern "C" fn signer_sign(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        let ([value], argc, data) = raw::args::<1>(env, info)?;
        let signer = &*(data as *const signer::Signer);
        let mut scratch = raw::Scratch::<256>::default();
        let bytes = match argc {
            1 => raw::utf8(env, value, &mut scratch),
            _ => None,
        }
        .ok_or(VALUE_NOT_STRING)?;
        raw::latin1(env, &signer.signature(bytes))
    })
}

/// A signer's `verify(input)`: true when `input` is `value + '.' + signature` under
/// any of the signer's secrets.
unsafe extern "C" fn signer_verify(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        let ([input], argc, data) = raw::args::<1>(env, info)?;
        let signer = &*(data as *const signer::Signer);
        let mut scratch = raw::Scratch::<256>::default();
        let bytes = match argc {
            1 => raw::utf8(env, input, &mut scratch),
            _ => None,
        }
        .ok_or(SIGNED_NOT_STRING)?;
        raw::boolean(env, signer.unsign_len(bytes).is_some())
    })
}

/// `createSigner(secrets: Buffer[])`: `{ sign(value), verify(input) }` with the keys
/// prepared once.
unsafe extern "C" fn create_signer(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        let ([arg], argc, _) = raw::args::<1>(env, info)?;
        if argc < 1 {
            return Err(NO_SECRET);
        }
        let elements = raw::array_elements(env, arg).ok_or(BAD_SECRETS)?;
        let secrets = elements
            .into_iter()
            .map(|el| raw::buffer(env, el))
            .collect::<Option<Vec<&[u8]>>>()
            .ok_or(BAD_SECRETS)?;
        let signer = signer::Signer::new(secrets).map_err(|_| NO_SECRET)?;
        let obj = raw::object(env)?;
        let sign = raw::function_with(env, "sign", signer_sign, Box::new(signer.clone()))?;
        let verify = raw::function_with(env, "verify", signer_verify, Box::new(signer))?;
        raw::set_named(env, obj, "sign", sign)?;
        raw::set_named(env, obj, "verify", verify)?;
        Ok(obj)
    })
}

#[napi(module_exports)]
pub fn init(exports: Object) -> Result<()> {
    let env = exports.value().env;
    let obj = exports.raw();
    // SAFETY: called by Node-API during module registration with a valid env and
    // the exports object.
    let defined = unsafe {
        raw::function(env, "generateId", generate_id)
            .and_then(|f| raw::set_named(env, obj, "generateId", f))
            .and_then(|_| raw::function(env, "createSigner", create_signer))
            .and_then(|f| raw::set_named(env, obj, "createSigner", f))
            .and_then(|_| raw::function(env, "createStore", create_store))
            .and_then(|f| raw::set_named(env, obj, "createStore", f))
    };
    defined.map_err(|t| Error::new(Status::GenericFailure, t.message))
}

// ---- the native session store -------------------------------------------------

const SID_NOT_STRING: Throw = Throw::type_error("session id must be a string");
const JSON_NOT_STRING: Throw = Throw::type_error("session JSON must be a string");

type StoreRef = Arc<store::Store>;
type RawResult<T> = std::result::Result<T, Throw>;

/// Reads the store behind a method and the method's arguments.
unsafe fn store_args<'a, const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> RawResult<(&'a store::Store, [sys::napi_value; N])> {
    let (argv, _, data) = raw::args::<N>(env, info)?;
    Ok((&**(data as *const StoreRef), argv))
}

/// A string argument as `&str` (V8 hands out valid UTF-8).
unsafe fn str_arg<const N: usize>(
    env: sys::napi_env,
    value: sys::napi_value,
    scratch: &mut raw::Scratch<N>,
    err: Throw,
) -> RawResult<&str> {
    let bytes = raw::utf8(env, value, scratch).ok_or(err)?;
    std::str::from_utf8(bytes).map_err(|_| err)
}

/// A time argument: a number, else NaN (which never expires / is never "now").
unsafe fn time_arg(env: sys::napi_env, value: sys::napi_value) -> f64 {
    raw::double(env, value).unwrap_or(f64::NAN)
}

/// Defines a store method as a raw Node-API callback: the store comes from the
/// function's data pointer, the arguments are destructured from `[...]` (their
/// count is the pattern's length), and errors and panics become JS exceptions.
macro_rules! store_method {
    ($(#[$doc:meta])* fn $name:ident($env:ident, $store:ident, [$($arg:ident),*]) $body:block) => {
        $(#[$doc])*
        unsafe extern "C" fn $name(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
            raw::guard(env, || {
                let $env = env;
                let ($store, [$($arg),*]) = store_args(env, info)?;
                $body
            })
        }
    };
}

store_method! {
    /// `get(sid, now)`: the stored JSON of a live session, or undefined.
    fn store_get(env, store, [sid, now]) {
        let mut scratch = raw::Scratch::<256>::default();
        let sid = str_arg(env, sid, &mut scratch, SID_NOT_STRING)?;
        store
            .get_with(sid, time_arg(env, now), |json| raw::string(env, json))
            .unwrap_or_else(|| raw::undefined(env))
    }
}

store_method! {
    /// `peek(sid)`: the stored JSON, expired or not, or undefined (a raw read).
    fn store_peek(env, store, [sid]) {
        let mut scratch = raw::Scratch::<256>::default();
        let sid = str_arg(env, sid, &mut scratch, SID_NOT_STRING)?;
        store
            .peek_with(sid, |json| raw::string(env, json))
            .unwrap_or_else(|| raw::undefined(env))
    }
}

store_method! {
    /// `keys()`: every stored sid, expired or not, in insertion order.
    fn store_keys(env, store, []) {
        let keys = store.keys();
        raw::string_array(env, keys.iter().map(String::as_str))
    }
}

store_method! {
    /// `set(sid, json, expires, now)`.
    fn store_set(env, store, [sid, json, expires, now]) {
        let mut scratch = raw::Scratch::<256>::default();
        let sid = str_arg(env, sid, &mut scratch, SID_NOT_STRING)?;
        let mut jscratch = raw::Scratch::<1024>::default();
        let json = str_arg(env, json, &mut jscratch, JSON_NOT_STRING)?;
        store.set(sid, json, time_arg(env, expires), time_arg(env, now));
        raw::undefined(env)
    }
}

store_method! {
    /// `destroy(sid)`: true when a session was removed.
    fn store_destroy(env, store, [sid]) {
        let mut scratch = raw::Scratch::<256>::default();
        let sid = str_arg(env, sid, &mut scratch, SID_NOT_STRING)?;
        raw::boolean(env, store.destroy(sid))
    }
}

store_method! {
    /// `touch(sid, cookieJson | undefined, expires, now)`: true when the session is live.
    fn store_touch(env, store, [sid, cookie, expires, now]) {
        let mut scratch = raw::Scratch::<256>::default();
        let sid = str_arg(env, sid, &mut scratch, SID_NOT_STRING)?;
        let mut cscratch = raw::Scratch::<512>::default();
        let cookie = if raw::is_nullish(env, cookie) {
            None
        } else {
            Some(str_arg(
                env,
                cookie,
                &mut cscratch,
                JSON_NOT_STRING,
            )?)
        };
        raw::boolean(
            env,
            store.touch(sid, cookie, time_arg(env, expires), time_arg(env, now)),
        )
    }
}

store_method! {
    /// `all(now)`: live sessions as a flat `[sid, json, sid, json, ...]` in insertion order.
    fn store_all(env, store, [now]) {
        let rows = store.all(time_arg(env, now));
        let flat: Vec<&str> = rows
            .iter()
            .flat_map(|(k, v)| [k.as_str(), v.as_str()])
            .collect();
        raw::string_array(env, flat.into_iter())
    }
}

store_method! {
    /// `ids(now)`: live session ids in insertion order.
    fn store_ids(env, store, [now]) {
        let ids = store.ids(time_arg(env, now));
        raw::string_array(env, ids.iter().map(String::as_str))
    }
}

store_method! {
    /// `length(now)`: the number of live sessions.
    fn store_length(env, store, [now]) {
        raw::number(env, store.len(time_arg(env, now)) as f64)
    }
}

store_method! {
    /// `clear()`.
    fn store_clear(env, store, []) {
        store.clear();
        raw::undefined(env)
    }
}

store_method! {
    /// `removeExpired(now)`: removes every expired session now; returns how many.
    fn store_remove_expired(env, store, [now]) {
        raw::number(env, store.remove_expired(time_arg(env, now)) as f64)
    }
}

store_method! {
    /// `sweep(now, budgetMs)`: one incremental sweep step; `{ removed, shards, passComplete }`.
    fn store_sweep(env, store, [now, budget]) {
        let ms = raw::double(env, budget).unwrap_or(0.0);
        let budget = std::time::Duration::from_secs_f64((ms / 1000.0).clamp(0.0, 60.0));
        let r = store.sweep(time_arg(env, now), budget);
        let obj = raw::object(env)?;
        raw::set_named(env, obj, "removed", raw::number(env, r.removed as f64)?)?;
        raw::set_named(env, obj, "shards", raw::number(env, r.shards as f64)?)?;
        raw::set_named(
            env,
            obj,
            "passComplete",
            raw::boolean(env, r.pass_complete)?,
        )?;
        Ok(obj)
    }
}

store_method! {
    /// `stats()`: `{ count, bytes, hits, misses, expired, evicted }`.
    fn store_stats(env, store, []) {
        let s = store.stats();
        let obj = raw::object(env)?;
        for (name, value) in [
            ("count", s.count),
            ("bytes", s.bytes),
            ("hits", s.hits),
            ("misses", s.misses),
            ("expired", s.expired),
            ("evicted", s.evicted),
        ] {
            raw::set_named(env, obj, name, raw::number(env, value as f64)?)?;
    }
    Ok(obj)
    }
}

fn limit(n: Option<f64>) -> usize {
    match n {
        Some(n) if n.is_finite() && n >= 1.0 => n as usize,
        _ => 0,
    }
}

/// `createStore(maxEntries, maxBytes, name?)`: an object of store methods. Limits of
/// 0 (or not a positive number) mean unlimited. With a `name`, every store of that
/// name in the process (any thread) shares the same sessions.
unsafe extern "C" fn create_store(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    raw::guard(env, || {
        let ([max_entries, max_bytes, name], _, _) = raw::args::<3>(env, info)?;
        let limits = store::Limits {
            max_entries: limit(raw::double(env, max_entries)),
            max_bytes: limit(raw::double(env, max_bytes)),
        };
        let inner: StoreRef = if raw::is_nullish(env, name) {
            Arc::new(store::Store::new(limits))
        } else {
            let mut scratch = raw::Scratch::<256>::default();
            let name = str_arg(
                env,
                name,
                &mut scratch,
                Throw::type_error("store name must be a string"),
            )?;
            store::Store::named(name, limits)
        };
        let methods: [(&str, raw::RawCallback); 13] = [
            ("get", store_get),
            ("peek", store_peek),
            ("keys", store_keys),
            ("set", store_set),
            ("destroy", store_destroy),
            ("touch", store_touch),
            ("all", store_all),
            ("ids", store_ids),
            ("length", store_length),
            ("clear", store_clear),
            ("removeExpired", store_remove_expired),
            ("sweep", store_sweep),
            ("stats", store_stats),
        ];
        let obj = raw::object(env)?;
        for (name, cb) in methods {
            let f = raw::function_with(env, name, cb, Box::new(inner.clone()))?;
            raw::set_named(env, obj, name, f)?;
        }
        Ok(obj)
    })
}
