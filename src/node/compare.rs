//! The hot native calls written with napi-rs's `#[napi]`, beside the raw ones
//! (feature `napi-compare`; built only for the native-call comparison of
//! `npm run bench -- micro`, never into the package's addon).
//!
//! Each takes its strings as `JsString` and reads them with the raw binding's
//! readers (`Cx::utf8`, `Cx::wtf8`: napi-rs's `String` would replace lone
//! surrogates), calls the same core as the raw callback, and makes its result
//! with napi-rs's own `Env` methods; what differs from the raw callback is
//! napi-rs's wrapper: argument conversion, the class instance's unwrap and
//! checks, and the making of results.

use super::raw::{Cx, Scratch};
use crate::{sid, signer, store};
use napi::bindgen_prelude::{Buffer, Env};
use napi::{Error, JsString, Result, Status};
use napi_derive::napi;
use std::sync::Arc;

fn not_string(what: &str) -> Error {
    Error::new(Status::StringExpected, format!("{what} must be a string"))
}

/// The JS string `v` as WTF-8 (`Cx::wtf8`), or `what` must be a string.
fn wtf8<'s, const N: usize>(
    cx: &Cx,
    v: &JsString,
    s: &'s mut Scratch<N>,
    what: &str,
) -> Result<&'s [u8]> {
    cx.wtf8(cx.value_of(v), s).ok_or_else(|| not_string(what))
}

/// The JS string of stored WTF-8 `bytes` (as `Cx::string`: ASCII as Latin-1,
/// the rest decoded to UTF-16 here).
fn js_string<'env>(env: &'env Env, bytes: &[u8]) -> Result<JsString<'env>> {
    if bytes.is_ascii() {
        return env.create_string_latin1(bytes);
    }
    let units = crate::text::utf16(bytes)
        .map_err(|_| Error::new(Status::GenericFailure, "stored text is not WTF-8"))?;
    env.create_string_utf16(&units)
}

/// `store.get(sid, now)`: the stored JSON, or null (the method and the free
/// function below).
fn get<'env>(
    env: &'env Env,
    store: &store::Store,
    sid: JsString,
    now: f64,
) -> Result<Option<JsString<'env>>> {
    let cx = Cx::of_napi(env);
    let mut scratch = Scratch::<256>::default();
    let sid = wtf8(&cx, &sid, &mut scratch, "session id")?;
    store
        .get_with(sid, now, |json| js_string(env, json))
        .transpose()
}

/// `generateId()` as a `#[napi]` function.
#[napi(js_name = "compareGenerateId")]
pub fn compare_generate_id(env: &Env) -> Result<JsString<'_>> {
    let mut id = [0u8; sid::ID_LEN];
    sid::generate_into(&mut id)
        .map_err(|_| Error::new(Status::GenericFailure, "failed to read random bytes"))?;
    env.create_string_latin1(id)
}

/// A signer (`createSigner(secrets)`'s `sign` and `verify`) as a `#[napi]` class.
#[napi]
pub struct CompareSigner {
    inner: signer::Signer,
}

#[napi]
impl CompareSigner {
    #[napi(factory)]
    pub fn create(secrets: Vec<Buffer>) -> Result<Self> {
        let keys = secrets.iter().map(|b| &b[..]).collect::<Vec<&[u8]>>();
        let inner = signer::Signer::new(keys)
            .map_err(|_| Error::new(Status::InvalidArg, "Secret key must be provided."))?;
        Ok(CompareSigner { inner })
    }

    #[napi]
    pub fn sign<'env>(&self, env: &'env Env, value: JsString) -> Result<JsString<'env>> {
        let cx = Cx::of_napi(env);
        let mut scratch = Scratch::<256>::default();
        let value = cx
            .utf8(cx.value_of(&value), &mut scratch)
            .ok_or_else(|| not_string("value"))?;
        env.create_string_latin1(self.inner.signature(value))
    }

    #[napi]
    pub fn verify(&self, env: &Env, input: JsString) -> Result<bool> {
        let cx = Cx::of_napi(env);
        let mut scratch = Scratch::<256>::default();
        let input = cx
            .utf8(cx.value_of(&input), &mut scratch)
            .ok_or_else(|| not_string("input"))?;
        Ok(self.inner.unsign_len(input).is_some())
    }
}

/// A MemoryStore's native part (`createStore()`'s `get`, `set`, `touch`,
/// `destroy`) as a `#[napi]` class.
#[napi]
pub struct CompareStore {
    inner: Arc<store::Store>,
}

#[napi]
impl CompareStore {
    #[napi(factory)]
    pub fn create() -> Self {
        CompareStore {
            inner: Arc::new(store::Store::new(store::Limits {
                max_entries: 0,
                max_bytes: 0,
            })),
        }
    }

    #[napi]
    pub fn get<'env>(
        &self,
        env: &'env Env,
        sid: JsString,
        now: f64,
    ) -> Result<Option<JsString<'env>>> {
        get(env, &self.inner, sid, now)
    }

    #[napi]
    pub fn set(
        &self,
        env: &Env,
        sid: JsString,
        json: JsString,
        expires: f64,
        now: f64,
    ) -> Result<()> {
        let cx = Cx::of_napi(env);
        let mut scratch = Scratch::<256>::default();
        let sid = wtf8(&cx, &sid, &mut scratch, "session id")?;
        let mut json_scratch = Scratch::<1024>::default();
        let json = wtf8(&cx, &json, &mut json_scratch, "session JSON")?;
        self.inner.set(sid, json, expires, now);
        Ok(())
    }

    #[napi]
    pub fn touch(
        &self,
        env: &Env,
        sid: JsString,
        cookie: Option<JsString>,
        expires: f64,
        now: f64,
    ) -> Result<bool> {
        let cx = Cx::of_napi(env);
        let mut scratch = Scratch::<256>::default();
        let sid = wtf8(&cx, &sid, &mut scratch, "session id")?;
        let mut cookie_scratch = Scratch::<512>::default();
        let cookie = match cookie {
            Some(c) => Some(wtf8(&cx, &c, &mut cookie_scratch, "cookie JSON")?),
            None => None,
        };
        Ok(self.inner.touch(sid, cookie, expires, now))
    }

    #[napi]
    pub fn destroy(&self, env: &Env, sid: JsString) -> Result<bool> {
        let cx = Cx::of_napi(env);
        let mut scratch = Scratch::<256>::default();
        let sid = wtf8(&cx, &sid, &mut scratch, "session id")?;
        Ok(self.inner.destroy(sid))
    }
}

/// The store as an external value, for the free-function form of its calls
/// (`compareStoreGet`): a `#[napi]` function, not a class method, so without
/// the instance's unwrap and checks.
#[napi(js_name = "compareExternalStore")]
pub fn compare_external_store() -> napi::bindgen_prelude::External<Arc<store::Store>> {
    napi::bindgen_prelude::External::new(CompareStore::create().inner)
}

/// `store.get(sid, now)` as a free `#[napi]` function over the external store.
#[napi(js_name = "compareStoreGet")]
pub fn compare_store_get<'env>(
    env: &'env Env,
    store: &napi::bindgen_prelude::External<Arc<store::Store>>,
    sid: JsString,
    now: f64,
) -> Result<Option<JsString<'env>>> {
    get(env, store, sid, now)
}
