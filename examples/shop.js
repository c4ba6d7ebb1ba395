// The demo shop: an Express app on a session store whose page shows what the
// session does: its ID, the store, the process that answered, when the session
// was created and last saved, and its JSON as read from the store.

'use strict'

var express = require('express')
var page = require('./page')
var path = require('path')
var session = require('..')

var ITEMS = ['apple', 'pear', 'plum', 'fig']

module.exports = shop

/**
 * The demo app.
 *
 * @param {Object} options
 * @param {Store} options.store the session store (its `path` is shown when it has one)
 * @param {string} options.secret the cookie secret
 * @param {Object} options.server the answering process: `pid`, `started` (a
 *   Date) and, in a cluster, `worker` (its id) and `workers` (how many)
 * @return {Function} the Express app
 * @public
 */
function shop (options) {
  var app = express()
  app.disable('x-powered-by')
  app.use(function (req, res, next) {
    // no inline script or style runs: the stylesheet comes from public/
    res.set('Content-Security-Policy', "default-src 'self'; form-action 'self'; frame-ancestors 'none'")
    next()
  })
  // (before the session: a stylesheet needs no session)
  app.use(express.static(path.join(__dirname, 'public')))
  app.use(express.urlencoded({ extended: false }))
  app.use(session({
    store: options.store,
    secret: options.secret,
    resave: false,
    saveUninitialized: false,
    cookie: { maxAge: 24 * 60 * 60 * 1000, sameSite: 'lax' }
  }))

  app.get('/', function (req, res) {
    var sess = req.session
    // what the store held for this request, before this visit changes it
    // (savedAt is set with every change: a session without it was never saved)
    var stored = sess.savedAt ? JSON.parse(JSON.stringify(sess)) : null
    var notice = sess.notice
    delete sess.notice
    sess.views = (sess.views || 0) + 1
    changed(sess)
    res.type('html').send(page({
      sid: req.sessionID,
      stored: stored,
      user: sess.user,
      views: sess.views,
      cart: sess.cart || [],
      items: ITEMS,
      notice: notice,
      store: options.store,
      server: options.server
    }))
  })

  app.post('/login', function (req, res, next) {
    var name = String(req.body.name || '').trim().slice(0, 40) || 'guest'
    var cart = req.session.cart || []
    var login = { from: page.short(req.sessionID), views: req.session.views || 0, cart: cart.length }
    // a new session ID on login guards against session fixation: the store
    // deletes the old session, the new one starts empty; the cart is carried over
    req.session.regenerate(function (err) {
      if (err) return next(err)
      login.to = page.short(req.sessionID)
      req.session.user = name
      req.session.cart = cart
      req.session.notice = { login: login }
      changed(req.session)
      res.redirect(303, '/')
    })
  })

  app.post('/logout', function (req, res, next) {
    req.session.destroy(function (err) {
      if (err) return next(err)
      res.clearCookie('connect.sid')
      res.redirect(303, '/')
    })
  })

  app.post('/cart/add', function (req, res) {
    var item = String(req.body.item)
    if (ITEMS.indexOf(item) !== -1) {
      req.session.cart = (req.session.cart || []).concat(item)
      changed(req.session)
    }
    res.redirect(303, '/')
  })

  app.post('/cart/remove', function (req, res) {
    var cart = req.session.cart || []
    var i = Number(req.body.index)
    if (Number.isInteger(i) && i >= 0 && i < cart.length) {
      cart.splice(i, 1)
      req.session.cart = cart
      changed(req.session)
    }
    res.redirect(303, '/')
  })

  return app
}

/**
 * Notes a change of the session: with `resave: false` and
 * `saveUninitialized: false` the middleware saves a session at the end of a
 * request only when it changed, so the time and process of the last change
 * are those of the last save. (Called only together with another change: the
 * stamp itself never causes a save.)
 *
 * @private
 */
function changed (sess) {
  var now = new Date().toISOString()
  if (!sess.createdAt) sess.createdAt = now
  sess.savedAt = now
  sess.savedBy = process.pid
}
