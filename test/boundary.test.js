// Text crosses the Rust boundary exactly: regression tests for strings that were
// cut at a stack-buffer size, merged lone surrogates, forged values, and the
// smaller findings of the same audit. Each compares with express-session 1.19.0
// (or cookie-signature 1.0.7) where it has an answer.

'use strict'

var assert = require('assert')
var test = require('node:test')
var call = require('./support/call')
var cookieSignature = require('cookie-signature')
var original = require('express-session')
var harness = require('./support/harness')
var native = require('../native')
var ours = require('..')

var SECRET = 'keyboard cat'

function counter (app) {
  app.get('/', function (req, res) {
    req.session.n = (req.session.n || 0) + 1
    res.end('n=' + req.session.n)
  })
}

test('a session of 500 Cyrillic letters is read back (was: SyntaxError on every request)', async function () {
  var name = 'Ж'.repeat(500)
  for (var framework of ['express4', 'http']) {
    var result = await harness.same({
      framework: framework,
      options: function () { return { secret: SECRET, resave: false, saveUninitialized: false } },
      routes: framework === 'http'
        ? function (req, res) {
          if (req.url === '/set') req.session.name = name
          res.end(String(req.session.name === name))
        }
        : function (app) {
          app.get('/set', function (req, res) { req.session.name = name; res.end('true') })
          app.get('/get', function (req, res) { res.end(String(req.session.name === name)) })
        },
      requests: ['/set', framework === 'http' ? '/' : '/get', framework === 'http' ? '/' : '/get']
    })
    assert.deepStrictEqual(result.responses.map(function (r) { return r.status + ' ' + r.body }),
      ['200 true', '200 true', '200 true'], framework)
  }
})

test('a 10 MiB session of "€" is stored whole (was: 1022 bytes)', async function () {
  var store = new ours.MemoryStore()
  var big = '€'.repeat(10 * 1024 * 1024 / 3 | 0)
  await call(store, 'set', 'sid', { cookie: new ours.Cookie(), big: big })
  var back = await call(store, 'get', 'sid')
  assert.strictEqual(back.big.length, big.length)
  assert.strictEqual(back.big, big)
  assert.strictEqual(store.sessions.sid, JSON.stringify({ cookie: new ours.Cookie(), big: big }))
})

test('sign and unsign of 200 "é" equal cookie-signature (was: a different signature)', function () {
  var value = 'é'.repeat(200)
  assert.strictEqual(ours.sign(value, SECRET), cookieSignature.sign(value, SECRET))
  assert.strictEqual(ours.unsign(cookieSignature.sign(value, SECRET), SECRET), value)
})

test('a forged value after a long signed one is rejected (was: accepted)', function () {
  var forged = ours.sign('v'.repeat(209), SECRET) + '€attacker-chosen.x'
  assert.strictEqual(cookieSignature.unsign(forged, SECRET), false)
  assert.strictEqual(ours.unsign(forged, SECRET), false)
  assert.strictEqual(ours.unsign(forged, [SECRET, 'other']), false)
})

test('IDs that differ after 253 bytes are distinct sessions (was: one store entry)', async function () {
  var a = 'p'.repeat(253) + '€A'
  var b = 'p'.repeat(253) + '€B'
  var store = new ours.MemoryStore()
  await call(store, 'set', a, { cookie: new ours.Cookie(), who: 'A' })
  await call(store, 'set', b, { cookie: new ours.Cookie(), who: 'B' })
  assert.strictEqual((await call(store, 'get', a)).who, 'A')
  assert.strictEqual((await call(store, 'get', b)).who, 'B')
  assert.deepStrictEqual(await call(store, 'ids'), [a, b])
  assert.deepStrictEqual(Object.keys(store.sessions), [a, b])
})

test('a genid of 150 "é" + uuid keeps its session (was: n=1 n=1 n=1)', async function () {
  var result = await harness.same({
    options: function () {
      return {
        secret: SECRET,
        resave: false,
        saveUninitialized: false,
        genid: function () { return 'é'.repeat(150) + require('crypto').randomUUID() }
      }
    },
    routes: counter,
    requests: ['/', '/', '/']
  })
  assert.deepStrictEqual(result.responses.map(function (r) { return r.body }), ['n=1', 'n=2', 'n=3'])
})

