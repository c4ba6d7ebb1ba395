/*!
 * express-session-rs: MemoryStore on the native store
 * (express-session's MemoryStore, with the sessions kept as JSON text in Rust).
 *
 * express-session 1.19.0's MemoryStore semantics (callbacks deferred with
 * setImmediate, expired sessions removed when read, `touch` replacing only the stored
 * cookie, `all` as an object keyed by sid), with the data kept off the V8 heap as
 * JSON text in a Rust map, plus what production needs: background expiry, a ttl for
 * sessions without a cookie expiry, entry/byte limits with eviction, and stats.
 */

'use strict'

var common = require('../lib/store-common')
var defineHidden = require('../lib/hidden')
var fastPath = require('../lib/fast-path')
var json = require('../lib/json')
var native = require('../native')
var number = require('../lib/options/number')
var owners = require('../lib/options/owner')
var Store = require('./store')
var util = require('util')

var settle = common.settle

module.exports = MemoryStore

/**
 * Numbers are checked at construction (lib/options/number.js): a TypeError when
 * not a number (NaN included), a RangeError when out of range.
 *
 * @param {Object} [options]
 * @param {number|Function} [options.ttl=86400000] lifetime (ms, an integer >= 1) of
 *   sessions whose cookie has no expiry, or `function (session) { return ms }`;
 *   Infinity: never
 * @param {number} [options.max=0] maximum number of sessions, an integer >= 0
 *   (0: unlimited)
 * @param {number} [options.maxBytes=0] maximum of the summed sid + JSON sizes, an
 *   integer >= 0 (0: unlimited)
 * @param {number} [options.sweepInterval=1000] ms between background sweep steps,
 *   an integer from 0 to 2^31-1 (0: no background sweep)
 * @param {number} [options.sweepBudget=2] ms a sweep step may take at most, an
 *   integer from 0 to 2^31-1 (0: one group of ~1/256 of the sessions per step;
 *   at most 60 s is used)
 * @param {string} [options.name] stores of the same name share their sessions
 *   across the process's threads (worker_threads)
 * @public
 */
function MemoryStore () {
  Store.call(this)
  // (options read from arguments: MemoryStore.length stays 0, as in express-session)
  var opts = arguments[0] || {}

  var ttl = common.ttlOption(opts.ttl)
  var max = number.count('max', opts.max, { default: 0 })
  var maxBytes = number.count('maxBytes', opts.maxBytes, { default: 0 })
  var sweepInterval = number.time('sweepInterval', opts.sweepInterval, { default: 1000 })
  var sweepBudget = number.time('sweepBudget', opts.sweepBudget, { default: 2 })
  if (opts.name !== undefined && typeof opts.name !== 'string') {
    throw new TypeError('name option must be a string')
  }

  defineHidden(this, '_native', native.createStore(max, maxBytes, opts.name))
  defineHidden(this, '_ttl', ttl)
  defineHidden(this, '_sweepBudget', sweepBudget)
  defineHidden(this, '_sweepInterval', sweepInterval)
  defineHidden(this, '_timer', null)
  // (true once a value that is not a session was stored: '' or the JSON of
  // 0, false, null or "", which express-session's MemoryStore reads as no
  // session; until then, length and ids need not read the sessions)
  defineHidden(this, '_notSessions', false)

  this.startInterval()
}

var parseStored = json.parseStored

util.inherits(MemoryStore, Store)

/**
 * Starts the background sweep (done by the constructor unless sweepInterval is 0):
 * an unref'd timer, so it never keeps the process alive.
 */
MemoryStore.prototype.startInterval = function startInterval () {
  var store = this._native
  var budget = this._sweepBudget
  common.startTimer(this, function sweep () {
    store.sweep(Date.now(), budget)
  })
}

/**
 * Stops the background sweep.
 */
MemoryStore.prototype.stopInterval = function stopInterval () {
  common.stopTimer(this)
}

/**
 * express-session's MemoryStore keeps `store.sessions`: an object of sid -> JSON
 * string that code sometimes reads or seeds directly. Here it is a live view of
 * the native map with the same raw semantics: reading an entry does not check
 * expiry, writing stores the string as given, `delete` removes, and assigning a
 * new object replaces every session (as `clear` does in express-session).
 */
Object.defineProperty(MemoryStore.prototype, 'sessions', {
  configurable: true,
  enumerable: false,
  get: function () {
    if (!this._sessionsView) {
      defineHidden(this, '_sessionsView', sessionsView(this))
    }
    return this._sessionsView
  },
  set: function (sessions) {
    this._native.clear()
    for (var sid in sessions) {
      this.sessions[sid] = sessions[sid]
    }
  }
})

