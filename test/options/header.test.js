// header: the session ID in a response and request header (the signed cookie
// value), for clients that do not keep cookies.

'use strict'

var assert = require('assert')
var cookie = require('cookie')
var test = require('node:test')
var cookieSignature = require('cookie-signature')
var session = require('../..')
var serve = require('../support/serve')

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
  ;['x session', '', 42, true, 'x-sid\r\n', {}].forEach(function (bad) {
    assert.throws(function () { session({ secret: 's', resave: false, saveUninitialized: false, header: bad }) },
      { name: 'TypeError', message: 'header option must be a header name' }, String(bad))
  })
  // names that carry cookies, frame or route the message, or that caches and
  // browsers act on
  ;['cookie', 'Set-Cookie', 'Content-Length', 'transfer-encoding', 'Host', 'connection', 'Upgrade', 'TE', 'Trailer',
    'keep-alive', 'Location', 'x-forwarded-for', 'Access-Control-Allow-Origin',
    // and names that tell caches and browsers how to treat the response
    'Cache-Control', 'Vary', 'ETag', 'Expires', 'Strict-Transport-Security', 'Content-Security-Policy',
    // and names that make the web server in front serve a file instead
    'X-Accel-Redirect', 'x-accel-buffering', 'X-Sendfile'].forEach(function (bad) {
    assert.throws(function () { session({ secret: 's', resave: false, saveUninitialized: false, header: bad }) },
      { name: 'TypeError', message: 'header option must be a header name of its own, not ' + bad }, bad)
  })
  assert.strictEqual(typeof session({ secret: 's', resave: false, saveUninitialized: false, header: undefined }), 'function')
})

test('header: with a custom genid, the header carries exactly the cookie\'s value and reads it back (CR/LF, above U+00FF, %)', async function () {
  var ids = ['a\r\nb-' + Math.random(), 'Ω-omega-' + Math.random(), 'é-latin1-' + Math.random(), 'a%b-' + Math.random(),
    'a%41-' + Math.random(), 'plain-' + Math.random()]
  for (var id of ids) {
    var next = id
    var app = await shop({ header: 'x-session-id', genid: function () { return next } })
    try {
      var login = await app.get('/login?user=zoe')
      assert.strictEqual(login.status, 200, JSON.stringify(id))
      assert.strictEqual(login.body, 'welcome zoe')
      var cookieValue = cookie.parse(login.setCookie[0].split(';')[0])['connect.sid']
      assert.strictEqual(sid(cookieValue), id, 'the cookie holds the ID')
      var value = login.headers['x-session-id']
      assert.strictEqual(typeof value, 'string', JSON.stringify(id) + ': the header is sent')
      // as it is when it can be, else encoded exactly as the cookie encodes it
      var plain = /^[\x21\x23-\x24\x26-\x7e]*$/.test(cookieValue)
      assert.strictEqual(value, plain ? cookieValue : encodeURIComponent(cookieValue), JSON.stringify(id))
      assert.strictEqual(plain, id.indexOf('plain') === 0)
      // the header alone brings the same session back
      next = 'unused-' + id
      var cart = await app.get('/cart?add=pear', { 'x-session-id': value })
      assert.strictEqual(cart.body, 'zoe: pear', JSON.stringify(id) + ': the session comes back through the header')
      assert.strictEqual(cart.setCookie.length, 0, 'no new session')
      assert.strictEqual((await app.get('/', { 'x-session-id': value })).body, id)
    } finally {
      app.close()
    }
  }
})

test('header: under CORS with credentials, Access-Control-Expose-Headers: * does not cover it (browsers read * as a name there)', async function () {
  function cors (credentials, expose) {
    return function (req, res, next) {
      res.setHeader('Access-Control-Allow-Origin', 'https://app.example')
      if (credentials) res.setHeader('Access-Control-Allow-Credentials', 'true')
      if (expose) res.setHeader('Access-Control-Expose-Headers', expose)
      next()
    }
  }
  var cases = [
    [true, '*', '*, x-session-id'],
    [false, '*', '*'],
    [true, 'X-Session-Id', 'X-Session-Id'],
    [true, undefined, 'x-session-id'],
    [true, 'etag', 'etag, x-session-id']
  ]
  for (var c of cases) {
    var app = await shop({ header: 'x-session-id' }, cors(c[0], c[1]))
    try {
      var r = await app.get('/login')
      assert.strictEqual(r.headers['access-control-expose-headers'], c[2], JSON.stringify(c))
    } finally {
      app.close()
    }
  }
})
