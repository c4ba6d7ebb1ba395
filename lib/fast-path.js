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
 * end-of-request write when the store's method is still that native function, so
 * that the response is finished in one write, as express-session does with any
 * synchronous store. A method replaced or wrapped by the app (or a subclass) has
 * no such property, so it is called through its public signature. Everything else
 * sees only express-session's signatures and deferred callbacks.
 *
 * @private
 */
var sync = Symbol('express-session-rs sync')

exports.sync = sync

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
