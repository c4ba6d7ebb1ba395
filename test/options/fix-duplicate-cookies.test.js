// fixDuplicateCookies: every cookie of the session's name is tried, where
// express-session reads the first only; and cookieValues, which lists them.

'use strict'

var assert = require('assert')
var cookie = require('cookie')
var test = require('node:test')
var cookieSignature = require('cookie-signature')
var session = require('../..')
var cookieMatch = require('../../lib/cookie-match')
var serve = require('../support/serve')

test('fixDuplicateCookies: each cookie of the session\'s name is tried until one verifies', async function () {
  var store = new session.MemoryStore({ sweepInterval: 0 })
  await store.set('good', { cookie: { path: '/' }, user: 'frank' })
  var good = encodeURIComponent('s:' + cookieSignature.sign('good', 's'))
  var header = 'connect.sid=s%3Astale.forged; other=1; connect.sid=' + good
  for (var fix of [false, true]) {
    var middleware = session({ secret: 's', resave: false, saveUninitialized: false, store: store, fixDuplicateCookies: fix })
    var server = await serve.serve('express4', middleware, function (req, res) { res.end(req.session.user || 'anonymous') })
    try {
      assert.strictEqual((await serve.request(server, { path: '/', headers: { cookie: header } })).body, fix ? 'frank' : 'anonymous')
      assert.strictEqual((await serve.request(server, { path: '/', headers: { cookie: 'connect.sid=' + good + '; connect.sid=s%3Ax.y' } })).body, 'frank')
    } finally {
      server.close()
    }
  }
})

test('cookieValues: its first value is the cookie module\'s, on random headers (seed printed)', function () {
  var seed = Number(process.env.BOUNDARY_SEED) || Math.floor(Math.random() * 2147483647)
  console.log('cookieValues seed ' + seed)
  var state = seed
  function rnd (n) {
    state = (state * 1103515245 + 12345) % 2147483648
    return state % n
  }
  var parts = ['a', 'b', '=', ';', ' ', '\t', '"', '%', '%41', '%zz', 's:', '.', 'x', '\u00e9']
  for (var i = 0; i < 50000; i++) {
    var h = ''
    var len = rnd(24)
    for (var j = 0; j < len; j++) h += parts[rnd(parts.length)]
    for (var name of ['a', 'b']) {
      assert.strictEqual(cookieMatch.cookieValues(h, name)[0], cookie.parse(h)[name], JSON.stringify(h) + ' ' + name + ' (seed ' + seed + ')')
    }
  }
})
