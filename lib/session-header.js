/*!
 * express-session-rs: the session in a response and request header, for
 * clients without a cookie jar (the `header` option): the same signed value as
 * the cookie, `s:<id>.<signature>`.
 */

'use strict'

exports.name = headerName
exports.read = read
exports.send = send

// an HTTP token (RFC 9110 section 5.6.2)
var TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * The validated `header` option: null when unset, else the name as given.
 *
 * @param {*} option
 * @return {String|null}
 * @private
 */
function headerName (option) {
  if (option === undefined || option === null || option === false) {
    return null
  }
  if (typeof option !== 'string' || !TOKEN.test(option) ||
      option.toLowerCase() === 'cookie' || option.toLowerCase() === 'set-cookie') {
    throw new TypeError('header option must be a header name (other than Cookie and Set-Cookie)')
  }
  return option
}

/**
 * The signed value sent in header `name` (lower case), URI-decoded when it was
 * copied from a cookie (`s%3A...`), or undefined.
 *
 * @param {IncomingMessage} req
 * @param {String} lower
 * @return {String|undefined}
 * @private
 */
function read (req, lower) {
  var value = req.headers[lower]
  if (typeof value !== 'string' || value === '') {
    return undefined
  }
  if (value.indexOf('%') !== -1) {
    try {
      value = decodeURIComponent(value)
    } catch (e) {
      return undefined
    }
  }
  return value
}

/**
 * Sets header `name` to `value` and, on a response with CORS headers, lists it
 * in Access-Control-Expose-Headers (so that a browser script may read it).
 *
 * @param {ServerResponse} res
 * @param {String} name
 * @param {String} value
 * @private
 */
function send (res, name, value) {
  res.setHeader(name, value)
  if (res.getHeader('Access-Control-Allow-Origin') === undefined) {
    return
  }
  var prev = res.getHeader('Access-Control-Expose-Headers')
  var list = Array.isArray(prev) ? prev.join(', ') : prev == null ? '' : String(prev)
  var lower = name.toLowerCase()
  var listed = list.split(',').some(function (item) {
    var h = item.trim().toLowerCase()
    return h === lower || h === '*'
  })
  if (!listed) {
    res.setHeader('Access-Control-Expose-Headers', list ? list + ', ' + name : name)
  }
}
