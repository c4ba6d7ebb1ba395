//! Thin helpers for the hot-path bindings, written against the raw Node-API.
//!
//! napi-derive's generated wrappers cost ~85-110 ns per call with arguments on
//! napi 3.16 (argument borrow tracking, generic conversions); sign/unsign/generateId
//! are ~0.3-1 us operations, so that overhead alone would halve their speed-up. The
//! functions here read arguments into stack buffers and return Latin-1 strings or
//! booleans with one Node-API call each. Binding layer only: no logic beyond
//! converting values and turning failures and panics into JS exceptions.

use napi::sys;
use std::ffi::c_void;
use std::mem::MaybeUninit;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

/// A raw Node-API callback.
pub type RawCallback =
    unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// A JS exception to throw: (is TypeError, message).
#[derive(Clone, Copy)]
pub struct Throw {
    pub type_error: bool,
    pub message: &'static str,
}

impl Throw {
    pub const fn type_error(message: &'static str) -> Throw {
        Throw {
            type_error: true,
            message,
        }
    }
    pub const fn error(message: &'static str) -> Throw {
        Throw {
            type_error: false,
            message,
        }
    }
}

/// `value` when a Node-API call succeeded, else an Error naming what failed.
fn checked<T>(status: sys::napi_status, value: T, what: &'static str) -> Result<T, Throw> {
    if status == sys::Status::napi_ok {
        Ok(value)
    } else {
        Err(Throw::error(what))
    }
}

/// Runs `body`, converting an error or a panic into a thrown JS exception (a panic
/// must never unwind into V8 or abort the process).
///
/// # Safety
/// `env` must be the env of the current callback.
pub unsafe fn guard(
    env: sys::napi_env,
    body: impl FnOnce() -> Result<sys::napi_value, Throw>,
) -> sys::napi_value {
    let result = catch_unwind(AssertUnwindSafe(body)).unwrap_or(Err(Throw::error(
        "express-session-rs: internal error (Rust panic)",
    )));
    match result {
        Ok(v) => v,
        Err(t) => {
            throw(env, &t);
            ptr::null_mut()
        }
    }
}

unsafe fn throw(env: sys::napi_env, t: &Throw) {
    let mut pending = false;
    sys::napi_is_exception_pending(env, &mut pending);
    if pending {
        return;
    }
    let mut msg = Vec::with_capacity(t.message.len() + 1);
    msg.extend_from_slice(t.message.as_bytes());
    msg.push(0);
    let m = msg.as_ptr().cast();
    if t.type_error {
        sys::napi_throw_type_error(env, ptr::null(), m);
    } else {
        sys::napi_throw_error(env, ptr::null(), m);
    }
}

/// Reads up to `N` arguments and the function's data pointer.
///
/// # Safety
/// Must be called inside a Node-API callback with its `env` and `info`.
pub unsafe fn args<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Result<([sys::napi_value; N], usize, *mut c_void), Throw> {
    let mut argv = [ptr::null_mut(); N];
    let mut argc = N;
    let mut data = ptr::null_mut();
    let status = sys::napi_get_cb_info(
        env,
        info,
        &mut argc,
        argv.as_mut_ptr(),
        ptr::null_mut(),
        &mut data,
    );
    if status != sys::Status::napi_ok {
        return Err(Throw::error("express-session-rs: cannot read arguments"));
    }
    Ok((argv, argc.min(N), data))
}

/// Room for reading a JS string as UTF-8: `N` bytes on the stack (left
/// uninitialized, so a call does not pay for zeroing them), a heap buffer beyond.
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

/// The JS string `value` as UTF-8, in `scratch`'s stack bytes when it fits, else
/// in its heap buffer. `None` when `value` is not a string.
///
/// # Safety
/// `env` and `value` must be valid for the current callback.
pub unsafe fn utf8<const N: usize>(
    env: sys::napi_env,
    value: sys::napi_value,
    scratch: &mut Scratch<N>,
) -> Option<&[u8]> {
    if value.is_null() {
        return None;
    }
    let mut len = 0usize;
    let status =
        sys::napi_get_value_string_utf8(env, value, scratch.stack.as_mut_ptr().cast(), N, &mut len);
    if status != sys::Status::napi_ok {
        return None;
    }
    // A result that fills the buffer may have been truncated: measure and re-read.
    if len + 1 < N {
        // Node-API wrote (and so initialized) the first `len` bytes.
        return Some(std::slice::from_raw_parts(
            scratch.stack.as_ptr().cast(),
            len,
        ));
    }
    let mut full = 0usize;
    if sys::napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut full)
        != sys::Status::napi_ok
    {
        return None;
    }
    let heap = &mut scratch.heap;
    heap.resize(full + 1, 0);
    if sys::napi_get_value_string_utf8(env, value, heap.as_mut_ptr().cast(), heap.len(), &mut len)
        != sys::Status::napi_ok
    {
        return None;
    }
    Some(&heap[..len])
}

