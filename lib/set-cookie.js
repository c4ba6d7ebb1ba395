/*!
 * express-session-rs: the session cookie's Set-Cookie value
 * `cookie.serialize(name, value, sess.cookie.data)` (express-session's
 * setcookie), without building `data` and with the work that depends only on
 * the cookie's options (name, domain, path and flags) kept between responses.
 */

'use strict'

var cookie = require('cookie')

module.exports = CookieSerializer

var dateToString = Object.prototype.toString
var dateValueOf = Date.prototype.valueOf
var dateToUTCString = Date.prototype.toUTCString

/**
 * Serializes one middleware's session cookies (`name` is its cookie's name);
 * `proto` is Cookie.prototype, whose `data` getter the serialized fields come
 * from.
 *
 * @param {String} name
 * @param {Object} proto
 * @private
 */
function CookieSerializer (name, proto) {
  this.name = name
  this.proto = proto
  // the options of the last cookie serialized, and its parts before and after
  // Expires (null: none yet)
  this.domain = undefined
  this.path = undefined
  this.httpOnly = undefined
  this.secure = undefined
  this.partitioned = undefined
  this.priority = undefined
  this.sameSite = undefined
  this.before = null
  this.after = null
  // the last Expires, by second
  this.second = NaN
  this.expires = ''
}

/**
 * `cookie.serialize(name, value, c.data)`: the same string, or the same error.
 *
 * @param {String} value
 * @param {Object} c the session's cookie
 * @return {String}
 * @private
 */
CookieSerializer.prototype.serialize = function serialize (value, c) {
  if (c === null || typeof c !== 'object' || Object.getPrototypeOf(c) !== this.proto) {
    return cookie.serialize(this.name, value, c.data)
  }

  if (!this.matches(c) && !this.remember(c)) {
    return cookie.serialize(this.name, value, c.data)
  }

  var expires = c._expires
  var text = ''
  if (expires) {
    text = this.expiresOf(expires)
    if (text === null) {
      return cookie.serialize(this.name, value, c.data)
    }
  }

  // (encodeURIComponent's output always passes cookie's value check; a lone
  // surrogate throws its URIError, as in cookie.serialize)
  return this.name + '=' + encodeURIComponent(value) + this.before + text + this.after
}

/**
 * Whether `c` has the options of the last cookie serialized.
 *
 * @private
 */
CookieSerializer.prototype.matches = function matches (c) {
  return this.before !== null &&
    c.domain === this.domain &&
    c.path === this.path &&
    c.httpOnly === this.httpOnly &&
    c.secure === this.secure &&
    c.partitioned === this.partitioned &&
    c.priority === this.priority &&
    c.sameSite === this.sameSite
}

/**
 * Computes and keeps the parts of `c`'s options with cookie.serialize itself;
 * false when they cannot be kept (an object or function among them, or an
 * option that cookie.serialize refuses: the caller then serializes as
 * express-session does, and gets its error).
 *
 * @private
 */
CookieSerializer.prototype.remember = function remember (c) {
  var fields = [c.domain, c.path, c.httpOnly, c.secure, c.partitioned, c.priority, c.sameSite]
  for (var i = 0; i < fields.length; i++) {
    var type = typeof fields[i]
    if ((type === 'object' && fields[i] !== null) || type === 'function') return false
  }

  var before, after
  try {
    var skip = this.name.length + 2 // 'name=v'
    before = cookie.serialize(this.name, 'v', { domain: fields[0], path: fields[1] }).slice(skip)
    after = cookie.serialize(this.name, 'v', {
      httpOnly: fields[2],
      secure: fields[3],
      partitioned: fields[4],
      priority: fields[5],
      sameSite: fields[6]
    }).slice(skip)
  } catch (err) {
    return false
  }

  this.domain = fields[0]
  this.path = fields[1]
  this.httpOnly = fields[2]
  this.secure = fields[3]
  this.partitioned = fields[4]
  this.priority = fields[5]
  this.sameSite = fields[6]
  this.before = before
  this.after = after
  return true
}

/**
 * `'; Expires=' + expires.toUTCString()` for a valid Date with Date's own
 * methods (the last one kept by second), else null.
 *
 * @private
 */
CookieSerializer.prototype.expiresOf = function expiresOf (expires) {
  if (!(expires instanceof Date) || expires.valueOf !== dateValueOf || expires.toUTCString !== dateToUTCString ||
      dateToString.call(expires) !== '[object Date]') {
    return null
  }

  var time = expires.valueOf()
  if (!(time >= 0)) {
    return null // invalid (cookie.serialize's error), or before 1970
  }

  var second = Math.floor(time / 1000)
  if (second !== this.second) {
    this.second = second
    this.expires = '; Expires=' + expires.toUTCString()
  }
  return this.expires
}
