// Reading the session ID (lib/session-id.js) with every option off: what
// express-session 1.19.0 does, compared side by side, for inputs apps do send:
// an empty cookie, cookie-parser's objects (a signed JSON cookie under the
// session's name), the deprecation's call site; and an error that is not the
// session's serialization, thrown on as express-session throws it.

'use strict'

var assert = require('assert')
var http = require('http')
var test = require('node:test')
var original = require('express-session')
var ours = require('..')

// runs `requests` ({ path, cookie }) against a plain http server with the
// middleware of `impl`; `before(req)` runs first, `handler(req, res, log)` on
// next(); returns the responses and the log
async function run (impl, options, before, handler, requests) {
  var log = []
  var mw = impl(Object.assign({ secret: 'keyboard cat', resave: false, saveUninitialized: true }, options(log)))
  var server = http.createServer(function (req, res) {
    if (before) before(req)
    try {
      mw(req, res, function (err) {
        if (err) {
          log.push('next(err) ' + err.message)
          if (!res.headersSent) res.end('error')
          return
        }
        handler(req, res, log)
      })
    } catch (err) {
      log.push('middleware threw ' + err.message)
      res.statusCode = 500
      res.end()
    }
  })
  await new Promise(function (resolve) { server.listen(0, '127.0.0.1', resolve) })
  var out = []
  try {
    var jar = null
    for (var r of requests) {
      var cookie = r.cookie === 'jar' ? jar : r.cookie
      out.push(await new Promise(function (resolve, reject) {
        http.get({ host: '127.0.0.1', port: server.address().port, path: r.path, headers: cookie ? { cookie: cookie } : {} }, function (res) {
          var body = ''
          res.on('data', function (d) { body += d })
          res.on('end', function () {
            if (res.headers['set-cookie']) jar = res.headers['set-cookie'][0].split(';')[0]
            resolve([res.statusCode, body])
          })
        }).on('error', function (err) { resolve(['error', err.code]) })
      }))
    }
    await new Promise(function (resolve) { setTimeout(resolve, 20) })
  } finally {
    server.close()
  }
  return { out: out, log: log }
}

async function same (options, before, handler, requests) {
  var theirs = await run(original, options, before, handler, requests)
  var mine = await run(ours, options, before, handler, requests)
  assert.deepStrictEqual(mine, theirs)
  return theirs
}

function genidLogging (log) {
  return { genid: function (req) { log.push('genid sees ' + JSON.stringify(req.sessionID)); return 'id' + log.length } }
}

test('an empty session cookie: req.sessionID is undefined when genid runs (not "")', async function () {
  var r = await same(genidLogging, null, function (req, res) { res.end(typeof req.sessionID) }, [{ path: '/', cookie: 'connect.sid=' }])
  assert.deepStrictEqual(r.log, ['genid sees undefined'])
})

test('cookie-parser\'s object under the session\'s name (a signed JSON cookie): looked up as it is, no crash', async function () {
  function before (req) {
    if (req.url === '/object') req.signedCookies = { 'connect.sid': { id: 'x' } }
  }
  var r = await same(genidLogging, before, function (req, res) { res.end('sid=' + typeof req.sessionID) }, [{ path: '/object' }])
  assert.deepStrictEqual(r.out, [[200, 'sid=string']])
  assert.deepStrictEqual(r.log, ['genid sees {"id":"x"}'])
  // (with resignOldSecrets on, the object is not taken for an ID that verified
  // with an older secret)
  var resign = await run(ours, function (log) { return Object.assign({ secret: ['new', 'old'], resignOldSecrets: true }, genidLogging(log)) },
    before, function (req, res) { res.end('sid=' + typeof req.sessionID) }, [{ path: '/object' }])
  assert.deepStrictEqual(resign, { out: [[200, 'sid=string']], log: ['genid sees {"id":"x"}'] })
})

test('the deprecation of cookie-parser\'s objects names the app\'s call site, as express-session\'s does', function () {
  var sites = []
  function ondeprecation (err) { sites.push(err.stack.split('\n')[1].trim()) }
  process.on('deprecation', ondeprecation)
  try {
    [original, ours].forEach(function (impl) {
      var mw = impl({ secret: 'keyboard cat', resave: false, saveUninitialized: true })
      var req = { headers: {}, url: '/', signedCookies: { 'connect.sid': 'from-parser' } }
      var res = { getHeader: function () {}, setHeader: function () {}, writeHead: function () {}, write: function () {}, end: function () {} }
      mw(req, res, function () {}) // (the call site both name)
    })
  } finally {
    process.removeListener('deprecation', ondeprecation)
  }
  assert.strictEqual(sites.length, 2, JSON.stringify(sites))
  assert.match(sites[0], /session-id\.test\.js/, 'express-session names the caller of the middleware')
  assert.strictEqual(sites[1], sites[0])
})

test('an error in the cookie decision that is not the session\'s serialization is thrown from writeHead, as in express-session', async function () {
  for (var variant of ['plain object', 'no cookie']) {
    var r = await same(function () { return {} }, null, function (req, res, log) {
      if (req.url === '/first') {
        req.session.n = 1
        return res.end('first')
      }
      if (variant === 'plain object') req.session = { a: 1 }
      else delete req.session.cookie
      try {
        res.writeHead(200)
      } catch (err) {
        log.push('writeHead threw ' + err.message)
      }
      res.socket.destroy()
    }, [{ path: '/first' }, { path: '/x', cookie: 'jar' }])
    assert.strictEqual(r.log.length, 1, variant + ': ' + JSON.stringify(r.log))
    assert.match(r.log[0], /^writeHead threw /)
  }
})
