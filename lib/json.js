/*!
 * express-session-rs: fast JSON of a Cookie and of a session
 * Byte for byte what JSON.stringify writes, without V8's slow paths.
 */

'use strict'

var Cookie = require('../session/cookie')

exports.cookieJSON = cookieJSON
exports.sessionJSON = sessionJSON
exports.isPlainCookie = isPlainCookie
exports.isoString = isoString

var dateToJSON = Date.prototype.toJSON
var dateToISOString = Date.prototype.toISOString

// Cookie#data's keys, in its order (createdAt only with absoluteTimeout)
var KEYS = ['originalMaxAge', 'partitioned', 'priority', 'expires', 'secure', 'httpOnly', 'domain', 'path', 'sameSite', 'createdAt']
var PREFIX = KEYS.map(function (key) { return JSON.stringify(key) + ':' })

/**
 * `JSON.stringify(cookie)`, byte for byte. For a Cookie whose `toJSON` is its own,
 * its data is serialized field by field with JSON.stringify's rules: V8's generic
 * serializer is about 6x slower on that object (undefined members and a Date with
 * toJSON knock it off its fast path), and the stores serialize a cookie on every
 * request.
 *
 * @param {*} cookie
 * @return {string|undefined}
 * @private
 */
function cookieJSON (cookie) {
  return isPlainCookie(cookie) ? cookieDataJSON(cookie.data) : JSON.stringify(cookie)
}

/**
 * JSON.stringify of a Cookie's data object, field by field.
 *
 * @private
 */
function cookieDataJSON (data) {
  var out = ''
  for (var i = 0; i < KEYS.length; i++) {
    var value = data[KEYS[i]]
    if (value !== null && typeof value === 'object' && typeof value.toJSON === 'function') {
      value = value instanceof Date && value.toJSON === dateToJSON && value.toISOString === dateToISOString
        ? isoString(value)
        : value.toJSON(KEYS[i])
    }
    var text
    switch (typeof value) {
      case 'undefined':
      case 'function':
      case 'symbol':
        continue
      case 'boolean':
        text = value ? 'true' : 'false'
        break
      case 'number':
        text = isFinite(value) ? String(value) : 'null'
        break
      default:
        // strings, null, objects, BigInt (which throws, as JSON.stringify does)
        text = JSON.stringify(value)
    }
    out += (out ? ',' : '{') + PREFIX[i] + text
  }
  return out ? out + '}' : '{}'
}

/**
 * True for a Cookie serialized by Cookie#toJSON (its `data`).
 *
 * @private
 */
function isPlainCookie (cookie) {
  return cookie instanceof Cookie && cookie.toJSON === Cookie.prototype.toJSON
}

/**
 * `JSON.stringify(sess)`, byte for byte. When `cookie` is the session's first key
 * (always so for sessions this package creates) its JSON comes from cookieJSON and
 * the rest from one JSON.stringify (or `dataJSON`, that same string when the caller
 * has just computed it); otherwise the whole object is stringified.
 *
 * @param {*} sess
 * @param {string} [dataJSON] JSON.stringify of sess without its cookie
 * @return {string|undefined}
 * @private
 */
function sessionJSON (sess, dataJSON) {
  if (sess === null || typeof sess !== 'object' || typeof sess.toJSON === 'function' || !isPlainCookie(sess.cookie)) {
    return JSON.stringify(sess)
  }
  var first
  for (first in sess) break // eslint-disable-line no-unreachable-loop -- the first enumerable key, without building Object.keys
  if (first !== 'cookie') {
    return JSON.stringify(sess)
  }
  var restJSON = dataJSON
  if (typeof restJSON !== 'string') {
    var { cookie: _cookie, ...rest } = sess
    restJSON = JSON.stringify(rest)
  }
  return '{"cookie":' + cookieDataJSON(sess.cookie.data) + (restJSON === '{}' ? '}' : ',' + restJSON.slice(1))
}

function pad (n, width) {
  var s = String(n)
  while (s.length < width) s = '0' + s
  return s
}

/**
 * `date.toJSON()` for a Date with the built-in toJSON/toISOString: null when
 * invalid, else the ISO string, formatted here for years 0-9999 (V8's
 * toISOString is a ~0.5-1 us runtime call; this is ~10x faster).
 *
 * @private
 */
function isoString (date) {
  var year = date.getUTCFullYear()
  if (!(year >= 0 && year <= 9999)) {
    return date.toJSON() // invalid (null) or an expanded year
  }
  return pad(year, 4) + '-' + pad(date.getUTCMonth() + 1, 2) + '-' + pad(date.getUTCDate(), 2) +
    'T' + pad(date.getUTCHours(), 2) + ':' + pad(date.getUTCMinutes(), 2) + ':' + pad(date.getUTCSeconds(), 2) +
    '.' + pad(date.getUTCMilliseconds(), 3) + 'Z'
}
