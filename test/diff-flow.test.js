// Request flow, store plumbing and response wrapping, differential.

'use strict'

var assert = require('assert')
var test = require('node:test')
var util = require('util')
var cookieParser = require('cookie-parser')
var harness = require('./support/harness')
var routes = require('./support/routes')
var serve = require('./support/serve')

var same = harness.same

function scenario (options, requests, extra) {
  return Object.assign({
    options: function () { return Object.assign({ secret: 'keyboard cat', resave: false, saveUninitialized: false }, options) },
    routes: routes.express,
    requests: requests
  }, extra)
}

test('plain http server (no express)', async function () {
  var r = await same(scenario({ cookie: { maxAge: 60000 } }, ['/inc', '/inc', '/read', '/write', '/content-length', '/regen'], {
    framework: 'http',
    routes: routes.http
  }))
  assert.deepStrictEqual(r.responses.map(function (x) { return x.body }), ['1', '2', '2', 'hello, world', 'views: 4', 'regenerated'])
})

test('missing secret: next(Error("secret option required for sessions"))', async function () {
  var r = await same(scenario({ secret: undefined }, ['/inc']))
  assert.deepStrictEqual(r.errors, ['secret option required for sessions'])
  assert.strictEqual(r.responses[0].status, 500)
})

test('req.secret from cookie-parser is used when there is no secret option', async function () {
  await same(scenario({ secret: undefined }, ['/inc', '/inc'], {
    before: function (app) { app.use(cookieParser('parser secret')) }
  }))
})

test('cookie-parser back-compat: req.signedCookies and req.cookies', async function () {
  var viaSigned = scenario({}, ['/inc', '/inc', '/inc'], {
    before: function (app) {
      app.use(cookieParser('keyboard cat'))
      app.use(function (req, res, next) {
        // move the cookie out of the header: only cookie-parser's result remains
        delete req.headers.cookie
        next()
      })
    }
  })
  var r = await same(viaSigned)
  assert.deepStrictEqual(r.responses.map(function (x) { return x.body }), ['1', '2', '3'])
  await same(scenario({}, ['/inc', '/inc'], {
    before: function (app) {
      app.use(cookieParser())
      app.use(function (req, res, next) { delete req.headers.cookie; next() })
    }
  }))
  await same(scenario({}, ['/inc', '/inc'], {
    before: function (app) {
      app.use(function (req, res, next) {
        req.cookies = { 'connect.sid': 'garbage' }
        req.signedCookies = { 'connect.sid': false }
        next()
      })
    }
  }))
})

test('store.get error goes to next(err); ENOENT is "not found"', async function () {
  function failingGet (code) {
    return function (impl) {
      var store = new impl.MemoryStore()
      store.get = function (sid, cb) {
        var err = new Error('boom ' + code)
        err.code = code
        setImmediate(cb, err)
      }
      return store
    }
  }
  var r = await same(scenario({}, ['/inc', '/inc'], { store: failingGet('EIO') }))
  assert.deepStrictEqual(r.errors, ['boom EIO'])
  var e = await same(scenario({}, ['/inc', '/inc'], { store: failingGet('ENOENT') }))
  assert.deepStrictEqual(e.errors, [])
  await same(scenario({ unset: 'destroy' }, ['/inc', '/inc'], { store: failingGet('EIO') }))
})

test('set, touch and destroy errors reach next(err) after the response', async function () {
  function failing (method) {
    return function (impl) {
      var store = new impl.MemoryStore()
      var fn = store[method]
      store[method] = function () {
        var cb = arguments[arguments.length - 1]
        // the first set succeeds so that there is a session to touch/destroy
        if (method === 'set' && !store.seeded) {
          store.seeded = true
          return fn.apply(this, arguments)
        }
        setImmediate(cb, new Error(method + ' failed'))
      }
      return store
    }
  }
  var expected = { set: ['/inc', '/inc'], touch: ['/inc', '/read'], destroy: ['/inc', '/null'] }
  for (var method of Object.keys(expected)) {
    var r = await same(scenario({ unset: 'destroy' }, expected[method], { store: failing(method) }))
    assert.deepStrictEqual(r.errors, [method + ' failed'])
    assert.strictEqual(r.responses[1].status, 200, 'the response was already sent')
  }
})

