// Cookie prefixes (__Host-, __Secure-): a warning for options that break them,
// an error with strictCookiePrefix.

'use strict'

var assert = require('assert')
var test = require('node:test')
var session = require('../..')
var serve = require('../support/serve')

test('cookie prefixes: a one-time warning for options that break __Host- or __Secure-, a TypeError with strictCookiePrefix', async function () {
  var warnings = []
  function onWarning (w) { if (w.name === 'ExpressSessionWarning') warnings.push(w.message) }
  process.on('warning', onWarning)
  try {
    var base = { secret: 's', resave: false, saveUninitialized: false }
    var bad = [
      ['__Host-sid', {}, 'secure: true'],
      ['__Host-sid', { secure: true, domain: 'example.com' }, 'no domain option'],
      ['__Host-sid', { secure: true, path: '/app' }, "path: '/'"],
      ['__Secure-sid', { secure: false }, 'secure: true'],
      ['__host-sid', { secure: true, path: '/app' }, "path: '/'"],
      // (a path named but unset, as from an unset environment variable, sends
      // no Path at all)
      ['__Host-sid', { secure: true, path: undefined }, "path: '/'"],
      ['__Host-sid', { secure: true, path: null }, "path: '/'"]
    ]
    bad.forEach(function (c) {
      var message = 'cookie name ' + JSON.stringify(c[0]) + ' has the ' + (/^__host/i.test(c[0]) ? '__Host-' : '__Secure-') +
        ' prefix, which needs ' + c[2] + ': browsers will drop the cookie'
      assert.throws(function () { session(Object.assign({ name: c[0], cookie: c[1], strictCookiePrefix: true }, base)) },
        { name: 'TypeError', message: message })
      session(Object.assign({ name: c[0], cookie: c[1] }, base))
      session(Object.assign({ name: c[0], cookie: c[1] }, base))
    })
    ;[
      ['__Host-sid', { secure: true }],
      ['__Host-sid', { secure: true, path: '/' }],
      ['__Host-sid', { secure: 'auto' }],
      // (what the cookie module writes as Secure and no Domain)
      ['__Host-sid', { secure: 1, domain: '' }],
      ['__Secure-sid', { secure: true, domain: 'example.com', path: '/app' }],
      ['connect.sid', {}],
      ['x__Host-sid', {}]
    ].forEach(function (c) {
      session(Object.assign({ name: c[0], cookie: c[1], strictCookiePrefix: true }, base))
    })
    await new Promise(function (resolve) { setImmediate(resolve) })
    assert.strictEqual(warnings.length, 5, warnings.join('\n'))
    assert.match(warnings[0], /^cookie name "__Host-sid" has the __Host- prefix, which needs secure: true: browsers will drop the cookie \(strictCookiePrefix: true makes this an error\)$/)
  } finally {
    process.removeListener('warning', onWarning)
  }
  // a cookie function is checked per request: strict makes the request fail
  var middleware = session({ secret: 's', resave: false, saveUninitialized: true, name: '__Host-fn', strictCookiePrefix: true, cookie: function () { return { domain: 'example.com', secure: true } } })
  var server = await serve.serve('express4', middleware, function (req, res) { res.end('served') })
  try {
    var r = await serve.request(server, { path: '/' })
    assert.strictEqual(r.status, 500)
    assert.deepStrictEqual(r.setCookie, [])
  } finally {
    server.close()
  }
})
