//! The only module with `unsafe`: raw Node-API for the calls a request makes
//! (`callback!` callbacks, `Cx` argument readers and value creators), beside
//! napi-rs's `#[napi]` for everything else (`super`).
//!
//! Why raw Node-API for these: a native call itself costs about 40 ns with an
//! empty string argument and 90-160 ns with a session ID in or out (the
//! native-call table of `npm run bench -- micro`), while signing or a store
//! lookup is 100-300 ns of work. The same calls written with `#[napi]`
//! (`compare.rs`, feature `napi-compare`, the micro suite's comparison table)
//! measured 270-730 ns more per call as class methods (napi-rs's unwrap, class
//! check and borrow registry) and 80-110 ns more as free functions; see
//! docs/internals.md. Here a callback reads its arguments once (`Cx`), strings
//! are copied into stack scratch space with an exact completeness check, and
//! results are created with one Node-API call each. napi-rs's `String` arguments
//! would also replace lone surrogates: IDs and stored text are read as WTF-8
//! (`Cx::wtf8`).
//!
//! Everything outside this module is safe code: `callback!` defines a Node-API
//! callback whose body gets a `Cx` (the env and arguments of the current call)
//! and the function's data, typed; errors and panics become JS exceptions.
//! `Cx::attach` puts such a function on an object that a `#[napi]` function
//! made.

#![deny(clippy::undocumented_unsafe_blocks)]

use crate::text;
use napi::sys;
use std::borrow::Cow;
use std::ffi::{c_void, CStr, CString};
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

/// The most arguments a callback reads (the rest are ignored).
const MAX_ARGS: usize = 8;

/// The kind of JS error to throw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Error,
    TypeError,
    RangeError,
}

/// A JS exception to throw: its kind, message and (for errors of the file store)
/// an `err.code`.
#[derive(Clone, Debug)]
pub struct Throw {
    pub kind: Kind,
    pub message: Cow<'static, CStr>,
    pub code: Option<Cow<'static, CStr>>,
}

impl Throw {
    pub const fn type_error(message: &'static CStr) -> Throw {
        Throw {
            kind: Kind::TypeError,
            message: Cow::Borrowed(message),
            code: None,
        }
    }
    pub const fn range_error(message: &'static CStr) -> Throw {
        Throw {
            kind: Kind::RangeError,
            message: Cow::Borrowed(message),
            code: None,
        }
    }
    pub const fn error(message: &'static CStr) -> Throw {
        Throw {
            kind: Kind::Error,
            message: Cow::Borrowed(message),
            code: None,
        }
    }
    /// An `Error` with a message made at run time and an `err.code`.
    pub fn error_with_code(message: &str, code: &str) -> Throw {
        Throw {
            kind: Kind::Error,
            message: Cow::Owned(c_string(message)),
            code: Some(Cow::Owned(c_string(code))),
        }
    }
}

/// `s` as a C string (a NUL inside becomes U+FFFD).
fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

pub type Result<T> = std::result::Result<T, Throw>;

/// A JS value handle, valid during the callback that produced it.
#[derive(Clone, Copy)]
pub struct Value<'a>(sys::napi_value, PhantomData<&'a ()>);

/// The raw function type of a Node-API callback.
type RawFn = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// A Node-API callback whose function data is a `T` (see `callback!`).
pub struct Callback<T> {
    f: RawFn,
    _data: PhantomData<fn(&T)>,
}

impl<T> Clone for Callback<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Callback<T> {}

impl<T> Callback<T> {
    /// # Safety
    /// `f` must read its function data as a `*const T`.
    pub const unsafe fn new(f: RawFn) -> Callback<T> {
        Callback {
            f,
            _data: PhantomData,
        }
    }
}