test('a stored session without cookie: createSession TypeError goes to next', async function () {
  var r = await same(scenario({}, ['/inc', '/inc'], {
    store: function (impl) {
      var store = new impl.MemoryStore()
      store.get = function (sid, cb) { setImmediate(cb, null, { views: 1 }) }
      return store
    }
  }))
  assert.match(r.errors[0], /Cannot read prop/)
})

test('reserved properties in storage are dropped from the session', async function () {
  var r = await same(scenario({}, ['/inc', '/reserved'], {
    store: function (impl) {
      var store = new impl.MemoryStore()
      var get = store.get
      store.get = function (sid, cb) {
        get.call(this, sid, function (err, sess) {
          if (sess) Object.assign(sess, { id: 'x', req: 'y', save: 'nope', touch: 1, regenerate: 2, keep: true })
          cb(err, sess)
        })
      }
      return store
    }
  }))
  assert.strictEqual(r.responses[1].body, JSON.stringify({ id: 'string', save: 'function', keys: ['cookie', 'views', 'keep'] }))
})

test('store disconnect/connect events gate req.session', async function () {
  var r = await same(scenario({}, [
    '/inc',
    { path: '/read', after: function (ctx) { ctx.store.emit('disconnect') } },
    { path: '/read', after: function (ctx) { ctx.store.emit('connect') } },
    '/read'
  ]))
  assert.deepStrictEqual(r.responses.map(function (x) { return x.body }), ['1', '1', 'no session', '1'])
})

test('store methods are looked up at call time', async function () {
  await same(scenario({}, ['/inc', { path: '/inc', after: function () {} }, '/read'], {
    store: function (impl) {
      var store = new impl.MemoryStore()
      var data = Object.create(null)
      setImmediate(function () {
        store.get = function (sid, cb) { setImmediate(cb, null, data[sid] && JSON.parse(data[sid])) }
        store.set = function (sid, sess, cb) { data[sid] = JSON.stringify(sess); setImmediate(cb) }
      })
      return store
    }
  }))
})

test('synchronous stores (callback before return)', async function () {
  function SyncStore (impl) {
    impl.Store.call(this)
    this.data = Object.create(null)
  }
  var r = await same(scenario({ cookie: { maxAge: 60000 } }, ['/inc', '/inc', '/read', '/content-length', '/write', '/regen', '/destroy'], {
    store: function (impl) {
      util.inherits(SyncStore, impl.Store)
      var store = new SyncStore(impl)
      store.get = function (sid, cb) { cb(null, this.data[sid] ? JSON.parse(this.data[sid]) : undefined) }
      store.set = function (sid, sess, cb) { this.data[sid] = JSON.stringify(sess); cb() }
      store.destroy = function (sid, cb) { delete this.data[sid]; cb() }
      store.touch = function (sid, sess, cb) { cb() }
      return store
    }
  }))
  assert.deepStrictEqual(r.responses.map(function (x) { return x.body }).slice(0, 5), ['1', '2', '2', 'views: 3', 'hello, world'])
})

test('res.end wrapping: write+end, Content-Length, end twice, end(null), end()', async function () {
  var r = await same(scenario({ saveUninitialized: true }, ['/write', '/content-length', '/content-length', '/end-twice', '/end-null', '/end-empty', '/redirect']))
  assert.strictEqual(r.responses[3].body, 'first')
  assert.strictEqual(r.responses[6].status, 302)
})