function sessionsView (store) {
  var nat = store._native
  return new Proxy(Object.create(null), {
    get: function (target, sid) {
      return typeof sid === 'string' ? nat.peek(sid) : undefined
    },
    set: function (target, sid, value) {
      if (typeof sid !== 'string') return false
      if (value === undefined) {
        nat.destroy(sid)
        return true
      }
      var text = String(value)
      var parsed
      try {
        parsed = JSON.parse(text)
      } catch (e) {
        parsed = undefined
      }
      if (!parsed) store._notSessions = true
      var now = Date.now()
      // (with the owner option, the index follows: an owner function that
      // throws gives no owner, as a set trap cannot fail)
      var owner = owners.of(store, parsed)
      nat.set(sid, text, store._expiry(parsed, now), now, owner instanceof Error ? null : owner)
      return true
    },
    deleteProperty: function (target, sid) {
      if (typeof sid === 'string') nat.destroy(sid)
      return true
    },
    has: function (target, sid) {
      return typeof sid === 'string' && nat.peek(sid) !== undefined
    },
    ownKeys: function () {
      // (in the order of express-session's object of sessions: IDs that are
      // array indices first, in ascending order, then the others as stored)
      var order = Object.create(null)
      var keys = nat.keys()
      for (var i = 0; i < keys.length; i++) order[keys[i]] = true
      return Object.keys(order)
    },
    getOwnPropertyDescriptor: function (target, sid) {
      var value = typeof sid === 'string' ? nat.peek(sid) : undefined
      return value === undefined
        ? undefined
        : { value: value, writable: true, enumerable: true, configurable: true }
    }
  })
}

/**
 * Removes every expired session now; returns how many.
 */
MemoryStore.prototype.prune = function prune () {
  return this._native.removeExpired(Date.now())
}

/**
 * `{ count, bytes, hits, misses, expired, evicted }`: sessions and bytes stored
 * now, and counts since the store was created (hits/misses of `get`, sessions
 * removed because they expired, sessions evicted by `max`/`maxBytes`).
 */
MemoryStore.prototype.stats = function stats () {
  return this._native.stats()
}

/**
 * All live sessions: `callback(null, {sid: session})`.
 */
MemoryStore.prototype.all = function all (callback) {
  return settle(callback, null, liveSessions(this))
}

/**
 * `{sid: session}` of the live sessions; a stored value that is not a session
 * ('', 0, false, null) is left out, as express-session's MemoryStore does.
 *
 * @private
 */
function liveSessions (store) {
  var flat = store._native.all(Date.now())
  var sessions = Object.create(null)
  for (var i = 0; i < flat.length; i += 2) {
    var session = flat[i + 1] && JSON.parse(flat[i + 1])
    if (session) sessions[flat[i]] = session
  }
  return sessions
}

/**
 * The live sessions of one owner (see session()'s `owner` option):
 * `callback(null, {sid: session})`. `owner` is the owner's key, a non-empty
 * string or a number.
 */
MemoryStore.prototype.sessionsOf = function sessionsOf (owner, callback) {
  var key
  try {
    key = owners.argument(owner)
  } catch (err) {
    return settle(callback, err)
  }
  var flat = this._native.owned(key, Date.now())
  var sessions = Object.create(null)
  for (var i = 0; i < flat.length; i += 2) {
    sessions[flat[i]] = JSON.parse(flat[i + 1])
  }
  return settle(callback, null, sessions)
}

/**
 * Ends every live session of one owner but those of `options.except` (a session
 * ID or an array of them): `callback(null, count)`.
 */
MemoryStore.prototype.destroyOwner = function destroyOwner (owner, options, callback) {
  var args = owners.destroyArguments(owner, options, callback)
  if (args.error) return settle(args.callback, args.error)
  return settle(args.callback, null, this._native.destroyOwned(args.key, args.except, Date.now()))
}

/**
 * Removes every session.
 */
MemoryStore.prototype.clear = function clear (callback) {
  this._native.clear()
  this._notSessions = false
  return settle(callback)
}

/**
 * Removes a session, or each of an array of sessions.
 */
MemoryStore.prototype.destroy = function destroy (sessionId, callback) {
  return settle(callback, destroySession(this, sessionId))
}

fastPath.define(MemoryStore.prototype.destroy, function destroySync (sessionId) {
  return destroySession(this, sessionId)
})

/**
 * `callback(null, session)`, or `callback(null, undefined)` when there is no live one.
 */
