/*!
 * express-session-rs: RedisStore, sessions on a Redis server
 * (connect-redis's keys, values and expiry, from Rust: an app switches between
 * connect-redis and this store without logging anyone out).
 */

'use strict'

var callbackOrPromise = require('../lib/promise')
var common = require('../lib/store-common')
var defineHidden = require('../lib/hidden')
var fastPath = require('../lib/fast-path')
var json = require('../lib/json')
var native = require('../native')
var number = require('../lib/options/number')
var owners = require('../lib/options/owner')
var Queue = require('../lib/queue')
var Store = require('./store')
var util = require('util')

var settle = common.settle

var DAY_SECONDS = 86400

// the longest lifetime Redis takes for EX and EXPIRE (it refuses one whose end,
// in ms since the epoch, passes 2^63), rounded down
var MAX_TTL_SECONDS = 9e15

// (how many times destroyOwner reads a session again that changed while it
// was being removed)
var DESTROY_ATTEMPTS = 32

module.exports = RedisStore

/**
 * A session is the key `prefix + id` holding the session's JSON, expiring with
 * its cookie (or after `ttl` seconds when the cookie has no expiry), as
 * connect-redis stores it. Commands issued in one turn of the event loop go out
 * together, in the order they were made; each fails within `commandTimeout`
 * when Redis is down or slow, with an Error whose `err.code` is
 * `ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, `ERR_STORE_CLOSED` (after
 * `close()`), `ERR_TLS_CERT_INVALID` or `ERR_TLS_HANDSHAKE` (TLS), the
 * server's error prefix (`NOAUTH`, `WRONGPASS`, `NOPERM`, `WRONGTYPE`, `ERR`,
 * ...), `ERR_STORE_DAMAGED` (a stored value that is not JSON),
 * `ERR_REDIS_REPLY` (an unexpected reply) or `ERR_REDIS` (anything else); the
 * connection comes back by itself.
 *
 * @param {Object} [options]
 * @param {string} [options.url='redis://127.0.0.1:6379'] the server:
 *   `redis://[[user]:password@]host[:port][/database]`, or `rediss://...` for
 *   TLS
 * @param {Object} [options.tls] certificates for `rediss://` (PEM, strings or
 *   Buffers): `ca` (the CAs that the server's certificate must chain to; else
 *   the system's), `cert` and `key` (the client's, for mutual TLS)
 * @param {boolean} [options.cluster=false] a Redis Cluster, found through `nodes`
 * @param {Array<string|Object>} [options.nodes] the cluster's nodes (some or
 *   all): redis:// URLs or `{ host, port, username?, password? }`
 * @param {string} [options.prefix='sess:'] the keys' prefix
 * @param {number|Function} [options.ttl=86400] lifetime in seconds of sessions
 *   whose cookie has no expiry (an integer >= 1, or a string of digits; 0, null
 *   and NaN are the default), or `function (session) { return seconds }` for
 *   every session, as connect-redis's
 * @param {boolean} [options.disableTouch=false] `touch` does nothing
 * @param {boolean} [options.disableTTL=false] sessions never expire in Redis
 *   (and `touch` does nothing)
 * @param {number} [options.scanCount=100] keys per SCAN step (`all`, `ids`,
 *   `length`, `clear`)
 * @param {number} [options.connectTimeout=5000] ms one connection attempt may take
 * @param {number} [options.commandTimeout=5000] ms a command may take
 * @param {number} [options.reconnectDelay=50] ms before the first reconnection
 *   attempt; each next one waits longer, up to `reconnectMaxDelay`
 * @param {number} [options.reconnectMaxDelay=2000] ms, the longest wait between
 *   reconnection attempts
 * @public
 */
