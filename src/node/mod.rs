//! The Node-API binding: converts and validates JS arguments, calls the plain Rust
//! core (`signer`, `sid`, `store`), and returns JS values. No logic, and no
//! `unsafe` outside `raw`.
//!
//! Two kinds of functions:
//! - **`#[napi]`** for everything cold: construction (`createSigner`,
//!   `createStore`, `createSqliteStore`), listings, `stats`, sweeps, `clear`,
//!   `close`. napi-rs generates their types (`native/napi.d.ts`).
//! - **raw Node-API callbacks** (`raw::callback!`) for the calls a request makes:
//!   `generateId`, a signer's `sign` and `verify`, the stores' `get`, `set`,
//!   `merge`, `touch` and `destroy`, and the file store's `flush`, `ref` and
//!   `unref`. They are attached to the objects the `#[napi]` constructors
//!   return, as own properties, with the store or signer as their function data.
//!   The same calls written with `#[napi]` cost 80-110 ns more per call as free
//!   functions over an `External` and 270-730 ns more as class methods, measured
//!   side by side (`npm run bench -- micro`, table "native calls: raw and
//!   #[napi]", and docs/internals.md): 0.3-1.5 us per request, against a
//!   session's own budget of 5-15 us per request.
//!
//! Every argument is validated here, so that no input reaches a panic in the core:
//! strings are read whole (`Cx::utf8` for what is hashed, `Cx::wtf8` and `wtf8`
//! for keys and stored text, lossless: napi-rs's `String` replaces lone
//! surrogates), numbers are checked for type (a TypeError) and range (a
//! RangeError), as the raw callbacks always did.

#[cfg(feature = "napi-compare")]
mod compare;
mod completer;
mod memory;
mod raw;
mod redis;
mod sqlite;

use crate::{sid, signer, text};
use napi::bindgen_prelude::{Array, BufferSlice, Env, FromNapiValue, Object, Unknown};
use napi::{JsString, JsValue, ValueType};
use napi_derive::napi;
use raw::{callback, Cx, Result, Scratch, Throw, Value};

/// Defines the module's raw exports (called once per module instance; napi-rs
/// defines the `#[napi]` ones).
fn register<'a>(cx: &Cx<'a>, exports: Value<'a>) -> Result<()> {
    cx.attach(exports, c"generateId", GENERATE_ID, ())
}

// ---- what the #[napi] functions share ------------------------------------------

/// Runs the body of a `#[napi]` function: a `Throw` becomes its JS exception (a
/// TypeError, RangeError or Error with `err.code`, as from a raw callback).
fn cold<T>(env: &Env, body: impl FnOnce() -> Result<T>) -> napi::Result<T> {
    body().map_err(|t| t.thrown_in(env))
}

/// A napi-rs call that failed while making a result.
fn failed(_: napi::Error) -> Throw {
    Throw::error(c"express-session-rs: cannot create a JS value")
}

/// The number `v`, else `None` (no coercion).
fn number(v: &Unknown) -> Option<f64> {
    if v.get_type().ok()? != ValueType::Number {
        return None;
    }
    f64::from_unknown(*v).ok()
}

/// The JS string `v` as WTF-8 (lossless, lone surrogates included), else `None`.
fn wtf8(v: &Unknown) -> Option<Vec<u8>> {
    if v.get_type().ok()? != ValueType::String {
        return None;
    }
    let units = JsString::from_unknown(*v).ok()?.into_utf16().ok()?;
    // (napi-rs's buffer ends with the NUL that Node-API writes)
    let (_, units) = units.as_slice().split_last()?;
    let mut out = Vec::with_capacity(units.len());
    text::push_wtf8(&mut out, units);
    Some(out)
}

/// The JS string whose WTF-8 is `bytes`, or `not_wtf8()` when they are not
/// WTF-8 (text read back from a damaged file).
fn js_string<'e>(
    env: &'e Env,
    bytes: &[u8],
    not_wtf8: impl FnOnce() -> Throw,
) -> Result<JsString<'e>> {
    if bytes.is_ascii() {
        return env.create_string_latin1(bytes).map_err(failed);
    }
    let units = text::utf16(bytes).map_err(|_| not_wtf8())?;
    env.create_string_utf16(&units).map_err(failed)
}

