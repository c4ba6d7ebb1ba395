/*!
 * express-session-rs: fast JSON of a Cookie and of a session
 * Byte for byte what JSON.stringify writes, without V8's slow paths.
 */

'use strict'

exports.cookieJSON = cookieJSON
exports.sessionJSON = sessionJSON
exports.dataJSON = dataJSON
exports.parseStored = parseStored
exports.isLarge = isLarge
exports.isPlainCookie = isPlainCookie
exports.isoString = isoString
exports.definePlainCookie = definePlainCookie

// on Cookie.prototype: its own toJSON (see definePlainCookie)
var PLAIN = Symbol('express-session-rs Cookie#toJSON')

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
  return isPlainCookie(cookie) ? plainCookieJSON(cookie) : JSON.stringify(cookie)
}

// Cookie.prototype and the symbol of createdAt (see definePlainCookie)
var cookieProto = null
var createdAtKey = null

// the members of the last plain cookie serialized before and after its
// `expires` (the same in every request of an app), and their values
var last = {
  originalMaxAge: undefined,
  partitioned: undefined,
  priority: undefined,
  secure: undefined,
  httpOnly: undefined,
  domain: undefined,
  path: undefined,
  sameSite: undefined,
  before: null,
  after: null
}

/**
 * `cookieDataJSON(cookie.data)` of a plain cookie: the members other than
 * `expires` are taken from the last cookie serialized when they are the same
 * (primitive) values, which saves building `data` and walking it; anything
 * else (another prototype, createdAt, an expires that is not a Date or null)
 * is serialized by cookieDataJSON.
 *
 * @param {Cookie} cookie
 * @return {String}
 * @private
 */
function plainCookieJSON (cookie) {
  if (Object.getPrototypeOf(cookie) !== cookieProto || cookie[createdAtKey] !== undefined) {
    return cookieDataJSON(cookie.data)
  }

  var expires = cookie._expires
  var member
  if (expires === null) {
    member = '"expires":null'
  } else if (expires instanceof Date && expires.toJSON === dateToJSON && expires.toISOString === dateToISOString) {
    var text = isoString(expires)
    if (typeof text !== 'string') return cookieDataJSON(cookie.data)
    member = '"expires":"' + text + '"' // (digits, '-', ':', 'T', '.', 'Z': nothing to escape)
  } else {
    return cookieDataJSON(cookie.data)
  }

  if (!sameMembers(cookie) && !rememberMembers(cookie)) {
    return cookieDataJSON(cookie.data)
  }

  var before = last.before
  var after = last.after
  return '{' + (before ? before + ',' : '') + member + (after ? ',' + after : '') + '}'
}

// whether `cookie`'s members other than expires are those of `last`
function sameMembers (cookie) {
  return last.before !== null &&
    cookie.originalMaxAge === last.originalMaxAge &&
    cookie.partitioned === last.partitioned &&
    cookie.priority === last.priority &&
    cookie.secure === last.secure &&
    cookie.httpOnly === last.httpOnly &&
    cookie.domain === last.domain &&
    cookie.path === last.path &&
    cookie.sameSite === last.sameSite
}

// keeps `cookie`'s members other than expires, serialized, in `last`; false
// when one of them is not a primitive that JSON writes as itself
function rememberMembers (cookie) {
  var values = {
    originalMaxAge: cookie.originalMaxAge,
    partitioned: cookie.partitioned,
    priority: cookie.priority,
    secure: cookie.secure,
    httpOnly: cookie.httpOnly,
    domain: cookie.domain,
    path: cookie.path,
    sameSite: cookie.sameSite
  }
  for (var key in values) {
    var type = typeof values[key]
    if (type !== 'undefined' && type !== 'boolean' && type !== 'number' && type !== 'string' && values[key] !== null) return false
  }
  var before = cookieDataJSON({ originalMaxAge: values.originalMaxAge, partitioned: values.partitioned, priority: values.priority })
  var after = cookieDataJSON({
    secure: values.secure,
    httpOnly: values.httpOnly,
    domain: values.domain,
    path: values.path,
    sameSite: values.sameSite
  })
  values.before = before.slice(1, -1)
  values.after = after.slice(1, -1)
  last = values
  return true
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
  return cookie !== null && typeof cookie === 'object' && cookie[PLAIN] !== undefined && cookie.toJSON === cookie[PLAIN]
}

