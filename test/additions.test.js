// Opt-in options beyond express-session: the session in a header for clients
// without cookies, regenerate({ keep }), clearCookieOnDestroy,
// resignOldSecrets, cookie-prefix checks, and the fixes of express-session's
// cookie matching (fixCookiePathMatch, fixDuplicateCookies).

'use strict'

var assert = require('assert')
var cookie = require('cookie')
var express = require('express')
var test = require('node:test')
var cookieSignature = require('cookie-signature')
var original = require('express-session')
var session = require('..')
var cookieMatch = require('../lib/cookie-match')
var serve = require('./support/serve')

// an Express app: the shop routes over `options`, with `before` mounted first
async function shop (options, before) {
  var store = options.store || new session.MemoryStore({ sweepInterval: 0 })
  var middleware = session(Object.assign({ secret: 'keyboard cat', resave: false, saveUninitialized: false, store: store }, options))
  function route (req, res, next) {
    var p = req.path
    if (p === '/login') {
      return req.session.regenerate(function (err) {
        if (err) return next(err)
        req.session.user = req.query.user || 'alice'
        res.end('welcome ' + req.session.user)
      })
    }
    if (p === '/cart') {
      if (req.query.add) req.session.cart = (req.session.cart || []).concat(req.query.add)
      return res.end((req.session.user || 'anonymous') + ': ' + (req.session.cart || []).join(','))
    }
    if (p === '/logout') {
      return req.session.destroy(function (err) { res.end(err ? err.message : 'bye') })
    }
    res.end(req.sessionID)
  }
  var server = await serve.serve('express4', middleware, route, before)
  return {
    store: store,
    get: function (path, headers) { return serve.request(server, { path: path, headers: headers || {} }) },
    close: function () { server.close() }
  }
}

function sid (signedValue) {
  return cookieSignature.unsign(signedValue.slice(2), 'keyboard cat')
}

test('header: a client that never stores cookies logs in, fills a cart and logs out through x-session-id', async function () {
  var app = await shop({ header: 'x-session-id' })
  try {
    var login = await app.get('/login?user=bob')
    assert.strictEqual(login.body, 'welcome bob')
    var value = login.headers['x-session-id']
    assert.match(value, /^s:[\w-]{32}\.[\w+/]{43}$/)
    // the same signed value as the cookie (which the cookie URL-encodes)
    assert.strictEqual(login.setCookie.length, 1)
    assert.strictEqual(cookie.parse(login.setCookie[0].split(';')[0])['connect.sid'], value)
    assert.strictEqual(login.headers['access-control-expose-headers'], undefined, 'no CORS headers, nothing exposed')

    var h = { 'x-session-id': value }
    assert.strictEqual((await app.get('/cart?add=apple', h)).body, 'bob: apple')
    var pear = await app.get('/cart?add=pear', h)
    assert.strictEqual(pear.body, 'bob: apple,pear')
    assert.strictEqual(pear.headers['x-session-id'], undefined, 'no Set-Cookie, no header (as the cookie)')
    assert.strictEqual((await app.get('/cart', h)).body, 'bob: apple,pear')
    // a value copied URI-encoded from a Set-Cookie works too
    assert.strictEqual((await app.get('/cart', { 'x-session-id': encodeURIComponent(value) })).body, 'bob: apple,pear')
    assert.deepStrictEqual(Object.keys(app.store.sessions), [sid(value)])

    // forged or unsigned values start a new session, exactly as a forged cookie does
    var forged = value.slice(0, -1) + (value.slice(-1) === 'A' ? 'B' : 'A')
    assert.strictEqual((await app.get('/cart', { 'x-session-id': forged })).body, 'anonymous: ')
    assert.strictEqual((await app.get('/cart', { 'x-session-id': sid(value) })).body, 'anonymous: ')
    assert.strictEqual((await app.get('/cart', { 'x-session-id': 's:' + sid(value) })).body, 'anonymous: ')
    assert.strictEqual((await app.get('/cart', { 'x-session-id': '%E0%A4%A' })).body, 'anonymous: ')

    assert.strictEqual((await app.get('/logout', h)).body, 'bye')
    assert.strictEqual((await app.get('/cart', h)).body, 'anonymous: ')
    assert.deepStrictEqual(Object.keys(app.store.sessions), [])
  } finally {
    app.close()
  }
})