function RedisStore (options) {
  Store.call(this)
  var opts = options || {}
  var tls = tlsOption(opts.tls)
  var url = opts.cluster || opts.nodes !== undefined ? clusterNodes(opts, tls) : serverUrl('url', opts.url)
  var secure = (Array.isArray(url) ? url : [url]).map(function (u) { return /^rediss:/.test(u) })
  if (tls && secure.indexOf(false) !== -1) {
    throw new TypeError('tls option needs rediss:// URLs (TLS), not redis://')
  }
  if (secure.indexOf(true) !== -1 && secure.indexOf(false) !== -1) {
    throw new TypeError('nodes option: all redis:// or all rediss:// (TLS), not both')
  }
  var prefix = opts.prefix == null ? 'sess:' : opts.prefix
  if (typeof prefix !== 'string') throw new TypeError('prefix option must be a string')
  var ttl = ttlOption(opts.ttl)
  // (as connect-redis takes it: `opts.scanCount || 100`)
  var scanCount = opts.scanCount ? number.count('scanCount', seconds(opts.scanCount), { min: 1, max: 1e9 }) : 100
  var connectTimeout = number.time('connectTimeout', opts.connectTimeout, { min: 1, default: 5000 })
  var commandTimeout = number.time('commandTimeout', opts.commandTimeout, { min: 1, default: 5000 })
  var reconnectDelay = number.time('reconnectDelay', opts.reconnectDelay, { min: 1, default: 50 })
  var reconnectMaxDelay = number.time('reconnectMaxDelay', opts.reconnectMaxDelay, { min: 1, default: 2000 })

  var queue = Queue.open(function (onDone) {
    return native.createRedisStore(url, prefix, scanCount, connectTimeout, commandTimeout,
      reconnectDelay, Math.max(reconnectDelay, reconnectMaxDelay), tls, onDone)
  })

  defineHidden(this, '_native', queue.native)
  defineHidden(this, '_queue', queue)
  defineHidden(this, '_ttl', ttl)
  defineHidden(this, 'prefix', prefix)
  // (the owners' indexes are the keys 'owners:' + prefix + owner: outside the
  // sessions' keys, but for a prefix that starts 'owners:' does, such as '')
  defineHidden(this, '_hiddenIds', ('owners:' + prefix).indexOf(prefix) === 0 ? ('owners:' + prefix).slice(prefix.length) : null)
  defineHidden(this, 'disableTouch', Boolean(opts.disableTouch))
  defineHidden(this, 'disableTTL', Boolean(opts.disableTTL))
}

util.inherits(RedisStore, Store)

/**
 * The `ttl` option as connect-redis takes it (`opts.ttl || 86400`): a function,
 * else a number of seconds, the default when falsy (0, null, '', NaN); a string
 * of digits (an environment variable's value) is its number.
 *
 * @private
 */
function ttlOption (ttl) {
  if (typeof ttl === 'function') return ttl
  if (!ttl) return DAY_SECONDS
  return number.count('ttl', seconds(ttl), { min: 1, max: MAX_TTL_SECONDS })
}

/**
 * A number (of seconds, of keys) as connect-redis hands it to Redis, which reads
 * a string of digits as its number; anything else as it is.
 *
 * @private
 */
function seconds (value) {
  return typeof value === 'string' && /^-?[0-9]{1,16}$/.test(value) ? Number(value) : value
}

/**
 * The `url` option: a redis:// or rediss:// (TLS) URL.
 *
 * @private
 */
function serverUrl (name, url) {
  if (url === undefined) return 'redis://127.0.0.1:6379'
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    throw new TypeError(name + ' option must be a redis:// or rediss:// URL string')
  }
  return url
}

/**
 * The `tls` option: `{ ca, cert, key }` (PEM strings or Buffers; cert and key
 * together) as the addon takes it, `[ca, cert, key]`; null when absent.
 *
 * @private
 */
function tlsOption (tls) {
  if (tls === undefined || tls === null) return null
  if (typeof tls !== 'object') throw new TypeError('tls option must be an object: { ca, cert, key }')
  var texts = ['ca', 'cert', 'key'].map(function (name) {
    var pem = tls[name]
    if (pem === undefined || pem === null) return null
    // (an array of them, as Node's tls takes `ca`)
    var list = Array.isArray(pem) ? pem : [pem]
    var text = list.map(function (one) {
      if (typeof one === 'string') return one
      if (one instanceof Uint8Array) return Buffer.from(one.buffer, one.byteOffset, one.byteLength).toString('utf8')
      throw new TypeError('tls option: ' + name + ' must be a PEM string or Buffer (or an array of them)')
    }).join('\n')
    if (!/-----BEGIN [A-Z ]+-----/.test(text)) {
      throw new TypeError('tls option: ' + name + ' is not PEM text (-----BEGIN ...-----)')
    }
    return text
  })
  if ((texts[1] === null) !== (texts[2] === null)) {
    throw new TypeError('tls option: cert and key go together (mutual TLS)')
  }
  return texts
}

/**
 * The URLs of a cluster's nodes, from the `nodes` option (with `cluster: true`):
 * redis:// URLs or `{ host, port, username?, password? }` objects.
 *
 * @private
 */
