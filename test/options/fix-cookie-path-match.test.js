// fixCookiePathMatch: RFC 6265 path matching of the cookie path, where
// express-session tests a string prefix.

'use strict'

var assert = require('assert')
var test = require('node:test')
var session = require('../..')
var cookieMatch = require('../../lib/cookie-match')
var serve = require('../support/serve')

test('fixCookiePathMatch: RFC 6265 path-match (cookie path /admin does not cover /administrator)', async function () {
  var paths = ['/admin', '/admin/', '/admin/users', '/administrator', '/adminx/y', '/', '/Admin']
  async function covered (fix, cookiePath) {
    var middleware = session({ secret: 's', resave: false, saveUninitialized: true, cookie: { path: cookiePath }, fixCookiePathMatch: fix })
    var server = await serve.serve('express4', middleware, function (req, res) { res.end(typeof req.session) })
    try {
      var out = {}
      for (var p of paths) out[p] = (await serve.request(server, { path: p })).body
      return out
    } finally {
      server.close()
    }
  }
  var s = 'object'
  var u = 'undefined'
  assert.deepStrictEqual(await covered(false, '/admin'), { '/admin': s, '/admin/': s, '/admin/users': s, '/administrator': s, '/adminx/y': s, '/': u, '/Admin': u })
  assert.deepStrictEqual(await covered(true, '/admin'), { '/admin': s, '/admin/': s, '/admin/users': s, '/administrator': u, '/adminx/y': u, '/': u, '/Admin': u })
  assert.deepStrictEqual(await covered(true, '/admin/'), { '/admin': u, '/admin/': s, '/admin/users': s, '/administrator': u, '/adminx/y': u, '/': u, '/Admin': u })
  assert.deepStrictEqual(cookieMatch.pathMatches('/a/b', '/a/'), true)
  assert.deepStrictEqual(cookieMatch.pathMatches('/ab', '/a'), false)
})
