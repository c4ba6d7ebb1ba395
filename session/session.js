/*!
 * express-session-rs: Session
 * express-session 1.19.0's session/session.js; save/reload/destroy/regenerate
 * also return a Promise when called without a callback, and regenerate takes
 * `{ keep }` first.
 */

'use strict'

var callbackOrPromise = require('../lib/promise')
var defineHidden = require('../lib/hidden')
var regenerateArgs = require('../lib/regenerate')

module.exports = Session

/**
 * A session: the user's data plus non-enumerable `req` and `id`.
 *
 * @param {IncomingMessage} req
 * @param {Object} [data] stored data; keys that collide with `id`, `req` or a
 *   method name are dropped
 * @public
 */
function Session (req, data) {
  Object.defineProperty(this, 'req', { value: req })
  Object.defineProperty(this, 'id', { value: req.sessionID })

  if (typeof data === 'object' && data !== null) {
    for (var prop in data) {
      if (!(prop in this)) {
        this[prop] = data[prop]
      }
    }
  }
}

defineHidden(Session.prototype, 'touch', function touch () {
  return this.resetMaxAge()
})

defineHidden(Session.prototype, 'resetMaxAge', function resetMaxAge () {
  this.cookie.maxAge = this.cookie.originalMaxAge
  return this
})

defineHidden(Session.prototype, 'save', function save (fn) {
  return callbackOrPromise(fn, this, function (done) {
    // (written as express-session writes it: a store without set fails with
    // its message, "this.req.sessionStore.set is not a function")
    this.req.sessionStore.set(this.id, this, done)
  }.bind(this))
})

defineHidden(Session.prototype, 'reload', function reload (fn) {
  var req = this.req
  var store = this.req.sessionStore
  var id = this.id
  return callbackOrPromise(fn, this, function (done) {
    store.get(id, function (err, sess) {
      if (err) return done(err)
      if (!sess) return done(new Error('failed to load session'))
      store.createSession(req, sess)
      done()
    })
  })
})

defineHidden(Session.prototype, 'destroy', function destroy (fn) {
  delete this.req.session
  return callbackOrPromise(fn, this, function (done) {
    // (as express-session writes it, for its message when destroy is missing)
    this.req.sessionStore.destroy(this.id, done)
  }.bind(this))
})

defineHidden(Session.prototype, 'regenerate', function regenerate (fn) {
  var req = this.req
  // regenerate({ keep }, fn): lib/regenerate.js (the length stays express-session's)
  var args = regenerateArgs(this, fn, arguments[1])
  return callbackOrPromise(args.callback, this, args.wrap(function (done) {
    // (as express-session writes it, for its message when regenerate is missing)
    this.req.sessionStore.regenerate(req, done)
  }.bind(this)))
})
