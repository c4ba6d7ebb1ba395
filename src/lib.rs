//! The Node-API binding layer: converts JS values, calls the plain Rust core
//! (`signer`, `sid`, `store`), and maps failures to JS exceptions. No logic here.
//!
//! The per-request functions (`generateId`, a signer's `sign`/`verify`) are raw
//! Node-API callbacks (see `raw`); the store uses napi-derive, whose per-call cost is
//! small next to its work.

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
        let (mut stack, mut heap) = ([0u8; 256], Vec::new());
        let bytes = match argc {
            1 => raw::utf8(env, value, &mut stack, &mut heap),
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
        let (mut stack, mut heap) = ([0u8; 256], Vec::new());
        let bytes = match argc {
            1 => raw::utf8(env, input, &mut stack, &mut heap),
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
    };
    defined.map_err(|t| Error::new(Status::GenericFailure, t.message))
}

/// The native session store (see `store::Store`): JSON text per sid, expiry
/// instants in ms since the epoch (a non-finite expiry never expires), `now`
/// given by the caller.
#[napi]
pub struct NativeStore {
    inner: Arc<store::Store>,
}

/// Statistics of a store (see `store::Stats`).
#[napi(object)]
pub struct StoreStats {
    pub count: f64,
    pub bytes: f64,
    pub hits: f64,
    pub misses: f64,
    pub expired: f64,
    pub evicted: f64,
}

/// What one incremental sweep did.
#[napi(object)]
pub struct SweepResult {
    pub removed: u32,
    pub shards: u32,
    pub pass_complete: bool,
}

fn limit(n: f64) -> usize {
    if n.is_finite() && n >= 1.0 {
        n as usize
    } else {
        0
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[napi]
impl NativeStore {
    /// `maxEntries`/`maxBytes`: 0 (or not a positive number) for unlimited. With a
    /// `name`, every store of that name in the process (any thread) is the same one.
    #[napi(constructor)]
    pub fn new(max_entries: f64, max_bytes: f64, name: Option<String>) -> Self {
        let limits = store::Limits {
            max_entries: limit(max_entries),
            max_bytes: limit(max_bytes),
        };
        let inner = match name {
            Some(name) => store::Store::named(&name, limits),
            None => Arc::new(store::Store::new(limits)),
        };
        NativeStore { inner }
    }

    /// The stored JSON of a live session, or undefined (an expired one is removed).
    #[napi(catch_unwind)]
    pub fn get(&self, sid: String, now: f64) -> Option<String> {
        self.inner.get(&sid, now)
    }

    #[napi(catch_unwind)]
    pub fn set(&self, sid: String, json: String, expires: f64, now: f64) {
        self.inner.set(&sid, &json, expires, now)
    }

    #[napi(catch_unwind)]
    pub fn destroy(&self, sid: String) -> bool {
        self.inner.destroy(&sid)
    }

    /// Replaces the stored `cookie` member (undefined removes it) and the expiry.
    #[napi(catch_unwind)]
    pub fn touch(&self, sid: String, cookie: Option<String>, expires: f64, now: f64) -> bool {
        self.inner.touch(&sid, cookie.as_deref(), expires, now)
    }

    /// Live sessions as a flat `[sid, json, sid, json, ...]` in insertion order.
    #[napi(catch_unwind)]
    pub fn all(&self, now: f64) -> Vec<String> {
        self.inner
            .all(now)
            .into_iter()
            .flat_map(|(k, v)| [k, v])
            .collect()
    }

    #[napi(catch_unwind)]
    pub fn ids(&self, now: f64) -> Vec<String> {
        self.inner.ids(now)
    }

    #[napi(catch_unwind)]
    pub fn length(&self, now: f64) -> u32 {
        count(self.inner.len(now))
    }

    #[napi(catch_unwind)]
    pub fn clear(&self) {
        self.inner.clear()
    }

    /// Removes every expired entry now; returns how many.
    #[napi(catch_unwind)]
    pub fn remove_expired(&self, now: f64) -> u32 {
        count(self.inner.remove_expired(now))
    }

    /// Incremental sweep for at most about `budget_ms` (at least one shard).
    #[napi(catch_unwind)]
    pub fn sweep(&self, now: f64, budget_ms: f64) -> SweepResult {
        let budget = std::time::Duration::from_secs_f64((budget_ms / 1000.0).clamp(0.0, 60.0));
        let r = self.inner.sweep(now, budget);
        SweepResult {
            removed: count(r.removed),
            shards: count(r.shards),
            pass_complete: r.pass_complete,
        }
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
