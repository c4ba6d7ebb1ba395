/*!
 * express-session-rs: cheap property additions on Express's req and res
 *
 * Express gives every req and res the prototype of its app (`Object.setPrototypeOf`
 * in expressInit). After that, V8 cannot share hidden classes between requests:
 * every property a middleware adds (req.session, req.sessionID, req.sessionStore,
 * res.end, res.writeHead) builds a new hidden class for that one object (about
 * 1.5 us each), and every later property read, in Express, this middleware or the
 * app, misses its inline cache. Switching such an object to dictionary mode once
 * makes later additions hash-table inserts and later reads cache hits (see the
 * README, "Where the time goes").
 *
 * V8 switches an object to dictionary mode when a property other than the most
 * recently added one is deleted. `begin` adds a private temporary property, the
 * caller adds a real one, `end` deletes the temporary: nothing visible changes
 * (no key is added, removed or reordered).
 */

'use strict'

var http = require('http')

module.exports = { begin: begin, end: end }

var TEMPORARY = Symbol('express-session-rs dictionary mode')

// Objects whose prototype is still Node's own share hidden classes normally and
// are left alone (dictionary mode would only slow their reads).
var PLAIN = [http.IncomingMessage.prototype, http.ServerResponse.prototype]

/**
 * Prepare `obj` for dictionary mode; returns whether `end(obj)` must follow
 * after at least one property has been added.
 *
 * @param {Object} obj
 * @return {Boolean}
 * @private
 */
function begin (obj) {
  var proto = Object.getPrototypeOf(obj)
  if (proto === PLAIN[0] || proto === PLAIN[1] || !Object.isExtensible(obj)) {
    return false
  }
  obj[TEMPORARY] = true
  return true
}

/**
 * Delete the temporary property (switching `obj` to dictionary mode).
 *
 * @param {Object} obj
 * @private
 */
function end (obj) {
  delete obj[TEMPORARY]
}
