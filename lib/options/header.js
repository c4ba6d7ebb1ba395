/*!
 * express-session-rs: the `header` option: the session in a response and
 * request header, for clients without a cookie jar; the same signed value as the
 * cookie (`s:<id>.<signature>`), URI-encoded as the cookie encodes it when it
 * holds anything a header cannot carry as it is.
 */

'use strict'

exports.name = headerName
exports.value = headerValue
exports.read = read
exports.send = send

// an HTTP token (RFC 9110 section 5.6.2)
var TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

// a value sent as it is: visible ASCII without `%` (which a reader decodes)
var PLAIN = /^[\x21\x23-\x24\x26-\x7e]*$/

// names that carry cookies, frame the message, route it or steer the client or
// a proxy: a session value there would break the response or the connection
var REFUSED = [
  'cookie', 'set-cookie', 'content-length', 'content-type', 'content-encoding', 'content-range',
  'transfer-encoding', 'te', 'trailer', 'host', 'connection', 'keep-alive', 'proxy-connection',
  'upgrade', 'expect', 'location', 'forwarded', 'via', 'x-forwarded-for', 'x-forwarded-host',
  'x-forwarded-proto',
  // (and those that tell caches and browsers how to treat the response, which
  // the session's value would replace)
  'cache-control', 'pragma', 'expires', 'vary', 'etag', 'last-modified', 'age', 'date',
  'retry-after', 'refresh', 'link', 'server', 'content-location', 'content-disposition',
  'content-security-policy', 'content-security-policy-report-only', 'strict-transport-security',
  'clear-site-data', 'www-authenticate', 'proxy-authenticate', 'alt-svc', 'x-frame-options',
  'x-content-type-options', 'referrer-policy', 'permissions-policy', 'cross-origin-opener-policy',
  'cross-origin-embedder-policy', 'cross-origin-resource-policy',
  // (and those that make the web server in front serve a file instead: nginx's
  // X-Accel-* are refused by their prefix)
  'x-sendfile', 'x-lighttpd-send-file'
]

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
  if (typeof option !== 'string' || !TOKEN.test(option)) {
    throw new TypeError('header option must be a header name')
  }
  var lower = option.toLowerCase()
  if (REFUSED.indexOf(lower) !== -1 || lower.indexOf('access-control-') === 0 || lower.indexOf('x-accel-') === 0) {
    throw new TypeError('header option must be a header name of its own, not ' + option)
  }
  return option
}

/**
 * What the header carries for the signed cookie value `signed`: the value as it
 * is when it is visible ASCII without `%` (always so with express-session's
 * IDs), else URI-encoded exactly as the cookie encodes it, so that `read` gives
 * `signed` back either way.
 *
 * @param {String} signed
 * @return {String}
 * @private
 */
function headerValue (signed) {
  return PLAIN.test(signed) ? signed : encodeURIComponent(signed)
}

/**
 * The signed value sent in header `lower` (its name in lower case), URI-decoded
 * when it holds `%`, or undefined.
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
 * in Access-Control-Expose-Headers, so that a browser script may read it (`*`
 * covers it only without credentials: with Access-Control-Allow-Credentials
 * browsers read `*` as a header name).
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
  var wildcard = String(res.getHeader('Access-Control-Allow-Credentials')).trim().toLowerCase() !== 'true'
  var listed = list.split(',').some(function (item) {
    var h = item.trim().toLowerCase()
    return h === lower || (wildcard && h === '*')
  })
  if (!listed) {
    res.setHeader('Access-Control-Expose-Headers', list ? list + ', ' + name : name)
  }
}