test('Set-Cookie headers set by the app are kept', async function () {
  var r = await same(scenario({}, ['/set-cookie-first', '/set-cookie-array', '/writehead-cookie']))
  assert.strictEqual(r.responses[0].setCookie.length, 2)
  assert.strictEqual(r.responses[1].setCookie.length, 2, 'a loaded browser-session cookie is not re-sent')
})

test('a store method gone after session(): the TypeError express-session gives', async function () {
  // (thrown at the call, out of res.end at the end of the request, as
  // express-session throws it: the route catches it here)
  var cases = [
    ['touch', {}, 'read', 'store.touch is not a function'],
    ['destroy', { unset: 'destroy' }, 'null', 'store.destroy is not a function'],
    ['set', {}, 'inc', 'this.req.sessionStore.set is not a function'],
    ['destroy', {}, 'destroy', 'this.req.sessionStore.destroy is not a function']
  ]
  for (var c of cases) {
    for (var name of ['express-session', 'express-session-rs']) {
      var impl = require(name === 'express-session' ? 'express-session' : '..')
      var store = new impl.MemoryStore()
      var app = require('express')()
      var seen = []
      app.use(impl(Object.assign({ secret: 's', resave: false, saveUninitialized: false, store: store }, c[1])))
      app.get('/:action', function (req, res) {
        var action = req.params.action
        if (action === 'inc') req.session.n = (req.session.n || 0) + 1
        if (action === 'null') req.session = null
        try {
          if (action === 'destroy') req.session.destroy(function () { res.end('destroyed') })
          else res.end('ok')
        } catch (err) {
          seen.push(err.message)
          res.destroy()
        }
      })
      var server = await serve.serve('http', app, function () {})
      try {
        var jar = (await serve.request(server, { path: '/inc' })).setCookie[0].split(';')[0]
        store[c[0]] = undefined
        await serve.request(server, { path: '/' + c[2], headers: { cookie: jar } }).catch(function () {})
      } finally {
        server.close()
      }
      assert.deepStrictEqual(seen, [c[3]], name + ': ' + c.join(' '))
    }
  }
})

test('save, destroy, reload and regenerate without a callback throw at the call what the store throws at once, as express-session does', async function () {
  var seen = {}
  for (var name of ['express-session', 'express-session-rs']) {
    var impl = require(name === 'express-session' ? 'express-session' : '..')
    var out = seen[name] = []
    // a Session outside the middleware, over a store that throws, and over none
    var throwing = {
      set: function () { throw new Error('set down') },
      get: function () { throw new Error('get down') },
      destroy: function () { throw new Error('destroy down') }
    }
    for (var method of ['save', 'reload', 'destroy', 'regenerate']) {
      for (var sessionStore of [throwing, {}, undefined]) {
        var sess = new impl.Session({ sessionID: 'sid', sessionStore: sessionStore }, { n: 1 })
        try {
          var ret = sess[method]()
          out.push(method + ' returned ' + typeof ret)
          if (ret && ret.then) ret.then(null, function () {})
        } catch (err) {
          out.push(method + ' threw ' + err.message)
        }
      }
    }
  }
  assert.deepStrictEqual(seen['express-session-rs'], seen['express-session'])
  assert.ok(seen['express-session'].includes('regenerate threw this.req.sessionStore.regenerate is not a function'), seen['express-session'])
  assert.ok(seen['express-session'].includes('save threw set down'), seen['express-session'])
})

