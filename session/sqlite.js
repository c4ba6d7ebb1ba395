/*!
 * express-session-rs: SqliteStore, the durable store
 * (sessions in one SQLite file: they survive restarts and every process shares them).
 */

'use strict'

var common = require('../lib/store-common')
var defineHidden = require('../lib/hidden')
var fastPath = require('../lib/fast-path')
var json = require('../lib/json')
var native = require('../native')
var number = require('../lib/options/number')
var owners = require('../lib/options/owner')
var path = require('path')
var Queue = require('../lib/queue')
var Store = require('./store')
var util = require('util')

var settle = common.settle

module.exports = SqliteStore

/**
 * Numbers are checked at construction (lib/options/number.js): a TypeError when
 * not a number (NaN included), a RangeError when out of range.
 *
 * Errors (thrown by the constructor, or given to the callback, so that the
 * middleware calls `next(err)`) carry `err.code`: `SQLITE_NOTADB`,
 * `SQLITE_CORRUPT` (a damaged file, or a damaged row: the message names its
 * session ID and what is wrong), `SQLITE_CANTOPEN`, `SQLITE_FULL`,
 * `SQLITE_BUSY`, `SQLITE_IOERR`, `SQLITE_ERROR`, `ERR_STORE_CLOSED` (after
 * `close()`), `ERR_STORE_FILE_REPLACED` (the file at `path` was deleted or
 * replaced since the store opened it: every later read and write fails, so that
 * nothing goes to the orphaned file; open a new store).
 *
 * @param {Object} options
 * @param {string} options.path the database file (created when missing)
 * @param {boolean} [options.fsync=false] also survive power loss: fsync each
 *   commit (concurrent writes share one)
 * @param {number|Function} [options.ttl=86400000] lifetime (ms, an integer >= 1)
 *   of sessions whose cookie has no expiry, or `function (session) { return ms }`;
 *   Infinity: never
 * @param {number} [options.busyTimeout=5000] ms a write (or the opening)
 *   waits for another process's lock before failing, an integer from 0 to
 *   2^31-1 (0: fail at once)
 * @param {number} [options.sweepInterval=60000] ms between background removals
 *   of expired sessions, an integer from 0 to 2^31-1 (0: none)
 * @param {number} [options.sweepBatch=1000] expired sessions removed per step,
 *   an integer >= 1
 * @param {number} [options.maxPages=0] SQLite's max_page_count, an integer from
 *   0 to 4294967294 (0: none)
 * @public
 */
function SqliteStore (options) {
  Store.call(this)
  var opts = options || {}
  if (typeof opts.path !== 'string' || opts.path === '') {
    throw new TypeError('path option must be a non-empty string')
  }
  if (opts.path === ':memory:') {
    // (SQLite's name of a database in memory, which one connection sees: this
    // store reads on the caller's connection and writes on another)
    throw new TypeError('path option must name a file: SqliteStore has no in-memory database (use MemoryStore)')
  }
  var ttl = common.ttlOption(opts.ttl)
  var busyTimeout = number.time('busyTimeout', opts.busyTimeout, { default: 5000 })
  var sweepInterval = number.time('sweepInterval', opts.sweepInterval, { default: 60000 })
  var sweepBatch = number.count('sweepBatch', opts.sweepBatch, { min: 1, default: 1000 })
  // (SQLite's own largest max_page_count)
  var maxPages = number.count('maxPages', opts.maxPages, { max: 4294967294, default: 0 })

  var queue = Queue.open(function (onDone) {
    return native.createSqliteStore(path.resolve(opts.path), opts.fsync ? 1 : 0, busyTimeout, maxPages, onDone)
  })
  var nat = queue.native

  defineHidden(this, '_native', nat)
  defineHidden(this, '_writes', queue)
  defineHidden(this, '_ttl', ttl)
  defineHidden(this, '_sweepBatch', sweepBatch)
  defineHidden(this, '_sweepInterval', sweepInterval)
  defineHidden(this, '_timer', null)
  defineHidden(this, 'path', path.resolve(opts.path))

  this.startInterval()
}

