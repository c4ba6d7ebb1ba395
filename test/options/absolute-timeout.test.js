// absoluteTimeout: a session ends at a fixed time after its creation, however
// often it is used; off, a stored creation time is dropped as express-session
// drops it.

'use strict'

var assert = require('assert')
var express = require('express')
var test = require('node:test')
var cookieSignature = require('cookie-signature')
var original = require('express-session')
var session = require('../..')
var serve = require('../support/serve')
var redis = require('../../tools/redis')
var withRoute = require('../support/with-route')

// a stored session through the callback API (third-party stores have no promises)
function stored_ (store, id) {
  return new Promise(function (resolve, reject) {
    store.get(id, function (err, sess) { return err ? reject(err) : resolve(sess) })
  })
}

// a session used every 100 ms (and rolled) under absoluteTimeout 1000 with
// `store`: the same session until 1000 ms after its creation, then a new one,
// the old one destroyed in the store, and its first cookie replayed gets nothing
async function lifetimeHolds (label, store) {
  var app = await withRoute({ store: store, absoluteTimeout: 1000, rolling: true, cookie: { maxAge: 60000 } }, function (req, res) {
    req.session.n = (req.session.n || 0) + 1
    res.end(req.sessionID + ' ' + req.session.n)
  })
  try {
    var login = await app.get('/go')
    var first = login.body.split(' ')
    var firstCookie = login.setCookie[0].split(';')[0]
    var stored = await stored_(store, first[0])
    assert.strictEqual(typeof stored.cookie.createdAt, 'number', label + ': the creation time is stored')
    assert.ok(Math.abs(stored.cookie.createdAt - Date.now()) < 1000)
    var seen = []
    var started = Date.now()
    // (a long lifetime: a loaded machine may stall a request)
    while (Date.now() - started < 1400) {
      // (the time a request is sent: the server loads it later, so a
      // request that still got the old session was sent before its end)
      var sent = Date.now() - started
      var r = (await app.get('/go')).body.split(' ')
      seen.push([sent, r[0] === first[0]])
      if (r[0] === first[0]) {
        var again = await stored_(store, first[0])
        assert.strictEqual(again.cookie.createdAt, stored.cookie.createdAt, label + ': each save keeps the creation time')
      }
      await new Promise(function (resolve) { setTimeout(resolve, 100) })
    }
    var same = seen.filter(function (s) { return s[1] })
    assert.ok(same.length >= 1, label + ': ' + JSON.stringify(seen))
    assert.ok(same.every(function (s) { return s[0] < 1000 }), label + ': kept past its lifetime: ' + JSON.stringify(seen))
    assert.ok(!seen[seen.length - 1][1], label + ': a new session at the end')
    assert.ok(!(await stored_(store, first[0])), label + ': the old session is destroyed in the store')
    var replay = await app.request('/go', firstCookie)
    assert.notStrictEqual(replay.body.split(' ')[0], first[0], label + ': the first cookie replayed gets a new session')
    assert.strictEqual(replay.body.split(' ')[1], '1', label + ': with nothing of the old one')
  } finally {
    app.close()
  }
}

