/*!
 * express-session-rs: the `absoluteTimeout` option: a session ends a fixed time
 * after it was created, however often it is used. Its creation time is kept in
 * its cookie's stored data as `createdAt` (never sent to the browser), with our
 * Cookie and with the Cookie of any store that rebuilds sessions its own way
 * (express-session's own Store#createSession, connect-redis, memorystore), as
 * long as the store keeps the JSON it is given.
 */

'use strict'

var defineHidden = require('../hidden')
var json = require('../json')
var number = require('./number')

exports.create = create

/**
 * Where a Cookie keeps its session's creation time (a symbol: set only by the
 * middleware, so that a createdAt merely found in stored data is dropped as
 * express-session drops it; session/cookie.js serializes it).
 *
 * @private
 */
var createdAt = exports.createdAt = Symbol('express-session-rs createdAt')

// on a cookie given a toJSON by `keep`
var extended = Symbol('express-session-rs toJSON with createdAt')

// on a session (non-enumerable): its creation time too, for a cookie that the
// app puts in place of the one that had it (see `restamp`)
var sessionCreatedAt = Symbol('express-session-rs session createdAt')

/**
 * The option's handler: null when off (undefined, null or false), else
 * `{ stamp, isPast, loaded, restamp }` for a lifetime of `option` ms.
 *
 * @param {*} option
 * @return {Object|null}
 * @private
 */
function create (option) {
  if (option === undefined || option === null || option === false) {
    return null
  }

  var lifetime = number.time('absoluteTimeout', option, { min: 1, max: Number.MAX_SAFE_INTEGER })

  return {
    /**
     * A new session starts its lifetime now.
     */
    stamp: function stamp (sess) {
      created(sess, Date.now())
    },

    /**
     * Whether session data as the store gave it is past its lifetime.
     */
    isPast: function isPast (data) {
      var created = data.cookie && data.cookie.createdAt
      return typeof created === 'number' && Date.now() - created >= lifetime
    },

    /**
     * A session just read from the store (loaded or reloaded) keeps its creation
     * time; one stored without it starts its lifetime now. True when the session
     * must be saved for that.
     */
    loaded: function loaded (sess) {
      var cookie = sess.cookie
      if (!cookie || typeof cookie !== 'object') return false
      var stored = cookie.createdAt
      created(sess, typeof stored === 'number' ? stored : Date.now())
      return typeof stored !== 'number'
    },

    /**
     * A cookie that the app put in place of the session's (`req.session.cookie =
     * new Cookie(...)`, a "remember me") gets the session's creation time
     * before the session is stored.
     */
    restamp: function restamp (sess) {
      var cookie = sess.cookie
      var time = sess[sessionCreatedAt]
      if (time !== undefined && cookie && typeof cookie === 'object' && cookie[createdAt] === undefined) {
        keep(cookie, time)
      }
    }
  }
}

// the session's creation time, on it and on its cookie
function created (sess, time) {
  defineHidden(sess, sessionCreatedAt, time)
  keep(sess.cookie, time)
}

/**
 * Sets the creation time of `cookie`. A cookie whose JSON is not our Cookie's
 * own (a store's Cookie class, or a toJSON of the app's) gets a toJSON that adds
 * `createdAt` to what it serializes.
 *
 * @private
 */
function keep (cookie, created) {
  cookie[createdAt] = created
  if (!json.isPlainCookie(cookie) && !cookie[extended]) {
    var toJSON = cookie.toJSON
    defineHidden(cookie, 'toJSON', function () {
      return withCreatedAt(this, typeof toJSON === 'function' ? toJSON.apply(this, arguments) : this)
    })
    defineHidden(cookie, extended, true)
  }
}

// `data` with `createdAt` (a copy, `createdAt` last) unless it has one
function withCreatedAt (cookie, data) {
  if (data === null || typeof data !== 'object' || data.createdAt !== undefined) {
    return data
  }
  return Object.assign({}, data, { createdAt: cookie[createdAt] })
}
