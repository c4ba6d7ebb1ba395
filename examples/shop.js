// The demo shop: an Express app on a session store whose page shows what the
// session does: its ID, the store, the process that answered, when the session
// was created and last saved, and its JSON as read from the store; and, logged
// in, "your sessions" on every device (the owner option), each of which can be
// ended from here, or all but this one.

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
  // (a store that keeps owners lists a user's sessions: this package's MemoryStore, SqliteStore and RedisStore)
  var owners = typeof options.store.sessionsOf === 'function'
  app.use(session({
    store: options.store,
    secret: options.secret,
    resave: false,
    saveUninitialized: false,
    owner: owners ? 'user' : undefined,
    cookie: { maxAge: 24 * 60 * 60 * 1000, sameSite: 'lax' }
  }))

  app.get('/', function (req, res, next) {
    if (!owners || !req.session.user) return home(req, res, null)
    req.sessionStore.sessionsOf(req.session.user, function (err, sessions) {
      if (err) return next(err)
      home(req, res, devices(sessions, req.sessionID))
    })
  })

  function home (req, res, devices) {
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
      devices: devices,
      store: options.store,
      server: options.server
    }))
  }

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
      req.session.agent = String(req.get('user-agent') || '').slice(0, 200)
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

  // ends one of the user's other sessions, named by its short ID on the page
  // (the page never carries a whole session ID)
  app.post('/sessions/end', function (req, res, next) {
    var user = req.session.user
    if (!owners || !user) return res.redirect(303, '/')
    req.sessionStore.sessionsOf(user, function (err, sessions) {
      if (err) return next(err)
      var ref = String(req.body.ref)
      var match = Object.keys(sessions).filter(function (sid) {
        return sid !== req.sessionID && page.short(sid) === ref
      })
      if (match.length !== 1) return res.redirect(303, '/')
      req.sessionStore.destroy(match[0], function (err) {
        if (err) return next(err)
        req.session.notice = { ended: 1 }
        res.redirect(303, '/')
      })
    })
  })

  // "log out everywhere else": every session of the user but this one
  app.post('/sessions/end-others', function (req, res, next) {
    var user = req.session.user
    if (!owners || !user) return res.redirect(303, '/')
    req.sessionStore.destroyOwner(user, { except: req.sessionID }, function (err, count) {
      if (err) return next(err)
      req.session.notice = { ended: count }
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
 * The user's sessions for the page, this one first, then by last use: short
 * ID, created, last seen (the stored cookie's expiry minus its lifetime: each
 * request touches it), user agent.
 *
 * @private
 */
function devices (sessions, current) {
  return Object.keys(sessions).map(function (sid) {
    var s = sessions[sid]
    var cookie = s.cookie || {}
    var seen = cookie.expires && cookie.originalMaxAge ? new Date(new Date(cookie.expires).getTime() - cookie.originalMaxAge).toISOString() : s.savedAt
    return { ref: page.short(sid), current: sid === current, created: s.createdAt, seen: seen, agent: s.agent || '' }
  }).sort(function (a, b) {
    return (b.current - a.current) || String(b.seen).localeCompare(String(a.seen))
  })
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