function clusterNodes (opts, tls) {
  if (opts.url !== undefined) throw new TypeError('url and nodes options exclude each other (nodes: a cluster)')
  if (!Array.isArray(opts.nodes) || opts.nodes.length === 0) {
    throw new TypeError('nodes option must be a non-empty array of redis:// URLs or { host, port } objects')
  }
  return opts.nodes.map(function (node) {
    if (typeof node === 'string') return serverUrl('nodes', node)
    if (!node || typeof node.host !== 'string' || !Number.isInteger(node.port) || node.port < 1 || node.port > 65535) {
      throw new TypeError('nodes option: each node is a redis:// URL or { host, port } (port an integer from 1 to 65535)')
    }
    var auth = ''
    if (node.password !== undefined) auth = encodeURIComponent(node.username || '') + ':' + encodeURIComponent(String(node.password)) + '@'
    else if (node.username !== undefined) auth = encodeURIComponent(node.username) + '@'
    return (tls ? 'rediss://' : 'redis://') + auth + (node.host.indexOf(':') !== -1 ? '[' + node.host + ']' : node.host) + ':' + node.port
  })
}

/**
 * A session's lifetime in seconds, as connect-redis decides it: the ttl
 * function's, else until its cookie expires (rounded up), else the ttl.
 *
 * @private
 */
RedisStore.prototype._ttlOf = function (session) {
  if (typeof this._ttl === 'function') return seconds(this._ttl(session))
  // (connect-redis's rule, to the letter: an invalid expiry gives NaN, and the
  // session is removed rather than stored)
  var expires = session && session.cookie && session.cookie.expires
  return expires ? Math.ceil((Number(new Date(expires)) - Date.now()) / 1000) : this._ttl
}

/**
 * `callback(null, session)`, or `callback(null, undefined)` when there is none.
 */
RedisStore.prototype.get = function get (sessionId, callback) {
  var sid = String(sessionId)
  return this._queue.run('get', [sid], callback, function (value) {
    // (an empty value is no session, as connect-redis reads it)
    return value == null || value === '' ? undefined : parseStored(sid, text(value))
  })
}

/**
 * Stores the session's JSON with its lifetime as the key's TTL (a session whose
 * lifetime is over is removed instead); `callback(err)` once Redis has it.
 */
RedisStore.prototype.set = function set (sessionId, session, callback) {
  return setSession(this, sessionId, session, undefined, callback)
}

fastPath.defineQueued(RedisStore.prototype.set, function setQueued (sessionId, session, dataJSON, callback) {
  return setSession(this, sessionId, session, dataJSON, callback)
})

// (saveChangedFields: only the listed top-level members, merged into the stored
// session on the server: a script writes the merge only if the session is still
// the one it was merged into, else it is read and merged again; calls back once
// Redis has it)
fastPath.defineMerge(RedisStore.prototype.set, function setMerge (sessionId, session, dataJSON, sets, deletes, callback) {
  return setSession(this, sessionId, session, dataJSON, callback, [sets, deletes])
}, false)

/**
 * Stores the session's JSON (`dataJSON`: its JSON without cookie, when the
 * caller has it) with its lifetime as the key's TTL; with `patch` (`[sets,
 * deletes]`), only those members of a stored session.
 *
 * @private
 */
function setSession (store, sessionId, session, dataJSON, callback, patch) {
  var ttl
  try {
    ttl = store._ttlOf(session)
  } catch (err) {
    return settle(callback, common.thrownError('ttl function', err)) // (nothing is written)
  }
  var text = json.sessionJSON(session, dataJSON)
  if (!(ttl > 0) || text === undefined) return store.destroy(sessionId, callback)
  var owner = owners.of(store, session)
  if (owner instanceof Error) return settle(callback, owner) // (nothing is written)
  if (store.disableTTL) ttl = -1
  else if (!validTtl(ttl)) return settle(callback, notInteger())
  if (patch) return store._queue.run('merge', [String(sessionId), text, patch[0], patch[1], ttl, owner], callback)
  return store._queue.run('set', [String(sessionId), text, ttl, owner], callback)
}

/**
 * Restarts the session's TTL (`EXPIRE`), as connect-redis does; nothing with
 * `disableTouch` or `disableTTL`.
 */
RedisStore.prototype.touch = function touch (sessionId, session, callback) {
  if (this.disableTouch || this.disableTTL) return settle(callback)
  var ttl
  try {
    ttl = this._ttlOf(session)
  } catch (err) {
    return settle(callback, common.thrownError('ttl function', err))
  }
  if (!validTtl(ttl)) return settle(callback, notInteger())
  var owner = owners.of(this, session)
  if (owner instanceof Error) return settle(callback, owner) // (the session is left as it was)
  return this._queue.run('expire', [String(sessionId), ttl, owner], callback)
}

/**
 * Whether a TTL is one that Redis takes: an integer number of seconds (a
 * session's cookie gives one; a ttl function may give anything).
 *
 * @private
 */