/// Defines `const NAME: Callback<T>`, a Node-API callback: `|cx, data| body`,
/// where `cx: &Cx` holds the call's env and arguments and `data: &T` is the data
/// the function was created with (`Cx::function`); `body` returns
/// `Result<Value>`. Errors and panics are thrown as JS exceptions.
macro_rules! callback {
    ($(#[$doc:meta])* $vis:vis const $name:ident: $T:ty = |$cx:ident, $data:pat_param| $body:block) => {
        $(#[$doc])*
        $vis const $name: $crate::node::raw::Callback<$T> = {
            unsafe extern "C" fn call(
                env: napi::sys::napi_env,
                info: napi::sys::napi_callback_info,
            ) -> napi::sys::napi_value {
                // SAFETY: Node-API calls this with the env and info of a call of a
                // function that `Cx::function` created with this callback, and so
                // with a `Box<$T>` as its data.
                unsafe {
                    $crate::node::raw::enter::<$T>(env, info, |$cx, $data| $body)
                }
            }
            // SAFETY: `call` reads its data as a `$T` (through `enter::<$T>`).
            unsafe { $crate::node::raw::Callback::new(call) }
        };
    };
}
pub(crate) use callback;

/// The env and arguments of the current Node-API call.
pub struct Cx<'a> {
    env: sys::napi_env,
    argv: [sys::napi_value; MAX_ARGS],
    _call: PhantomData<&'a ()>,
}

impl<'a> Cx<'a> {
    /// The context of a call that napi-rs made (a `#[napi]` function): its env,
    /// and no arguments of its own (napi-rs passes them; `value_of` reads them
    /// with this module's readers).
    pub fn of_napi(env: &'a napi::Env) -> Cx<'a> {
        Cx {
            env: env.raw(),
            argv: [ptr::null_mut(); MAX_ARGS],
            _call: PhantomData,
        }
    }

    /// The env of the current call, as napi-rs's `Env`.
    pub fn napi_env(&self) -> napi::Env {
        napi::Env::from_raw(self.env)
    }

    /// The handle of a value that napi-rs passed to the current call.
    pub fn value_of<V: napi::JsValue<'a>>(&self, v: &V) -> Value<'a> {
        Value(v.raw(), PhantomData)
    }
}

/// Runs `body` for one call: reads the arguments and the function data, and
/// turns an error or a panic into a thrown JS exception (a panic must never unwind
/// into V8 or abort the process).
///
/// # Safety
/// `env` and `info` must be those of the current Node-API callback, whose
/// function data is a valid `*const T`.
pub unsafe fn enter<T>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    body: impl for<'a> FnOnce(&Cx<'a>, &T) -> Result<Value<'a>>,
) -> sys::napi_value {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut argv = [ptr::null_mut(); MAX_ARGS];
        let mut argc = MAX_ARGS;
        let mut data = ptr::null_mut();
        // SAFETY: env and info are the current call's (the caller's contract); argv
        // has room for `argc` values. Missing arguments are filled with undefined.
        let status = unsafe {
            sys::napi_get_cb_info(
                env,
                info,
                &mut argc,
                argv.as_mut_ptr(),
                ptr::null_mut(),
                &mut data,
            )
        };
        if status != sys::Status::napi_ok || data.is_null() {
            return Err(Throw::error(c"express-session-rs: cannot read arguments"));
        }
        let cx = Cx {
            env,
            argv,
            _call: PhantomData,
        };
        // SAFETY: the function's data is a live `Box<T>` (the caller's contract),
        // freed only by the finalizer that runs after the function is collected.
        let data = unsafe { &*(data as *const T) };
        body(&cx, data).map(|v| v.0)
    }))
    .unwrap_or(Err(Throw::error(
        c"express-session-rs: internal error (Rust panic)",
    )));
    match result {
        Ok(v) => v,
        Err(t) => {
            throw(env, t);
            ptr::null_mut()
        }
    }
}

fn throw(env: sys::napi_env, t: Throw) {
    let mut pending = false;
    // SAFETY: env is the current call's; the message and code are NUL-terminated.
    unsafe {
        sys::napi_is_exception_pending(env, &mut pending);
        if pending {
            return;
        }
        let m = t.message.as_ptr();
        let code = t.code.as_deref().map_or(ptr::null(), CStr::as_ptr);
        match t.kind {
            Kind::Error => sys::napi_throw_error(env, code, m),
            Kind::TypeError => sys::napi_throw_type_error(env, code, m),
            Kind::RangeError => sys::napi_throw_range_error(env, code, m),
        };
    }
}

impl Throw {
    /// Throws this in `env` (the env of a `#[napi]` call) and gives the error that
    /// napi-rs passes on: its pending exception.
    pub fn thrown_in(self, env: &napi::Env) -> napi::Error {
        throw(env.raw(), self);
        napi::Error::from_status(napi::Status::PendingException)
    }
}

/// `value` when a Node-API call succeeded, else an Error naming what failed.
fn checked<T>(status: sys::napi_status, value: T, what: &'static CStr) -> Result<T> {
    if status == sys::Status::napi_ok {
        Ok(value)
    } else {
        Err(Throw::error(what))
    }
}

/// Room for reading a JS string: `N` bytes on the stack (left uninitialized, so a
/// call does not pay for zeroing them), a heap buffer for longer strings.
pub struct Scratch<const N: usize> {
    stack: [MaybeUninit<u8>; N],
    heap: Vec<u8>,
}

