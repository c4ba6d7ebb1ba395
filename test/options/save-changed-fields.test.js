// saveChangedFields: a save writes only the fields the request changed, so
// interleaved requests of one session keep each other's changes (native stores).

'use strict'

var assert = require('assert')
var express = require('express')
var test = require('node:test')
var cookieSignature = require('cookie-signature')
var session = require('../..')
var serve = require('../support/serve')
var withRoute = require('../support/with-route')
var redis = require('../../tools/redis')

// one redis-server for the RedisStore cases of this file (each store has its
// own prefix), started on first use
var redisServer = null
var redisStores = 0
async function redisStore () {
  if (!redisServer) redisServer = redis.start()
  var server = await redisServer
  var store = new session.RedisStore({ url: 'redis://127.0.0.1:' + server.port, prefix: 'merge' + (++redisStores) + ':' })
  store.cleanup = function () { store.close() }
  return store
}
test.after(async function () {
  if (redisServer) (await redisServer).stop()
})
var noRedis = !redis.available() && 'redis-server is not installed (.ci/run installs it)'

// two requests of one session, interleaved: each loads the session, then waits
// until both have loaded, then changes its own field and saves (the second to
// finish saves last)
async function interleaved (options, store, seed, first, second) {
  var gate = {}
  var loaded = 0
  var bothLoaded = new Promise(function (resolve) { gate.open = resolve })
  var app = express()
  app.use(session(Object.assign({ secret: 's', resave: false, saveUninitialized: false, store: store }, options)))
  app.get('/change/:n', function (req, res, next) {
    if (++loaded === 2) gate.open()
    bothLoaded.then(async function () {
      var change = req.params.n === '1' ? first : second
      if (req.params.n === '2') await new Promise(function (resolve) { setTimeout(resolve, 30) })
      await change(req.session)
      res.end('ok')
    }).catch(next)
  })
  var server = await serve.serve('http', app, function () {})
  try {
    await store.set('shared', Object.assign({ cookie: { path: '/', httpOnly: true, originalMaxAge: null } }, seed))
    var cookie = 'connect.sid=' + encodeURIComponent('s:' + cookieSignature.sign('shared', 's'))
    var results = await Promise.all(['/change/1', '/change/2'].map(function (p) {
      return serve.request(server, { path: p, headers: { cookie: cookie } })
    }))
    assert.deepStrictEqual(results.map(function (r) { return r.status }), [200, 200])
    var stored = await store.get('shared')
    delete stored.cookie
    return stored
  } finally {
    server.close()
  }
}

function sqliteStore () {
  var fs = require('fs')
  var os = require('os')
  var path = require('path')
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-merge-'))
  var store = new session.SqliteStore({ path: path.join(dir, 's.db') })
  store.cleanup = function () { store.close(); fs.rmSync(dir, { recursive: true, force: true }) }
  return store
}

;[
  ['MemoryStore', function () { return new session.MemoryStore({ sweepInterval: 0 }) }],
  ['SqliteStore', sqliteStore],
  ['RedisStore', redisStore, noRedis]
].forEach(function (c) {
  test('saveChangedFields (' + c[0] + '): interleaved requests keep each other\'s changes; without it the last save wins', { skip: c[2] }, async function () {
    var seed = { user: 'alice', cart: ['apple'], theme: 'dark', note: 'x' }
    function addPear (s) { s.cart = s.cart.concat('pear') }
    function lightTheme (s) { s.theme = 'light'; delete s.note }
    var cases = [
      // [options, expected store contents]
      [{}, { user: 'alice', cart: ['apple'], theme: 'light' }], // express-session: the cart change is lost
      [{ saveChangedFields: true }, { user: 'alice', cart: ['apple', 'pear'], theme: 'light' }]
    ]
    for (var k of cases) {
      var store = await c[1]()
      try {
        assert.deepStrictEqual(await interleaved(k[0], store, seed, addPear, lightTheme), k[1], JSON.stringify(k[0]))
      } finally {
        if (store.cleanup) store.cleanup()
      }
    }
    // resave: true rewrites an unchanged session on every request: with
    // saveChangedFields, only its cookie
    store = await c[1]()
    try {
      var readOnly = function () {}
      var after = await interleaved({ resave: true, saveChangedFields: true }, store, seed, addPear, readOnly)
      assert.deepStrictEqual(after, { user: 'alice', cart: ['apple', 'pear'], theme: 'dark', note: 'x' })
      var plain = await interleaved({ resave: true }, store, seed, addPear, readOnly)
      assert.deepStrictEqual(plain, seed, 'express-session: the read-only request undoes the cart change')
    } finally {
      if (store.cleanup) store.cleanup()
    }
    // the same field changed by both: the later save wins, for that field only
    store = await c[1]()
    try {
      var both = await interleaved({ saveChangedFields: true }, store, seed,
        function (s) { s.theme = 'blue'; s.cart = [] },
        function (s) { s.theme = 'green' })
      assert.deepStrictEqual(both, { user: 'alice', cart: [], theme: 'green', note: 'x' })
    } finally {
      if (store.cleanup) store.cleanup()
    }
  })
})