function validTtl (ttl) {
  return Number.isInteger(ttl) && Math.abs(ttl) <= MAX_TTL_SECONDS
}

/**
 * What Redis answers to connect-redis's `SET ... EX` or `EXPIRE` of a TTL that
 * is not an integer (NaN, a fraction, too large): the error with its prefix as
 * `err.code`.
 *
 * @private
 */
function notInteger () {
  var err = new Error('ERR value is not an integer or out of range')
  err.code = 'ERR'
  return err
}

/**
 * Removes a session, or each of an array of sessions.
 */
RedisStore.prototype.destroy = function destroy (sessionId, callback) {
  var ids = Array.isArray(sessionId) ? sessionId.map(String) : String(sessionId)
  return this._queue.run('destroy', [ids], callback)
}

fastPath.defineQueued(RedisStore.prototype.touch, RedisStore.prototype.touch)
fastPath.defineQueued(RedisStore.prototype.destroy, RedisStore.prototype.destroy)

/**
 * All sessions: `callback(null, {sid: session})`.
 */
RedisStore.prototype.all = function all (callback) {
  return this._queue.run('all', [], callback, function (flat) {
    var sessions = Object.create(null)
    for (var i = 0; i < flat.length; i += 2) {
      var sid = text(flat[i])
      var value = text(flat[i + 1])
      // (an empty value is no session, as connect-redis lists them)
      if (value !== '') sessions[sid] = parseStored(sid, value)
    }
    return sessions
  })
}

/**
 * The IDs of all sessions.
 */
RedisStore.prototype.ids = function ids (callback) {
  var hidden = this._hiddenIds
  return this._queue.run('ids', [], callback, function (list) { return sessionIds(list, hidden) })
}

/**
 * The number of sessions.
 */
RedisStore.prototype.length = function length (callback) {
  var hidden = this._hiddenIds
  return this._queue.run('ids', [], callback, function (list) { return sessionIds(list, hidden).length })
}

/**
 * The session IDs of the keys under the prefix (`list`, without it), those
 * that start with `hidden` left out (the owners' indexes, when their keys are
 * under the prefix).
 *
 * @private
 */
function sessionIds (list, hidden) {
  var ids = list.map(text)
  return hidden === null ? ids : ids.filter(function (id) { return id.indexOf(hidden) !== 0 })
}

/**
 * Removes every owner's index and every session (every key under the prefix),
 * both queued at once, so that the sessions saved by calls made after this one
 * (and their owners' indexes) stay, as with MemoryStore.
 */
RedisStore.prototype.clear = function clear (callback) {
  var queue = this._queue
  return callbackOrPromise(callback, undefined, function (done) {
    var pending = 2
    var failed = null
    function ended (err) {
      if (err && !failed) failed = err
      if (--pending > 0) return
      if (failed) done(failed)
      else done() // (no arguments, as MemoryStore's clear calls back)
    }
    queue.run('clearOwners', [], ended)
    queue.run('clear', [], ended)
  })
}

/**
 * The live sessions of one owner (see session()'s `owner` option), from Redis
 * (so those of every app process): `callback(null, {sid: session})`. The
 * owner's index may hold sessions that were destroyed or that another owner
 * has since (see README): each one is read and its owner checked with the
 * option, so only a store given to `session({ owner })` can list them.
 */
RedisStore.prototype.sessionsOf = function sessionsOf (owner, callback) {
  var store = this
  var key
  try {
    key = owners.argument(owner)
    tracking(store)
  } catch (err) {
    return settle(callback, err)
  }
  return this._queue.run('owned', [key], callback, function (flat) {
    var sessions = Object.create(null)
    var rows = ownedRows(store, key, flat, [])
    for (var i = 0; i < rows.length; i++) {
      sessions[rows[i].sid] = rows[i].session
    }
    return sessions
  })
}

/**
 * Ends every live session of one owner but those of `options.except` (a
 * session ID or an array of them): `callback(null, count)`. Each session is
 * removed only if it is still the one that was read and checked (a script), or
 * it is read and checked again: so a session that another process moved to
 * another owner meanwhile is left alone, and one that it saved meanwhile is
 * removed all the same.
 */
RedisStore.prototype.destroyOwner = function destroyOwner (owner, options, callback) {
  var store = this
  var args = owners.destroyArguments(owner, options, callback)
  if (!args.error) {
    try {
      tracking(store)
    } catch (err) {
      args.error = err
    }
  }
  if (args.error) return settle(args.callback, args.error)
  return callbackOrPromise(args.callback, undefined, function (done) {
    store._queue.run('owned', [args.key], function (err, flat) {
      var rows
      try {
        if (err) throw err
        rows = ownedRows(store, args.key, flat, args.except)
      } catch (e) {
        return done(e)
      }
      removeOwned(store, args, rows, 0, 1, done)
    })
  })
}

