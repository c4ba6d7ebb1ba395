//! How a store whose work completes on another thread (the file store's writer,
//! RedisStore's runtime) answers JavaScript: each call's completion is collected,
//! and a batch of them goes to the store's `onDone` in one call of napi-rs's
//! `ThreadsafeFunction`, which keeps the event loop alive only while `ref()`
//! says calls are pending.

use super::raw::{Cx, Result, Throw};
use napi::bindgen_prelude::{FromNapiValue, Function, JsValuesTupleIntoVec, Unknown};
use napi::threadsafe_function::{
    ThreadsafeFunction, ThreadsafeFunctionCallMode, UnknownReturnValue,
};
use napi::{Status, ValueType};
use std::sync::{Arc, Mutex, MutexGuard};

/// `onDone` as a thread-safe function of batches of `C`, made into its
/// arguments `A`; weak: it does not keep the event loop alive by itself.
type Done<C, A> = ThreadsafeFunction<Vec<C>, UnknownReturnValue, A, Status, false, true>;

/// The completions of one store on their way to its `onDone`.
pub struct Completer<C: Send + 'static, A: JsValuesTupleIntoVec + 'static> {
    done: Mutex<Done<C, A>>,
    finished: Mutex<Vec<C>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<C: Send + 'static, A: JsValuesTupleIntoVec + 'static> Completer<C, A> {
    /// Completions for `on_done`, each batch made into its arguments by `args`.
    pub fn new(on_done: Unknown, args: fn(Vec<C>) -> A) -> Result<Arc<Self>> {
        if on_done.get_type().ok() != Some(ValueType::Function) {
            return Err(Throw::type_error(c"onDone must be a function"));
        }
        let cannot = |_| Throw::error(c"cannot create a thread-safe function");
        let done = Function::<A, UnknownReturnValue>::from_unknown(on_done)
            .map_err(cannot)?
            .build_threadsafe_function::<Vec<C>>()
            .weak::<true>()
            .callee_handled::<false>()
            .build_callback(move |ctx| Ok(args(ctx.value)))
            .map_err(cannot)?;
        Ok(Arc::new(Completer {
            done: Mutex::new(done),
            finished: Mutex::new(Vec::new()),
        }))
    }

    /// Adds a completion to the next batch (from any thread).
    pub fn push(&self, completion: C) {
        lock(&self.finished).push(completion);
    }

    /// Sends what was pushed to the main thread, in one call (dropped when the
    /// environment is closing: nobody is left to call back).
    pub fn deliver(&self) {
        let batch = std::mem::take(&mut *lock(&self.finished));
        if !batch.is_empty() {
            lock(&self.done).call(batch, ThreadsafeFunctionCallMode::NonBlocking);
        }
    }

    /// Keeps the event loop alive (`pending`) or not, from the main thread.
    /// (`refer` and `unref` are deprecated in napi-rs for keeping a function
    /// alive, which `Clone` does; keeping the event loop alive is what they do.)
    #[allow(deprecated)]
    pub fn keep_alive(&self, cx: &Cx, pending: bool) -> Result<()> {
        let env = cx.napi_env();
        let mut done = lock(&self.done);
        let r = if pending {
            done.refer(&env)
        } else {
            done.unref(&env)
        };
        r.map_err(|_| Throw::error(c"cannot ref or unref the store's callback"))
    }
}
