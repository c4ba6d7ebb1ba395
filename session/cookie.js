/*!
 * express-session-rs: Cookie
 * Same behaviour as express-session 1.19.0's session/cookie.js (plus `createdAt`
 * in its data, under the middleware's absoluteTimeout option only).
 */

'use strict'

var cookie = require('cookie')
var deprecate = require('depd')('express-session')
var createdAt = require('../lib/options/absolute-timeout').createdAt
var json = require('../lib/json')

module.exports = Cookie

/**
 * The session cookie's settings, stored with the session.
 *
 * @param {Object} [options]
 * @public
 */
function Cookie (options) {
  this.path = '/'
  this.maxAge = null
  this.httpOnly = true

  if (options) {
    if (typeof options !== 'object') {
      throw new TypeError('argument options must be a object')
    }
    for (var key in options) {
      if (key !== 'data') {
        this[key] = options[key]
      }
    }
  }

  if (this.originalMaxAge === undefined || this.originalMaxAge === null) {
    this.originalMaxAge = this.maxAge
  }
}

// An object literal, as in express-session (so `new Cookie().constructor === Object`).
Cookie.prototype = {
  set expires (date) {
    this._expires = date
    this.originalMaxAge = this.maxAge
  },

  get expires () {
    return this._expires
  },

  set maxAge (ms) {
    if (ms && typeof ms !== 'number' && !(ms instanceof Date)) {
      throw new TypeError('maxAge must be a number or Date')
    }
    if (ms instanceof Date) {
      deprecate('maxAge as Date; pass number of milliseconds instead')
    }
    this.expires = typeof ms === 'number' ? new Date(Date.now() + ms) : ms
  },

  get maxAge () {
    return this.expires instanceof Date
      ? this.expires.valueOf() - Date.now()
      : this.expires
  },

  get data () {
    var data = {
      originalMaxAge: this.originalMaxAge,
      partitioned: this.partitioned,
      priority: this.priority,
      expires: this._expires,
      secure: this.secure,
      httpOnly: this.httpOnly,
      domain: this.domain,
      path: this.path,
      sameSite: this.sameSite
    }
    // the session's creation time (ms since the epoch), kept with the stored
    // session when the middleware has absoluteTimeout (never sent to the
    // browser); without it, a stored createdAt is dropped, as express-session does
    if (this[createdAt] !== undefined) {
      data.createdAt = this[createdAt]
    }
    return data
  },

  serialize: function serialize (name, val) {
    return cookie.serialize(name, val, this.data)
  },

  toJSON: function toJSON () {
    return this.data
  }
}

json.definePlainCookie(Cookie.prototype, createdAt)