/**
 * A TypeError unless `store` was given an owner option.
 *
 * @private
 */
function tracking (store) {
  if (!owners.tracks(store)) {
    throw new TypeError('RedisStore: sessionsOf and destroyOwner need the owner option: give this store to session({ store, owner }) first (each session\'s owner is checked with it)')
  }
}

/**
 * The sessions of `flat` (`[sid, json, ...]`, json a text from the addon or
 * null) whose owner is `key`, but those of `except`: `[{ sid, json, session }]`.
 * Throws the Error of a damaged session, or of an owner function.
 *
 * @private
 */
function ownedRows (store, key, flat, except) {
  var rows = []
  for (var i = 0; i < flat.length; i += 2) {
    if (flat[i + 1] === null) continue
    var sid = text(flat[i])
    if (except.indexOf(sid) !== -1) continue
    var stored = text(flat[i + 1])
    var session = stored === '' ? undefined : parseStored(sid, stored)
    var owner = owners.of(store, session)
    if (owner instanceof Error) throw owner
    if (owner === key) rows.push({ sid: sid, json: stored, session: session })
  }
  return rows
}

/**
 * Removes the sessions of `rows` that are still as read; those that changed
 * meanwhile are read and checked again (`attempt`: the how-manieth time), up
 * to DESTROY_ATTEMPTS times. `done(err, count)`, `count` those removed.
 *
 * @private
 */
function removeOwned (store, args, rows, count, attempt, done) {
  if (rows.length === 0) return done(null, count)
  if (attempt > DESTROY_ATTEMPTS) {
    var conflict = new Error('RedisStore: a session changed ' + DESTROY_ATTEMPTS + ' times while destroyOwner removed it')
    conflict.code = 'ERR_STORE_CONFLICT'
    return done(conflict)
  }
  var left = rows.length
  var failed = null
  var changed = []
  rows.forEach(function (row) {
    store._queue.run('deleteIf', [row.sid, row.json], function (err, removed) {
      if (err) failed = failed || err
      else if (removed === 1) count++
      else changed.push(row.sid)
      if (--left > 0) return
      if (failed) return done(failed)
      readAgain(store, args, changed, function (err, again) {
        if (err) return done(err)
        removeOwned(store, args, again, count, attempt + 1, done)
      })
    })
  })
}

/**
 * The rows (see ownedRows) of the sessions `sids` as stored now, those of
 * another owner or none left out.
 *
 * @private
 */
function readAgain (store, args, sids, done) {
  if (sids.length === 0) return done(null, [])
  var flat = new Array(sids.length * 2)
  var left = sids.length
  var failed = null
  sids.forEach(function (sid, i) {
    store._queue.run('get', [sid], function (err, value) {
      if (err) failed = failed || err
      flat[2 * i] = sid
      flat[2 * i + 1] = value === undefined ? null : value
      if (--left > 0) return
      if (failed) return done(failed)
      var rows
      try {
        rows = ownedRows(store, args.key, flat, args.except)
      } catch (e) {
        return done(e)
      }
      done(null, rows)
    })
  })
}

/**
 * `{ commands }`: the commands this store sent.
 */
RedisStore.prototype.stats = function stats () {
  return this._native.stats()
}

/**
 * Sends what is queued, then stops taking commands (a later one fails with
 * `ERR_STORE_CLOSED`); blocks until the commands in flight completed.
 */
RedisStore.prototype.close = function close () {
  this._native.close()
}

/**
 * A text from the addon: a string, or the UTF-16 code units of one with lone
 * surrogates.
 *
 * @private
 */
function text (value) {
  if (typeof value === 'string') return value
  var out = ''
  for (var i = 0; i < value.length; i += 8192) {
    out += String.fromCharCode.apply(null, value.subarray(i, i + 8192))
  }
  return out
}

/**
 * The stored JSON `text` of session `sid`, parsed; text that does not parse is
 * an Error with `err.code` `ERR_STORE_DAMAGED` naming the session, the
 * SyntaxError as its `cause`.
 *
 * @private
 */
function parseStored (sid, value) {
  try {
    return json.parseStored(value)
  } catch (err) {
    var damaged = new Error('the stored value of session "' + sid + '" is damaged: it is not valid JSON', { cause: err })
    damaged.code = 'ERR_STORE_DAMAGED'
    throw damaged
  }
}
