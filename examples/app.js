// The demo app of `npm start`: a small HTML shop on the durable SqliteStore, so a
// restart keeps the visitor logged in and the cart full. No front-end build step.
//
//   PORT=3000 SESSIONS_DB=./sessions.db SESSION_SECRET=... npm start
//
// PORT (default 3000; 0 picks a free port), SESSIONS_DB (the session file,
// default ./sessions.db), SESSION_SECRET (default 'keyboard cat': set your own).

'use strict'

var express = require('express')
var session = require('..')

var ITEMS = ['apple', 'pear', 'plum', 'fig']

var store = new session.SqliteStore({ path: process.env.SESSIONS_DB || './sessions.db' })

var app = express()
app.use(express.urlencoded({ extended: false }))
app.use(session({
  store: store,
  secret: process.env.SESSION_SECRET || 'keyboard cat',
  resave: false,
  saveUninitialized: false,
  cookie: { maxAge: 24 * 60 * 60 * 1000, sameSite: 'lax' }
}))

app.get('/', function (req, res) {
  req.session.views = (req.session.views || 0) + 1
  res.type('html').send(page(req.session))
})

app.post('/login', function (req, res, next) {
  var name = String(req.body.name || '').trim().slice(0, 40) || 'guest'
  var cart = req.session.cart
  // a new session ID on login guards against session fixation; the cart stays
  req.session.regenerate(function (err) {
    if (err) return next(err)
    req.session.user = name
    req.session.cart = cart
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
  }
  res.redirect(303, '/')
})

app.post('/cart/remove', function (req, res) {
  var cart = req.session.cart || []
  var i = Number(req.body.index)
  if (Number.isInteger(i) && i >= 0 && i < cart.length) {
    cart.splice(i, 1)
    req.session.cart = cart
  }
  res.redirect(303, '/')
})

/**
 * The page for a session.
 *
 * @private
 */
function page (sess) {
  var cart = sess.cart || []
  var who = sess.user
    ? '<p id="who">Logged in as <b>' + escape(sess.user) + '</b></p>' +
      '<form method="post" action="/logout"><button id="logout">Log out</button></form>'
    : '<p id="who">Not logged in</p>' +
      '<form method="post" action="/login"><input id="name" name="name" placeholder="Your name" autofocus> ' +
      '<button id="login">Log in</button></form>'
  var items = cart.map(function (item, i) {
    return '<li>' + escape(item) + ' <form method="post" action="/cart/remove" style="display:inline">' +
      '<input type="hidden" name="index" value="' + i + '"><button class="remove">remove</button></form></li>'
  }).join('')
  var options = ITEMS.map(function (item) { return '<option>' + item + '</option>' }).join('')
  return '<!doctype html><html><head><meta charset="utf-8"><title>express-session-rs demo</title>' +
    '<style>body{font:16px system-ui,sans-serif;max-width:40em;margin:2em auto}form{margin:.5em 0}</style></head><body>' +
    '<h1>express-session-rs demo</h1>' + who +
    '<p id="views">Visits: ' + sess.views + '</p>' +
    '<h2>Cart (<span id="count">' + cart.length + '</span>)</h2><ul id="cart">' + items + '</ul>' +
    '<form method="post" action="/cart/add"><select id="item" name="item">' + options + '</select> ' +
    '<button id="add">Add to cart</button></form>' +
    '<p><small>Sessions are kept in ' + escape(store.path) + ': restart the server and reload.</small></p>' +
    '</body></html>'
}

/**
 * HTML-escapes text.
 *
 * @private
 */
function escape (text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]
  })
}

var port = process.env.PORT !== undefined ? Number(process.env.PORT) : 3000
var server = app.listen(port, '127.0.0.1', function () {
  console.log('express-session-rs demo on http://127.0.0.1:' + server.address().port + '/')
})
server.on('close', function () { store.close() })

module.exports = server
