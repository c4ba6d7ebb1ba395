// req and res after the middleware: the same own properties as express-session
// leaves (lib/dictionary-mode.js switches them to dictionary mode without visible
// changes), the hidden-class effect itself (checked with V8 natives in a child
// process), and request targets that do not start with '/'.

'use strict'

var assert = require('assert')
var childProcess = require('child_process')
var path = require('path')
var test = require('node:test')

var serve = require('./support/serve')

var IMPLS = {
  'express-session': require('express-session'),
  'express-session-rs': require('..')
}

function keysOf (obj) {
  return Object.getOwnPropertyNames(obj).concat(Object.getOwnPropertySymbols(obj).map(String))
}

// own keys of req and res as the route sees them, for one implementation
async function keysSeen (implName, framework, before) {
  var impl = IMPLS[implName]
  var middleware = impl({ secret: 'keyboard cat', resave: false, saveUninitialized: true })
  var seen
  function route (req, res) {
    req.session.views = 1
    seen = { req: keysOf(req), res: keysOf(res) }
    res.end('ok')
  }
  var server = await serve.serve(framework, middleware, route, before)
  try {
    var res = await serve.request(server, { path: '/page?x=1' })
    assert.strictEqual(res.status, 200)
    await serve.request(server, { path: '/page', headers: { cookie: res.setCookie[0].split(';')[0] } })
  } finally {
    server.close()
  }
  return seen
}

;['express4', 'express5', 'http'].forEach(function (framework) {
  test(framework + ': req and res carry the same own properties, in the same order', async function () {
    var theirs = await keysSeen('express-session', framework)
    var ours = await keysSeen('express-session-rs', framework)
    assert.deepStrictEqual(ours.res, theirs.res)
    // express-session parses the URL for the cookie-path check, which caches
    // req._parsedOriginalUrl (req._parsedUrl without Express); with the default
    // path '/' and a URL starting with '/' the check cannot fail and ours skips it
    var cache = framework === 'http' ? '_parsedUrl' : '_parsedOriginalUrl'
    assert.ok(theirs.req.indexOf(cache) !== -1)
    assert.deepStrictEqual(ours.req, theirs.req.filter(function (k) { return k !== cache }))
    assert.ok(ours.req.indexOf('session') !== -1 && ours.req.indexOf('sessionID') !== -1)
  })
})

test('an earlier on-headers user (res.writeHead already own): same keys as express-session', async function () {
  var onHeaders = require('on-headers')
  function before (req, res, next) {
    res.locals.headersAt = 0
    onHeaders(res, function () { this.setHeader('X-Before', '1') })
    next()
  }
  var theirs = await keysSeen('express-session', 'express4', before)
  var ours = await keysSeen('express-session-rs', 'express4', before)
  assert.deepStrictEqual(ours.res, theirs.res)
  assert.deepStrictEqual(ours.req, theirs.req.filter(function (k) { return k !== '_parsedOriginalUrl' }))
})

test('dictionary mode for Express req/res only, unless dictionaryMode: false (V8 natives, child process)', function () {
  var script = path.join(__dirname, 'support', 'dictionary-child.js')
  var out = childProcess.execFileSync(process.execPath, ['--allow-natives-syntax', script], { encoding: 'utf8' })
  // V8 13 (Node.js 24) keeps Express's objects fast at no cost: nothing switched there
  var switched = parseInt(process.versions.v8, 10) < 13
  assert.deepStrictEqual(JSON.parse(out), {
    'express4 express-session-rs': { req: !switched, res: !switched },
    'express5 express-session-rs': { req: !switched, res: !switched },
    'http express-session-rs': { req: true, res: true },
    'express4 express-session': { req: true, res: true },
    'express4 express-session-rs dictionaryMode: false': { req: true, res: true }
  })
})

// request targets that do not start with '/': the cookie-path check parses them
;[
  ['http', '/', 'OPTIONS', '*', 'undefined'],
  ['http', '/', 'GET', 'http://example.com/inc', 'object'],
  ['express4', '/', 'GET', 'http://example.com/inc', 'object'],
  ['express4', '/inc', 'GET', 'http://example.com/inc', 'object'],
  ['express4', '/other', 'GET', 'http://example.com/inc', 'undefined'],
  ['express4', '/', 'GET', '/inc', 'object']
].forEach(function (c) {
  var framework = c[0]
  var cookiePath = c[1]
  var method = c[2]
  var target = c[3]
  test(framework + ', cookie path ' + cookiePath + ', ' + method + ' ' + target + ': same as express-session', async function () {
    var results = {}
    for (var implName of Object.keys(IMPLS)) {
      var middleware = IMPLS[implName]({ secret: 'keyboard cat', resave: false, saveUninitialized: true, cookie: { path: cookiePath } })
      var server = await serve.serve(framework, middleware, function (req, res) { res.end(typeof req.session) })
      try {
        var r = await serve.request(server, { method: method, path: target })
        results[implName] = { status: r.status, body: r.body, cookies: r.setCookie.length }
      } finally {
        server.close()
      }
    }
    assert.deepStrictEqual(results['express-session-rs'], results['express-session'])
    assert.deepStrictEqual(results['express-session'], { status: 200, body: c[4], cookies: c[4] === 'object' ? 1 : 0 })
  })
})