test('header: a valid cookie wins over the header; secret rotation verifies header values as cookies', async function () {
  var app = await shop({ header: 'X-Session-Id', secret: ['new secret', 'keyboard cat'] })
  try {
    // signed with the old secret (second in the list): still valid
    var old = 's:' + cookieSignature.sign('old-session', 'keyboard cat')
    await app.store.set('old-session', { cookie: { path: '/' }, user: 'carol' })
    await app.store.set('cookie-session', { cookie: { path: '/' }, user: 'dave' })
    assert.strictEqual((await app.get('/cart', { 'x-session-id': old })).body, 'carol: ')
    var both = { cookie: 'connect.sid=' + encodeURIComponent('s:' + cookieSignature.sign('cookie-session', 'new secret')), 'x-session-id': old }
    assert.strictEqual((await app.get('/cart', both)).body, 'dave: ')
    // a forged cookie falls back to the header
    var forgedCookie = { cookie: 'connect.sid=s%3Acookie-session.forged', 'x-session-id': old }
    assert.strictEqual((await app.get('/cart', forgedCookie)).body, 'carol: ')
    // the response header keeps the option's spelling
    var login = await app.get('/login')
    assert.ok(login.headers['x-session-id'].indexOf('s:') === 0)
    assert.strictEqual(cookieSignature.unsign(login.headers['x-session-id'].slice(2), 'new secret'), sid2(login))
  } finally {
    app.close()
  }
  function sid2 (res) { return cookieSignature.unsign(res.headers['x-session-id'].slice(2), 'new secret') }
})

test('header: listed in Access-Control-Expose-Headers when the response has CORS headers', async function () {
  var cases = [
    [undefined, 'x-session-id'],
    ['X-Request-Id', 'X-Request-Id, x-session-id'],
    ['x-request-id, X-SESSION-ID', 'x-request-id, X-SESSION-ID'],
    ['*', '*']
  ]
  for (var c of cases) {
    var expose = c[0]
    var app = await shop({ header: 'x-session-id' }, function (req, res, next) {
      res.setHeader('Access-Control-Allow-Origin', 'https://app.example')
      if (expose) res.setHeader('Access-Control-Expose-Headers', expose)
      next()
    })
    try {
      var login = await app.get('/login')
      assert.strictEqual(login.headers['access-control-expose-headers'], c[1], String(expose))
    } finally {
      app.close()
    }
  }
})

test('header: the option takes a header name only', function () {
  ;['x session', '', 'cookie', 'Set-Cookie', 42, true, 'x-sid\r\n'].forEach(function (bad) {
    assert.throws(function () { session({ secret: 's', resave: false, saveUninitialized: false, header: bad }) },
      { name: 'TypeError', message: 'header option must be a header name (other than Cookie and Set-Cookie)' }, String(bad))
  })
  assert.strictEqual(typeof session({ secret: 's', resave: false, saveUninitialized: false, header: undefined }), 'function')
})

// a route running `fn(req, res)` under our middleware, with `store`
async function withRoute (options, fn) {
  var store = options.store || new session.MemoryStore({ sweepInterval: 0 })
  var app = express()
  app.use(session(Object.assign({ secret: 'keyboard cat', resave: false, saveUninitialized: false, store: store }, options)))
  app.get('/seed', function (req, res) {
    req.session.user = 'alice'
    req.session.cart = ['apple']
    req.session.theme = 'dark'
    res.end(req.sessionID)
  })
  app.get('/go', function (req, res, next) { Promise.resolve(fn(req, res)).catch(next) })
  app.get('/read', function (req, res) { res.json({ id: req.sessionID, data: Object.assign({}, req.session, { cookie: undefined }) }) })
  app.use(function (err, req, res, next) { res.statusCode = 500; res.end(err.name + ': ' + err.message) })
  var server = await serve.serve('http', app, function () {})
  var jar = ''
  async function get (path) {
    var r = await serve.request(server, { path: path, headers: jar ? { cookie: jar } : {} })
    if (r.setCookie.length) jar = r.setCookie[0].split(';')[0]
    return r
  }
  return { store: store, get: get, close: function () { server.close() } }
}

