// Third-party stores work with our middleware, and our MemoryStore works as the
// store of the original express-session.

'use strict'

var assert = require('assert')
var fs = require('fs')
var os = require('os')
var path = require('path')
var request = require('supertest')
var test = require('node:test')
var original = require('express-session')
var call = require('./support/call')
var harness = require('./support/harness')
var ours = require('..')
var redis = require('../tools/redis')
var routes = require('./support/routes')

function flow (store) {
  return {
    options: function () { return { secret: 's', resave: false, saveUninitialized: false, cookie: { maxAge: 60000 } } },
    store: store,
    routes: routes.express,
    requests: ['/inc', '/inc', '/read', '/regen', '/inc', '/destroy', '/read']
  }
}

function bodies (r) {
  return r.responses.map(function (x) { return x.body })
}

test('memorystore (built on the express-session Store we export)', async function () {
  var r = await harness.same(flow(function (impl) {
    var MemoryStore = require('memorystore')(impl)
    var store = new MemoryStore({ checkPeriod: 0 })
    return store
  }))
  assert.deepStrictEqual(bodies(r), ['1', '2', '2', 'regenerated', '1', 'destroyed', 'undefined'])
})

test('connect-redis on a local redis-server (its Store extends the original express-session)', { skip: !redis.available() && 'redis-server is not installed (.ci/run installs it)' }, async function () {
  var server = await redis.start()
  var client = require('redis').createClient({ url: 'redis://127.0.0.1:' + server.port })
  try {
    await client.connect()
    var RedisStore = require('connect-redis').RedisStore
    var n = 0
    var snapshots = []
    var scenario = flow(function () {
      return new RedisStore({ client: client, prefix: 'test' + (++n) + ':' })
    })
    scenario.requests[4] = {
      path: '/inc',
      after: async function () {
        var keys = await client.keys('test' + n + ':*')
        snapshots.push(keys.length, JSON.parse(await client.get(keys[0])))
      }
    }
    var r = await harness.same(scenario)
    assert.deepStrictEqual(bodies(r), ['1', '2', '2', 'regenerated', '1', 'destroyed', 'undefined'])
    assert.strictEqual(snapshots[0], 1, 'one live session in redis after regenerate')
    assert.strictEqual(snapshots[1].views, 1)
    // (express-session's Cookie computes originalMaxAge as expires - Date.now()
    // right after setting expires: 59999 when the clock ticks in between)
    assert.ok([59999, 60000].indexOf(snapshots[1].cookie.originalMaxAge) !== -1, String(snapshots[1].cookie.originalMaxAge))
    assert.deepStrictEqual(await client.keys('test*'), [], 'destroyed sessions are gone')
  } finally {
    await client.quit().catch(function () {})
    server.stop()
  }
})

test('our RedisStore on a local redis-server, under express-session and under ours: the same responses', { skip: !redis.available() && 'redis-server is not installed (.ci/run installs it)' }, async function () {
  var server = await redis.start()
  var stores = []
  try {
    var n = 0
    var r = await harness.same(flow(function () {
      var store = new ours.RedisStore({ url: 'redis://127.0.0.1:' + server.port, prefix: 'test' + (++n) + ':' })
      stores.push(store)
      return store
    }))
    assert.deepStrictEqual(bodies(r), ['1', '2', '2', 'regenerated', '1', 'destroyed', 'undefined'])
    for (var i = 0; i < stores.length; i++) assert.deepStrictEqual(await stores[i].ids(), [], 'destroyed sessions are gone')
  } finally {
    stores.forEach(function (s) { s.close() })
    server.stop()
  }
})

// login (regenerate), counter, logout (destroy) under the original express-session
function loginFlow (store) {
  return {
    options: function () { return { secret: 's', resave: false, saveUninitialized: false, cookie: { maxAge: 60000 } } },
    store: store,
    routes: function (app) {
      app.post('/login', function (req, res, next) {
        req.session.regenerate(function (err) {
          if (err) return next(err)
          req.session.user = 'alice'
          res.end('welcome')
        })
      })
      routes.express(app)
    },
    requests: [{ path: '/login', method: 'POST' }, '/inc', '/inc', '/json', '/destroy', '/read']
  }
}

