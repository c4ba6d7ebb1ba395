/*!
 * express-session-rs: optional promises for callback APIs
 * A method called without a callback returns a Promise that never goes unhandled.
 */

'use strict'

module.exports = callbackOrPromise
callbackOrPromise.callWith = callWith

function noop () {}

/**
 * Calls `run(done)`. With a `callback`, `done` is the callback and `returnValue` is
 * returned; without one, returns a Promise settled by `done(err, value)`.
 *
 * The promise already has a rejection handler, so a caller that ignores it (as
 * express-session callers ignore `save()`'s result) never sees an unhandled
 * rejection crash the process; a caller that awaits it still gets the error.
 * What `run` throws is thrown, with or without a callback.
 *
 * @private
 */
function callbackOrPromise (callback, returnValue, run) {
  if (typeof callback === 'function') {
    run(callback)
    return returnValue
  }
  var done
  var promise = new Promise(function (resolve, reject) {
    done = function done (err, value) {
      if (err) reject(err)
      else resolve(value)
    }
  })
  promise.catch(noop)
  // (outside the executor: what `run` throws is thrown at the call, as
  // express-session's methods throw it, not kept in the Promise)
  run(done)
  return promise
}

/**
 * Calls `method(callback)` on `obj`, always with a function: `callback`, or a
 * Promise's when none is given (then the Promise is returned, else `obj`).
 *
 * @private
 */
function callWith (obj, method, callback) {
  return callbackOrPromise(callback, obj, function (done) {
    method.call(obj, done)
  })
}
