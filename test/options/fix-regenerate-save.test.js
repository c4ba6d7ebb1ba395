// fixRegenerateSave: regenerate() then save() writes the new session once
// (express-session writes it twice).

'use strict'

var assert = require('assert')
var test = require('node:test')
var harness = require('../support/harness')
var routes = require('../support/routes')
var scenario = require('../support/scenario')

test('fixRegenerateSave: regenerate() then save() writes once', async function () {
  var bug = await harness.run('express-session-rs', scenario({}, ['/inc', '/regen-save']))
  var fixed = await harness.run('express-session-rs', scenario({ fixRegenerateSave: true }, ['/inc', '/regen-save', '/read']))
  var kinds = function (r) { return r.calls.map(function (c) { return c.slice(0, 2).join(' ') }) }
  assert.deepStrictEqual(kinds(bug), ['set SID1', 'get SID1', 'destroy SID1', 'set SID2', 'set SID2'])
  // (as with the additions that follow the regenerated session on, off)
  var followed = await harness.run('express-session-rs', scenario({ absoluteTimeout: 60000, clearCookieOnDestroy: true }, ['/inc', '/regen-save']))
  assert.deepStrictEqual(kinds(followed), kinds(bug))
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

test('fixRegenerateSave: a change of the cookie after regenerate() and save() is saved at the end, as express-session\'s second save saves it', async function () {
  var session = require('../..')
  var withRoute = require('../support/with-route')
  for (var change of ['maxAge', 'replaced', 'domain']) {
    var store = new session.MemoryStore({ sweepInterval: 0 })
    var sets = 0
    var set = store.set
    store.set = function () { sets++; return set.apply(this, arguments) }
    var app = await withRoute({ store: store, fixRegenerateSave: true, cookie: { maxAge: 60000 } }, async function (req, res) {
      await req.session.regenerate()
      req.session.user = 'alice'
      await req.session.save()
      if (change === 'maxAge') req.session.cookie.maxAge = 30 * 24 * 3600 * 1000
      if (change === 'replaced') req.session.cookie = new session.Cookie({ maxAge: 30 * 24 * 3600 * 1000 })
      if (change === 'domain') req.session.cookie.domain = 'example.com'
      res.end(req.sessionID)
    })
    try {
      var id = (await app.get('/go')).body
      var stored = (await store.get(id)).cookie
      assert.strictEqual(sets, 2, change)
      if (change === 'domain') assert.strictEqual(stored.domain, 'example.com')
      else assert.ok(Math.abs(stored.originalMaxAge - 30 * 24 * 3600 * 1000) < 1000, change + ': ' + stored.originalMaxAge)
    } finally {
      app.close()
    }
  }
})