test('res.end(callback) when the session is saved, touched or destroyed: res.write throws ERR_INVALID_ARG_TYPE out of it, the callback still runs, with every store', async function () {
  var fs = require('fs')
  var os = require('os')
  var path = require('path')
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-end-callback-'))
  var ours = require('..')
  var runs = [
    ['express-session', require('express-session'), function (impl) { return new impl.MemoryStore() }],
    ['express-session-rs', ours, function (impl) { return new impl.MemoryStore() }],
    ['express-session-rs, SqliteStore', ours, function (impl) { return new impl.SqliteStore({ path: path.join(dir, 'end.db') }) }]
  ]
  var logs = []
  try {
    for (var run of runs) {
      var store = run[2](run[1])
      var log = []
      var app = require('express')()
      app.use(run[1]({ secret: 's', resave: false, saveUninitialized: false, unset: 'destroy', store: store }))
      app.get('/login', function (req, res) { req.session.a = 1; res.end('ok') })
      app.get('/:action', function (req, res) {
        var action = req.params.action
        if (action === 'save') req.session.b = 1
        if (action === 'destroy') req.session = null
        try {
          log.push(action + ' returned ' + res.end(function () { log.push(action + ' callback') }))
        } catch (err) {
          log.push(action + ' threw ' + err.code)
        }
      })
      app.use(function (err, req, res, next) { log.push('next(err) ' + err.code + ' headersSent ' + res.headersSent) })
      var server = await serve.serve('http', app, function () {})
      try {
        var jar = (await serve.request(server, { path: '/login' })).setCookie[0].split(';')[0]
        for (var action of ['save', 'touch', 'destroy']) {
          var r = await serve.request(server, { path: '/' + action, headers: { cookie: jar } })
          log.push(action + ' status ' + r.status)
        }
      } finally {
        server.close()
        if (store.close) store.close()
      }
      logs.push([run[0], log])
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  assert.deepStrictEqual(logs[0][1].slice(0, 3), ['save threw ERR_INVALID_ARG_TYPE', 'save callback', 'save status 200'], JSON.stringify(logs[0]))
  assert.deepStrictEqual(logs[1], ['express-session-rs', logs[0][1]])
  assert.deepStrictEqual(logs[2], ['express-session-rs, SqliteStore', logs[0][1]])
})

test('with a callback, the save and reload of req.session return nothing, as express-session\'s wrappers', async function () {
  for (var options of [{}, { saveChangedFields: true }]) {
    var r = await same(scenario({}, ['/inc', '/ret'], {
      record: false,
      options: function (impl) {
        var base = { secret: 'keyboard cat', resave: false, saveUninitialized: false }
        return impl === require('..') ? Object.assign(base, options) : base
      },
      routes: function (app, ctx) {
        routes.express(app, ctx)
        app.get('/ret', function (req, res) {
          var out = []
          out.push(typeof req.session.save(function () {
            out.push(typeof req.session.reload(function () {
              setImmediate(function () { res.end(out.join(' ')) })
            }))
          }))
        })
      }
    }))
    assert.strictEqual(r.responses[1].body, 'undefined undefined')
  }
})

test('self-awareness: a second session middleware does nothing', async function () {
  await same(scenario({}, ['/inc', '/inc'], {
    before: function (app, ctx) {
      app.use(function (req, res, next) { next() })
    },
    routes: function (app, ctx) {
      app.use(ctx.impl({ secret: 'other', resave: false, saveUninitialized: true, store: ctx.store }))
      routes.express(app)
    }
  }))
})

test('HEAD and POST requests', async function () {
  await same(scenario({ saveUninitialized: true }, [{ path: '/inc', method: 'POST' }, { path: '/inc', method: 'HEAD' }, '/read']))
})

test('res.end patches applied before and after the middleware coexist', async function () {
  var log = []
  await same(scenario({}, ['/inc', '/inc'], {
    before: function (app) {
      app.use(function (req, res, next) {
        var end = res.end
        res.end = function () { log.push('outer'); return end.apply(this, arguments) }
        next()
      })
    },
    routes: function (app) {
      app.use(function (req, res, next) {
        var end = res.end
        res.end = function () { log.push('inner'); return end.apply(this, arguments) }
        next()
      })
      routes.express(app)
    }
  }))
  assert.deepStrictEqual(log, ['inner', 'outer', 'inner', 'outer', 'inner', 'outer', 'inner', 'outer'])
})