test('absoluteTimeout: a session older than it is destroyed and treated as absent, however often it was used, with every store', async function () {
  var fs = require('fs')
  var os = require('os')
  var path = require('path')
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-abs-'))
  var sqlite = new session.SqliteStore({ path: path.join(dir, 's.db') })
  try {
    await lifetimeHolds('our MemoryStore', new session.MemoryStore({ sweepInterval: 0 }))
    await lifetimeHolds('SqliteStore', sqlite)
    await lifetimeHolds('memorystore on ours', new (require('memorystore')(session))({ checkPeriod: 0 }))
  } finally {
    sqlite.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

// stores built on the original express-session rebuild each loaded session with
// its own Cookie class, whose JSON has no createdAt
test('absoluteTimeout: holds with stores built on the original express-session (its MemoryStore, memorystore, connect-redis on redis-server), and with our RedisStore', async function () {
  await lifetimeHolds('express-session\'s MemoryStore', new original.MemoryStore())
  await lifetimeHolds('memorystore on the original', new (require('memorystore')(original))({ checkPeriod: 0 }))
  var server = await redis.start()
  var client = require('redis').createClient({ url: 'redis://127.0.0.1:' + server.port })
  try {
    await client.connect()
    var RedisStore = require('connect-redis').RedisStore
    await lifetimeHolds('connect-redis', new RedisStore({ client: client }))
    var ours = new session.RedisStore({ url: 'redis://127.0.0.1:' + server.port, prefix: 'ours:' })
    await lifetimeHolds('our RedisStore', ours)
    ours.close()
  } finally {
    await client.quit().catch(function () {})
    await server.stop()
  }
})

// `ms` later, the session `id` of a withRoute app is over: a new one, empty
async function endsAfter (app, id, ms, label) {
  await new Promise(function (resolve) { setTimeout(resolve, ms) })
  var after = JSON.parse((await app.get('/read')).body)
  assert.notStrictEqual(after.id, id, label + ': a new session past the lifetime')
  assert.strictEqual(after.data.user, undefined, label)
}

test('absoluteTimeout: a session that regenerate() made keeps its creation time through save() and reload() in the same request, and ends on time (with and without fixRegenerateSave, with stores built on the original)', async function () {
  for (var fix of [false, true]) {
    for (var store of [new session.MemoryStore({ sweepInterval: 0 }), new (require('memorystore')(original))({ checkPeriod: 0 })]) {
      var label = 'fixRegenerateSave ' + fix + ', ' + store.constructor.name
      var app = await withRoute({ store: store, absoluteTimeout: 1000, fixRegenerateSave: fix }, function (req, res) {
        return new Promise(function (resolve, reject) {
          req.session.regenerate(function (err) {
            if (err) return reject(err)
            req.session.user = 'gina'
            req.session.save(function (err) {
              if (err) return reject(err)
              req.session.reload(function (err) {
                if (err) return reject(err)
                res.end(req.sessionID)
                resolve()
              })
            })
          })
        })
      })
      try {
        var before = Date.now()
        var id = (await app.get('/go')).body
        var created = (await stored_(store, id)).cookie.createdAt
        assert.ok(typeof created === 'number' && created >= before && created <= Date.now(), label + ': ' + created)
        assert.strictEqual(JSON.parse((await app.get('/read')).body).data.user, 'gina', label)
        await endsAfter(app, id, 1100, label)
      } finally {
        app.close()
      }
    }
  }
})

test('absoluteTimeout: a cookie that the app puts in place of the session\'s (a "remember me") keeps the creation time, and the session ends on time', async function () {
  for (var store of [new session.MemoryStore({ sweepInterval: 0 }), new (require('memorystore')(original))({ checkPeriod: 0 })]) {
    var label = store.constructor.name
    var app = await withRoute({ store: store, absoluteTimeout: 1000, cookie: { maxAge: 60000 } }, function (req, res) {
      req.session.cookie = new session.Cookie({ maxAge: 90000 })
      if (req.query && req.url.indexOf('change') !== -1) req.session.changed = true
      res.end(req.sessionID)
    })
    try {
      var before = Date.now()
      var id = (await app.get('/seed')).body
      var created = (await stored_(store, id)).cookie.createdAt
      assert.ok(created >= before && created <= Date.now(), label)
      // (touched only, then saved)
      await app.get('/go')
      assert.strictEqual((await stored_(store, id)).cookie.createdAt, created, label + ': touched')
      await app.get('/go?change')
      var stored = await stored_(store, id)
      assert.strictEqual(stored.cookie.createdAt, created, label + ': saved')
      // (a Cookie's originalMaxAge may lose a ms to the clock)
      assert.ok(Math.abs(stored.cookie.originalMaxAge - 90000) < 1000, label + ': ' + stored.cookie.originalMaxAge)
      await endsAfter(app, id, 1100, label)
    } finally {
      app.close()
    }
  }
})

test('absoluteTimeout: a replayed old cookie gets nothing; a session stored without a creation time starts its clock at its next load', async function () {
  var store = new session.MemoryStore({ sweepInterval: 0 })
  await store.set('legacy', { cookie: { path: '/', httpOnly: true, originalMaxAge: null }, user: 'gina' })
  var middleware = session({ secret: 's', resave: false, saveUninitialized: false, store: store, absoluteTimeout: 1000 })
  var server = await serve.serve('express4', middleware, function (req, res) { res.end(req.session.user || 'anonymous') })
  try {
    var legacy = 'connect.sid=' + encodeURIComponent('s:' + cookieSignature.sign('legacy', 's'))
    var before = Date.now()
    assert.strictEqual((await serve.request(server, { path: '/', headers: { cookie: legacy } })).body, 'gina')
    var stamped = (await store.get('legacy')).cookie.createdAt
    assert.ok(stamped >= before && stamped <= Date.now(), 'stamped and saved: ' + stamped)
    assert.strictEqual((await serve.request(server, { path: '/', headers: { cookie: legacy } })).body, 'gina')
    assert.strictEqual((await store.get('legacy')).cookie.createdAt, stamped, 'stamped once')
    await new Promise(function (resolve) { setTimeout(resolve, 1050) })
    assert.strictEqual((await serve.request(server, { path: '/', headers: { cookie: legacy } })).body, 'anonymous')
    assert.strictEqual(await store.get('legacy'), undefined)
    assert.strictEqual((await serve.request(server, { path: '/', headers: { cookie: legacy } })).body, 'anonymous', 'replaying the cookie gets nothing')
  } finally {
    server.close()
  }
})

test('absoluteTimeout: off, a stored createdAt is dropped as express-session drops it; reload keeps it; a throwing genid is next(err)', async function () {
  // the same request through both, over a session stored with a createdAt
  var stored = {}
  for (var impl of [['express-session', original], ['ours', session], ['ours, null', session]]) {
    var store = new original.MemoryStore()
    store.sessions.s1 = JSON.stringify({ cookie: { originalMaxAge: null, httpOnly: true, path: '/', createdAt: 1 }, n: 1 })
    var options = { secret: 's', resave: false, saveUninitialized: false, store: store }
    if (impl[0] === 'ours, null') options.absoluteTimeout = null
    var server = await serve.serve('express4', impl[1](options), function (req, res) { req.session.n++; res.end(String(req.session.n)) })
    try {
      var r = await serve.request(server, { path: '/', headers: { cookie: 'connect.sid=' + encodeURIComponent('s:' + cookieSignature.sign('s1', 's')) } })
      assert.strictEqual(r.body, '2')
      stored[impl[0]] = store.sessions.s1
    } finally {
      server.close()
    }
  }
  assert.strictEqual(stored.ours, stored['express-session'])
  assert.strictEqual(stored['ours, null'], stored['express-session'])
  assert.doesNotMatch(stored.ours, /createdAt/)

  // on: reload() keeps the creation time
  var mem = new session.MemoryStore({ sweepInterval: 0 })
  var app = await withRoute({ store: mem, absoluteTimeout: 60000 }, async function (req, res) {
    await req.session.reload()
    req.session.reloaded = true
    res.end(req.sessionID)
  })
  try {
    var id = (await app.get('/seed')).body
    var created = (await mem.get(id)).cookie.createdAt
    assert.strictEqual(typeof created, 'number')
    await app.get('/go')
    var after = await mem.get(id)
    assert.strictEqual(after.reloaded, true)
    assert.strictEqual(after.cookie.createdAt, created)
  } finally {
    app.close()
  }

  // past the lifetime, a genid that throws reaches the error handler
  var old = new session.MemoryStore({ sweepInterval: 0 })
  await old.set('old', { cookie: { path: '/', createdAt: 1 }, n: 1 })
  var express4 = express()
  express4.use(session({ secret: 's', resave: false, saveUninitialized: false, store: old, absoluteTimeout: 1000, genid: function () { throw new Error('genid boom') } }))
  express4.use(function (err, req, res, next) { res.statusCode = 500; res.end(err.message) })
  var srv = await serve.serve('http', express4, function () {})
  try {
    var e = await serve.request(srv, { path: '/', headers: { cookie: 'connect.sid=' + encodeURIComponent('s:' + cookieSignature.sign('old', 's')) } })
    assert.strictEqual(e.status, 500)
    assert.strictEqual(e.body, 'genid boom')
  } finally {
    srv.close()
  }
})
