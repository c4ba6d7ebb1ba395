// fixAutoCookieFunction: 'auto' values returned by a cookie function are resolved
// per request (express-session resolves them only for a cookie object).

'use strict'

var assert = require('assert')
var test = require('node:test')
var harness = require('../support/harness')
var scenario = require('../support/scenario')

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
