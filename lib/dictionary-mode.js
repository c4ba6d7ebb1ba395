/*!
 * express-session-rs: switch Express's req and res to V8's dictionary mode
 * (cheap property additions and cache-hitting reads after Express's setPrototypeOf).
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
 * V8 switches an object to dictionary mode when the attributes of one of its
 * properties change. `toDictionaryMode(obj, key)` takes a property the caller has just
 * assigned, makes it non-enumerable and enumerable again: nothing visible changes
 * (no key is added, removed or reordered; the property keeps its value and
 * attributes).
 *
 * V8 13 (Node.js 24) no longer has the cost this avoids: Express's objects keep
 * shared hidden classes after setPrototypeOf, and changing an attribute no longer
 * switches to dictionary mode (it only costs a few microseconds). There the
 * switch is skipped (measured over HTTP: Express with our middleware ~1.9x faster
 * with it on Node 20 and 22, none faster on Node 24; see docs/performance.md).
 */

'use strict'

var http = require('http')
var http2 = require('http2')

module.exports = toDictionaryMode

// Objects whose prototype is still one of Node's own classes share hidden classes
// normally and are left alone (dictionary mode would only slow their reads).
var PLAIN = [
  http.IncomingMessage.prototype,
  http.ServerResponse.prototype,
  http2.Http2ServerRequest.prototype,
  http2.Http2ServerResponse.prototype
]

// whether this V8 has the cost (V8 before 13, i.e. Node.js before 24)
var NEEDED = parseInt(process.versions.v8, 10) < 13

var HIDE = { enumerable: false }
var SHOW = { enumerable: true }

/**
 * Switch `obj` to dictionary mode through its own property `key` (a writable,
 * enumerable, configurable data property, as an assignment creates); anything
 * else is left as it is.
 *
 * @param {Object} obj
 * @param {String} key
 * @private
 */
function toDictionaryMode (obj, key) {
  if (!NEEDED || PLAIN.indexOf(Object.getPrototypeOf(obj)) !== -1) {
    return
  }
  var desc = Object.getOwnPropertyDescriptor(obj, key)
  if (desc && desc.writable && desc.enumerable && desc.configurable) {
    Object.defineProperty(obj, key, HIDE)
    Object.defineProperty(obj, key, SHOW)
  }
}