/**
 * Marks `proto` (session/cookie.js's Cookie.prototype) as the prototype of
 * cookies whose JSON is their `data`, serialized field by field: a cookie that
 * inherits it and keeps its `toJSON` is a plain cookie.
 *
 * @param {Object} proto
 * @param {Symbol} createdAt the key of a cookie's createdAt (added to `data`
 *   when set)
 * @private
 */
function definePlainCookie (proto, createdAt) {
  Object.defineProperty(proto, PLAIN, { value: proto.toJSON })
  cookieProto = proto
  createdAtKey = createdAt
}

/**
 * `JSON.stringify(sess)`, byte for byte. When `cookie` is the session's first key
 * (always so for sessions this package creates) its JSON comes from cookieJSON and
 * the rest from dataJSON (or `knownDataJSON`, that same string when the caller
 * has just computed it); otherwise the whole object is stringified.
 *
 * @param {*} sess
 * @param {string} [knownDataJSON] dataJSON(sess), when the caller has just computed it
 * @return {string|undefined}
 * @private
 */
function sessionJSON (sess, knownDataJSON) {
  if (sess === null || typeof sess !== 'object' || typeof sess.toJSON === 'function' || !isPlainCookie(sess.cookie)) {
    return JSON.stringify(sess)
  }
  var first
  for (first in sess) break // eslint-disable-line no-unreachable-loop -- the first enumerable key, without building Object.keys
  if (first !== 'cookie') {
    return JSON.stringify(sess)
  }
  var restJSON = typeof knownDataJSON === 'string' ? knownDataJSON : dataJSON(sess)
  return '{"cookie":' + plainCookieJSON(sess.cookie) + (restJSON === '{}' ? '}' : ',' + restJSON.slice(1))
}

// JSON longer than this marks a large session: copying many keys costs more
// than serializing the whole session (0.4 us against 4 us for 3 keys, 17 us
// against 7 us for 50 keys, 124 ms against 47 ms for 100 000)
var LARGE = 1024

// the session data parsed from a large stored text (see parseStored): held
// here, not marked on the object, which the app gets as JSON.parse made it
var largeData = new WeakSet()

/**
 * `JSON.parse(text)` of a stored session; data from a large text is marked as
 * such (isLarge), for the middleware's first dataJSON of it.
 *
 * @param {String} text
 * @return {*}
 * @private
 */
function parseStored (text) {
  var data = JSON.parse(text)
  if (text.length > LARGE && data !== null && typeof data === 'object') {
    largeData.add(data)
  }
  return data
}

/**
 * Whether a session is large: `hint` is its data JSON computed earlier, or the
 * data a store gave (marked by parseStored).
 *
 * @param {String|Object} hint
 * @return {Boolean}
 * @private
 */
function isLarge (hint) {
  return typeof hint === 'string' ? hint.length > LARGE : hint !== null && typeof hint === 'object' && largeData.has(hint)
}

/**
 * The session's data as compared between the start and end of a request: its
 * JSON without the top-level `cookie`, as express-session serializes it (it
 * compares a hash of the same text). A session is walked once: a small one is
 * copied without its cookie (the copy is then stringified), a `large` one (see
 * isLarge) is serialized whole and its cookie cut out (JSON.stringify wrote it
 * first, as cookieJSON writes it); a session with a toJSON of its own goes
 * through express-session's replacer.
 *
 * @param {Object} sess
 * @param {Boolean} [large]
 * @return {String}
 * @private
 */
function dataJSON (sess, large) {
  if (typeof sess.toJSON !== 'function') {
    if (!large || !isPlainCookie(sess.cookie)) {
      var { cookie: _cookie, ...data } = sess
      return JSON.stringify(data)
    }
    var head = '{"cookie":' + plainCookieJSON(sess.cookie)
    var whole = JSON.stringify(sess)
    if (whole.startsWith(head)) {
      var rest = whole.charCodeAt(head.length)
      if (rest === 0x2c) return '{' + whole.slice(head.length + 1) // ','
      if (rest === 0x7d && whole.length === head.length + 1) return '{}' // '}'
    }
  }
  // a toJSON of any kind (own or inherited, enumerable or not) decides what
  // JSON.stringify writes; and a session whose cookie is not its first key:
  // serialize exactly as express-session does
  var text = JSON.stringify(sess, function (key, val) {
    if (this === sess && key === 'cookie') {
      return
    }

    return val
  })
  if (text === undefined) {
    // (express-session's hash of it throws too)
    throw new TypeError('the session cannot be serialized: its toJSON gave no JSON value')
  }
  return text
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
