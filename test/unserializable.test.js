// A session value that JSON cannot serialize (a BigInt, a cycle, a throwing
// toJSON or getter, a session whose toJSON gives undefined): the error goes to
// next(err), as a failed save's does, the response the app wrote is sent,
// nothing is stored, and the process lives on.
// (express-session hangs the request under Express and throws out of res.end
// with a plain http server: see README, "Differences you can observe".)

'use strict'

var assert = require('assert')
var express = require('express')
var http = require('http')
var test = require('node:test')
var session = require('..')
var serve = require('./support/serve')

var BAD = {
  BigInt: function () { return 10n },
  cycle: function () { var a = {}; a.self = a; return a },
  'throwing toJSON': function () { return { toJSON: function () { throw new Error('toJSON boom') } } },
  'throwing getter': function () { return Object.defineProperty({}, 'x', { enumerable: true, get: function () { throw new Error('getter boom') } }) },
  // (set on the session itself, see route)
  'toJSON of the session giving undefined': null
}

function expectedError (kind) {
  return kind === 'throwing toJSON' ? /toJSON boom/ : kind === 'throwing getter' ? /getter boom/ : TypeError
}

// an app (`framework`: express or http) whose /bad route stores a bad value
async function app (framework, store, errors) {
  var mw = session({ secret: 's', resave: false, saveUninitialized: false, store: store })
  function route (req, res) {
    var kind = decodeURIComponent(req.url.split('?kind=')[1] || '')
    if (BAD[kind] === null) req.session.toJSON = function () {}
    else if (kind) req.session.bad = BAD[kind]()
    req.session.n = (req.session.n || 0) + 1
    res.end('ok ' + req.session.n)
  }
  if (framework === 'http') {
    return new Promise(function (resolve) {
      var server = http.createServer(function (req, res) {
        mw(req, res, function (err) {
          if (err) errors.push(err)
          else route(req, res)
        })
      }).listen(0, '127.0.0.1', function () { resolve(server) })
    })
  }
  var a = express()
  a.use(mw)
  a.get('*', route)
  a.use(function (err, req, res, next) { errors.push(err); if (!res.headersSent) res.status(500).end('error') })
  return serve.serve('http', a, function () {})
}

// (each test keeps its own framework and kind: a `for (var ...)` loop would give
// every test the last ones by the time it runs)
;['express', 'http'].forEach(function (framework) {
  Object.keys(BAD).forEach(function (kind) {
    test(framework + ': a ' + kind + ' in the session: next(err), the response is sent, nothing is stored', async function () {
      var store = new session.MemoryStore({ sweepInterval: 0 })
      var errors = []
      var server = await app(framework, store, errors)
      try {
        // a new session
        var r = await serve.request(server, { path: '/bad?kind=' + encodeURIComponent(kind) })
        assert.strictEqual(r.status, 200)
        assert.strictEqual(r.body, 'ok 1')
        await new Promise(function (resolve) { setImmediate(resolve) })
        assert.strictEqual(errors.length, 1, 'one error to next')
        assert.throws(function () { throw errors[0] }, expectedError(kind))
        assert.strictEqual(r.setCookie.length, 0, 'no cookie for a session that was not stored')
        assert.strictEqual(store.stats().count, 0, 'nothing stored')

        // a stored session keeps what it had
        var first = await serve.request(server, { path: '/' })
        var jar = first.setCookie[0].split(';')[0]
        var id = Object.keys(await store.all())[0]
        var before = store.sessions[id]
        var bad = await serve.request(server, { path: '/bad?kind=' + encodeURIComponent(kind), headers: { cookie: jar } })
        assert.strictEqual(bad.body, 'ok 2')
        await new Promise(function (resolve) { setImmediate(resolve) })
        assert.strictEqual(errors.length, 2)
        assert.strictEqual(store.sessions[id], before, 'the stored session is unchanged')
        assert.strictEqual((await serve.request(server, { path: '/', headers: { cookie: jar } })).body, 'ok 2', 'and serves the next request')
      } finally {
        server.close()
      }
    })
  })
})