/// The bytes of a Buffer argument.
///
/// # Safety
/// `env` and `value` must be valid for the current callback; the slice lives as long
/// as the callback keeps `value` alive.
pub unsafe fn buffer<'a>(env: sys::napi_env, value: sys::napi_value) -> Option<&'a [u8]> {
    let mut is_buffer = false;
    if sys::napi_is_buffer(env, value, &mut is_buffer) != sys::Status::napi_ok || !is_buffer {
        return None;
    }
    let mut data = ptr::null_mut();
    let mut len = 0usize;
    if sys::napi_get_buffer_info(env, value, &mut data, &mut len) != sys::Status::napi_ok {
        return None;
    }
    if len == 0 {
        return Some(&[]);
    }
    Some(std::slice::from_raw_parts(data as *const u8, len))
}

/// An array argument's elements.
///
/// # Safety
/// `env` and `value` must be valid for the current callback.
pub unsafe fn array_elements(
    env: sys::napi_env,
    value: sys::napi_value,
) -> Option<Vec<sys::napi_value>> {
    let mut is_array = false;
    if sys::napi_is_array(env, value, &mut is_array) != sys::Status::napi_ok || !is_array {
        return None;
    }
    let mut len = 0u32;
    if sys::napi_get_array_length(env, value, &mut len) != sys::Status::napi_ok {
        return None;
    }
    let mut out = Vec::with_capacity(len as usize);
    for i in 0..len {
        let mut el = ptr::null_mut();
        if sys::napi_get_element(env, value, i, &mut el) != sys::Status::napi_ok {
            return None;
        }
        out.push(el);
    }
    Some(out)
}

/// A JS string from ASCII/Latin-1 bytes.
///
/// # Safety
/// `env` must be valid for the current callback.
pub unsafe fn latin1(env: sys::napi_env, bytes: &[u8]) -> Result<sys::napi_value, Throw> {
    let mut out = ptr::null_mut();
    checked(
        sys::napi_create_string_latin1(env, bytes.as_ptr().cast(), bytes.len() as isize, &mut out),
        out,
        "express-session-rs: cannot create string",
    )
}

/// A JS boolean.
///
/// # Safety
/// `env` must be valid for the current callback.
pub unsafe fn boolean(env: sys::napi_env, b: bool) -> Result<sys::napi_value, Throw> {
    let mut out = ptr::null_mut();
    checked(
        sys::napi_get_boolean(env, b, &mut out),
        out,
        "express-session-rs: cannot create boolean",
    )
}

/// A new JS function calling `cb`, owning `data` (dropped when the function is
/// garbage-collected).
///
/// # Safety
/// `env` must be valid; `cb` must treat its data pointer as `*const T`.
pub unsafe fn function_with<T: 'static>(
    env: sys::napi_env,
    name: &str,
    cb: RawCallback,
    data: Box<T>,
) -> Result<sys::napi_value, Throw> {
    unsafe extern "C" fn drop_box<T>(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
        drop(Box::from_raw(data.cast::<T>()));
    }
    let raw = Box::into_raw(data).cast::<c_void>();
    let mut f = ptr::null_mut();
    let status = sys::napi_create_function(
        env,
        name.as_ptr().cast(),
        name.len() as isize,
        Some(cb),
        raw,
        &mut f,
    );
    if status != sys::Status::napi_ok {
        drop(Box::from_raw(raw.cast::<T>()));
        return Err(Throw::error("express-session-rs: cannot create function"));
    }
    if sys::napi_add_finalizer(
        env,
        f,
        raw,
        Some(drop_box::<T>),
        ptr::null_mut(),
        ptr::null_mut(),
    ) != sys::Status::napi_ok
    {
        drop(Box::from_raw(raw.cast::<T>()));
        return Err(Throw::error("express-session-rs: cannot attach finalizer"));
    }
    Ok(f)
}

