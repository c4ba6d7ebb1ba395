// The promise forms of save, reload, destroy and regenerate (without a callback):
// on a Session alone and inside an app.

'use strict'

var assert = require('assert')
var test = require('node:test')
var ours = require('../..')
var harness = require('../support/harness')

test('promises: save/reload/destroy/regenerate without a callback (additive)', async function () {
  var store = new ours.MemoryStore()
  var req = { sessionID: 'p1', sessionStore: store }
  store.generate = function (r) { r.sessionID = 'p2'; r.session = new ours.Session(r); r.session.cookie = new ours.Cookie() }
  var s = new ours.Session(req, { n: 1 })
  s.cookie = new ours.Cookie()
  req.session = s
  await s.save()
  assert.strictEqual((await store.get('p1')).n, 1)
  s.n = 2
  await s.reload()
  assert.strictEqual(req.session.n, 1)
  await req.session.regenerate()
  assert.strictEqual(req.sessionID, 'p2')
  assert.strictEqual(await store.get('p1'), undefined)
  await req.session.save()
  await req.session.destroy()
  assert.strictEqual(await store.get('p2'), undefined)
  assert.strictEqual(req.session, undefined)
  // a failing reload rejects; an ignored rejection does not crash the process
  var lost = new ours.Session({ sessionID: 'gone', sessionStore: store })
  await assert.rejects(lost.reload(), { message: 'failed to load session' })
  lost.reload()
  await new Promise(function (resolve) { setTimeout(resolve, 10) })
  // with a callback the session is returned, as in express-session
  assert.strictEqual(lost.save(function () {}), lost)
})

test('promise API inside an app (express 4 and 5)', async function () {
  for (var framework of ['express4', 'express5']) {
    var r = await harness.run('express-session-rs', {
      framework: framework,
      options: function () { return { secret: 's', resave: false, saveUninitialized: false } },
      routes: function (app) {
        app.get('/login', async function (req, res) {
          await req.session.regenerate()
          req.session.user = 'bob'
          await req.session.save()
          res.end('in')
        })
        app.get('/logout', async function (req, res) {
          await req.session.destroy()
          res.end('out')
        })
        app.get('/me', function (req, res) { res.end(String(req.session.user)) })
      },
      requests: ['/login', '/me', '/logout', '/me']
    })
    assert.deepStrictEqual(r.responses.map(function (x) { return x.body }), ['in', 'bob', 'out', 'undefined'], framework)
  }
})