test('saveChangedFields: explicit saves, reload, regenerate and new sessions; only native stores', async function () {
  var store = new session.MemoryStore({ sweepInterval: 0 })
  var app = await withRoute({ store: store, saveChangedFields: true }, async function (req, res) {
    req.session.step = 1
    await req.session.save()
    // another writer changes the stored session meanwhile
    var stored = await store.get(req.sessionID)
    stored.other = 'kept'
    await store.set(req.sessionID, stored)
    req.session.step = 2
    delete req.session.theme
    // (back to the value this request last saved: nothing to write for it)
    req.session.user = 'alice'
    res.end(req.sessionID)
  })
  try {
    var id = (await app.get('/seed')).body // a new session: written whole
    assert.deepStrictEqual(Object.keys(await store.get(id)), ['cookie', 'user', 'cart', 'theme'])
    await app.get('/go')
    var after = await store.get(id)
    delete after.cookie
    assert.deepStrictEqual(after, { user: 'alice', cart: ['apple'], step: 2, other: 'kept' })
  } finally {
    app.close()
  }
  // (and one of ours whose set the app replaced, which a merge would bypass)
  var wrapped = new session.MemoryStore()
  var ownSet = wrapped.set
  wrapped.set = function (sid, sess, cb) { return ownSet.call(this, sid, sess, cb) }
  ;[require('memorystore')(session), function () { return { set: function () {} } }, null].forEach(function (Other, i) {
    var other = i === 0 ? new Other({ checkPeriod: 0 }) : i === 1 ? Object.assign(new session.Store(), { get: function () {}, set: function () {}, destroy: function () {} }) : wrapped
    assert.throws(function () { session({ secret: 's', resave: false, saveUninitialized: false, store: other, saveChangedFields: true }) },
      { name: 'TypeError', message: 'saveChangedFields option needs a MemoryStore, SqliteStore or RedisStore of express-session-rs as store, with its own set method' })
  })
})

test('saveChangedFields: after a failed write the changes are written by the next save', async function () {
  var failures = 1
  var store = new session.MemoryStore({
    sweepInterval: 0,
    ttl: function () {
      if (failures-- > 0) throw new Error('ttl boom')
      return 60000
    }
  })
  failures = 0
  var errors = []
  var app = await withRoute({ store: store, saveChangedFields: true }, async function (req, res) {
    req.session.cart = ['apple', 'pear']
    failures = 1
    await req.session.save().catch(function (err) { errors.push(err.message) })
    await req.session.save()
    res.end('ok')
  })
  try {
    var id = (await app.get('/seed')).body
    assert.strictEqual((await app.get('/go')).body, 'ok')
    assert.deepStrictEqual(errors, ['ttl boom'])
    assert.deepStrictEqual((await store.get(id)).cart, ['apple', 'pear'])
  } finally {
    app.close()
  }
})

// ---- stored JSON that JSON.stringify did not write ------------------------------
// A Python app sharing the SqliteStore file (json.dumps), PHP's json_encode, or a
// hand edit write escaped keys ("\u0061", "a\/b"), duplicate keys and whitespace.
// The merge compares keys as JSON.parse reads them (decoded; the last duplicate
// wins) and leaves one member per key.

// the addon itself (native/), for writing stored text as other programs do
var nativeAddon = require('../../native')

// stored text: the cookie, then `a` escaped and duplicated (JSON.parse: a = 1),
// `b` duplicated (b = 3), escaped keys with `/`, `"`, a lone surrogate, a
// surrogate pair, a raw lone surrogate (U+D801 as a character of the text), and
// `user` escaped then duplicated (user = 'bob')
var FOREIGN = '{ "cookie" : {"originalMaxAge":null,"httpOnly":true,"path":"/"},\n' +
  '  "\\u0061" : 1,\n' +
  '  "b": 2,\n' +
  '  "a\\/b": "x",\n' +
  '  "c\\"d": [1, {"e": "f"}],\n' +
  '  "\\ud800": "lone",\n' +
  '  "\\ud83d\\ude00": "pair",\n' +
  '  "\ud801": "raw",\n' +
  '  "b" : 3,\n' +
  '  "\\u0075ser"\t:\t"alice", "user": "bob",\r\n' +
  '  "a": 0, "\\u0061": 1\n' +
  '}\n'

