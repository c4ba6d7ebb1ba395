/*!
 * express-session-rs: the rules of the `__Host-` and `__Secure-` cookie name
 * prefixes (RFC 6265bis section 4.1.3), checked against the cookie options: a
 * browser silently drops a prefixed cookie that breaks them, so every request
 * would start a new session.
 */

'use strict'

module.exports = cookiePrefix

var warned = Object.create(null)

/**
 * The checker for cookie `name`: null when the name has no prefix, else
 * `check(options)`, which warns once per problem or, when `strict`, throws a
 * TypeError naming it.
 *
 * @param {String} name
 * @param {Boolean} strict
 * @return {Function|null}
 * @private
 */
function cookiePrefix (name, strict) {
  var lower = String(name).toLowerCase()
  var host = lower.indexOf('__host-') === 0
  if (!host && lower.indexOf('__secure-') !== 0) {
    return null
  }
  var prefix = host ? '__Host-' : '__Secure-'

  return function check (options) {
    var problem = problemOf(host, options || {})
    if (!problem) return
    var message = 'cookie name ' + JSON.stringify(name) + ' has the ' + prefix + ' prefix, which needs ' + problem +
      ': browsers will drop the cookie'
    if (strict) {
      throw new TypeError(message)
    }
    if (!warned[message]) {
      warned[message] = true
      process.emitWarning(message + ' (strictCookiePrefix: true makes this an error)', 'ExpressSessionWarning')
    }
  }
}

// what the options break, as the Set-Cookie shows it: the cookie module writes
// Secure and Domain for truthy values, Path for a truthy one, and Cookie's
// default path '/' stays unless the options name a path (undefined too)
function problemOf (host, options) {
  // ('auto': Secure over HTTPS; over HTTP no cookie with these prefixes can be set)
  if (!options.secure) {
    return 'secure: true'
  }
  if (host && options.domain) {
    return 'no domain option'
  }
  if (host && 'path' in options && options.path !== '/') {
    return 'path: \'/\''
  }
  return null
}