test('lone surrogates stay distinct keys (was: both became U+FFFD)', async function () {
  var store = new ours.MemoryStore()
  await call(store, 'set', 'x\uD800', { cookie: new ours.Cookie(), v: 1 })
  await call(store, 'set', 'x\uDBFF', { cookie: new ours.Cookie(), v: 2 })
  await call(store, 'set', 'x\uFFFD', { cookie: new ours.Cookie(), v: 3 })
  assert.strictEqual((await call(store, 'get', 'x\uD800')).v, 1)
  assert.strictEqual((await call(store, 'get', 'x\uDBFF')).v, 2)
  assert.strictEqual((await call(store, 'get', 'x\uFFFD')).v, 3)
  assert.deepStrictEqual(await call(store, 'ids'), ['x\uD800', 'x\uDBFF', 'x\uFFFD'])
  // raw text with lone surrogates, through the store.sessions view
  store.sessions['y\uDC00'] = '{"a":"\uD800"}'
  assert.strictEqual(store.sessions['y\uDC00'], '{"a":"\uD800"}')
  // and the store names of the native stores
  var n1 = native.createStore(0, 0, 'name\uD800')
  var n2 = native.createStore(0, 0, 'name\uDBFF')
  n1.set('k', '{}', NaN, 0)
  assert.strictEqual(n2.get('k', 0), undefined)
  assert.strictEqual(native.createStore(0, 0, 'name\uD800').get('k', 0), '{}')
})

test('a ttl function that throws reaches the callback and next(err) (was: a synchronous throw, no response)', async function () {
  var boom = new Error('ttl boom')
  var store = new ours.MemoryStore({ ttl: function () { throw boom } })
  await assert.rejects(call(store, 'set', 'sid', { cookie: {} }), boom)
  await assert.rejects(store.set('sid', { cookie: {} }), boom)
  await call(store, 'set', 'other', { cookie: { expires: new Date(Date.now() + 60000).toISOString() } })
  await assert.rejects(call(store, 'touch', 'other', { cookie: {} }), boom)
  assert.deepStrictEqual(await call(store, 'ids'), ['other'])

  var result = await harness.run('express-session-rs', {
    store: function () { return store },
    record: false,
    options: function () { return { secret: SECRET, resave: false, saveUninitialized: true } },
    routes: counter,
    requests: ['/']
  }, { raw: true })
  assert.strictEqual(result.responses[0].body, 'n=1')
  assert.deepStrictEqual(result.errors, ['ttl boom'])
})

