// fixDuplicateCookies: every cookie of the session's name is tried, where
// express-session reads the first only; cookieValues, which lists them, and
// cookieReader, which reads the first as the cookie module does.

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

test('cookieReader and cookieValues: the cookie module\'s value, on random headers (seed printed)', function () {
  var seed = Number(process.env.BOUNDARY_SEED) || Math.floor(Math.random() * 2147483647)
  console.log('cookieValues seed ' + seed)
  var state = seed
  function rnd (n) {
    // (exact 31-bit LCG; its high bits, as its low bits repeat with a short period)
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff
    return Math.floor(state / 2147483648 * n)
  }
  var names = ['a', 'b', 'a b', 's:']
  var readers = names.map(cookieMatch.cookieReader)
  var parts = ['a', 'b', '=', ';', ' ', '\t', '"', '%', '%41', '%zz', '%E9', '%C3%A9', 's:', '.', 'x', '\u00e9', '\ud800', '\u{1f600}']
  for (var i = 0; i < 50000; i++) {
    var h = ''
    var len = rnd(24)
    for (var j = 0; j < len; j++) h += parts[rnd(parts.length)]
    for (var k = 0; k < names.length; k++) {
      var name = names[k]
      var expected = cookie.parse(h)[name]
      var where = JSON.stringify(h) + ' ' + name + ' (seed ' + seed + ')'
      assert.strictEqual(cookieMatch.cookieValues(h, name)[0], expected, where)
      assert.strictEqual(readers[k](h), expected, where)
    }
  }
})

test('cookieReader: names that objects inherit, names that are not strings, and headers that are not strings are the cookie module\'s', function () {
  var headers = ['toString=1', '__proto__=x; a=1', 'constructor=c', '123=n', 'a=1', '']
  for (var h of headers) {
    for (var name of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 123, 'a']) {
      assert.strictEqual(cookieMatch.cookieReader(name)(h), cookie.parse(h)[name], JSON.stringify(h) + ' ' + String(name))
    }
  }
  for (var bad of [['a=1'], 42, { a: 1 }]) {
    assert.throws(function () { cookie.parse(bad) }, TypeError)
    assert.throws(function () { cookieMatch.cookieReader('a')(bad) }, TypeError)
    assert.throws(function () { cookieMatch.cookieReader('toString')(bad) }, TypeError)
  }
})

test('cookieReader: a long header of pairs without \'=\' is read in one pass', function () {
  // (each '=' is looked for once, as the cookie module does: a scan that looks
  // for it again at each ';' would not end within the test timeout)
  var header = ';'.repeat(1 << 20) + 'connect.sid=v'
  assert.strictEqual(cookieMatch.cookieReader('connect.sid')(header), 'v')
  assert.strictEqual(cookieMatch.cookieReader('other')(header + ';'.repeat(1 << 20)), undefined)
  assert.deepStrictEqual(cookieMatch.cookieValues(';'.repeat(1 << 20) + 'a=1;a=2', 'a'), ['1', '2'])
})