test('our MemoryStore as the store of the original express-session: login, counter, logout', async function () {
  var ours = harness.IMPLS['express-session-rs']
  var original = harness.IMPLS['express-session']
  var store = new ours.MemoryStore()
  var r = await harness.run('express-session', loginFlow(function () { return store }))
  assert.deepStrictEqual(bodies(r).slice(0, 3), ['welcome', '1', '2'])
  assert.match(r.responses[3].body, /"user":"alice","views":2/)
  assert.strictEqual(bodies(r)[5], 'undefined')
  assert.strictEqual(await store.length(), 0)
  assert.ok(!(store instanceof original.Store), 'a different Store class, used through its methods only')
  // the same flow with express-session's own MemoryStore gives the same result
  var reference = await harness.run('express-session', loginFlow())
  assert.deepStrictEqual(r, reference)
})

test('one store shared by two session() middlewares', async function () {
  await harness.same({
    options: function () { return { secret: 's', resave: false, saveUninitialized: true, name: 'a' } },
    routes: function (app, ctx) {
      app.use('/b', ctx.impl({ secret: 's', resave: false, saveUninitialized: true, name: 'b', store: ctx.store, cookie: { path: '/b' } }))
      routes.express(app)
      app.get('/b/inc', routes.handlers['/inc'])
    },
    requests: ['/inc', '/b/inc', '/b/inc', '/inc']
  })
})

// sessions made by a store built on the original express-session's Store (its
// createSession makes express-session's Session): awaited and callback-less calls
async function awaitedFlow (store) {
  var express = require('express')
  var app = express()
  var events = []
  app.use(ours({ secret: 's', store: store, resave: false, saveUninitialized: false }))
  app.post('/login', async function (req, res, next) {
    try {
      await req.session.regenerate()
      req.session.user = 'alice'
      await req.session.save()
      events.push('saved ' + JSON.stringify(await call(store, 'get', req.sessionID).then(function (s) { return s.user })))
      res.end('welcome')
    } catch (err) { next(err) }
  })
  app.get('/inc', async function (req, res, next) {
    try {
      events.push('session is express-session\'s: ' + !(req.session instanceof ours.Session))
      req.session.n = (req.session.n || 0) + 1
      await req.session.save()
      req.session.n = 100
      await req.session.reload()
      res.end(req.session.user + ' ' + req.session.n)
    } catch (err) { next(err) }
  })
  app.post('/again', function (req, res) {
    // no callback, no await: must not crash the process
    req.session.regenerate()
    req.session.save()
    res.end('again')
  })
  app.post('/logout', async function (req, res, next) {
    try {
      var sid = req.sessionID
      await req.session.destroy()
      events.push('destroyed ' + JSON.stringify(await call(store, 'get', sid)))
      res.end('bye')
    } catch (err) { next(err) }
  })
  app.use(function (err, req, res, next) { events.push('error ' + err.message); res.statusCode = 500; res.end(err.message) })
  var server = app.listen(0, '127.0.0.1')
  await new Promise(function (resolve) { server.once('listening', resolve) })
  var agent = request.agent(server)
  var bodies = []
  bodies.push((await agent.post('/login')).text)
  bodies.push((await agent.get('/inc')).text)
  bodies.push((await agent.get('/inc')).text)
  bodies.push((await agent.post('/again')).text)
  bodies.push((await agent.post('/logout')).text)
  server.close()
  return { bodies: bodies, events: events }
}

test('sessions of a store built on the original express-session (memorystore): save, regenerate, reload, destroy awaited or called without a callback', async function () {
  var MemoryStore = require('memorystore')(original)
  var r = await awaitedFlow(new MemoryStore({ checkPeriod: 0 }))
  assert.deepStrictEqual(r.bodies, ['welcome', 'alice 1', 'alice 2', 'again', 'bye'])
  assert.deepStrictEqual(r.events, ['saved "alice"', 'session is express-session\'s: true', 'session is express-session\'s: true', 'destroyed undefined'])
})