// (a store that gives a session JSON cannot serialize: loading it fails with
// next(err), and the end of the request neither stores it nor sends its cookie;
// express-session hangs there, as above)
test('a loaded session that JSON cannot serialize (a store giving a BigInt): next(err), nothing stored, no Set-Cookie', async function () {
  var supertest = require('supertest')
  async function run (impl) {
    var log = []
    class BigIntStore extends impl.Store {
      get (id, cb) { cb(null, { cookie: { originalMaxAge: 60000, expires: new Date(Date.now() + 60000).toISOString(), path: '/', httpOnly: true }, n: 10n }) }
      set (id, sess, cb) { log.push('set ' + id); cb() }
      destroy (id, cb) { log.push('destroy ' + id); cb() }
      touch (id, sess, cb) { log.push('touch ' + id); cb() }
    }
    var a = express()
    a.use(impl({ secret: 'k', resave: false, saveUninitialized: false, store: new BigIntStore(), cookie: { maxAge: 60000 } }))
    a.get('/', function (req, res) { res.end('ok') })
    a.use(function (err, req, res, next) { log.push('err ' + err.message); res.status(500).end('error') })
    var r = await supertest(a).get('/').set('Cookie', 'connect.sid=' + encodeURIComponent('s:' + session.sign('abc', 'k')))
    await new Promise(function (resolve) { setTimeout(resolve, 20) })
    return [r.status, r.headers['set-cookie'] || null, log[0], log.filter(function (l) { return !/^err /.test(l) })]
  }
  assert.deepStrictEqual(await run(session), [500, null, 'err Do not know how to serialize a BigInt', []])
})

test('Store.prototype.createSession replaced after session(): a store that keeps it is still taken as one whose sessions are ours', async function () {
  var supertest = require('supertest')
  var mw = session({ secret: 'k', resave: false, saveUninitialized: true })
  var own = session.Store.prototype.createSession
  session.Store.prototype.createSession = function (req, sess) { return own.call(this, req, sess) }
  try {
    var a = express()
    a.use(mw)
    a.get('/', function (req, res) {
      req.session.regenerate(function () {
        res.end(JSON.stringify(['reload', 'regenerate'].map(function (m) { return Object.prototype.hasOwnProperty.call(req.session, m) })))
      })
    })
    assert.strictEqual((await supertest(a).get('/')).text, '[false,false]')
  } finally {
    session.Store.prototype.createSession = own
  }
})

test('saveChangedFields, resave false: a loaded session whose field JSON fails on its second serialization is saved whole at the end, not taken as saved', async function () {
  var supertest = require('supertest')
  var store = new session.MemoryStore()
  var calls = 0
  var arm = false
  var createSession = store.createSession
  store.createSession = function (req, data) {
    if (arm) data.b = { toJSON: function () { if (++calls === 2) throw new Error('second toJSON'); return 'B' } }
    return createSession.call(this, req, data)
  }
  var errors = []
  var a = express()
  a.use(session({ secret: 'k', resave: false, saveUninitialized: false, store: store, saveChangedFields: true }))
  a.get('/', function (req, res) { req.session.a = 1; res.end('ok') })
  a.get('/2', function (req, res) { res.end('ok') })
  a.use(function (err, req, res, next) { errors.push(err.message); res.status(500).end('error') })
  var first = await supertest(a).get('/')
  arm = true
  var r = await supertest(a).get('/2').set('Cookie', first.headers['set-cookie'][0].split(';')[0])
  arm = false
  await new Promise(function (resolve) { setTimeout(resolve, 20) })
  assert.deepStrictEqual([r.status, errors], [500, ['second toJSON']])
  var stored = Object.values(await store.all())[0]
  assert.deepStrictEqual([stored.a, stored.b], [1, 'B'])
})