// the request: reads the session, deletes `a`, sets fields whose keys are stored
// escaped or duplicated, adds one
function foreignChange (req, res) {
  var seen = { a: req.session.a, b: req.session.b, user: req.session.user, slash: req.session['a/b'], quote: req.session['c"d'] }
  delete req.session.a
  req.session.b = 4
  req.session['a/b'] = 'y'
  req.session['\ud800'] = 'L2'
  req.session['\ud801'] = 'R2'
  req.session.added = true
  res.end(JSON.stringify(seen))
}

// what the stored text must be after that request (`cookie`: its new JSON)
function foreignExpected (cookie) {
  // (untouched members keep their bytes, whitespace inside them included; a
  // duplicated one is written once: the first's key, the last's value)
  return '{"cookie":' + cookie + ',"b":4,"a\\/b":"y","c\\"d": [1, {"e": "f"}],' +
    '"\\ud800":"L2","\\ud83d\\ude00": "pair","\ud801":"R2","\\u0075ser":"bob","added":true}'
}

// the stores, each with a way to write raw text into it and to read it back raw
var foreignStores = [
  ['MemoryStore', async function () {
    var store = new session.MemoryStore({ sweepInterval: 0 })
    return {
      store: store,
      write: async function (sid, text) { store._native.set(sid, text, Date.now() + 60000, Date.now()) },
      read: async function (sid) { return store._native.peek(sid) },
      cleanup: function () {}
    }
  }],
  ['SqliteStore', async function () {
    var fs = require('fs')
    var os = require('os')
    var path = require('path')
    var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-foreign-'))
    var file = path.join(dir, 's.db')
    var store = new session.SqliteStore({ path: file, sweepInterval: 0 })
    return {
      store: store,
      // another program on the same file: its own connection, raw text
      write: async function (sid, text) {
        var done
        var committed = new Promise(function (resolve) { done = resolve })
        var other = nativeAddon.createSqliteStore(file, 0, 5000, 0, function (ids, codes) { done([ids, codes]) })
        other.set(1, sid, text, Date.now() + 60000)
        other.flush()
        var list = await committed
        other.close()
        assert.deepStrictEqual(list, [[1], [null]])
      },
      read: async function (sid) { return store._native.get(sid, Date.now()) },
      cleanup: function () { store.close(); fs.rmSync(dir, { recursive: true, force: true }) }
    }
  }],
  ['RedisStore', async function () {
    var store = await redisStore()
    // (the text as another client writes it and reads it: SET and GET, raw)
    var asText = function (v) { return typeof v === 'string' ? v : String.fromCharCode.apply(null, v) }
    return {
      store: store,
      write: async function (sid, text) { await store._queue.run('set', [sid, text, 60]) },
      read: function (sid) { return store._queue.run('get', [sid], undefined, asText) },
      cleanup: store.cleanup
    }
  }, noRedis]
]

foreignStores.forEach(function (c) {
  test('saveChangedFields (' + c[0] + ') over stored JSON with escaped and duplicate keys and whitespace: a deleted field stays deleted, each key is stored once', { skip: c[2] }, async function () {
    var s = await c[1]()
    var server = await serve.serve('http', session({ secret: 's', resave: false, saveUninitialized: false, store: s.store, saveChangedFields: true }), foreignChange)
    try {
      await s.write('foreign', FOREIGN)
      var parsedBefore = JSON.parse(await s.read('foreign'))
      assert.strictEqual(parsedBefore.a, 1)
      var cookie = 'connect.sid=' + encodeURIComponent('s:' + cookieSignature.sign('foreign', 's'))
      var r = await serve.request(server, { path: '/', headers: { cookie: cookie } })
      assert.strictEqual(r.status, 200)
      // what the request read: JSON.parse of the stored text
      assert.deepStrictEqual(JSON.parse(r.body), { a: 1, b: 3, user: 'bob', slash: 'x', quote: [1, { e: 'f' }] })

      var text = await s.read('foreign')
      var parsed = JSON.parse(text)
      assert.strictEqual(text, foreignExpected(JSON.stringify(parsed.cookie)))
      // the same as JSON.parse of the old text with the changes applied
      var expected = Object.assign({}, parsedBefore, { cookie: parsed.cookie, b: 4, 'a/b': 'y', '\ud800': 'L2', '\ud801': 'R2', added: true })
      delete expected.a
      assert.deepStrictEqual(parsed, expected)
      assert.deepStrictEqual(Object.keys(parsed), Object.keys(expected))

      // a second request on the merged text: nothing comes back
      r = await serve.request(server, { path: '/', headers: { cookie: cookie } })
      assert.deepStrictEqual(JSON.parse(r.body), { b: 4, user: 'bob', slash: 'y', quote: [1, { e: 'f' }] })
      assert.strictEqual(await s.read('foreign'), text.replace(/"cookie":\{[^}]*\}/, function () { return '"cookie":' + JSON.stringify(JSON.parse(text).cookie) }))
    } finally {
      server.close()
      s.cleanup()
    }
  })
})