util.inherits(SqliteStore, Store)

/**
 * Runs a synchronous read; its error, if any, goes to the callback.
 *
 * @private
 */
function read (callback, fn) {
  var value
  try {
    value = fn()
  } catch (err) {
    return settle(callback, err)
  }
  return settle(callback, null, value)
}

/**
 * Starts the background removal of expired sessions (the constructor does,
 * unless sweepInterval is 0): an unref'd timer. Safe with several processes.
 */
SqliteStore.prototype.startInterval = function startInterval () {
  // (the step must not hold the store, see common.startTimer)
  var writes = this._writes
  var batch = this._sweepBatch
  common.startTimer(this, function sweep () {
    // (a step that fails, a lock held too long, is simply tried again next time)
    writes.run('sweep', [Date.now(), batch], function () {})
  })
}

/**
 * Stops the background removal of expired sessions.
 */
SqliteStore.prototype.stopInterval = function stopInterval () {
  common.stopTimer(this)
}

/**
 * Removes every expired session now: `callback(err)`.
 */
SqliteStore.prototype.prune = function prune (callback) {
  return this._writes.run('sweep', [Date.now(), 0xffffffff], callback)
}

/**
 * `{ count, bytes, hits, misses, expired }`: rows and bytes in the file now (every
 * process's), and this process's reads and removals.
 */
SqliteStore.prototype.stats = function stats () {
  return this._native.stats()
}

/**
 * Writes what is queued, then closes the file (a later call fails with
 * `ERR_STORE_CLOSED`). Blocks until the queued writes are written; once the
 * file is closed by every process using it, it holds every write without its
 * -wal file (which SQLite then removes), and may be copied or moved.
 */
SqliteStore.prototype.close = function close () {
  this.stopInterval()
  this._native.close()
}

/**
 * All live sessions: `callback(null, {sid: session})`.
 */
SqliteStore.prototype.all = function all (callback) {
  var nat = this._native
  return read(callback, function () {
    var flat = nat.all(Date.now())
    var sessions = Object.create(null)
    for (var i = 0; i < flat.length; i += 2) {
      sessions[flat[i]] = parseStored(flat[i], flat[i + 1])
    }
    return sessions
  })
}

/**
 * The live sessions of one owner (see session()'s `owner` option), from the
 * file (so those of every process): `callback(null, {sid: session})`.
 */
SqliteStore.prototype.sessionsOf = function sessionsOf (owner, callback) {
  var nat = this._native
  return read(callback, function () {
    var flat = nat.owned(owners.argument(owner), Date.now())
    var sessions = Object.create(null)
    for (var i = 0; i < flat.length; i += 2) {
      sessions[flat[i]] = parseStored(flat[i], flat[i + 1])
    }
    return sessions
  })
}

/**
 * Ends every live session of one owner but those of `options.except` (a session
 * ID or an array of them), in one transaction: `callback(null, count)` once it
 * is committed.
 */
SqliteStore.prototype.destroyOwner = function destroyOwner (owner, options, callback) {
  var args = owners.destroyArguments(owner, options, callback)
  if (args.error) return settle(args.callback, args.error)
  return this._writes.run('destroyOwner', [args.key, args.except, Date.now()], args.callback)
}

/**
 * Removes every session.
 */
SqliteStore.prototype.clear = function clear (callback) {
  return this._writes.run('clear', [], callback)
}

/**
 * Removes a session, or each of an array of sessions.
 */
SqliteStore.prototype.destroy = function destroy (sessionId, callback) {
  var ids = Array.isArray(sessionId) ? sessionId.map(String) : String(sessionId)
  return this._writes.run('destroy', [ids], callback)
}

/**
 * `callback(null, session)`, or `callback(null, undefined)` when there is no live one.
 */
SqliteStore.prototype.get = function get (sessionId, callback) {
  var nat = this._native
  return read(callback, function () {
    var text = nat.get(String(sessionId), Date.now())
    return text == null ? undefined : parseStored(sessionId, text)
  })
}