test('a store built on the original express-session: the session that regenerate() made and reload() read again still takes the promise forms and regenerate({ keep })', async function () {
  var MemoryStore = require('memorystore')(original)
  var express = require('express')
  for (var form of ['keep', 'promise regenerate', 'promise reload', 'promise destroy']) {
    var store = new MemoryStore({ checkPeriod: 0 })
    var app = express()
    app.use(ours({ secret: 's', resave: false, saveUninitialized: false, store: store }))
    app.get('/', function (req, res, next) {
      req.session.regenerate(function (err) {
        if (err) return next(err)
        req.session.user = 'alice'
        // (express-session's Session#save and #reload return the session)
        var saved = req.session.save(function (err) {
          if (err) return next(err)
          var reloaded = req.session.reload(async function (err) {
            if (err) return next(err)
            try {
              var out = [String(saved === reloaded), 'foreign ' + !(req.session instanceof ours.Session)]
              if (form === 'keep') await new Promise(function (resolve, reject) { req.session.regenerate({ keep: ['user'] }, function (e) { return e ? reject(e) : resolve() }) })
              if (form === 'promise regenerate') await req.session.regenerate()
              if (form === 'promise reload') await req.session.reload()
              if (form === 'promise destroy') {
                var id = req.sessionID
                await req.session.destroy()
                out.push('stored ' + await call(store, 'get', id))
              }
              out.push('user ' + (req.session && req.session.user))
              res.end(out.join(', '))
            } catch (e) { next(e) }
          })
        })
      })
    })
    var r = await request(app).get('/').expect(200)
    var user = { keep: 'alice', 'promise regenerate': 'undefined', 'promise reload': 'alice', 'promise destroy': 'undefined' }[form]
    var expected = 'true, foreign true' + (form === 'promise destroy' ? ', stored undefined' : '') + ', user ' + user
    assert.strictEqual(r.text, expected, form)
  }
})

test('sessions of connect-redis under its own name (the original express-session beside ours): awaited and callback-less calls', { skip: !redis.available() && 'redis-server is not installed (.ci/run installs it)' }, async function () {
  var server = await redis.start()
  var client = require('redis').createClient({ url: 'redis://127.0.0.1:' + server.port })
  try {
    await client.connect()
    var RedisStore = require('connect-redis').RedisStore
    var r = await awaitedFlow(new RedisStore({ client: client, prefix: 'awaited:' }))
    assert.deepStrictEqual(r.bodies, ['welcome', 'alice 1', 'alice 2', 'again', 'bye'])
    assert.deepStrictEqual(r.events, ['saved "alice"', 'session is express-session\'s: true', 'session is express-session\'s: true', 'destroyed null'])
    assert.deepStrictEqual(await client.keys('awaited:*'), [], 'the logged-out session and the one replaced by regenerate are gone')
  } finally {
    await client.quit().catch(function () {})
    server.stop()
  }
})

test('a large session comes back from each of our stores with only the keys that JSON.parse gives it (before: a hidden symbol on those over 1 KB)', async function () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'large-keys-'))
  var server = redis.available() ? await redis.start() : null
  var stores = [new ours.MemoryStore(), new ours.SqliteStore({ path: path.join(dir, 's.db') })]
  if (server) stores.push(new ours.RedisStore({ url: 'redis://127.0.0.1:' + server.port }))
  try {
    var sess = { cookie: { originalMaxAge: 60000, expires: new Date(Date.now() + 60000).toISOString(), httpOnly: true, path: '/' }, big: 'x'.repeat(2000) }
    var oracle = new original.MemoryStore()
    await new Promise(function (resolve) { oracle.set('a', sess, resolve) })
    var expected = await new Promise(function (resolve) { oracle.get('a', function (err, s) { resolve(err || Reflect.ownKeys(s)) }) })
    assert.deepStrictEqual(expected, ['cookie', 'big'])
    for (var store of stores) {
      await store.set('a', sess)
      assert.deepStrictEqual(Reflect.ownKeys(await store.get('a')), expected, store.constructor.name + ' get')
      var all = await store.all()
      assert.deepStrictEqual(Reflect.ownKeys(all.a), expected, store.constructor.name + ' all')
    }
  } finally {
    for (var s of stores) if (s.close) s.close()
    if (server) server.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('a store built on the original express-session: a field named like a method that express-session does not wrap (regenerate, destroy; reload after regenerate) is stored as it is there', async function () {
  var r = await harness.same({
    options: function () { return { secret: 's', resave: false, saveUninitialized: false } },
    store: function () { return new original.MemoryStore() },
    routes: function (app) {
      app.get('/assign', function (req, res) {
        req.session.views = 1
        req.session.regenerate = 'r'
        req.session.destroy = 'd'
        res.json(Object.keys(req.session))
      })
      app.get('/regen', function (req, res, next) {
        req.session.regenerate(function (err) {
          if (err) return next(err)
          req.session.reload = 'l'
          req.session.n = 2
          res.json(Object.keys(req.session))
        })
      })
    },
    requests: ['/assign', '/regen']
  })
  assert.deepStrictEqual(r.responses.map(function (x) { return x.body }), ['["cookie","views","regenerate","destroy"]', '["cookie","reload","n"]'])
  assert.deepStrictEqual(r.calls.filter(function (c) { return c[0] === 'set' }).map(function (c) { return Object.keys(c[2]) }), [['cookie', 'views', 'regenerate', 'destroy'], ['cookie', 'reload', 'n']])
})