;[
  ['our MemoryStore', {}],
  ['fixRegenerateSave', { fixRegenerateSave: true }],
  ['memorystore on the original express-session (its own Session objects)', { store: new (require('memorystore')(original))({ checkPeriod: 0 }) }]
].forEach(function (c) {
  test('regenerate({ keep }): ' + c[0] + ': a new ID, the old one destroyed, the fields kept (callback and promise)', async function () {
    var keeps = [
      [{ keep: true }, { user: 'alice', cart: ['apple'], theme: 'dark', after: 1 }],
      [{ keep: ['user', 'cart', 'missing'] }, { user: 'alice', cart: ['apple'], after: 1 }],
      [{ keep: false }, { after: 1 }],
      [{}, { after: 1 }]
    ]
    for (var k of keeps) {
      for (var form of ['callback', 'promise']) {
        var app = await withRoute(c[1], async function (req, res) {
          if (form === 'callback') {
            await new Promise(function (resolve, reject) {
              req.session.regenerate(k[0], function (err) { return err ? reject(err) : resolve() })
            })
          } else {
            var ret = req.session.regenerate(k[0])
            assert.ok(ret instanceof Promise)
            await ret
          }
          req.session.after = 1
          res.end(req.sessionID)
        })
        try {
          var oldId = (await app.get('/seed')).body
          var newId = (await app.get('/go')).body
          assert.notStrictEqual(newId, oldId)
          var read = JSON.parse((await app.get('/read')).body)
          assert.strictEqual(read.id, newId)
          delete read.data.cookie
          assert.deepStrictEqual(read.data, k[1], JSON.stringify(k[0]) + ' ' + form)
          assert.strictEqual(await new Promise(function (resolve) { c[1].store ? c[1].store.get(oldId, function (e, s) { resolve(s) }) : app.store.get(oldId, function (e, s) { resolve(s) }) }), undefined, 'the old ID is gone from the store')
        } finally {
          app.close()
        }
      }
    }
  })
})

test('regenerate({ keep }): a kept object is the same value, the new cookie is fresh, and bad keep values throw', async function () {
  var app = await withRoute({ cookie: { maxAge: 60000 } }, async function (req, res) {
    var cart = req.session.cart
    var cookieBefore = req.session.cookie
    assert.throws(function () { req.session.regenerate({ keep: 'user' }, function () {}) },
      { name: 'TypeError', message: 'regenerate option keep must be true or an array of field names' })
    assert.throws(function () { req.session.regenerate({ keep: [1] }) }, TypeError)
    await req.session.regenerate({ keep: true })
    assert.strictEqual(req.session.cart, cart)
    assert.notStrictEqual(req.session.cookie, cookieBefore)
    res.end('ok')
  })
  try {
    await app.get('/seed')
    var r = await app.get('/go')
    assert.strictEqual(r.body, 'ok')
    assert.strictEqual(r.setCookie.length, 1)
  } finally {
    app.close()
  }
})

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
      ['__host-sid', { secure: true, path: '/app' }, "path: '/'"]
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

test('fixDuplicateCookies: each cookie of the session\'s name is tried until one verifies', async function () {
  var store = new session.MemoryStore({ sweepInterval: 0 })
  await store.set('good', { cookie: { path: '/' }, user: 'frank' })
  var good = encodeURIComponent('s:' + cookieSignature.sign('good', 's'))
  var header = 'connect.sid=s%3Astale.forged; other=1; connect.sid=' + good
  for (var fix of [false, true]) {
    var middleware = session({ secret: 's', resave: false, saveUninitialized: false, store: store, fixDuplicateCookies: fix })
    var server = await serve.serve('express4', middleware, function (req, res) { res.end(req.session.user || 'anonymous') })
    try {
      assert.strictEqual((await serve.request(server, { path: '/', headers: { cookie: header } })).body, fix ? 'frank' : 'anonymous')
      assert.strictEqual((await serve.request(server, { path: '/', headers: { cookie: 'connect.sid=' + good + '; connect.sid=s%3Ax.y' } })).body, 'frank')
    } finally {
      server.close()
    }
  }
})