/**
 * The stored JSON `text` of session `sid`, parsed. Text that does not parse (a
 * damaged file, a row changed by hand) is an Error with `err.code`
 * `SQLITE_CORRUPT` naming the session, the SyntaxError as its `cause` (kept out
 * of the message: it quotes the stored data).
 *
 * @private
 */
function parseStored (sid, text) {
  try {
    return json.parseStored(text)
  } catch (err) {
    var damaged = new Error('the stored row of session "' + sid + '" is damaged: its json is not valid JSON', { cause: err })
    damaged.code = 'SQLITE_CORRUPT'
    throw damaged
  }
}

/**
 * Stores `JSON.stringify(session)`; `callback(err)` once it is committed.
 */
SqliteStore.prototype.set = function set (sessionId, session, callback) {
  return setSession(this, sessionId, session, undefined, callback)
}

// (the middleware hands over the session's JSON without cookie, computed a moment
// ago for change detection, so that it is not serialized twice)
fastPath.defineQueued(SqliteStore.prototype.set, function setQueued (sessionId, session, dataJSON, callback) {
  return setSession(this, sessionId, session, dataJSON, callback)
})

// (saveChangedFields: only the listed top-level members, merged into the stored
// session inside the writer's transaction; calls back once committed)
fastPath.defineMerge(SqliteStore.prototype.set, function setMerge (sessionId, session, dataJSON, sets, deletes, callback) {
  return setSession(this, sessionId, session, dataJSON, callback, [sets, deletes])
}, false)

/**
 * Stores the session's JSON (`dataJSON`: its JSON without cookie, when the
 * caller has it); with `patch` (`[sets, deletes]`), only those members of a
 * stored session.
 *
 * @private
 */
function setSession (store, sessionId, session, dataJSON, callback, patch) {
  var text = json.sessionJSON(session, dataJSON)
  if (text === undefined) {
    return store.destroy(sessionId, callback)
  }
  var now = Date.now()
  var expires
  try {
    expires = store._expiry(session, now)
  } catch (err) {
    return settle(callback, common.thrownError('ttl function', err)) // (nothing is written)
  }
  var owner = owners.of(store, session)
  if (owner instanceof Error) return settle(callback, owner) // (nothing is written)
  if (patch) {
    return store._writes.run('merge', [String(sessionId), text, patch[0], patch[1], expires, now, owner], callback)
  }
  return store._writes.run('set', [String(sessionId), text, expires, owner], callback)
}

/**
 * The number of live sessions.
 */
SqliteStore.prototype.length = function length (callback) {
  var nat = this._native
  return read(callback, function () { return nat.length(Date.now()) })
}

/**
 * The ids of all live sessions.
 */
SqliteStore.prototype.ids = function ids (callback) {
  var nat = this._native
  return read(callback, function () { return nat.ids(Date.now()) })
}

/**
 * Replaces the stored session's cookie (its data stays as stored) and restarts
 * its expiry.
 */
SqliteStore.prototype.touch = function touch (sessionId, session, callback) {
  var now = Date.now()
  var expires
  try {
    expires = this._expiry(session, now)
  } catch (err) {
    return settle(callback, common.thrownError('ttl function', err)) // (nothing is written)
  }
  var owner = owners.of(this, session)
  if (owner instanceof Error) return settle(callback, owner) // (nothing is written)
  return this._writes.run('touch', [String(sessionId), json.cookieJSON(session.cookie), expires, now, owner], callback)
}

/**
 * When a session expires: its cookie's expiry, or the ttl from `now`.
 *
 * @private
 */
SqliteStore.prototype._expiry = function (session, now) {
  return common.expiry(session, now, this._ttl)
}

// the middleware's own end-of-request writes (lib/fast-path.js): the same work;
// the middleware then sends the response in one piece once they completed
fastPath.defineQueued(SqliteStore.prototype.touch, SqliteStore.prototype.touch)
fastPath.defineQueued(SqliteStore.prototype.destroy, SqliteStore.prototype.destroy)
