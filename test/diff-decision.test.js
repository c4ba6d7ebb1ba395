// The save / touch / Set-Cookie decision table of express-session 1.19.0, every row
// run against the original and against ours (status, body, every Set-Cookie and the
// sequence of store calls must match).

'use strict'

var assert = require('assert')
var test = require('node:test')
var harness = require('./support/harness')
var routes = require('./support/routes')

var same = harness.same

function opts (extra) {
  return function () {
    return Object.assign({ secret: 'keyboard cat', resave: false, saveUninitialized: false }, extra)
  }
}

function scenario (options, requests, extra) {
  return Object.assign({ options: opts(options), routes: routes.express, requests: requests }, extra)
}

function calls (result) {
  return result.calls.map(function (c) { return c.slice(0, 2).join(' ') })
}

['express4', 'express5'].forEach(function (framework) {
  test(framework + ': new session, saveUninitialized true, unmodified: set + cookie', async function () {
    var r = await same(scenario({ saveUninitialized: true }, ['/'], { framework: framework }))
    assert.deepStrictEqual(calls(r), ['set SID1'])
    assert.strictEqual(r.responses[0].setCookie[0], 'connect.sid=s%3ASID1.SIG; Path=/; HttpOnly')
  })

  test(framework + ': new session, saveUninitialized false, unmodified: nothing', async function () {
    var r = await same(scenario({}, ['/', '/'], { framework: framework }))
    assert.deepStrictEqual(r.calls, [])
    assert.deepStrictEqual(r.responses[0].setCookie, [])
  })

  test(framework + ': new session modified: set + cookie; loaded unmodified: get + touch', async function () {
    var r = await same(scenario({ cookie: { maxAge: 60000 } }, ['/inc', '/read', '/inc'], { framework: framework }))
    assert.deepStrictEqual(calls(r), ['set SID1', 'get SID1', 'touch SID1', 'get SID1', 'set SID1'])
    assert.deepStrictEqual(r.responses.map(function (x) { return x.body }), ['1', '1', '2'])
    assert.deepStrictEqual(r.responses.map(function (x) { return x.setCookie.length }), [1, 0, 1])
  })
})

test('loaded session, resave true: set every request; cookie only when modified with expiry', async function () {
  var r = await same(scenario({ resave: true, cookie: { maxAge: 60000 } }, ['/inc', '/read', '/read', '/inc']))
  assert.deepStrictEqual(calls(r), ['set SID1', 'get SID1', 'set SID1', 'get SID1', 'set SID1', 'get SID1', 'set SID1'])
  assert.deepStrictEqual(r.responses.map(function (x) { return x.setCookie.length }), [1, 0, 0, 1])
})

test('loaded session, resave true, browser-session cookie: no cookie even when modified', async function () {
  var r = await same(scenario({ resave: true }, ['/inc', '/inc']))
  assert.deepStrictEqual(r.responses.map(function (x) { return x.setCookie.length }), [1, 0])
})

test('loaded session, resave false, modified, browser-session cookie: set, no cookie', async function () {
  var r = await same(scenario({}, ['/inc', '/inc', '/inc']))
  assert.deepStrictEqual(calls(r), ['set SID1', 'get SID1', 'set SID1', 'get SID1', 'set SID1'])
  assert.deepStrictEqual(r.responses.map(function (x) { return x.setCookie.length }), [1, 0, 0])
})

test('rolling: cookie on every response of a loaded session', async function () {
  var r = await same(scenario({ rolling: true, cookie: { maxAge: 60000 } }, ['/inc', '/read', '/']))
  assert.deepStrictEqual(r.responses.map(function (x) { return x.setCookie.length }), [1, 1, 1])
  assert.deepStrictEqual(calls(r), ['set SID1', 'get SID1', 'touch SID1', 'get SID1', 'touch SID1'])
})

test('rolling does not force a cookie for an uninitialized new session', async function () {
  var r = await same(scenario({ rolling: true }, ['/', '/']))
  assert.deepStrictEqual(r.responses.map(function (x) { return x.setCookie.length }), [0, 0])
  assert.deepStrictEqual(r.calls, [])
})

test('rolling with saveUninitialized true', async function () {
  await same(scenario({ rolling: true, saveUninitialized: true, cookie: { maxAge: 60000 } }, ['/', '/', '/inc']))
})

test('save() called manually and not changed afterwards: no second set (a touch)', async function () {
  var r = await same(scenario({}, ['/save', '/save']))
  assert.deepStrictEqual(calls(r), ['set SID1', 'get SID1', 'set SID1', 'touch SID1'])
})

test('save() then modified: saved again at the end', async function () {
  var r = await same(scenario({}, ['/save-then-modify']))
  assert.deepStrictEqual(calls(r), ['set SID1', 'set SID1'])
})

test('save() with saveUninitialized true and resave true', async function () {
  await same(scenario({ saveUninitialized: true, resave: true }, ['/save', '/save', '/']))
})

test('regenerate: destroy, set with the new id, cookie even with saveUninitialized false', async function () {
  var r = await same(scenario({}, ['/inc', '/regen', '/read']))
  assert.deepStrictEqual(calls(r), ['set SID1', 'get SID1', 'destroy SID1', 'set SID2', 'get SID2', 'touch SID2'])
  assert.strictEqual(r.responses[1].setCookie.length, 1)
  assert.strictEqual(r.responses[2].body, 'undefined')
})

