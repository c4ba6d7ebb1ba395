// lib/set-cookie.js (the Set-Cookie value without building cookie.data) and
// lib/headers-hook.js (on-headers without its argument copy): each checked
// against what it replaces, on random inputs (the seed is printed) and edges.

'use strict'

var assert = require('assert')
var test = require('node:test')
var cookie = require('cookie')
var onHeaders = require('on-headers')

var Cookie = require('../session/cookie')
var CookieSerializer = require('../lib/set-cookie')
var hookHeaders = require('../lib/headers-hook')

var SEED = Number(process.env.SEED) || Date.now() % 1e9
console.log('set-cookie.test.js seed ' + SEED + ' (SEED=' + SEED + ' to repeat)')

// a small seeded generator (mulberry32)
function rng (seed) {
  return function () {
    seed = (seed + 0x6d2b79f5) | 0
    var t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// what cookie.serialize gives or throws
function outcome (fn) {
  try {
    return { value: fn() }
  } catch (err) {
    return { error: err.constructor.name + ': ' + err.message }
  }
}

var CHOICES = {
  domain: [undefined, null, '', 'example.com', '.example.com', 'bad domain', 0, true],
  path: [undefined, null, '', '/', '/admin', '/a;b', '/\n', 1],
  httpOnly: [undefined, true, false, 0, 1, 'yes', null],
  secure: [undefined, true, false, '', 'true', NaN],
  partitioned: [undefined, true, false, null],
  priority: [undefined, 'low', 'Medium', 'HIGH', 'urgent', true, 0],
  sameSite: [undefined, true, false, 'lax', 'Strict', 'NONE', 'bogus', 1, NaN]
}

var DATES = [
  function () { return new Date(Date.now() + 86400000) },
  function () { return new Date(1e12 + 999) },
  function () { return new Date(1e12 + 1) },
  function () { return new Date(-1500) }, // before 1970
  function () { return new Date(NaN) },
  function () { return new Date(8.64e15) },
  function () { var d = new Date(); d.toUTCString = function () { return 'own' }; return d },
  function () { var d = new Date(); d.valueOf = function () { return 0 }; return d },
  function () { class Later extends Date {} return new Later(2e12) },
  function () { return 'Tue, 01 Jan 2030 00:00:00 GMT' },
  function () { return null },
  function () { return undefined }
]

var VALUES = ['s:abc.def', 's:QW1hgJb9_-x.+/=sig', '', 'caf\u00e9', 'bad\ud800surrogate', 's:' + 'x'.repeat(300)]

function pick (random, list) {
  return list[Math.floor(random() * list.length)]
}

test('CookieSerializer: the same string or error as cookie.serialize(name, value, c.data), randomized', function () {
  var random = rng(SEED)
  for (var name of ['connect.sid', 'sid', 'bad name', '__Host-x']) {
    var serializer = new CookieSerializer(name, Cookie.prototype)
    // runs of the same options (the kept parts), then changes
    var c = new Cookie()
    for (var i = 0; i < 3000; i++) {
      if (random() < 0.2) {
        c = new Cookie()
        for (var key of Object.keys(CHOICES)) {
          if (random() < 0.5) c[key] = pick(random, CHOICES[key])
        }
      }
      c.expires = pick(random, DATES)()
      var value = pick(random, VALUES)
      var context = JSON.stringify({ name: name, value: value, data: c.data, i: i, seed: SEED })
      assert.deepStrictEqual(outcome(function () { return serializer.serialize(value, c) }),
        outcome(function () { return cookie.serialize(name, value, c.data) }), context)
    }
  }
})

test('CookieSerializer: expires within one second and across seconds', function () {
  var serializer = new CookieSerializer('connect.sid', Cookie.prototype)
  var c = new Cookie({ maxAge: 1000 })
  for (var t of [1e12, 1e12 + 999, 1e12 + 1000, 1e12 + 999, 1e12 - 1, 0, 999, 1000]) {
    c.expires = new Date(t)
    assert.strictEqual(serializer.serialize('v', c), cookie.serialize('connect.sid', 'v', c.data), String(t))
  }
})

test('CookieSerializer: a cookie that is not a Cookie is serialized as express-session does', function () {
  var serializer = new CookieSerializer('connect.sid', Cookie.prototype)
  assert.strictEqual(serializer.serialize('v', { path: '/x', data: { path: '/y' } }), 'connect.sid=v; Path=/y')
  assert.strictEqual(serializer.serialize('v', {}), 'connect.sid=v')
  assert.throws(function () { serializer.serialize('v', undefined) }, TypeError)
  var own = new Cookie()
  Object.setPrototypeOf(own, Object.assign({}, Cookie.prototype)) // no data getter to trust
  assert.strictEqual(serializer.serialize('v', own), 'connect.sid=v')
})

// a response-like object that records what reaches the original writeHead
function fakeResponse (log) {
  return {
    statusCode: 200,
    headers: {},
    setHeader: function (k, v) { this.headers[k.toLowerCase()] = v },
    appendHeader: function (k, v) {
      var prev = this.headers[k.toLowerCase()]
      this.headers[k.toLowerCase()] = prev === undefined ? v : [].concat(prev, v)
    },
    writeHead: function () {
      log.push({ args: Array.prototype.slice.call(arguments), status: this.statusCode })
      return 'ret'
    }
  }
}

var CALLS = [
  [], [200], [404], ['200'], [undefined], [NaN], [301, 'Moved'], [200, { 'X-A': '1', '': 'skip' }],
  [201, 'Created', { 'X-B': ['1', '2'] }], [200, ['X-C', '3', 'X-D', '4']], [200, [['X-E', '5']]],
  [200, ['X-F']], [200, null], [200, 'msg', undefined]
]

test('hookHeaders: what on-headers does, for every argument shape and listener, randomized', function () {
  var random = rng(SEED + 1)
  for (var n = 0; n < 2000; n++) {
    var calls = []
    var count = 1 + Math.floor(random() * 3)
    for (var k = 0; k < count; k++) calls.push(pick(random, CALLS))
    var change = pick(random, [null, 500, '201', undefined])
    var results = [hookHeaders, onHeaders].map(function (install) {
      var log = []
      var res = fakeResponse(log)
      var fired = []
      install(res, function () {
        fired.push(this === res)
        if (change !== null) this.statusCode = change
      })
      var returned = calls.map(function (args) {
        return outcome(function () { return res.writeHead.apply(res, args) })
      })
      return { log: log, fired: fired, returned: returned, status: res.statusCode, headers: res.headers, length: res.writeHead.length, name: res.writeHead.name }
    })
    assert.deepStrictEqual(results[0], results[1], JSON.stringify({ calls: calls, change: change, seed: SEED }))
  }
})
