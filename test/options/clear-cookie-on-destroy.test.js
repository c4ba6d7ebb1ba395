// clearCookieOnDestroy: the response to a destroyed session expires its cookie.

'use strict'

var assert = require('assert')
var test = require('node:test')
var withRoute = require('../support/with-route')

test('clearCookieOnDestroy: the response to a destroy expires the cookie (same name, path, domain) and empties the header', async function () {
  var options = { clearCookieOnDestroy: true, name: 'sid', header: 'x-session-id', cookie: { path: '/', domain: 'example.com', sameSite: 'lax', maxAge: 60000 } }
  var app = await withRoute(options, async function (req, res) {
    await req.session.destroy()
    res.end('bye')
  })
  try {
    await app.get('/seed')
    var r = await app.get('/go')
    assert.strictEqual(r.body, 'bye')
    assert.deepStrictEqual(r.setCookie, ['sid=; Domain=example.com; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax'])
    assert.strictEqual(r.headers['x-session-id'], '')
  } finally {
    app.close()
  }
  // off (the default, as express-session): no Set-Cookie after a destroy
  var plain = await withRoute({}, async function (req, res) {
    await req.session.destroy()
    res.end('bye')
  })
  try {
    await plain.get('/seed')
    assert.deepStrictEqual((await plain.get('/go')).setCookie, [])
  } finally {
    plain.close()
  }
  // a destroy followed by a new session sends the new session's cookie only
  var again = await withRoute({ clearCookieOnDestroy: true }, async function (req, res) {
    await req.session.destroy()
    req.sessionStore.generate(req)
    req.session.user = 'next'
    res.end('again')
  })
  try {
    await again.get('/seed')
    var next = await again.get('/go')
    assert.strictEqual(next.setCookie.length, 1)
    assert.match(next.setCookie[0], /^connect\.sid=s%3A/)
  } finally {
    again.close()
  }
})

test('clearCookieOnDestroy: a session that regenerate() made and destroy() ended expires the cookie too, with and without fixRegenerateSave', async function () {
  for (var fix of [false, true]) {
    var app = await withRoute({ clearCookieOnDestroy: true, fixRegenerateSave: fix }, async function (req, res) {
      await req.session.regenerate()
      req.session.user = 'bob'
      await req.session.destroy()
      res.end('bye')
    })
    try {
      await app.get('/seed')
      var r = await app.get('/go')
      assert.strictEqual(r.body, 'bye')
      assert.deepStrictEqual(r.setCookie, ['connect.sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly'], 'fixRegenerateSave ' + fix)
      assert.strictEqual(await app.store.length(), 0)
    } finally {
      app.close()
    }
  }
})
