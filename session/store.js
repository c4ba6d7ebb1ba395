/*!
 * express-session-rs: Store
 * The abstract session store, as express-session 1.19.0's session/store.js: an ES5
 * constructor inheriting EventEmitter, so third-party stores can call
 * `Store.call(this)` with `util.inherits`, or `class X extends Store`.
 */

'use strict'

var Cookie = require('./cookie')
var EventEmitter = require('events').EventEmitter
var Session = require('./session')
var util = require('util')

module.exports = Store

/**
 * @public
 */
function Store () {
  EventEmitter.call(this)
}

util.inherits(Store, EventEmitter)

/**
 * Destroys the request's session and generates a new one (`this.generate` is
 * installed by the session middleware).
 *
 * @public
 */
Store.prototype.regenerate = function (req, fn) {
  var self = this
  this.destroy(req.sessionID, function (err) {
    self.generate(req)
    fn(err)
  })
}

/**
 * Loads a session by id into a new Session: `fn(err)`, `fn()` when there is none,
 * or `fn(null, session)`.
 *
 * @public
 */
Store.prototype.load = function (sid, fn) {
  var self = this
  this.get(sid, function (err, sess) {
    if (err) return fn(err)
    if (!sess) return fn()
    var req = { sessionID: sid, sessionStore: self }
    fn(null, self.createSession(req, sess))
  })
}

/**
 * Turns stored data into `req.session` (a Session with a Cookie).
 *
 * @public
 */
Store.prototype.createSession = function (req, sess) {
  var expires = sess.cookie.expires
  var originalMaxAge = sess.cookie.originalMaxAge

  sess.cookie = new Cookie(sess.cookie)

  if (typeof expires === 'string') {
    sess.cookie.expires = new Date(expires)
  }

  sess.cookie.originalMaxAge = originalMaxAge

  req.session = new Session(req, sess)
  return req.session
}
