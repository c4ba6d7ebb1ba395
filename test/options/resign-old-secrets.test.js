// resignOldSecrets: a cookie signed with an older secret of the list is sent
// again signed with the first.

'use strict'

var assert = require('assert')
var test = require('node:test')
var cookieSignature = require('cookie-signature')
var session = require('../..')
var serve = require('../support/serve')

test('resignOldSecrets: a cookie that verified only with an older secret comes back signed with the first', async function () {
  var store = new session.MemoryStore({ sweepInterval: 0 })
  await store.set('rotated', { cookie: { path: '/', httpOnly: true, originalMaxAge: null }, user: 'erin' })
  for (var resign of [true, false]) {
    var middleware = session({ secret: ['new', 'old'], resave: false, saveUninitialized: false, store: store, resignOldSecrets: resign })
    var server = await serve.serve('express4', middleware, function (req, res) { res.end(req.session.user || 'anonymous') })
    try {
      var oldCookie = 'connect.sid=' + encodeURIComponent('s:' + cookieSignature.sign('rotated', 'old'))
      var r = await serve.request(server, { path: '/', headers: { cookie: oldCookie } })
      assert.strictEqual(r.body, 'erin')
      if (resign) {
        assert.deepStrictEqual(r.setCookie, ['connect.sid=' + encodeURIComponent('s:' + cookieSignature.sign('rotated', 'new')) + '; Path=/; HttpOnly'])
      } else {
        assert.deepStrictEqual(r.setCookie, [], 'express-session sends nothing')
      }
      // a cookie of the first secret is not sent again
      var newCookie = 'connect.sid=' + encodeURIComponent('s:' + cookieSignature.sign('rotated', 'new'))
      assert.deepStrictEqual((await serve.request(server, { path: '/', headers: { cookie: newCookie } })).setCookie, [])
    } finally {
      server.close()
    }
  }
})
