/*!
 * express-session-rs: the owner option: which user a session belongs to, so
 * that a store can list a user's sessions and end them all ("log out
 * everywhere", one session per user).
 *
 * The middleware gives the option to the store once (a symbol-keyed property,
 * invisible to every other caller); the store asks it for the owner of each
 * session it writes or touches, and keeps an index of them. Public signatures
 * stay express-session's.
 */

'use strict'

var thrownError = require('../store-common').thrownError

exports.attach = attach
exports.of = ownerOf
exports.tracks = tracks
exports.argument = ownerArgument
exports.destroyArguments = destroyArguments

var channel = Symbol('express-session-rs owner')

/**
 * Gives `store` the `owner` option of a session() (nothing when undefined or
 * null): the name of a top-level session field, or a function of the session.
 * A TypeError when the option is neither, or the store keeps no owners (it
 * needs `sessionsOf` and `destroyOwner`), or another session() gave the same
 * store another owner.
 *
 * @param {String|Function|undefined} option
 * @param {Store} store
 * @private
 */
function attach (option, store) {
  if (option === undefined || option === null) {
    return
  }

  if (!(typeof option === 'string' && option !== '') && typeof option !== 'function') {
    throw new TypeError('owner option must be the name of a session field or a function (session) => owner')
  }

  if (typeof store.sessionsOf !== 'function' || typeof store.destroyOwner !== 'function') {
    throw new TypeError('owner option needs a store with sessionsOf and destroyOwner (MemoryStore, SqliteStore or RedisStore of express-session-rs)')
  }

  var given = store[channel]
  if (given !== undefined && given.option !== option) {
    throw new TypeError('owner option: this store already has another owner option (one store, one owner)')
  }

  if (given === undefined) {
    Object.defineProperty(store, channel, {
      configurable: true,
      value: {
        option: option,
        of: typeof option === 'function' ? option : function field (sess) { return sess[option] }
      }
    })
  }
}

/**
 * The owner of `session` as `store` records it: undefined when the store was
 * given no owner option (owners are not tracked), null for none, else the
 * owner's key; the Error that an owner function threw (a value thrown that
 * is not an Error becomes one, so that it is never taken for an owner or for
 * no error).
 *
 * @param {Store} store
 * @param {Object} session
 * @return {String|null|undefined|Error}
 * @private
 */
function ownerOf (store, session) {
  var given = store[channel]
  if (given === undefined) {
    return undefined
  }

  try {
    return ownerKey(session == null ? undefined : given.of(session))
  } catch (err) {
    return thrownError('owner function', err)
  }
}

/**
 * Whether `store` was given an owner option (it records owners).
 *
 * @param {Store} store
 * @return {Boolean}
 * @private
 */
function tracks (store) {
  return store[channel] !== undefined
}

/**
 * The key of an owner: a non-empty string as it is, a finite number or a
 * bigint as its decimal text (user 42 and '42' are one owner), null for
 * anything else (no owner).
 *
 * @param {*} value
 * @return {String|null}
 * @private
 */
function ownerKey (value) {
  switch (typeof value) {
    case 'string':
      return value === '' ? null : value
    case 'number':
      return Number.isFinite(value) ? String(value) : null
    case 'bigint':
      return String(value)
    default:
      return null
  }
}

/**
 * The key of the `owner` argument of `sessionsOf` and `destroyOwner`; a
 * TypeError when it is no owner.
 *
 * @param {*} owner
 * @return {String}
 * @private
 */
function ownerArgument (owner) {
  var key = ownerKey(owner)
  if (key === null) {
    throw new TypeError('owner must be a non-empty string or a number')
  }
  return key
}

/**
 * The arguments of `destroyOwner(owner, [options], [callback])`: `{ key,
 * except, callback }`, or `{ error, callback }` when `owner` or `options` are
 * none (a TypeError, for the callback).
 *
 * @param {*} owner
 * @param {Object|Function|undefined} options
 * @param {Function|undefined} callback
 * @return {Object}
 * @private
 */
function destroyArguments (owner, options, callback) {
  if (typeof options === 'function') {
    callback = options
    options = undefined
  }
  try {
    return { key: ownerArgument(owner), except: exceptOption(options), callback: callback }
  } catch (err) {
    return { error: err, callback: callback }
  }
}

/**
 * The `except` of `destroyOwner(owner, { except })`: a session ID or an array
 * of them, as an array of strings.
 *
 * @param {Object|undefined} options
 * @return {String[]}
 * @private
 */
function exceptOption (options) {
  if (options === undefined || options === null) {
    return []
  }

  if (typeof options !== 'object') {
    throw new TypeError('destroyOwner options must be an object: { except }')
  }

  var except = options.except
  if (except === undefined || except === null) {
    return []
  }

  var list = Array.isArray(except) ? except : [except]
  for (var i = 0; i < list.length; i++) {
    if (typeof list[i] !== 'string') {
      throw new TypeError('destroyOwner except must be a session ID or an array of them')
    }
  }

  return list
}
