/*!
 * express-session-rs: finding the session's cookie: its value in a Cookie
 * header (without parsing the other cookies), and cookie matching that
 * express-session gets wrong, used behind its opt-in options: RFC 6265 path
 * matching (fixCookiePathMatch) and every cookie of the session's name
 * (fixDuplicateCookies).
 */

'use strict'

exports.pathMatches = pathMatches
exports.pathMatcher = pathMatcher
exports.cookieReader = cookieReader
exports.cookieValues = cookieValues

var parse = require('cookie').parse

/**
 * RFC 6265 section 5.1.4 path-match: the cookie path is the request path, or a
 * prefix of it that ends with `/` or is followed by `/` in it (so `/admin`
 * matches `/admin` and `/admin/users`, not `/administrator`). express-session
 * tests a plain string prefix.
 *
 * @param {String} requestPath
 * @param {String} cookiePath
 * @return {Boolean}
 * @private
 */
function pathMatches (requestPath, cookiePath) {
  if (requestPath === cookiePath) return true
  if (requestPath.indexOf(cookiePath) !== 0) return false
  return cookiePath.charCodeAt(cookiePath.length - 1) === 0x2f ||
    requestPath.charCodeAt(cookiePath.length) === 0x2f
}

/**
 * Whether a request path is under the cookie path: express-session's string
 * prefix, or with `fix` (fixCookiePathMatch) RFC 6265's path-match.
 *
 * @param {Boolean} fix
 * @return {Function} (requestPath, cookiePath) => Boolean
 * @private
 */
function pathMatcher (fix) {
  return fix ? pathMatches : isPrefix
}

function isPrefix (requestPath, cookiePath) {
  return requestPath.indexOf(cookiePath) === 0
}

/**
 * The reader of cookie `name`'s value in a Cookie header:
 * `read(header)` is `cookie.parse(header)[name]` (cookie 0.7.2, as
 * express-session reads its cookie), without decoding or keeping the other
 * cookies: the first value of that name, its surrounding double quotes removed,
 * then URI-decoded when that succeeds; undefined when there is none. For a name
 * that objects inherit (`__proto__`, `toString`...) or that is not a string,
 * and for a header that is not a string, `cookie.parse` itself answers.
 *
 * @param {String} name
 * @return {Function} (header) => String|undefined
 * @private
 */
function cookieReader (name) {
  if (typeof name !== 'string' || name in Object.prototype) {
    return function parsed (header) {
      return parse(header)[name]
    }
  }

  return function scanned (header) {
    return typeof header === 'string'
      ? scan(header, name, null)
      : parse(header)[name]
  }
}

/**
 * Every value of the cookie `name` in a Cookie header, in order, decoded as the
 * `cookie` module decodes the one value it keeps (the first): surrounding double
 * quotes removed, then URI-decoded when that succeeds. A browser sends two
 * cookies of one name when they differ in path or domain (a stale one from an
 * old path or a parent domain, or one planted by a sibling subdomain).
 *
 * @param {String} header
 * @param {String} name
 * @return {String[]}
 * @private
 */
function cookieValues (header, name) {
  var values = []
  scan(header, name, values)
  return values
}

/**
 * The values of cookie `name` in `header`, pair by pair as the cookie module
 * reads them (pairs end at `;`; a pair without `=` is skipped; blanks around
 * names and values are not part of them): pushed to `all`, or the first
 * returned when `all` is null.
 *
 * @private
 */
function scan (header, name, all) {
  var len = header.length
  // (the cookie module reads nothing from a header shorter than 'a=')
  var index = len < 2 ? len : 0
  while (index < len) {
    var eq = header.indexOf('=', index)
    if (eq === -1) break // (no pair left)
    var end = header.indexOf(';', index)
    if (end === -1) {
      end = len
    } else if (eq > end) {
      // (pairs without '=' up to the last ';' before it are skipped at once)
      index = header.lastIndexOf(';', eq - 1) + 1
      continue
    }
    var keyStart = skipBlanks(header, index, eq)
    var keyEnd = trimBlanks(header, eq, keyStart)
    if (keyEnd - keyStart === name.length && header.startsWith(name, keyStart)) {
      var start = skipBlanks(header, eq + 1, end)
      var stop = trimBlanks(header, end, start)
      if (header.charCodeAt(start) === 0x22 && header.charCodeAt(stop - 1) === 0x22) {
        start++
        stop--
      }
      var value = decode(header.slice(start, stop))
      if (all === null) return value
      all.push(value)
    }
    index = end + 1
  }
  return undefined
}

// the first index from `index` (below `max`) that is not a space or tab, else max
function skipBlanks (str, index, max) {
  while (index < max && isBlank(str.charCodeAt(index))) index++
  return index
}

// the index after the last character before `index` (above `min`) that is not
// a space or tab, else min
function trimBlanks (str, index, min) {
  while (index > min && isBlank(str.charCodeAt(index - 1))) index--
  return index
}

function isBlank (code) {
  return code === 0x20 || code === 0x09
}

function decode (str) {
  if (str.indexOf('%') === -1) return str
  try {
    return decodeURIComponent(str)
  } catch (e) {
    return str
  }
}