test('regenerate on a new session', async function () {
  await same(scenario({}, ['/regen', '/read']))
})

test('regenerate then save writes twice (express-session #935)', async function () {
  var r = await same(scenario({}, ['/inc', '/regen-save']))
  assert.deepStrictEqual(calls(r), ['set SID1', 'get SID1', 'destroy SID1', 'set SID2', 'set SID2'])
})

test('req.session = null with unset keep: nothing stored, no cookie', async function () {
  var r = await same(scenario({ unset: 'keep' }, ['/inc', '/null', '/read']))
  assert.deepStrictEqual(calls(r), ['set SID1', 'get SID1', 'get SID1', 'touch SID1'])
  assert.strictEqual(r.responses[2].body, '1')
})

test('req.session = null with unset destroy: destroy', async function () {
  var r = await same(scenario({ unset: 'destroy' }, ['/inc', '/null', '/read']))
  assert.deepStrictEqual(calls(r), ['set SID1', 'get SID1', 'destroy SID1', 'get SID1'])
})

test('delete req.session with unset destroy and with the default', async function () {
  await same(scenario({ unset: 'destroy' }, ['/inc', '/delete', '/read']))
  await same(scenario({}, ['/inc', '/delete', '/read']))
})

test('unset destroy on a new session that was never stored', async function () {
  await same(scenario({ unset: 'destroy' }, ['/null']))
})

test('req.session.destroy(): destroy, no cookie; with unset destroy a second destroy', async function () {
  var r = await same(scenario({}, ['/inc', '/destroy', '/read']))
  assert.deepStrictEqual(calls(r), ['set SID1', 'get SID1', 'destroy SID1', 'get SID1'])
  var d = await same(scenario({ unset: 'destroy' }, ['/inc', '/destroy']))
  assert.deepStrictEqual(calls(d), ['set SID1', 'get SID1', 'destroy SID1', 'destroy SID1'])
})

test('bogus non-string req.sessionID: nothing saved, no cookie', async function () {
  var r = await same(scenario({ saveUninitialized: true }, ['/bogus', '/inc', '/bogus']))
  assert.deepStrictEqual(r.responses[0].setCookie, [])
})

test('changing only req.session.cookie is not a modification', async function () {
  var r = await same(scenario({ cookie: { maxAge: 60000 } }, ['/inc', '/cookie-change']))
  assert.deepStrictEqual(calls(r), ['set SID1', 'get SID1', 'touch SID1'])
  assert.strictEqual(r.responses[1].setCookie.length, 0)
})

test('a nested "cookie" property is a modification', async function () {
  var r = await same(scenario({ cookie: { maxAge: 60000 } }, ['/nested-cookie', '/nested-cookie']))
  assert.deepStrictEqual(calls(r), ['set SID1', 'get SID1', 'set SID1'])
})

test('expires = false makes a browser-session cookie', async function () {
  await same(scenario({ cookie: { maxAge: 60000 } }, ['/expires-false', '/inc']))
})

test('reload restores stored data and keeps wrapping', async function () {
  var r = await same(scenario({}, ['/inc', '/reload', '/inc']))
  assert.strictEqual(r.responses[1].body, '1')
  assert.strictEqual(r.responses[2].body, '2')
})

test('reload of a destroyed session fails with "failed to load session"', async function () {
  await same(scenario({}, ['/reload']))
})

test('touch() and the Expires attribute track maxAge', async function () {
  var r = await same(scenario({ cookie: { maxAge: 3000000000 }, rolling: true }, ['/inc', '/touch']))
  assert.strictEqual(r.responses[1].expiresDelta[0], 300000)
})

test('resave with a store without touch', async function () {
  await same({
    options: opts({}),
    store: function (impl) {
      var store = new impl.MemoryStore()
      store.touch = undefined
      return store
    },
    routes: routes.express,
    requests: ['/inc', '/read', '/read']
  })
})

// The Set-Cookie decision after the store call reuses the session's JSON only
// while nothing but the middleware runs: an on-headers listener of a later
// middleware (run before the session's) that changes the session is seen.
test('a later on-headers listener that changes the session: cookie decision as express-session', async function () {
  var onHeaders = require('on-headers')
  function routesWithLate (app) {
    app.use(function (req, res, next) {
      onHeaders(res, function () {
        if (req.query.late && req.session) req.session.late = (req.session.late || 0) + 1
      })
      next()
    })
    routes.express(app)
  }
  for (var record of [true, false]) {
    for (var saveUninitialized of [false, true]) {
      var r = await same(scenario({ saveUninitialized: saveUninitialized, cookie: { maxAge: 60000 } },
        ['/inc', '/read', '/read?late=1', '/inc?late=1', '/read', '/'],
        { routes: routesWithLate, record: record }))
      // (a session changed only after its save: the cookie is sent, the store
      // keeps what was saved)
      assert.strictEqual(r.responses[2].setCookie.length, 1, JSON.stringify(r.responses[2]))
    }
  }
})
