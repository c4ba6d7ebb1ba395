/*!
 * express-session-rs: `regenerate({ keep }, callback)`: a new session ID (the
 * old one destroyed in the store, as for every regenerate) that keeps every
 * field of the session (`keep: true`) or the listed ones (`keep: ['user']`).
 */

'use strict'

module.exports = regenerateArgs

var hasOwn = Object.prototype.hasOwnProperty

/**
 * The arguments of `sess.regenerate(options, callback)` (`options` may be
 * undefined or null) or `sess.regenerate(callback)`: `{ callback, wrap }`, where `wrap(method)` is
 * `function (done)` running `method` (a regenerate taking only a callback) on
 * the session and, once it succeeded, copying the kept fields onto the new
 * `req.session`. The fields are taken now, before the session is replaced.
 *
 * @param {Session} sess
 * @param {Object|Function} [options]
 * @param {Function} [callback]
 * @return {{ callback: Function|undefined, wrap: Function }}
 * @private
 */
function regenerateArgs (sess, options, callback) {
  if (options === null || typeof options !== 'object') {
    // (no options, given as undefined or null: `regenerate(keep ? { keep } :
    // undefined, callback)` calls back)
    var none = options == null && typeof callback === 'function'
    return { callback: none ? callback : options, wrap: plain }
  }

  var kept = pick(sess, options.keep)
  var req = sess.req

  return {
    callback: callback,
    wrap: function wrap (method) {
      return function (done) {
        method.call(this, function (err) {
          if (!err && kept && req.session) {
            restore(req.session, kept)
          }
          done.apply(this, arguments)
        })
      }
    }
  }
}

function plain (method) {
  return method
}

// the fields to keep: all but `cookie` (true), the listed ones, or none
function pick (sess, keep) {
  if (keep === undefined || keep === false) {
    return null
  }

  var names
  if (keep === true) {
    names = Object.keys(sess)
  } else if (Array.isArray(keep) && keep.every(function (k) { return typeof k === 'string' })) {
    names = keep
  } else {
    throw new TypeError('regenerate option keep must be true or an array of field names')
  }

  var kept = {}
  for (var i = 0; i < names.length; i++) {
    if (names[i] !== 'cookie' && hasOwn.call(sess, names[i])) {
      kept[names[i]] = sess[names[i]]
    }
  }
  return kept
}

// copies kept fields onto the new session (not over its cookie, id or methods)
function restore (sess, kept) {
  for (var name in kept) {
    if (!(name in sess)) {
      sess[name] = kept[name]
    }
  }
}
