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
