/*!
 * express-session-rs: what the native stores share
 * (deferred callbacks, expiry of a session from its cookie or a ttl, the ttl option).
 */

'use strict'

var callbackOrPromise = require('./promise')
var inspect = require('util').inspect
var json = require('./json')
var number = require('./options/number')

var defer = setImmediate

var DAY = 24 * 60 * 60 * 1000

exports.settle = settle
exports.expiry = expiry
exports.ttlOption = ttlOption
exports.startTimer = startTimer
exports.stopTimer = stopTimer
exports.thrownError = thrownError

// Stops a store's sweep timer once the store itself is garbage-collected.
var timers = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry(function (timer) { clearInterval(timer) })
  : null

/**
 * Starts `store`'s background sweep: `step()` every `store._sweepInterval` ms
 * (none when 0), on an unref'd timer that never keeps the process alive and stops
 * when the store is garbage-collected (`step` must not hold the store itself).
 *
 * @private
 */
function startTimer (store, step) {
  if (store._timer || !store._sweepInterval) return
  store._timer = setInterval(step, store._sweepInterval)
  store._timer.unref()
  if (timers) timers.register(store, store._timer, store)
}

/**
 * Stops `store`'s background sweep.
 *
 * @private
 */
function stopTimer (store) {
  if (!store._timer) return
  clearInterval(store._timer)
  if (timers) timers.unregister(store)
  store._timer = null
}

/**
 * What a function of the app (a ttl or owner function) threw, as an Error: the
 * value itself when it is one, else an Error naming it, so that a thrown value
 * is never taken for a result, nor a thrown `undefined` for no error.
 *
 * @param {String} what the function, for the message
 * @param {*} err
 * @return {Error}
 * @private
 */
function thrownError (what, err) {
  return err instanceof Error ? err : new Error(what + ' threw ' + inspect(err))
}

/**
 * Calls back on the next turn with `err`, or with `(null, value)` when a value is
 * given, as express-session's MemoryStore does; returns a Promise when no
 * callback is given.
 *
 * @private
 */
function settle (callback, err, value) {
  var withValue = arguments.length > 2
  if (callback) {
    // (the arguments express-session's MemoryStore passes: none, or null and a value)
    if (err) defer(callback, err)
    else if (withValue) defer(callback, null, value)
    else defer(callback)
    return
  }
  return callbackOrPromise(undefined, undefined, function (done) {
    defer(done, err, value)
  })
}

/**
 * When `session` expires (ms since the epoch): its cookie's expiry, else `ttl`
 * (ms, or a function of the session) from `now`; NaN for never. A ttl function
 * that throws, or gives what the `ttl` option refuses, throws here.
 *
 * @private
 */
function expiry (session, now, ttl) {
  var expires = expiryOf(session && session.cookie)
  if (!Number.isNaN(expires)) return expires
  var ms = typeof ttl === 'function' ? ttlResult(ttl(session)) : ttl
  return now + ms
}

/**
 * What a ttl function gave, checked as the `ttl` option is: a number of ms, an
 * integer >= 1 or Infinity (a TypeError or RangeError otherwise, rather than a
 * session that silently never expires).
 *
 * @private
 */
function ttlResult (ms) {
  if (typeof ms !== 'number' || Number.isNaN(ms)) {
    throw new TypeError('ttl function must return a number of milliseconds, not ' + inspect(ms))
  }
  if (ms !== Infinity && !(Number.isInteger(ms) && ms >= 1)) {
    throw new RangeError('ttl function must return an integer number of milliseconds >= 1 or Infinity, not ' + inspect(ms))
  }
  return ms
}

/**
 * The `ttl` option: one day when undefined; a function of the session, or a
 * number of ms: an integer >= 1, or Infinity (never expire). It is not a timer
 * (only added to `Date.now()`), so it has no upper bound.
 *
 * @private
 */
function ttlOption (ttl) {
  if (typeof ttl === 'function') return ttl
  if (ttl !== undefined && (typeof ttl !== 'number' || Number.isNaN(ttl))) {
    throw new TypeError('ttl option must be a number of milliseconds or a function')
  }
  return number.time('ttl', ttl, { min: 1, max: Infinity, default: DAY })
}

/**
 * The instant (ms) at which a session with this cookie expires, as MemoryStore
 * decides it from the stored JSON: `expires` as a date string, or a number; anything
 * else (null, an invalid date, a missing cookie) never expires. NaN means never.
 *
 * @private
 */
function expiryOf (cookie) {
  if (!cookie || typeof cookie !== 'object') return NaN
  var expires
  if (json.isPlainCookie(cookie)) {
    expires = cookie._expires // what Cookie#toJSON serializes as expires
  } else {
    var data = typeof cookie.toJSON === 'function' ? cookie.toJSON() : cookie
    expires = data && data.expires
  }
  if (expires instanceof Date) return expires.getTime()
  if (typeof expires === 'object' && expires !== null) {
    // what the JSON round trip makes of it (a toJSON may give anything)
    var text = JSON.stringify(expires)
    expires = text === undefined ? undefined : JSON.parse(text)
    // an object or array is truthy and compared as a number: one that is 0,
    // as `[]` is, has expired
    if (typeof expires === 'object' && expires !== null) return Number(expires)
  }
  switch (typeof expires) {
    case 'string':
      return expires ? Date.parse(expires) : NaN
    case 'number':
      return expires || NaN
    case 'boolean':
      return expires ? 1 : NaN
    default:
      return NaN
  }
}