test('a ttl function that throws a value that is not an Error fails the call all the same (was, in MemoryStore: a thrown number taken for the expiry, a thrown undefined for success, with nothing stored)', async function () {
  var fs = require('fs')
  var os = require('os')
  var path = require('path')
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-ttl-'))
  try {
    var stores = [new ours.MemoryStore({ ttl: thrower }), new ours.SqliteStore({ path: path.join(dir, 's.db'), ttl: thrower })]
    for (var store of stores) {
      for (var thrown of [undefined, 0, 5, 'text']) {
        var kind = store.constructor.name + ', throw ' + String(thrown)
        await assert.rejects(call(store, 'set', 'sid', { cookie: {}, thrown: thrown }), { message: 'ttl function threw ' + require('util').inspect(thrown) }, kind)
        await assert.rejects(store.touch('sid', { cookie: {}, thrown: thrown }), /ttl function threw/, kind)
      }
      assert.deepStrictEqual(await call(store, 'ids'), [], store.constructor.name + ': nothing stored')
      store.stopInterval()
    }
    stores[1].close()
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  function thrower (sess) { throw sess.thrown }
})

test('ArrayBuffer, SharedArrayBuffer, DataView and CryptoKey secrets work as in express-session (was: TypeError)', async function () {
  var bytes = Buffer.from('a secret of bytes')
  var secrets = [
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    (function () { var s = new SharedArrayBuffer(bytes.length); Buffer.from(s).set(bytes); return s })(),
    new DataView(bytes.buffer, bytes.byteOffset, bytes.length),
    await require('crypto').webcrypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  ]
  for (var secret of secrets) {
    var result = await harness.same({
      options: function () { return { secret: secret, resave: false, saveUninitialized: false } },
      routes: counter,
      requests: ['/', '/']
    })
    assert.deepStrictEqual(result.responses.map(function (r) { return r.body }), ['n=1', 'n=2'])
    assert.strictEqual(ours.sign('v', secret), cookieSignature.sign('v', secret))
  }
})

test('a non-enumerable toJSON on req.session is seen by change detection (was: not saved)', async function () {
  var result = await harness.same({
    options: function () { return { secret: SECRET, resave: false, saveUninitialized: false } },
    routes: function (app) {
      app.get('/', function (req, res) {
        Object.defineProperty(req.session, 'toJSON', {
          value: function () { return { cookie: this.cookie, at: 'toJSON' } },
          enumerable: false
        })
        res.end('ok')
      })
    },
    requests: ['/', '/']
  })
  assert.strictEqual(result.responses[0].setCookie.length, 1)
  assert.ok(result.calls.some(function (c) { return c[0] === 'set' }))
})

test('the raw addon validates numbers instead of reaching a panic', function () {
  var store = native.createStore(0, 0)
  for (var budget of [NaN, -1, -Infinity, Infinity]) {
    assert.throws(function () { store.sweep(0, budget) }, RangeError, String(budget))
  }
  assert.throws(function () { store.sweep(0, '1') }, TypeError)
  assert.deepStrictEqual(store.sweep(0, 1e300), { removed: 0, shards: 256, passComplete: true })
  for (var now of [NaN, Infinity, -Infinity]) {
    assert.throws(function () { store.get('a', now) }, RangeError)
    assert.throws(function () { store.set('a', '{}', NaN, now) }, RangeError)
  }
  assert.throws(function () { store.get('a', '0') }, TypeError)
  assert.throws(function () { store.set('a', '{}', '5', 0) }, TypeError)
  assert.throws(function () { native.createStore(-1, 0) }, RangeError)
  assert.throws(function () { native.createStore(0, NaN) }, RangeError)
  assert.throws(function () { native.createStore('1', 0) }, TypeError)
  // non-finite expiry: never expires (as `null` in the stored JSON)
  store.set('a', '{}', Infinity, 0)
  store.set('b', '{}', -Infinity, 0)
  assert.deepStrictEqual(store.ids(1e15), ['a', 'b'])
  var limited = native.createStore(Infinity, 1e300)
  limited.set('a', '{}', NaN, 0)
  assert.strictEqual(limited.length(0), 1)
})

test('the exported unsign prepares an array of secrets once', function () {
  var created = 0
  var createSigner = native.createSigner
  native.createSigner = function () { created++; return createSigner.apply(this, arguments) }
  try {
    var secrets = ['s1-' + Math.random(), 's2', SECRET]
    var signed = cookieSignature.sign('value', SECRET)
    for (var i = 0; i < 100; i++) {
      assert.strictEqual(ours.unsign(signed, secrets.slice()), 'value')
    }
    assert.strictEqual(created, 1)
    // arrays of the same strings split differently are different keys
    assert.strictEqual(ours.unsign(cookieSignature.sign('v', 'ab'), ['a', 'b']), false)
    assert.strictEqual(ours.unsign(cookieSignature.sign('v', 'ab'), ['ab']), 'v')
    // prefixes of one another, and more secrets than the cache holds
    assert.strictEqual(ours.unsign(cookieSignature.sign('v', 'b'), ['a']), false)
    assert.strictEqual(ours.unsign(cookieSignature.sign('v', 'b'), ['a', 'b']), 'v')
    assert.strictEqual(ours.unsign(cookieSignature.sign('v', 'a'), 'a'), 'v')
    for (i = 0; i < 1000; i++) {
      assert.strictEqual(ours.unsign(cookieSignature.sign('v', 'k' + i), ['x', 'k' + i]), 'v')
      assert.strictEqual(ours.sign('v', 'k' + i), cookieSignature.sign('v', 'k' + i))
    }
  } finally {
    native.createSigner = createSigner
  }
})

test('express-session agrees on the cases above (sanity of the oracle)', async function () {
  var store = new original.MemoryStore()
  await call(store, 'set', 'x\uD800', { cookie: {}, v: 1 })
  await call(store, 'set', 'x\uDBFF', { cookie: {}, v: 2 })
  assert.strictEqual((await call(store, 'get', 'x\uD800')).v, 1)
})
