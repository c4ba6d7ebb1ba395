/*!
 * express-session-rs: the middleware's synchronous end-of-request store writes
 * A symbol-keyed property of a store method, invisible to every other caller.
 */

'use strict'

/**
 * A store method whose work is synchronous (the native stores' `set`, `touch` and
 * `destroy`) carries its synchronous variant as `method[sync]`: the same work,
 * returning an error (or nothing) instead of calling back on the next turn.
 *
 * The middleware calls `store.set[sync]` (and touch, destroy) for its own
 * end-of-request write when the store's method is still that native function:
 * the store is written before res.end returns, and the response is held and
 * written in one piece on the next turn, when the callback of express-session's
 * MemoryStore would run (see lib/commit.js). A method replaced or wrapped by the app (or a subclass) has
 * no such property, so it is called through its public signature. Everything else
 * sees only express-session's signatures and deferred callbacks.
 *
 * @private
 */
var sync = Symbol('express-session-rs sync')

/**
 * A store method whose work completes in a moment on another thread (the
 * SqliteStore's `set`, `touch` and `destroy`) carries `method[queued]`: the same
 * work, `set` taking the session's data JSON that the middleware just computed
 * as its third argument, calling back once done. The middleware then sends the
 * response in one piece after the callback, instead of all but its last byte
 * before it (express-session's way with a store that may take long).
 *
 * @private
 */
var queued = Symbol('express-session-rs queued')

/**
 * A native store's `set` also carries `method[merge]`, `{ run, sync }`, for the
 * middleware's saveChangedFields option: `run(sid, session, dataJSON, sets,
 * deletes, callback)` writes only the listed top-level members into the stored
 * session (see lib/options/changed-fields.js); with `sync` it calls back before it
 * returns, else once the write committed.
 *
 * @private
 */
var merge = Symbol('express-session-rs merge')

exports.sync = sync
exports.queued = queued
exports.merge = merge

/**
 * Attaches `syncVariant` to `method` as its `sync` property (non-enumerable).
 *
 * @param {Function} method
 * @param {Function} syncVariant
 * @private
 */
exports.define = function define (method, syncVariant) {
  Object.defineProperty(method, sync, { value: syncVariant })
}

/**
 * Attaches `queuedVariant` to `method` as its `queued` property (non-enumerable).
 *
 * @param {Function} method
 * @param {Function} queuedVariant
 * @private
 */
exports.defineQueued = function defineQueued (method, queuedVariant) {
  Object.defineProperty(method, queued, { value: queuedVariant })
}

/**
 * The synchronous variant of `store[name]`, or undefined.
 *
 * @param {Object} store
 * @param {String} name
 * @return {Function|undefined}
 * @private
 */
exports.of = function of (store, name) {
  var method = store[name]
  return typeof method === 'function' ? method[sync] : undefined
}

/**
 * The queued variant of `store[name]`, or undefined.
 *
 * @param {Object} store
 * @param {String} name
 * @return {Function|undefined}
 * @private
 */
exports.queuedOf = function queuedOf (store, name) {
  var method = store[name]
  return typeof method === 'function' ? method[queued] : undefined
}

/**
 * Attaches a merge variant to a store's `set` (non-enumerable).
 *
 * @param {Function} method
 * @param {Function} run
 * @param {Boolean} isSync
 * @private
 */
exports.defineMerge = function defineMerge (method, run, isSync) {
  Object.defineProperty(method, merge, { value: { run: run, sync: isSync } })
}

/**
 * The merge variant of `store.set`, or undefined.
 *
 * @param {Object} store
 * @return {{ run: Function, sync: Boolean }|undefined}
 * @private
 */
exports.mergeOf = function mergeOf (store) {
  var method = store.set
  return typeof method === 'function' ? method[merge] : undefined
}