/// A JS array of the strings `items` (WTF-8).
fn js_strings<'e, 'i>(
    env: &'e Env,
    items: impl ExactSizeIterator<Item = &'i [u8]>,
    not_wtf8: impl Fn(&[u8]) -> Throw,
) -> Result<Array<'e>> {
    let len = u32::try_from(items.len()).map_err(|_| Throw::range_error(c"array too long"))?;
    let mut array = env.create_array(len).map_err(failed)?;
    for (i, item) in (0..len).zip(items) {
        let s = js_string(env, item, || not_wtf8(item))?;
        array.set(i, s).map_err(failed)?;
    }
    Ok(array)
}

/// Stored text that is not WTF-8, in the in-memory store (never happens: it
/// keeps what JS gave it).
fn not_wtf8(_: &[u8]) -> Throw {
    Throw::error(c"express-session-rs: stored text is not WTF-8")
}

// ---- arguments -----------------------------------------------------------------

const SID_NOT_STRING: Throw = Throw::type_error(c"session id must be a string");
const JSON_NOT_STRING: Throw = Throw::type_error(c"session JSON must be a string");
const OWNER_NOT_STRING: Throw = Throw::type_error(c"owner must be a string");
const NOW_NOT_NUMBER: Throw = Throw::type_error(c"now must be a number");
const NOW_NOT_FINITE: Throw = Throw::range_error(c"now must be a finite number");
const EXPIRES_NOT_NUMBER: Throw = Throw::type_error(c"expires must be a number");
const LIMIT_NOT_NUMBER: Throw = Throw::type_error(c"limits must be numbers");
const LIMIT_OUT_OF_RANGE: Throw = Throw::range_error(c"limits must be >= 0 (0: unlimited)");

/// A session id argument of a raw callback (WTF-8: distinct JS strings stay
/// distinct keys).
fn sid_arg<'s, const N: usize>(cx: &Cx, i: usize, s: &'s mut Scratch<N>) -> Result<&'s [u8]> {
    cx.wtf8(cx.arg(i), s).ok_or(SID_NOT_STRING)
}

/// A session id argument as owned WTF-8 bytes.
fn owned_sid(cx: &Cx, i: usize) -> Result<Vec<u8>> {
    let mut scratch = Scratch::<256>::default();
    sid_arg(cx, i, &mut scratch).map(<[u8]>::to_vec)
}

/// A `now`: a finite number of ms since the epoch.
fn now(n: Option<f64>) -> Result<f64> {
    let now = n.ok_or(NOW_NOT_NUMBER)?;
    now.is_finite().then_some(now).ok_or(NOW_NOT_FINITE)
}

/// `now` argument `i` of a raw callback.
fn now_arg(cx: &Cx, i: usize) -> Result<f64> {
    now(cx.number(cx.arg(i)))
}

/// An `expires` argument: a number; NaN and ±Infinity mean never (as a non-finite
/// `expires` becomes `null` in the stored JSON, which never expires).
fn expires_arg(cx: &Cx, i: usize) -> Result<f64> {
    cx.number(cx.arg(i)).ok_or(EXPIRES_NOT_NUMBER)
}

/// A cookie JSON argument that may be absent (undefined or null).
fn optional_json<'s, const N: usize>(
    cx: &Cx,
    i: usize,
    s: &'s mut Scratch<N>,
) -> Result<Option<&'s [u8]>> {
    if cx.is_nullish(cx.arg(i)) {
        return Ok(None);
    }
    cx.wtf8(cx.arg(i), s).map(Some).ok_or(JSON_NOT_STRING)
}

/// The owner of a session just written (the middleware's `owner` option), to
/// record in the store's index: `None` when the argument is undefined (owners
/// are not tracked), `Some(None)` for null (the session has none), else the
/// owner's text.
fn owner_arg<'s, const N: usize>(
    cx: &Cx,
    i: usize,
    s: &'s mut Scratch<N>,
) -> Result<Option<Option<&'s [u8]>>> {
    let v = cx.arg(i);
    if cx.is_undefined(v) {
        return Ok(None);
    }
    if cx.is_nullish(v) {
        return Ok(Some(None));
    }
    cx.wtf8(v, s).map(|o| Some(Some(o))).ok_or(OWNER_NOT_STRING)
}