/// Defines `obj[name] = value`.
///
/// # Safety
/// `env`, `obj` and `value` must be valid.
pub unsafe fn set_named(
    env: sys::napi_env,
    obj: sys::napi_value,
    name: &str,
    value: sys::napi_value,
) -> Result<(), Throw> {
    let mut cname = Vec::with_capacity(name.len() + 1);
    cname.extend_from_slice(name.as_bytes());
    cname.push(0);
    checked(
        sys::napi_set_named_property(env, obj, cname.as_ptr().cast(), value),
        (),
        "express-session-rs: cannot set property",
    )
}

/// A new function without data.
///
/// # Safety
/// `env` must be valid.
pub unsafe fn function(
    env: sys::napi_env,
    name: &str,
    cb: RawCallback,
) -> Result<sys::napi_value, Throw> {
    let mut f = ptr::null_mut();
    checked(
        sys::napi_create_function(
            env,
            name.as_ptr().cast(),
            name.len() as isize,
            Some(cb),
            ptr::null_mut(),
            &mut f,
        ),
        f,
        "express-session-rs: cannot create function",
    )
}

/// A new empty object.
///
/// # Safety
/// `env` must be valid.
pub unsafe fn object(env: sys::napi_env) -> Result<sys::napi_value, Throw> {
    let mut o = ptr::null_mut();
    checked(
        sys::napi_create_object(env, &mut o),
        o,
        "express-session-rs: cannot create object",
    )
}

/// A number argument (`None` when not a number).
///
/// # Safety
/// `env` and `value` must be valid for the current callback.
pub unsafe fn double(env: sys::napi_env, value: sys::napi_value) -> Option<f64> {
    let mut out = 0f64;
    (!value.is_null() && sys::napi_get_value_double(env, value, &mut out) == sys::Status::napi_ok)
        .then_some(out)
}

/// True for `undefined` and `null` (and a missing argument).
///
/// # Safety
/// `env` and `value` must be valid for the current callback.
pub unsafe fn is_nullish(env: sys::napi_env, value: sys::napi_value) -> bool {
    if value.is_null() {
        return true;
    }
    let mut t = 0;
    sys::napi_typeof(env, value, &mut t) == sys::Status::napi_ok
        && (t == sys::ValueType::napi_undefined || t == sys::ValueType::napi_null)
}

/// A JS string from UTF-8 text (copied as Latin-1 when it is ASCII: no decoding).
///
/// # Safety
/// `env` must be valid for the current callback.
pub unsafe fn string(env: sys::napi_env, s: &str) -> Result<sys::napi_value, Throw> {
    if s.is_ascii() {
        return latin1(env, s.as_bytes());
    }
    let mut out = ptr::null_mut();
    checked(
        sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut out),
        out,
        "express-session-rs: cannot create string",
    )
}

/// `undefined`.
///
/// # Safety
/// `env` must be valid for the current callback.
pub unsafe fn undefined(env: sys::napi_env) -> Result<sys::napi_value, Throw> {
    let mut out = ptr::null_mut();
    checked(
        sys::napi_get_undefined(env, &mut out),
        out,
        "express-session-rs: cannot get undefined",
    )
}

/// A JS number.
///
/// # Safety
/// `env` must be valid for the current callback.
pub unsafe fn number(env: sys::napi_env, n: f64) -> Result<sys::napi_value, Throw> {
    let mut out = ptr::null_mut();
    checked(
        sys::napi_create_double(env, n, &mut out),
        out,
        "express-session-rs: cannot create number",
    )
}

/// A JS array of strings.
///
/// # Safety
/// `env` must be valid for the current callback.
pub unsafe fn string_array<'a>(
    env: sys::napi_env,
    items: impl ExactSizeIterator<Item = &'a str>,
) -> Result<sys::napi_value, Throw> {
    let mut arr = ptr::null_mut();
    if sys::napi_create_array_with_length(env, items.len(), &mut arr) != sys::Status::napi_ok {
        return Err(Throw::error("express-session-rs: cannot create array"));
    }
    for (i, s) in items.enumerate() {
        let v = string(env, s)?;
        if sys::napi_set_element(env, arr, i as u32, v) != sys::Status::napi_ok {
            return Err(Throw::error("express-session-rs: cannot set array element"));
        }
    }
    Ok(arr)
}