impl<const N: usize> Default for Scratch<N> {
    fn default() -> Self {
        Scratch {
            stack: [MaybeUninit::uninit(); N],
            heap: Vec::new(),
        }
    }
}

/// The UTF-8 sequence U+FFFD, which Node-API writes for a lone surrogate.
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

/// A searcher for `REPLACEMENT`, built once (`memmem::find` builds one per call:
/// about 200 instructions, on every string read as WTF-8).
static FIND_REPLACEMENT: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(REPLACEMENT));

/// Where `Cx::read_utf8` left a string's bytes in a `Scratch`.
#[derive(Clone, Copy)]
enum At {
    /// The first `n` stack bytes, written by Node-API.
    Stack(usize),
    /// The first `n` heap bytes.
    Heap(usize),
}

impl<const N: usize> Scratch<N> {
    fn get(&self, at: At) -> &[u8] {
        match at {
            // SAFETY: `At::Stack(n)` is only made after Node-API wrote (and so
            // initialized) the first n <= N stack bytes.
            At::Stack(n) => unsafe { std::slice::from_raw_parts(self.stack.as_ptr().cast(), n) },
            At::Heap(n) => &self.heap[..n],
        }
    }
}

impl<'a> Cx<'a> {
    /// Argument `i` (undefined when not given; past `MAX_ARGS`, a null handle
    /// that every reader treats as a value of the wrong type).
    pub fn arg(&self, i: usize) -> Value<'a> {
        Value(
            self.argv.get(i).copied().unwrap_or(ptr::null_mut()),
            PhantomData,
        )
    }

    /// The JS string `v` as UTF-8, lone surrogates replaced by U+FFFD: exactly the
    /// bytes Node's crypto hashes for the string. `None` when `v` is not a string.
    pub fn utf8<'s, const N: usize>(&self, v: Value, s: &'s mut Scratch<N>) -> Option<&'s [u8]> {
        let at = self.read_utf8(v, s)?;
        Some(s.get(at))
    }

    /// The JS string `v` as WTF-8 (see `crate::text`): lossless, lone surrogates
    /// included, and equal to its UTF-8 when it has none. `None` when `v` is not a
    /// string.
    pub fn wtf8<'s, const N: usize>(&self, v: Value, s: &'s mut Scratch<N>) -> Option<&'s [u8]> {
        let at = self.read_utf8(v, s)?;
        // Without a U+FFFD in the UTF-8, the string had no lone surrogate and its
        // UTF-8 is its WTF-8. (A string with a real U+FFFD takes the slow path too.)
        if FIND_REPLACEMENT.find(s.get(at)).is_none() {
            return Some(s.get(at));
        }
        let units = self.utf16(v)?;
        s.heap.clear();
        text::push_wtf8(&mut s.heap, &units);
        Some(&s.heap)
    }

    /// Reads the whole JS string `v` as UTF-8 into `s`; `None` when `v` is not a
    /// string.
    ///
    /// Node-API writes only whole characters (1-4 bytes) and at most N - 1 bytes,
    /// so a result of fewer than N - 4 bytes is complete; a longer one is compared
    /// with the string's exact UTF-8 length, and read again into the heap when it
    /// was cut. Nothing is ever cut, whatever the length.
    fn read_utf8<const N: usize>(&self, v: Value, s: &mut Scratch<N>) -> Option<At> {
        let mut len = 0usize;
        // SAFETY: env and v are the current call's; the buffer has room for N bytes.
        let status = unsafe {
            sys::napi_get_value_string_utf8(self.env, v.0, s.stack.as_mut_ptr().cast(), N, &mut len)
        };
        if status != sys::Status::napi_ok || len >= N {
            return None;
        }
        if len + 4 < N {
            return Some(At::Stack(len));
        }
        let mut full = 0usize;
        // SAFETY: a null buffer asks for the length only.
        let status = unsafe {
            sys::napi_get_value_string_utf8(self.env, v.0, ptr::null_mut(), 0, &mut full)
        };
        if status != sys::Status::napi_ok {
            return None;
        }
        if full == len {
            return Some(At::Stack(len));
        }
        let heap = &mut s.heap;
        heap.clear();
        heap.resize(full.checked_add(1)?, 0);
        // SAFETY: env and v are the current call's; the buffer has room for full + 1.
        let status = unsafe {
            sys::napi_get_value_string_utf8(
                self.env,
                v.0,
                heap.as_mut_ptr().cast(),
                heap.len(),
                &mut len,
            )
        };
        // (strings are immutable: the second read gives the length the first measured)
        (status == sys::Status::napi_ok && len == full).then_some(At::Heap(len))
    }

    /// The UTF-16 code units of the JS string `v`.
    fn utf16(&self, v: Value) -> Option<Vec<u16>> {
        let mut len = 0usize;
        // SAFETY: a null buffer asks for the length (in code units) only.
        let status = unsafe {
            sys::napi_get_value_string_utf16(self.env, v.0, ptr::null_mut(), 0, &mut len)
        };
        if status != sys::Status::napi_ok {
            return None;
        }
        let mut units = vec![0u16; len.checked_add(1)?];
        let mut copied = 0usize;
        // SAFETY: the buffer has room for len + 1 code units.
        let status = unsafe {
            sys::napi_get_value_string_utf16(
                self.env,
                v.0,
                units.as_mut_ptr(),
                units.len(),
                &mut copied,
            )
        };
        if status != sys::Status::napi_ok || copied != len {
            return None;
        }
        units.truncate(len);
        Some(units)
    }

    /// The elements of an array `v`, read one at a time, else `None`. An element
    /// that cannot be read is `None`: a caller stops at the first element it
    /// refuses, so that a huge sparse array (`new Array(2 ** 32 - 1)`) is refused
    /// at once instead of being read into memory whole.
    pub fn array(&self, v: Value<'a>) -> Option<impl Iterator<Item = Option<Value<'a>>> + '_> {
        let mut is_array = false;
        let mut len = 0u32;
        // SAFETY: env and v are the current call's.
        let ok = unsafe {
            sys::napi_is_array(self.env, v.0, &mut is_array) == sys::Status::napi_ok
                && is_array
                && sys::napi_get_array_length(self.env, v.0, &mut len) == sys::Status::napi_ok
        };
        if !ok {
            return None;
        }
        Some((0..len).map(move |i| {
            let mut el = ptr::null_mut();
            // SAFETY: env and v are the current call's.
            let status = unsafe { sys::napi_get_element(self.env, v.0, i, &mut el) };
            (status == sys::Status::napi_ok).then_some(Value(el, PhantomData))
        }))
    }

    /// The number `v`, else `None` (no coercion).
    pub fn number(&self, v: Value) -> Option<f64> {
        let mut t = 0;
        let mut out = 0f64;
        // SAFETY: env and v are the current call's.
        let ok = unsafe {
            sys::napi_typeof(self.env, v.0, &mut t) == sys::Status::napi_ok
                && t == sys::ValueType::napi_number
                && sys::napi_get_value_double(self.env, v.0, &mut out) == sys::Status::napi_ok
        };
        ok.then_some(out)
    }

    /// True for `undefined` (not for `null`).
    pub fn is_undefined(&self, v: Value) -> bool {
        let mut t = 0;
        // SAFETY: env and v are the current call's.
        let status = unsafe { sys::napi_typeof(self.env, v.0, &mut t) };
        status == sys::Status::napi_ok && t == sys::ValueType::napi_undefined
    }

    /// True for `undefined` and `null`.
    pub fn is_nullish(&self, v: Value) -> bool {
        let mut t = 0;
        // SAFETY: env and v are the current call's.
        let status = unsafe { sys::napi_typeof(self.env, v.0, &mut t) };
        status == sys::Status::napi_ok
            && (t == sys::ValueType::napi_undefined || t == sys::ValueType::napi_null)
    }

    /// A JS string of the Latin-1 (here: ASCII) bytes `bytes`.
    pub fn latin1(&self, bytes: &[u8]) -> Result<Value<'a>> {
        let mut out = ptr::null_mut();
        let len =
            isize::try_from(bytes.len()).map_err(|_| Throw::range_error(c"string too long"))?;
        // SAFETY: env is the current call's; `bytes` is valid for `len` bytes.
        let status = unsafe {
            sys::napi_create_string_latin1(self.env, bytes.as_ptr().cast(), len, &mut out)
        };
        checked(status, Value(out, PhantomData), c"cannot create string")
    }

    /// The JS string whose WTF-8 is `bytes` (see `wtf8`): exactly the string that
    /// was stored, lone surrogates included.
    ///
    /// ASCII is copied as Latin-1; anything else is decoded to UTF-16 here, which
    /// is several times faster than V8's own UTF-8 decoder (`napi_create_string_utf8`:
    /// ~10 us per KB of non-ASCII text on Node 20, measured).
    pub fn string(&self, bytes: &[u8]) -> Result<Value<'a>> {
        self.string_or(bytes, || {
            Throw::error(c"express-session-rs: stored text is not WTF-8")
        })
    }

    /// `string`, failing with `not_wtf8()` when `bytes` are not WTF-8 (text read
    /// back from a file that was damaged).
    pub fn string_or(&self, bytes: &[u8], not_wtf8: impl FnOnce() -> Throw) -> Result<Value<'a>> {
        if bytes.is_ascii() {
            return self.latin1(bytes);
        }
        let units = text::utf16(bytes).map_err(|_| not_wtf8())?;
        let len =
            isize::try_from(units.len()).map_err(|_| Throw::range_error(c"string too long"))?;
        let mut out = ptr::null_mut();
        // SAFETY: env is the current call's; `units` is valid for `len` code units.
        let status =
            unsafe { sys::napi_create_string_utf16(self.env, units.as_ptr(), len, &mut out) };
        checked(status, Value(out, PhantomData), c"cannot create string")
    }

    /// A JS boolean.
    pub fn boolean(&self, b: bool) -> Result<Value<'a>> {
        let mut out = ptr::null_mut();
        // SAFETY: env is the current call's.
        let status = unsafe { sys::napi_get_boolean(self.env, b, &mut out) };
        checked(status, Value(out, PhantomData), c"cannot create boolean")
    }

    /// `undefined`.
    pub fn undefined(&self) -> Result<Value<'a>> {
        let mut out = ptr::null_mut();
        // SAFETY: env is the current call's.
        let status = unsafe { sys::napi_get_undefined(self.env, &mut out) };
        checked(status, Value(out, PhantomData), c"cannot get undefined")
    }

    /// `obj[name] =` a new function `name` calling `cb` with `data` (see
    /// `function`).
    pub fn attach<T: 'static>(
        &self,
        obj: Value,
        name: &CStr,
        cb: Callback<T>,
        data: T,
    ) -> Result<()> {
        self.set(obj, name, self.function(name, cb, data)?)
    }

    /// `obj[name] = value`.
    pub fn set(&self, obj: Value, name: &CStr, value: Value) -> Result<()> {
        // SAFETY: env and the values are the current call's; name is NUL-terminated.
        let status =
            unsafe { sys::napi_set_named_property(self.env, obj.0, name.as_ptr(), value.0) };
        checked(status, (), c"cannot set property")
    }

    /// A new JS function `name` calling `cb` with `data` (dropped when the function
    /// is garbage-collected).
    pub fn function<T: 'static>(&self, name: &CStr, cb: Callback<T>, data: T) -> Result<Value<'a>> {
        function(self.env, name, cb, data).map(|f| Value(f, PhantomData))
    }
}

