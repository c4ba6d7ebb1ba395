// Third-party stores work with our middleware, and our MemoryStore works as the
// store of the original express-session.

'use strict'

var assert = require('assert')
var test = require('node:test')
var harness = require('./support/harness')
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
    assert.strictEqual(snapshots[1].cookie.originalMaxAge, 60000)
    assert.deepStrictEqual(await client.keys('test*'), [], 'destroyed sessions are gone')
  } finally {
    await client.quit().catch(function () {})
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
