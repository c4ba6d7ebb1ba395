/*!
 * express-session-rs: cookie matching that express-session gets wrong, used
 * behind its opt-in options: RFC 6265 path matching (fixCookiePathMatch) and
 * every cookie of the session's name (fixDuplicateCookies).
 */

'use strict'

exports.pathMatches = pathMatches
exports.pathMatcher = pathMatcher
exports.cookieValues = cookieValues

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
  var pairs = header.split(';')
  for (var i = 0; i < pairs.length; i++) {
    var pair = pairs[i]
    var eq = pair.indexOf('=')
    if (eq === -1 || trim(pair.slice(0, eq)) !== name) continue
    var value = trim(pair.slice(eq + 1))
    if (value.charCodeAt(0) === 0x22 && value.charCodeAt(value.length - 1) === 0x22) {
      value = value.slice(1, -1)
    }
    values.push(decode(value))
  }
  return values
}

// spaces and tabs around a name or value, as the cookie module skips them
function trim (str) {
  var start = 0
  var end = str.length
  while (start < end && isBlank(str.charCodeAt(start))) start++
  while (end > start && isBlank(str.charCodeAt(end - 1))) end--
  return str.slice(start, end)
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
