// Opt-in fixes of known express-session bugs, and the promise API in a real app.

'use strict'

var assert = require('assert')
var test = require('node:test')
var harness = require('./support/harness')
var routes = require('./support/routes')

function scenario (options, requests, extra) {
  return Object.assign({
    options: function () { return Object.assign({ secret: 'keyboard cat', resave: false, saveUninitialized: true }, options) },
    routes: routes.express,
    requests: requests
  }, extra)
}

test('fixRegenerateSave: regenerate() then save() writes once', async function () {
  var bug = await harness.run('express-session-rs', scenario({}, ['/inc', '/regen-save']))
  var fixed = await harness.run('express-session-rs', scenario({ fixRegenerateSave: true }, ['/inc', '/regen-save', '/read']))
  var kinds = function (r) { return r.calls.map(function (c) { return c.slice(0, 2).join(' ') }) }
  assert.deepStrictEqual(kinds(bug), ['set SID1', 'get SID1', 'destroy SID1', 'set SID2', 'set SID2'])
  assert.deepStrictEqual(kinds(fixed).slice(0, 4), ['set SID1', 'get SID1', 'destroy SID1', 'set SID2'])
  assert.deepStrictEqual(kinds(fixed).slice(4), ['get SID2', 'touch SID2'])
  assert.strictEqual(fixed.responses[1].setCookie.length, 1, 'the new cookie is still sent')
  assert.strictEqual(fixed.responses[2].body, 'undefined')
  // a change after the save is still saved at the end
  var later = await harness.run('express-session-rs', {
    options: function () { return { secret: 's', resave: false, saveUninitialized: false, fixRegenerateSave: true } },
    routes: function (app) {
      app.get('/', function (req, res) {
        req.session.regenerate(function () {
          req.session.save(function () {
            req.session.late = true
            res.end('ok')
          })
        })
      })
      app.get('/json', routes.handlers['/json'])
    },
    requests: ['/', '/json']
  })
  assert.deepStrictEqual(kinds(later).slice(0, 4), ['destroy SID2', 'set SID1', 'set SID1', 'get SID1'])
  assert.match(later.responses[1].body, /"late":true/)
})

test('fixAutoCookieFunction: a cookie function returning "auto" is resolved', async function () {
  var options = {
    fixAutoCookieFunction: true,
    cookie: function () { return { secure: 'auto', sameSite: 'auto' } }
  }
  var plain = await harness.run('express-session-rs', scenario(options, ['/inc']))
  assert.deepStrictEqual(plain.errors, [])
  assert.strictEqual(plain.responses[0].setCookie[0], 'connect.sid=s%3ASID1.SIG; Path=/; HttpOnly; SameSite=Lax')
  var secure = await harness.run('express-session-rs', scenario(options, ['/inc'], { https: true }))
  assert.strictEqual(secure.responses[0].setCookie[0], 'connect.sid=s%3ASID1.SIG; Path=/; HttpOnly; Secure; SameSite=None')
})

test('fixAutoCookieFunction with a cookie function returning nothing', async function () {
  var r = await harness.run('express-session-rs', scenario({
    fixAutoCookieFunction: true,
    // called for the path check, then again to build the new session's cookie
    cookie: function (req) {
      req.cookieCalls = (req.cookieCalls || 0) + 1
      return req.cookieCalls === 1 ? { path: '/' } : undefined
    }
  }, ['/json']))
  assert.deepStrictEqual(r.errors, [])
  assert.strictEqual(r.responses[0].status, 200)
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

test('a replaced req.session.save does not leave a stale change-detection memo', async function () {
  var r = await harness.same({
    options: function () { return { secret: 's', resave: false, saveUninitialized: false, cookie: { maxAge: 60000 } } },
    routes: function (app) {
      app.get('/', function (req, res) {
        req.session.n = 1
        var save = req.session.save
        // a save that changes the session before saving (user code)
        req.session.save = function (cb) { this.late = true; return save.call(this, cb) }
        res.end('ok')
      })
      app.get('/json', routes.handlers['/json'])
    },
    requests: ['/', '/json']
  })
  assert.strictEqual(r.responses[0].setCookie.length, 1)
  assert.match(r.responses[1].body, /"late":true/)
})
