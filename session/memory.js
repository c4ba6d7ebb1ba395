/*!
 * express-session-rs: MemoryStore on the native store
 *
 * express-session 1.19.0's MemoryStore semantics (callbacks deferred with
 * setImmediate, expired sessions removed when read, `touch` replacing only the stored
 * cookie, `all` as an object keyed by sid), with the data kept off the V8 heap as
 * JSON text in a Rust concurrent map.
 */

'use strict'

var SYNC = require('./sync')
var Store = require('./store')
var callbackOrPromise = require('./promise')
var native = require('../native')
var util = require('util')

var defer = setImmediate

module.exports = MemoryStore

/**
 * @public
 */
function MemoryStore () {
  Store.call(this)
  Object.defineProperty(this, '_native', { value: new native.NativeStore() })
}

util.inherits(MemoryStore, Store)

/**
 * All live sessions: `callback(null, {sid: session})`.
 */
MemoryStore.prototype.all = function all (callback) {
  var flat = this._native.all(Date.now())
  var sessions = Object.create(null)
  for (var i = 0; i < flat.length; i += 2) {
    sessions[flat[i]] = JSON.parse(flat[i + 1])
  }
  return settle(callback, null, sessions)
}

/**
 * Removes every session.
 */
MemoryStore.prototype.clear = function clear (callback) {
  this._native.clear()
  return settle(callback)
}

/**
 * Removes a session, or each of an array of sessions.
 */
MemoryStore.prototype.destroy = function destroy (sessionId, callback, token) {
  if (Array.isArray(sessionId)) {
    for (var i = 0; i < sessionId.length; i++) {
      this._native.destroy(String(sessionId[i]))
    }
  } else {
    this._native.destroy(String(sessionId))
  }
  return settle(callback, null, undefined, token)
}

/**
 * `callback(null, session)`, or `callback(null, undefined)` when there is no live one.
 */
MemoryStore.prototype.get = function get (sessionId, callback) {
  var json = this._native.get(String(sessionId), Date.now())
  return settle(callback, null, json == null ? undefined : JSON.parse(json))
}

/**
 * Stores `JSON.stringify(session)`.
 */
MemoryStore.prototype.set = function set (sessionId, session, callback, token) {
  var json = JSON.stringify(session)
  if (json === undefined) {
    this._native.destroy(String(sessionId))
  } else {
    this._native.set(String(sessionId), json, expiryOf(session && session.cookie))
  }
  return settle(callback, null, undefined, token)
}

/**
 * The number of live sessions.
 */
MemoryStore.prototype.length = function length (callback) {
  return settle(callback, null, this._native.length(Date.now()))
}

/**
 * The ids of all live sessions.
 */
MemoryStore.prototype.ids = function ids (callback) {
  return settle(callback, null, this._native.ids(Date.now()))
}

/**
 * Replaces the stored session's cookie (its data stays as stored).
 */
MemoryStore.prototype.touch = function touch (sessionId, session, callback, token) {
  var cookie = session.cookie
  this._native.touch(String(sessionId), JSON.stringify(cookie), expiryOf(cookie), Date.now())
  return settle(callback, null, undefined, token)
}

/**
 * Calls back on the next turn as express-session's MemoryStore does (at once for
 * the middleware's own calls, see ./sync.js); returns a Promise when no callback
 * is given.
 *
 * @private
 */
function settle (callback, err, value, token) {
  if (callback) {
    if (token === SYNC) callback(err, value)
    else defer(callback, err, value)
    return
  }
  return callbackOrPromise(undefined, undefined, function (done) {
    defer(done, err, value)
  })
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
  var data = typeof cookie.toJSON === 'function' ? cookie.toJSON() : cookie
  var expires = data && data.expires
  if (expires instanceof Date) return expires.getTime()
  switch (typeof expires) {
    case 'string':
      return expires ? Date.parse(expires) : NaN
    case 'number':
      return expires || NaN
    case 'boolean':
      return expires ? 1 : NaN
    case 'object':
      // After the JSON round trip: `null`, or an object/array compared as a number.
      return expires === null ? NaN : Number(JSON.parse(JSON.stringify(expires))) || NaN
    default:
      return NaN
  }
}
