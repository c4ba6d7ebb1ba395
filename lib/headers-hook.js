/*!
 * express-session-rs: a listener run before a response's headers are written
 * on-headers' onHeaders(res, listener), as express-session uses it, with the
 * call that Node's http makes itself (`res.writeHead(statusCode)`, from
 * `_implicitHeader`) taken without on-headers' copy of its arguments.
 */

'use strict'

var onHeaders = require('on-headers')

module.exports = hookHeaders

/**
 * Replaces `res.writeHead` so that its first call runs `listener` (with the
 * response as `this`) before the headers are written; returns the replacement.
 * Every call behaves as on-headers 1.1.0's wrapper: the status code is set, a
 * status code that the listener changed is passed on, and a call with headers or
 * a status message (any call with other than one argument) goes through an
 * on-headers wrapper, made on its first use.
 *
 * @param {ServerResponse} res
 * @param {Function} listener
 * @return {Function} the new res.writeHead
 * @private
 */
function hookHeaders (res, listener) {
  var prevWriteHead = res.writeHead
  var fired = false
  var general = null

  function fire (res) {
    if (!fired) {
      fired = true
      listener.call(res)
    }
  }

  res.writeHead = function writeHead (statusCode) {
    if (arguments.length !== 1) {
      if (general === null) {
        // on-headers' own wrapper of the same writeHead, whose listener is ours
        // (fired once in all)
        var holder = { writeHead: prevWriteHead }
        onHeaders(holder, function () { fire(this) })
        general = holder.writeHead
      }
      return general.apply(this, arguments)
    }

    // (on-headers: set the status, run the listener, pass on its status)
    this.statusCode = statusCode
    if (!fired) {
      fire(this)
      if (typeof statusCode === 'number') {
        statusCode = this.statusCode
      }
    }

    return prevWriteHead.call(this, statusCode)
  }

  return res.writeHead
}
