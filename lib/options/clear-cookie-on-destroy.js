/*!
 * express-session-rs: the `clearCookieOnDestroy` option: the response to a
 * request that destroyed its session expires the session cookie (and empties
 * the session header), so that the browser stops sending a dead ID.
 */

'use strict'

var cookie = require('cookie')
var debug = require('debug')('express-session')
var header = require('./header')

module.exports = clearCookie

var defer = setImmediate

/**
 * Appends to `res` a Set-Cookie of `name` with an empty value and the attributes
 * of the destroyed session's cookie `sessCookie`, expired (not for a secure
 * cookie over an insecure connection); with `headerName`, sets that header
 * empty. An error (a cookie option the cookie module refuses) goes to `next`.
 *
 * @param {ServerResponse} res
 * @param {String} name
 * @param {Cookie} sessCookie
 * @param {String|null} headerName
 * @param {Boolean} secure whether the request came over HTTPS
 * @param {Function} append appends a Set-Cookie value to res
 * @param {Function} next
 * @private
 */
function clearCookie (res, name, sessCookie, headerName, secure, append, next) {
  if (sessCookie.secure && !secure) {
    return
  }

  try {
    var options = Object.assign({}, sessCookie.data, { expires: new Date(0) })
    var data = cookie.serialize(name, '', options)
    debug('set-cookie %s', data)
    append(res, data)
    if (headerName) header.send(res, headerName, '')
  } catch (err) {
    defer(next, err)
  }
}