test('cookieValues: its first value is the cookie module\'s, on random headers (seed printed)', function () {
  var seed = Number(process.env.BOUNDARY_SEED) || Math.floor(Math.random() * 2147483647)
  console.log('cookieValues seed ' + seed)
  var state = seed
  function rnd (n) {
    state = (state * 1103515245 + 12345) % 2147483648
    return state % n
  }
  var parts = ['a', 'b', '=', ';', ' ', '\t', '"', '%', '%41', '%zz', 's:', '.', 'x', '\u00e9']
  for (var i = 0; i < 50000; i++) {
    var h = ''
    var len = rnd(24)
    for (var j = 0; j < len; j++) h += parts[rnd(parts.length)]
    for (var name of ['a', 'b']) {
      assert.strictEqual(cookieMatch.cookieValues(h, name)[0], cookie.parse(h)[name], JSON.stringify(h) + ' ' + name + ' (seed ' + seed + ')')
    }
  }
})

// a stored session through the callback API (third-party stores have no promises)
function stored_ (store, id) {
  return new Promise(function (resolve, reject) {
    store.get(id, function (err, sess) { return err ? reject(err) : resolve(sess) })
  })
}

test('absoluteTimeout: a session older than it is destroyed and treated as absent, however often it was used, with every store', async function () {
  var fs = require('fs')
  var os = require('os')
  var path = require('path')
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-abs-'))
  var stores = [
    ['our MemoryStore', new session.MemoryStore({ sweepInterval: 0 })],
    ['SqliteStore', new session.SqliteStore({ path: path.join(dir, 's.db') })],
    ['memorystore (a third-party store)', new (require('memorystore')(session))({ checkPeriod: 0 })]
  ]
  try {
    for (var c of stores) {
      var store = c[1]
      var app = await withRoute({ store: store, absoluteTimeout: 1000, rolling: true, cookie: { maxAge: 60000 } }, function (req, res) {
        req.session.n = (req.session.n || 0) + 1
        res.end(req.sessionID + ' ' + req.session.n)
      })
      try {
        var first = (await app.get('/go')).body.split(' ')
        var stored = await stored_(store, first[0])
        assert.strictEqual(typeof stored.cookie.createdAt, 'number', c[0] + ': the creation time is stored')
        assert.ok(Math.abs(stored.cookie.createdAt - Date.now()) < 1000)
        var seen = []
        var started = Date.now()
        // used every 100 ms (and rolled): the same session until 1000 ms after
        // its creation (a long lifetime: a loaded machine may stall a request)
        while (Date.now() - started < 1400) {
          // (the time a request is sent: the server loads it later, so a
          // request that still got the old session was sent before its end)
          var sent = Date.now() - started
          var r = (await app.get('/go')).body.split(' ')
          seen.push([sent, r[0] === first[0]])
          await new Promise(function (resolve) { setTimeout(resolve, 100) })
        }
        var same = seen.filter(function (s) { return s[1] })
        assert.ok(same.length >= 1, c[0] + ': ' + JSON.stringify(seen))
        assert.ok(same.every(function (s) { return s[0] < 1000 }), c[0] + ': kept past its lifetime: ' + JSON.stringify(seen))
        assert.ok(!seen[seen.length - 1][1], c[0] + ': a new session at the end')
        assert.ok(!(await stored_(store, first[0])), c[0] + ': the old session is destroyed in the store')
      } finally {
        app.close()
      }
    }
  } finally {
    stores[1][1].close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('absoluteTimeout: a replayed old cookie gets nothing; a session stored without a creation time starts its clock at its next load', async function () {
  var store = new session.MemoryStore({ sweepInterval: 0 })
  await store.set('legacy', { cookie: { path: '/', httpOnly: true, originalMaxAge: null }, user: 'gina' })
  var middleware = session({ secret: 's', resave: false, saveUninitialized: false, store: store, absoluteTimeout: 1000 })
  var server = await serve.serve('express4', middleware, function (req, res) { res.end(req.session.user || 'anonymous') })
  try {
    var legacy = 'connect.sid=' + encodeURIComponent('s:' + cookieSignature.sign('legacy', 's'))
    var before = Date.now()
    assert.strictEqual((await serve.request(server, { path: '/', headers: { cookie: legacy } })).body, 'gina')
    var stamped = (await store.get('legacy')).cookie.createdAt
    assert.ok(stamped >= before && stamped <= Date.now(), 'stamped and saved: ' + stamped)
    assert.strictEqual((await serve.request(server, { path: '/', headers: { cookie: legacy } })).body, 'gina')
    assert.strictEqual((await store.get('legacy')).cookie.createdAt, stamped, 'stamped once')
    await new Promise(function (resolve) { setTimeout(resolve, 1050) })
    assert.strictEqual((await serve.request(server, { path: '/', headers: { cookie: legacy } })).body, 'anonymous')
    assert.strictEqual(await store.get('legacy'), undefined)
    assert.strictEqual((await serve.request(server, { path: '/', headers: { cookie: legacy } })).body, 'anonymous', 'replaying the cookie gets nothing')
  } finally {
    server.close()
  }
  ;[0, -1, '1000', NaN, Infinity * 0].forEach(function (bad) {
    assert.throws(function () { session({ secret: 's', resave: false, saveUninitialized: false, absoluteTimeout: bad }) },
      { name: 'TypeError', message: 'absoluteTimeout option must be a positive number of milliseconds' })
  })
})

// two requests of one session, interleaved: each loads the session, then waits
// until both have loaded, then changes its own field and saves (the second to
// finish saves last)
async function interleaved (options, store, seed, first, second) {
  var gate = {}
  var loaded = 0
  var bothLoaded = new Promise(function (resolve) { gate.open = resolve })
  var app = express()
  app.use(session(Object.assign({ secret: 's', resave: false, saveUninitialized: false, store: store }, options)))
  app.get('/change/:n', function (req, res, next) {
    if (++loaded === 2) gate.open()
    bothLoaded.then(async function () {
      var change = req.params.n === '1' ? first : second
      if (req.params.n === '2') await new Promise(function (resolve) { setTimeout(resolve, 30) })
      await change(req.session)
      res.end('ok')
    }).catch(next)
  })
  var server = await serve.serve('http', app, function () {})
  try {
    await store.set('shared', Object.assign({ cookie: { path: '/', httpOnly: true, originalMaxAge: null } }, seed))
    var cookie = 'connect.sid=' + encodeURIComponent('s:' + cookieSignature.sign('shared', 's'))
    var results = await Promise.all(['/change/1', '/change/2'].map(function (p) {
      return serve.request(server, { path: p, headers: { cookie: cookie } })
    }))
    assert.deepStrictEqual(results.map(function (r) { return r.status }), [200, 200])
    var stored = await store.get('shared')
    delete stored.cookie
    return stored
  } finally {
    server.close()
  }
}

function sqliteStore () {
  var fs = require('fs')
  var os = require('os')
  var path = require('path')
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-merge-'))
  var store = new session.SqliteStore({ path: path.join(dir, 's.db') })
  store.cleanup = function () { store.close(); fs.rmSync(dir, { recursive: true, force: true }) }
  return store
}

;[
  ['MemoryStore', function () { return new session.MemoryStore({ sweepInterval: 0 }) }],
  ['SqliteStore', sqliteStore]
].forEach(function (c) {
  test('saveChangedFields (' + c[0] + '): interleaved requests keep each other\'s changes; without it the last save wins', async function () {
    var seed = { user: 'alice', cart: ['apple'], theme: 'dark', note: 'x' }
    function addPear (s) { s.cart = s.cart.concat('pear') }
    function lightTheme (s) { s.theme = 'light'; delete s.note }
    var cases = [
      // [options, expected store contents]
      [{}, { user: 'alice', cart: ['apple'], theme: 'light' }], // express-session: the cart change is lost
      [{ saveChangedFields: true }, { user: 'alice', cart: ['apple', 'pear'], theme: 'light' }]
    ]
    for (var k of cases) {
      var store = c[1]()
      try {
        assert.deepStrictEqual(await interleaved(k[0], store, seed, addPear, lightTheme), k[1], JSON.stringify(k[0]))
      } finally {
        if (store.cleanup) store.cleanup()
      }
    }
    // resave: true rewrites an unchanged session on every request: with
    // saveChangedFields, only its cookie
    store = c[1]()
    try {
      var readOnly = function () {}
      var after = await interleaved({ resave: true, saveChangedFields: true }, store, seed, addPear, readOnly)
      assert.deepStrictEqual(after, { user: 'alice', cart: ['apple', 'pear'], theme: 'dark', note: 'x' })
      var plain = await interleaved({ resave: true }, store, seed, addPear, readOnly)
      assert.deepStrictEqual(plain, seed, 'express-session: the read-only request undoes the cart change')
    } finally {
      if (store.cleanup) store.cleanup()
    }
    // the same field changed by both: the later save wins, for that field only
    store = c[1]()
    try {
      var both = await interleaved({ saveChangedFields: true }, store, seed,
        function (s) { s.theme = 'blue'; s.cart = [] },
        function (s) { s.theme = 'green' })
      assert.deepStrictEqual(both, { user: 'alice', cart: [], theme: 'green', note: 'x' })
    } finally {
      if (store.cleanup) store.cleanup()
    }
  })
})

test('saveChangedFields: explicit saves, reload, regenerate and new sessions; only native stores', async function () {
  var store = new session.MemoryStore({ sweepInterval: 0 })
  var app = await withRoute({ store: store, saveChangedFields: true }, async function (req, res) {
    req.session.step = 1
    await req.session.save()
    // another writer changes the stored session meanwhile
    var stored = await store.get(req.sessionID)
    stored.other = 'kept'
    await store.set(req.sessionID, stored)
    req.session.step = 2
    delete req.session.theme
    // (back to the value this request last saved: nothing to write for it)
    req.session.user = 'alice'
    res.end(req.sessionID)
  })
  try {
    var id = (await app.get('/seed')).body // a new session: written whole
    assert.deepStrictEqual(Object.keys(await store.get(id)), ['cookie', 'user', 'cart', 'theme'])
    await app.get('/go')
    var after = await store.get(id)
    delete after.cookie
    assert.deepStrictEqual(after, { user: 'alice', cart: ['apple'], step: 2, other: 'kept' })
  } finally {
    app.close()
  }
  ;[require('memorystore')(session), function () { return { set: function () {} } }].forEach(function (Other, i) {
    var other = i === 0 ? new Other({ checkPeriod: 0 }) : Object.assign(new session.Store(), { get: function () {}, set: function () {}, destroy: function () {} })
    assert.throws(function () { session({ secret: 's', resave: false, saveUninitialized: false, store: other, saveChangedFields: true }) },
      { name: 'TypeError', message: 'saveChangedFields option needs a MemoryStore or SqliteStore of express-session-rs as store' })
  })
})

test('fixLoadErrorDestroy: with unset: \'destroy\', a failed store.get does not destroy the session (express-session does)', async function () {
  for (var impl of [['express-session', original], ['ours', session], ['ours, fixed', session]]) {
    var destroyed = []
    var store = new original.MemoryStore()
    store.sessions.keep = JSON.stringify({ cookie: { path: '/' }, user: 'hana' })
    store.get = function (sid, cb) { setImmediate(cb, new Error('store timeout')) }
    var realDestroy = store.destroy
    store.destroy = function (sid, cb) { destroyed.push(sid); return realDestroy.call(this, sid, cb) }
    var middleware = impl[1]({ secret: 's', resave: false, saveUninitialized: false, store: store, unset: 'destroy', fixLoadErrorDestroy: impl[0] === 'ours, fixed' })
    var app = express()
    app.use(middleware)
    app.use(function (err, req, res, next) { res.statusCode = 503; res.end(err.message) })
    var server = await serve.serve('http', app, function () {})
    try {
      var r = await serve.request(server, { path: '/', headers: { cookie: 'connect.sid=' + encodeURIComponent('s:' + cookieSignature.sign('keep', 's')) } })
      assert.strictEqual(r.status, 503)
      assert.strictEqual(r.body, 'store timeout')
      await new Promise(function (resolve) { setImmediate(resolve) })
      assert.deepStrictEqual(destroyed, impl[0] === 'ours, fixed' ? [] : ['keep'], impl[0])
      assert.strictEqual(store.sessions.keep !== undefined, impl[0] === 'ours, fixed')
    } finally {
      server.close()
    }
  }
})

test('absoluteTimeout: off, a stored createdAt is dropped as express-session drops it; reload keeps it; a throwing genid is next(err)', async function () {
  // the same request through both, over a session stored with a createdAt
  var stored = {}
  for (var impl of [['express-session', original], ['ours', session], ['ours, null', session]]) {
    var store = new original.MemoryStore()
    store.sessions.s1 = JSON.stringify({ cookie: { originalMaxAge: null, httpOnly: true, path: '/', createdAt: 1 }, n: 1 })
    var options = { secret: 's', resave: false, saveUninitialized: false, store: store }
    if (impl[0] === 'ours, null') options.absoluteTimeout = null
    var server = await serve.serve('express4', impl[1](options), function (req, res) { req.session.n++; res.end(String(req.session.n)) })
    try {
      var r = await serve.request(server, { path: '/', headers: { cookie: 'connect.sid=' + encodeURIComponent('s:' + cookieSignature.sign('s1', 's')) } })
      assert.strictEqual(r.body, '2')
      stored[impl[0]] = store.sessions.s1
    } finally {
      server.close()
    }
  }
  assert.strictEqual(stored.ours, stored['express-session'])
  assert.strictEqual(stored['ours, null'], stored['express-session'])
  assert.doesNotMatch(stored.ours, /createdAt/)

  // on: reload() keeps the creation time
  var mem = new session.MemoryStore({ sweepInterval: 0 })
  var app = await withRoute({ store: mem, absoluteTimeout: 60000 }, async function (req, res) {
    await req.session.reload()
    req.session.reloaded = true
    res.end(req.sessionID)
  })
  try {
    var id = (await app.get('/seed')).body
    var created = (await mem.get(id)).cookie.createdAt
    assert.strictEqual(typeof created, 'number')
    await app.get('/go')
    var after = await mem.get(id)
    assert.strictEqual(after.reloaded, true)
    assert.strictEqual(after.cookie.createdAt, created)
  } finally {
    app.close()
  }

  // past the lifetime, a genid that throws reaches the error handler
  var old = new session.MemoryStore({ sweepInterval: 0 })
  await old.set('old', { cookie: { path: '/', createdAt: 1 }, n: 1 })
  var express4 = express()
  express4.use(session({ secret: 's', resave: false, saveUninitialized: false, store: old, absoluteTimeout: 1000, genid: function () { throw new Error('genid boom') } }))
  express4.use(function (err, req, res, next) { res.statusCode = 500; res.end(err.message) })
  var srv = await serve.serve('http', express4, function () {})
  try {
    var e = await serve.request(srv, { path: '/', headers: { cookie: 'connect.sid=' + encodeURIComponent('s:' + cookieSignature.sign('old', 's')) } })
    assert.strictEqual(e.status, 500)
    assert.strictEqual(e.body, 'genid boom')
  } finally {
    srv.close()
  }
})

test('saveChangedFields: after a failed write the changes are written by the next save', async function () {
  var failures = 1
  var store = new session.MemoryStore({
    sweepInterval: 0,
    ttl: function () {
      if (failures-- > 0) throw new Error('ttl boom')
      return 60000
    }
  })
  failures = 0
  var errors = []
  var app = await withRoute({ store: store, saveChangedFields: true }, async function (req, res) {
    req.session.cart = ['apple', 'pear']
    failures = 1
    await req.session.save().catch(function (err) { errors.push(err.message) })
    await req.session.save()
    res.end('ok')
  })
  try {
    var id = (await app.get('/seed')).body
    assert.strictEqual((await app.get('/go')).body, 'ok')
    assert.deepStrictEqual(errors, ['ttl boom'])
    assert.deepStrictEqual((await store.get(id)).cart, ['apple', 'pear'])
  } finally {
    app.close()
  }
})