fn function<T: 'static>(
    env: sys::napi_env,
    name: &CStr,
    cb: Callback<T>,
    data: T,
) -> Result<sys::napi_value> {
    unsafe extern "C" fn drop_box<T>(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
        // SAFETY: `data` is the `Box<T>` leaked below, finalized exactly once.
        drop(unsafe { Box::from_raw(data.cast::<T>()) });
    }
    let raw = Box::into_raw(Box::new(data)).cast::<c_void>();
    let mut f = ptr::null_mut();
    // SAFETY: env is valid for the current call; `cb.f` reads its data as `T`
    // (`Callback`'s contract), and `raw` is a live `Box<T>`.
    let status = unsafe {
        sys::napi_create_function(
            env,
            name.as_ptr(),
            name.count_bytes() as isize,
            Some(cb.f),
            raw,
            &mut f,
        )
    };
    let attached = status == sys::Status::napi_ok
        // SAFETY: as above; the finalizer frees `raw` once the function is collected.
        && unsafe {
            sys::napi_add_finalizer(env, f, raw, Some(drop_box::<T>), ptr::null_mut(), ptr::null_mut())
        } == sys::Status::napi_ok;
    if !attached {
        // SAFETY: no function owns `raw`: free it here.
        drop(unsafe { Box::from_raw(raw.cast::<T>()) });
        return Err(Throw::error(c"express-session-rs: cannot create function"));
    }
    Ok(f)
}

/// Module registration: `super::register` defines the exports.
#[napi_derive::napi(module_exports)]
pub fn init(exports: napi::bindgen_prelude::Object) -> napi::Result<()> {
    use napi::JsValue;
    let cx = Cx {
        env: exports.value().env,
        argv: [ptr::null_mut(); MAX_ARGS],
        _call: PhantomData,
    };
    super::register(&cx, Value(exports.raw(), PhantomData)).map_err(|t| {
        napi::Error::new(
            napi::Status::GenericFailure,
            t.message.to_string_lossy().into_owned(),
        )
    })
}
