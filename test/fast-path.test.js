// With an unwrapped native MemoryStore the middleware's end-of-request store call
// completes synchronously (lib/fast-path.js): the response is held and written in
// one piece on the next turn, when express-session's MemoryStore calls back.
// What clients and the store see must still match express-session.

'use strict'

var assert = require('assert')
var http = require('http')
var test = require('node:test')
var harness = require('./support/harness')
var routes = require('./support/routes')

function scenario (options, requests, extra) {
  return Object.assign({
    record: false,
    options: function () { return Object.assign({ secret: 'keyboard cat', resave: false, saveUninitialized: false }, options) },
    routes: routes.express,
    requests: requests
  }, extra)
}

var flows = [
  ['/inc', '/inc', '/read', '/cookie-change', '/regen', '/inc', '/save', '/reload', '/destroy', '/read'],
  ['/write', '/content-length', '/end-null', '/end-empty', '/end-twice', '/redirect', '/set-cookie-first'],
  ['/inc', '/null', '/inc', '/delete', '/read', '/regen-save', '/json']
]

test('fast path: same responses and store contents as express-session', async function () {
  var variants = [
    {},
    { saveUninitialized: true },
    { resave: true, cookie: { maxAge: 60000 } },
    { rolling: true, cookie: { maxAge: 60000 } },
    { unset: 'destroy' }
  ]
  for (var options of variants) {
    for (var requests of flows) {
      var r = await harness.same(scenario(options, requests))
      assert.strictEqual(r.calls.length, 0)
      assert.ok(r.stored)
    }
  }
})

test('fast path over plain http', async function () {
  for (var requests of flows) {
    await harness.same(scenario({ cookie: { maxAge: 60000 } }, requests, { framework: 'http', routes: routes.http }))
  }
})

test('fast path: the response is written once (no split of the last byte)', async function () {
  var session = require('..')
  var store = new session.MemoryStore()
  var writes = []
  var server = http.createServer(function (req, res) {
    var write = res.write
    res.write = function (chunk) { writes.push(String(chunk)); return write.apply(this, arguments) }
    session({ secret: 's', resave: false, saveUninitialized: true, store: store })(req, res, function () {
      req.session.n = 1
      res.setHeader('Content-Length', '5')
      res.end('hello')
    })
  })
  await new Promise(function (resolve) { server.listen(0, '127.0.0.1', resolve) })
  try {
    var body = await new Promise(function (resolve, reject) {
      http.get({ port: server.address().port, host: '127.0.0.1' }, function (res) {
        var data = ''
        res.on('data', function (d) { data += d })
        res.on('end', function () { resolve(data) })
      }).on('error', reject)
    })
    assert.strictEqual(body, 'hello')
    assert.deepStrictEqual(writes, [], 'express-session would write "hell" then end with "o"')
    assert.strictEqual(await store.length(), 1)
  } finally {
    server.close()
  }
})

test('fast path: the store is written when res.end returns; the response ends on the next turn, as with express-session\'s MemoryStore', async function () {
  var seen = {}
  for (var impl of ['express-session', '..']) {
    var session = require(impl)
    var store = new session.MemoryStore()
    var server = http.createServer(function (req, res) {
      session({ secret: 's', resave: false, saveUninitialized: true, store: store })(req, res, function () {
        req.session.n = 1
        if (req.url === '/length') res.setHeader('Content-Length', '5')
        var ret = res.end('hello')
        var now = { ret: ret, stored: JSON.parse(store.sessions[req.sessionID]).n, headersSent: res.headersSent, ended: res.writableEnded }
        setImmediate(function () {
          now.endedNextTurn = res.writableEnded
          seen[impl + ' ' + req.url] = now
        })
      })
    })
    await new Promise(function (resolve) { server.listen(0, '127.0.0.1', resolve) })
    try {
      for (var url of ['/length', '/bare']) {
        var got = await new Promise(function (resolve, reject) {
          http.get({ port: server.address().port, host: '127.0.0.1', path: url }, function (res) {
            var data = ''
            res.on('data', function (d) { data += d })
            res.on('end', function () { resolve({ body: data, te: res.headers['transfer-encoding'], length: res.headers['content-length'] }) })
          }).on('error', reject)
        })
        Object.assign(seen[impl + ' ' + url], got)
      }
    } finally {
      server.close()
    }
  }
  for (var url2 of ['/length', '/bare']) {
    assert.deepStrictEqual(seen['.. ' + url2], seen['express-session ' + url2], url2)
  }
  assert.deepStrictEqual(seen['.. /length'], { ret: true, stored: 1, headersSent: true, ended: false, endedNextTurn: true, body: 'hello', te: undefined, length: '5' })
  // (no Content-Length: the headers went out before the body, chunked)
  assert.deepStrictEqual(seen['.. /bare'], { ret: true, stored: 1, headersSent: true, ended: false, endedNextTurn: true, body: 'hello', te: 'chunked', length: undefined })
})

test('direct callers still get MemoryStore\'s deferred callbacks', async function () {
  var store = new (require('..').MemoryStore)()
  var sync = true
  var called = await new Promise(function (resolve) {
    store.set('a', { cookie: {} }, function () { resolve(sync) })
    sync = false
  })
  assert.strictEqual(called, false)
})

test('fast path: stored JSON is byte-identical to express-session\'s MemoryStore', async function () {
  var request = require('supertest')
  var express = require('express')
  var texts = []
  for (var impl of [require('express-session'), require('..')]) {
    var store = new impl.MemoryStore()
    var app = express()
    app.use(impl({ secret: 's', store: store, resave: false, saveUninitialized: false, genid: function () { return 'fixed-id' }, cookie: { sameSite: 'lax', domain: 'example.com' } }))
    app.get('/', function (req, res) {
      req.session.user = { name: 'é"\\n\u2028', roles: ['a', 'b'], at: new Date(0), none: undefined }
      req.session.big = 'x'.repeat(5000)
      req.session.n = -0
      res.end('ok')
    })
    await request(app).get('/').expect(200, 'ok')
    texts.push(store.sessions['fixed-id'])
  }
  assert.strictEqual(typeof texts[0], 'string')
  assert.strictEqual(texts[1], texts[0])
})
