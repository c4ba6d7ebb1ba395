/*!
 * express-session-rs: reading the session ID of a request
 * express-session's getcookie (the Cookie header, then cookie-parser's
 * req.signedCookies and req.cookies), and, behind their options, every cookie of
 * the name (fixDuplicateCookies), the session header (header) and whether the ID
 * verified only with an older secret (resignOldSecrets).
 */

'use strict'

var cookieMatch = require('./cookie-match')
var debug = require('debug')('express-session')
var sessionHeader = require('./options/header')

module.exports = createReader
createReader.OldSecret = OldSecret

/**
 * The reader of session IDs for cookie `name`: `read(req, signer, first)`
 * returns the verified session ID, or undefined.
 *
 * With `options.duplicates`, each cookie of that name is tried in order until one
 * verifies (express-session tries only the first); with `options.header` (the
 * validated header name), the header is tried last. `first` (a Signer of the
 * first secret alone, or null) asks whether the ID verified with it: when it did
 * not, `read` returns an OldSecret, so that the cookie is signed again
 * (resignOldSecrets); `first` is null unless that option is on and there are
 * several secrets. `deprecate` is the middleware's (so that depd names the app's
 * call site).
 *
 * @param {String} name
 * @param {{ duplicates: Boolean, header: String|null }} options
 * @param {Function} deprecate
 * @return {Function}
 * @private
 */
function createReader (name, options, deprecate) {
  var duplicates = Boolean(options.duplicates)
  var headerName = options.header ? options.header.toLowerCase() : null
  var cookieValue = cookieMatch.cookieReader(name)

  return function getcookie (req, signer, first) {
    var header = req.headers.cookie
    var raw
    var val

    // read from cookie header
    if (header) {
      if (duplicates) {
        var all = cookieMatch.cookieValues(header, name)
        for (var i = 0; i < all.length && !val; i++) {
          raw = all[i]
          val = unsign(raw, signer)
        }
      } else {
        raw = cookieValue(header)

        if (raw) {
          val = unsign(raw, signer)
        }
      }
    }

    // back-compat read from cookieParser() signedCookies data
    if (!val && req.signedCookies) {
      val = req.signedCookies[name]

      if (val) {
        deprecate('cookie should be available in req.headers.cookie')
        return val
      }
    }

    // back-compat read from cookieParser() cookies data
    if (!val && req.cookies) {
      raw = req.cookies[name]

      if (raw) {
        val = unsign(raw, signer)

        if (val) {
          deprecate('cookie should be available in req.headers.cookie')
        }
      }
    }

    // the session header (clients without cookies)
    if (!val && headerName) {
      raw = sessionHeader.read(req, headerName)

      if (raw) {
        val = unsign(raw, signer)
      }
    }

    if (val && first && unsign(raw, first, true) === undefined) {
      return new OldSecret(val)
    }

    return val
  }
}

/**
 * A session ID that verified only with an older secret (see createReader).
 *
 * @private
 */
function OldSecret (id) {
  this.id = id
}

/**
 * The session ID in a signed cookie value (`s:` + signed ID), or undefined.
 *
 * @private
 */
function unsign (raw, signer, quiet) {
  if (raw.substr(0, 2) !== 's:') {
    if (!quiet) debug('cookie unsigned')
    return undefined
  }

  var val = signer.unsign(raw.slice(2))

  if (val === false) {
    if (!quiet) debug('cookie signature invalid')
    return undefined
  }

  return val
}
