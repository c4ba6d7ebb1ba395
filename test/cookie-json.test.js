// The fast cookie serializer gives exactly JSON.stringify(cookie).

'use strict'

var assert = require('assert')
var crypto = require('crypto')
var test = require('node:test')
var Cookie = require('..').Cookie
var json = require('../lib/json')
var cookieJSON = json.cookieJSON
var sessionJSON = json.sessionJSON
var Session = require('..').Session

var VALUES = [
  undefined, null, true, false, 0, -0, 1, -1.5, 1e21, 86400000, NaN, Infinity, -Infinity,
  '', 'lax', 'Strict', 'é"\\\n\u2028\ud800', new Date(0), new Date(8.64e15), new Date(NaN),
  { nested: [1, 'a', null] }, [1, 2], function () {}, Symbol('s'),
  { toJSON: function (key) { return 'custom:' + key } }
]

function pick () {
  return VALUES[crypto.randomInt(0, VALUES.length)]
}

test('equals JSON.stringify for 20,000 random cookies', function () {
  var keys = ['originalMaxAge', 'partitioned', 'priority', 'secure', 'httpOnly', 'domain', 'path', 'sameSite']
  for (var n = 0; n < 20000; n++) {
    var c = new Cookie(n % 3 === 0 ? { maxAge: crypto.randomInt(1, 1e9) } : undefined)
    keys.forEach(function (k) { if (crypto.randomInt(0, 2)) c[k] = pick() })
    if (crypto.randomInt(0, 3) === 0) c._expires = pick()
    assert.strictEqual(cookieJSON(c), JSON.stringify(c))
  }
})

test('everything else goes through JSON.stringify', function () {
  var own = new Cookie({ maxAge: 1000 })
  own.toJSON = function () { return { replaced: true } }
  assert.strictEqual(cookieJSON(own), '{"replaced":true}')
  assert.strictEqual(cookieJSON({ expires: null }), '{"expires":null}')
  assert.strictEqual(cookieJSON(undefined), undefined)
  var big = new Cookie()
  big.path = 1n
  assert.throws(function () { cookieJSON(big) }, TypeError)
})

test('sessionJSON equals JSON.stringify for sessions of every shape', function () {
  var req = { sessionID: 'sid' }
  var shapes = [
    function () { var s = new Session(req); s.cookie = new Cookie({ maxAge: 1000 }); return s },
    function () { var s = new Session(req); s.cookie = new Cookie(); s.views = 1; s.user = { name: 'é"', d: new Date(0) }; return s },
    function () { var s = new Session(req, { a: 1 }); s.cookie = new Cookie(); return s }, // cookie not first
    function () { var s = new Session(req); s[5] = 'int key first'; s.cookie = new Cookie(); return s },
    function () { var s = new Session(req); s.cookie = new Cookie(); s.toJSON = function () { return 'own' }; return s },
    function () { var s = new Session(req); s.cookie = new Cookie(); s.u = undefined; s.f = function () {}; return s },
    function () { return { cookie: new Cookie({ maxAge: 5 }), plain: true } },
    function () { return { cookie: { expires: null }, plain: true } },
    function () { return { cookie: new Cookie() } },
    function () { return undefined },
    function () { return 'text' }
  ]
  shapes.forEach(function (make, i) {
    var sess = make()
    assert.strictEqual(sessionJSON(sess), JSON.stringify(sess), 'shape ' + i)
  })
  var circular = { cookie: new Cookie() }
  circular.self = circular
  assert.throws(function () { sessionJSON(circular) }, TypeError)
})

test('isoString equals Date#toJSON for 200,000 random instants and the edges', function () {
  var instants = [0, -1, 1, -62167219200000, -62167219200001, 253402300799999, 253402300800000, 8.64e15, -8.64e15, NaN]
  for (var i = 0; i < 200000; i++) instants.push(crypto.randomInt(-(2 ** 46), 2 ** 46) + (i % 2 ? 0.5 : 0))
  instants.forEach(function (t) {
    var d = new Date(t)
    assert.strictEqual(json.isoString(d), d.toJSON(), String(t))
  })
})

test('equals JSON.stringify over runs of cookies with the same options (the kept members), seeded', function () {
  var seed = Number(process.env.SEED) || Date.now() % 1e9
  console.log('cookie-json.test.js seed ' + seed + ' (SEED=' + seed + ' to repeat)')
  var state = seed
  function random () { // mulberry32
    state = (state + 0x6d2b79f5) | 0
    var t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  var createdAt = require('../lib/options/absolute-timeout').createdAt
  var expiries = [null, undefined, new Date(1e12), new Date(1e12 + 1), new Date(-1), new Date(NaN), new Date(8.64e15),
    '2030-01-01', 0, { toJSON: function () { return 'x' } }]
  var options = [
    { maxAge: 86400000 }, { maxAge: 1000, path: '/a', domain: 'example.com', secure: true, sameSite: 'lax' },
    { path: 'é"\\\n\u2028\ud800', priority: 'high', partitioned: true }, { httpOnly: false }, undefined
  ]
  var c = new Cookie()
  for (var n = 0; n < 20000; n++) {
    var r = random()
    if (r < 0.1) c = new Cookie(options[Math.floor(random() * options.length)])
    else if (r < 0.13) c.secure = VALUES[Math.floor(random() * VALUES.length)]
    else if (r < 0.14) c.originalMaxAge = 10n
    else if (r < 0.15) c[createdAt] = random() < 0.5 ? 1e12 : undefined
    var e = expiries[Math.floor(random() * expiries.length)]
    c._expires = e instanceof Date ? new Date(e.getTime()) : e
    var expected
    try { expected = JSON.stringify(c) } catch (err) { expected = 'throws ' + err.message }
    var actual
    try { actual = cookieJSON(c) } catch (err) { actual = 'throws ' + err.message }
    assert.strictEqual(actual, expected, 'seed ' + seed + ', step ' + n)
    if (typeof c.originalMaxAge === 'bigint') c.originalMaxAge = 1000
  }
})

test('dataJSON equals express-session\'s serialization (cookie left out) for sessions with no data and nearly none', function () {
  function expressSession (sess) {
    return JSON.stringify(sess, function (key, val) {
      if (this === sess && key === 'cookie') return
      return val
    })
  }
  var req = { sessionID: 'sid' }
  var shapes = [
    function (s) {},
    function (s) { s[Symbol('hidden')] = 1 },
    function (s) { Object.defineProperty(s, 'quiet', { value: 1, enumerable: false }) },
    function (s) { s.cookie = undefined },
    function (s) { delete s.cookie },
    function (s) { s.user = 'x' },
    function (s) { Object.defineProperty(s, 'late', { get: function () { return 2 }, enumerable: true }) },
    function (s) { Object.prototype.polluted = 1 } // eslint-disable-line no-extend-native
  ]
  try {
    shapes.forEach(function (shape, i) {
      var sess = new Session(req)
      sess.cookie = new Cookie({ maxAge: 1000 })
      shape(sess)
      assert.strictEqual(json.dataJSON(sess), expressSession(sess), 'shape ' + i)
    })
  } finally {
    delete Object.prototype.polluted
  }
})