/// A limit: a number >= 0; 0 and Infinity mean unlimited, fractions are floored.
fn limit(n: Option<f64>) -> Result<usize> {
    let n = n.ok_or(LIMIT_NOT_NUMBER)?;
    if n.is_nan() || n < 0.0 {
        return Err(LIMIT_OUT_OF_RANGE);
    }
    // (`as` saturates: Infinity and huge values become usize::MAX, no limit)
    Ok(if n == f64::INFINITY { 0 } else { n as usize })
}

const PATCH_NOT_STRINGS: Throw =
    Throw::type_error(c"merge members must be arrays of strings ([key, json, ...] and [key, ...])");
const PATCH_BAD_KEY: Throw = Throw::type_error(
    c"merge keys must be JSON string text (a key as JSON.stringify writes it between the quotes)",
);

/// The `sets` (`[key, valueJson, ...]`) and `deletes` (`[key, ...]`) arguments
/// at `i` and `i + 1` of a raw callback, as a patch.
fn patch_args(cx: &Cx, i: usize) -> Result<crate::store::json::Patch> {
    let flat = strings_arg(cx, i, PATCH_NOT_STRINGS)?;
    if flat.len() % 2 != 0 {
        return Err(PATCH_NOT_STRINGS);
    }
    let mut sets = Vec::with_capacity(flat.len() / 2);
    let mut items = flat.into_iter();
    while let (Some(key), Some(value)) = (items.next(), items.next()) {
        sets.push((key, value));
    }
    let patch = crate::store::json::Patch {
        sets,
        deletes: strings_arg(cx, i + 1, PATCH_NOT_STRINGS)?,
    };
    let mut keys = patch.sets.iter().map(|(k, _)| k).chain(&patch.deletes);
    if !keys.all(|k| crate::store::json::is_key_text(k)) {
        return Err(PATCH_BAD_KEY);
    }
    Ok(patch)
}

/// Argument `i` of a raw callback, an array of strings, as WTF-8 (`bad` at the
/// first element that is not a string).
fn strings_arg(cx: &Cx, i: usize, bad: Throw) -> Result<Vec<Vec<u8>>> {
    cx.array(cx.arg(i))
        .ok_or_else(|| bad.clone())?
        .map(|item| {
            let mut scratch = Scratch::<256>::default();
            item.and_then(|item| cx.wtf8(item, &mut scratch).map(<[u8]>::to_vec))
                .ok_or_else(|| bad.clone())
        })
        .collect()
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

/// `createSigner(secrets)`: `{ sign(value), verify(input) }` with the HMAC keys
/// prepared once; secrets as raw bytes (Buffers), at least one.
#[napi(
    catch_unwind,
    ts_args_type = "secrets: Buffer[]",
    ts_return_type = "import('./index').NativeSigner"
)]
pub fn create_signer<'e>(env: &'e Env, secrets: Option<Unknown<'e>>) -> napi::Result<Object<'e>> {
    cold(env, || {
        let secrets = secrets.ok_or(NO_SECRET)?;
        if !secrets.is_array().unwrap_or(false) {
            return Err(BAD_SECRETS);
        }
        let list = Array::from_unknown(secrets).map_err(|_| BAD_SECRETS)?;
        // (element by element, refusing at the first that is not a Buffer: a huge
        // sparse array is refused at once instead of being read whole)
        let mut keys = Vec::new();
        for i in 0..list.len() {
            let el = list.get::<Unknown>(i).ok().flatten().ok_or(BAD_SECRETS)?;
            if !el.is_buffer().unwrap_or(false) {
                return Err(BAD_SECRETS);
            }
            keys.push(BufferSlice::from_unknown(el).map_err(|_| BAD_SECRETS)?);
        }
        let signer = signer::Signer::new(keys.iter().map(|k| &k[..])).map_err(|_| NO_SECRET)?;
        let obj = Object::new(env).map_err(failed)?;
        let cx = Cx::of_napi(env);
        let handle = cx.value_of(&obj);
        cx.attach(handle, c"sign", SIGN, signer.clone())?;
        cx.attach(handle, c"verify", VERIFY, signer)?;
        Ok(obj)
    })
}