MemoryStore.prototype.get = function get (sessionId, callback) {
  var json = this._native.get(String(sessionId), Date.now())
  // ('' is no session, as in express-session)
  return settle(callback, null, json ? parseStored(json) : undefined)
}

/**
 * Stores `JSON.stringify(session)`.
 */
MemoryStore.prototype.set = function set (sessionId, session, callback) {
  return settle(callback, setSession(this, sessionId, session))
}

// (the middleware hands over the session's JSON without cookie, computed a moment
// ago for change detection, so that it is not serialized twice)
fastPath.define(MemoryStore.prototype.set, function setSync (sessionId, session, dataJSON) {
  return setSession(this, sessionId, session, dataJSON)
})

// (saveChangedFields: only the listed top-level members, merged into the stored
// session under its shard's lock; calls back before it returns)
fastPath.defineMerge(MemoryStore.prototype.set, function setMerge (sessionId, session, dataJSON, sets, deletes, callback) {
  callback(setSession(this, sessionId, session, dataJSON, [sets, deletes]))
}, true)

/**
 * The number of live sessions.
 */
MemoryStore.prototype.length = function length (callback) {
  var count = this._notSessions
    ? Object.keys(liveSessions(this)).length
    : this._native.length(Date.now())
  return settle(callback, null, count)
}

/**
 * The ids of all live sessions.
 */
MemoryStore.prototype.ids = function ids (callback) {
  var ids = this._notSessions
    ? Object.keys(liveSessions(this))
    : this._native.ids(Date.now())
  return settle(callback, null, ids)
}

/**
 * Replaces the stored session's cookie (its data stays as stored).
 */
MemoryStore.prototype.touch = function touch (sessionId, session, callback) {
  return settle(callback, touchSession(this, sessionId, session))
}

fastPath.define(MemoryStore.prototype.touch, function touchSync (sessionId, session) {
  return touchSession(this, sessionId, session)
})

/**
 * Removes `sessionId` (or each of an array of ids).
 *
 * @private
 */
function destroySession (store, sessionId) {
  if (Array.isArray(sessionId)) {
    for (var i = 0; i < sessionId.length; i++) {
      store._native.destroy(String(sessionId[i]))
    }
  } else {
    store._native.destroy(String(sessionId))
  }
}

/**
 * Stores the session's JSON (`dataJSON`: its JSON without cookie, when the
 * caller has it); with `patch` (`[sets, deletes]`: `[key, json, ...]` and
 * `[key, ...]`, keys JSON-escaped), writes only those members into a live
 * session (or the whole session when there is none). Returns the error of a ttl
 * function that threw. An error of JSON.stringify is thrown, as
 * express-session's MemoryStore throws it.
 *
 * @private
 */
function setSession (store, sessionId, session, dataJSON, patch) {
  var text = json.sessionJSON(session, dataJSON)
  if (text === undefined) {
    store._native.destroy(String(sessionId))
    return null
  }
  // (a session is an object; `set(sid, 0)` stores what is no session)
  if (text.charCodeAt(0) !== 0x7b && !JSON.parse(text)) store._notSessions = true
  var now = Date.now()
  var expires = expiryOrError(store, session, now)
  if (typeof expires !== 'number') return expires // nothing is stored
  var owner = owners.of(store, session)
  if (owner instanceof Error) return owner // nothing is stored
  if (patch) {
    store._native.merge(String(sessionId), text, patch[0], patch[1], expires, now, owner)
  } else {
    store._native.set(String(sessionId), text, expires, now, owner)
  }
  return null
}

/**
 * Replaces the stored cookie of a live session and restarts its expiry; returns
 * the error of a ttl function that threw.
 *
 * @private
 */
function touchSession (store, sessionId, session) {
  var now = Date.now()
  var expires = expiryOrError(store, session, now)
  if (typeof expires !== 'number') return expires // the session is left as it was
  var owner = owners.of(store, session)
  if (owner instanceof Error) return owner // the session is left as it was
  store._native.touch(String(sessionId), json.cookieJSON(session.cookie), expires, now, owner)
  return null
}

/**
 * `store._expiry(session, now)`, or the error a ttl function threw.
 *
 * @private
 */
function expiryOrError (store, session, now) {
  try {
    return store._expiry(session, now)
  } catch (err) {
    return common.thrownError('ttl function', err)
  }
}

/**
 * When a session expires: its cookie's expiry, or the ttl from `now`.
 *
 * @private
 */
MemoryStore.prototype._expiry = function (session, now) {
  return common.expiry(session, now, this._ttl)
}
