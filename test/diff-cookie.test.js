// Cookie options, names, secrets and transport security, differential.

'use strict'

var assert = require('assert')
var test = require('node:test')
var harness = require('./support/harness')
var routes = require('./support/routes')

var same = harness.same

function scenario (options, requests, extra) {
  return Object.assign({
    options: typeof options === 'function'
      ? options
      : function () { return Object.assign({ secret: 'keyboard cat', resave: false, saveUninitialized: true }, options) },
    routes: routes.express,
    requests: requests
  }, extra)
}

test('every cookie attribute, in cookie 0.7.2 order', async function () {
  var r = await same(scenario({
    cookie: { domain: 'example.com', path: '/', maxAge: 60000, httpOnly: true, secure: false, partitioned: true, priority: 'high', sameSite: 'lax' }
  }, ['/inc', '/json']))
  assert.strictEqual(r.responses[0].setCookie[0],
    'connect.sid=s%3ASID1.SIG; Domain=example.com; Path=/; Expires=<date>; HttpOnly; Partitioned; Priority=High; SameSite=Lax')
})

test('httpOnly false, expires option, maxAge wins by key order', async function () {
  var future = new Date(Date.now() + 3600e3)
  await same(scenario({ cookie: { httpOnly: false, expires: future } }, ['/inc']))
  await same(scenario({ cookie: { expires: future, maxAge: 2000 } }, ['/inc']))
  await same(scenario({ cookie: { maxAge: 2000, expires: future } }, ['/inc']))
})

test('sameSite values: true, strict, none, lax, false', async function () {
  for (var v of [true, 'strict', 'none', 'Lax', false]) {
    await same(scenario({ cookie: { sameSite: v } }, ['/']))
  }
})

test('priority values and partitioned', async function () {
  for (var v of ['low', 'Medium', 'HIGH']) {
    await same(scenario({ cookie: { priority: v, partitioned: true } }, ['/']))
  }
})

test('invalid cookie options are forwarded as errors, the response goes out without a cookie', async function () {
  var bad = [
    { sameSite: 'bogus' }, { priority: 'urgent' }, { domain: 'bad domain' }, { path: '/\n' },
    { expires: new Date(NaN) }
  ]
  for (var cookie of bad) {
    var r = await same(scenario({ cookie: cookie }, ['/inc']))
    assert.strictEqual(r.errors.length, 1, JSON.stringify(cookie))
    assert.deepStrictEqual(r.responses[0].setCookie, [])
  }
})

test('an invalid cookie name fails at response time', async function () {
  var r = await same(scenario({ name: 'bad name' }, ['/inc']))
  assert.deepStrictEqual(r.errors, ['argument name is invalid'])
})

test('name and the legacy key option', async function () {
  var r = await same(scenario({ name: 'sid' }, ['/inc', '/inc']))
  assert.match(r.responses[0].setCookie[0], /^sid=s%3ASID1/)
  await same(scenario({ key: 'legacy' }, ['/inc', '/inc']))
  await same(scenario({ name: 'n', key: 'k' }, ['/inc', '/inc']))
  await same(scenario({ name: '__Host-sid', cookie: { secure: false } }, ['/inc', '/inc']))
  // a name that is not a string is its string, as cookie.serialize writes it
  for (var name of [5, ['sid'], true, { toString: function () { return 'obj' } }]) {
    var other = await same(scenario({ name: name }, ['/inc', '/inc']))
    assert.match(other.responses[0].setCookie[0], new RegExp('^' + String(name) + '=s%3ASID1\\.SIG; Path=/; HttpOnly$'))
    assert.strictEqual(other.responses[1].body, '2')
  }
})

test('cookie path: prefix match on the original URL', async function () {
  var r = await same(scenario({ cookie: { path: '/admin' } }, ['/', '/admin', '/administrator', '/admin/x?y=1']))
  assert.strictEqual(r.responses[0].setCookie.length, 0)
})

test('mounted middleware checks req.originalUrl', async function () {
  await same(scenario({ cookie: { path: '/foo' } }, ['/foo/inc', '/foo/inc', '/inc'], { mount: '/foo' }))
  await same(scenario({}, ['/foo/inc', '/foo/inc', '/bar'], { mount: '/foo' }))
})

test('cookie as a function of req', async function () {
  var r = await same(scenario(function () {
    return {
      secret: 'keyboard cat',
      resave: false,
      saveUninitialized: true,
      cookie: function (req) {
        return { path: '/', maxAge: req.url.indexOf('long') !== -1 ? 600000 : 1000, domain: req.headers['x-domain'] }
      }
    }
  }, ['/inc?long', { path: '/inc', headers: { 'x-domain': 'example.org' } }, '/inc']))
  assert.strictEqual(r.responses[0].expiresDelta[0], 60)
})

test('secure: true over http: saved, but no cookie', async function () {
  var r = await same(scenario({ cookie: { secure: true } }, ['/inc', '/inc']))
  assert.deepStrictEqual(r.responses[0].setCookie, [])
  assert.deepStrictEqual(r.calls.map(function (c) { return c[0] }), ['set', 'set'])
})

test('secure: true over https (self-signed certificate)', async function () {
  var r = await same(scenario({ cookie: { secure: true } }, ['/inc', '/inc', '/inc'], { https: true }))
  assert.strictEqual(r.responses[0].setCookie[0], 'connect.sid=s%3ASID1.SIG; Path=/; HttpOnly; Secure')
  assert.strictEqual(r.responses[2].body, '3')
})

test('secure auto and sameSite auto over http and https', async function () {
  for (var https of [false, true]) {
    await same(scenario({ cookie: { secure: 'auto', sameSite: 'auto' } }, ['/inc', '/inc'], { https: https }))
  }
})

test('proxy: true trusts the first X-Forwarded-Proto value', async function () {
  for (var proto of ['https', 'https,http', 'HTTPS ', 'http', 'http,https', '']) {
    await same(scenario({ proxy: true, cookie: { secure: true } }, [{ path: '/inc', headers: { 'X-Forwarded-Proto': proto } }]))
    await same(scenario({ proxy: true, cookie: { secure: 'auto', sameSite: 'auto' } }, [{ path: '/inc', headers: { 'X-Forwarded-Proto': proto } }]))
  }
})

test('proxy: false ignores X-Forwarded-Proto even with trust proxy', async function () {
  await same(scenario({ proxy: false, cookie: { secure: true } }, [{ path: '/inc', headers: { 'X-Forwarded-Proto': 'https' } }], {
    before: function (app) { app.set('trust proxy', true) }
  }))
})

test('proxy undefined follows express trust proxy (req.secure)', async function () {
  for (var trust of [true, false]) {
    await same(scenario({ cookie: { secure: true } }, [{ path: '/inc', headers: { 'X-Forwarded-Proto': 'https' } }], {
      before: function (app) { app.set('trust proxy', trust) }
    }))
  }
})

test('function cookie returning secure/sameSite auto: express-session bug by default', async function () {
  var options = function () {
    return {
      secret: 'keyboard cat',
      resave: false,
      saveUninitialized: true,
      cookie: function () { return { sameSite: 'auto' } }
    }
  }
  var r = await same(scenario(options, ['/inc']))
  assert.deepStrictEqual(r.errors, ['option sameSite is invalid'])
  var s = await same(scenario(function () {
    return Object.assign(options(), { cookie: function () { return { secure: 'auto' } } })
  }, ['/inc'], { https: true }))
  assert.match(s.responses[0].setCookie[0], /; Secure$/)
})

test('secret rotation: cookies signed with an older secret are accepted, new ones use the first', async function () {
  var cookieOf = function (impl, secret, sid) {
    return 'connect.sid=' + encodeURIComponent('s:' + require('cookie-signature').sign(sid, secret))
  }
  var seeded = function (impl) {
    var store = new impl.MemoryStore()
    store.set('known-session-id', { cookie: { originalMaxAge: 60000, expires: new Date(Date.now() + 60000), httpOnly: true, path: '/' }, views: 5 }, function () {})
    return store
  }
  var rotation = scenario({ secret: ['new secret', 'old secret'], cookie: { maxAge: 60000 } }, [
    { path: '/inc', cookie: function (ctx) { return cookieOf(ctx.impl, 'old secret', 'known-session-id') } },
    { path: '/inc', cookie: function (ctx) { return cookieOf(ctx.impl, 'unknown secret', 'known-session-id') } }
  ], { store: seeded })
  var r = await same(rotation)
  assert.strictEqual(r.responses[0].body, '6')
  assert.strictEqual(r.responses[1].body, '1')
  // the re-sent cookie is signed with the first secret
  var raw = await harness.run('express-session-rs', rotation, { raw: true })
  var signed = require('cookie-signature').sign('known-session-id', 'new secret')
  assert.strictEqual(raw.responses[0].setCookie[0].split(';')[0], 'connect.sid=' + encodeURIComponent('s:' + signed))
})

test('Buffer secret and secret arrays mutated after session()', async function () {
  await same(scenario({ secret: Buffer.from('buffer secret') }, ['/inc', '/inc']))
  // a Buffer written over in place: cookies signed with its old bytes no longer verify
  var buffer
  var rewritten = await same(scenario(function () {
    buffer = Buffer.from('aaaa')
    return { secret: buffer, resave: false, saveUninitialized: true }
  }, ['/inc', { path: '/inc', after: function () { buffer.write('bbbb') } }, '/inc', '/inc']))
  assert.deepStrictEqual(rewritten.responses.map(function (r) { return r.body }), ['1', '2', '1', '2'])
  var secrets = ['first']
  await same(scenario(function () {
    secrets = ['first']
    return { secret: secrets, resave: false, saveUninitialized: true }
  }, ['/inc', { path: '/inc', after: function () {} }, '/inc'].map(function (r, i) {
    return i === 1 ? { path: '/inc', after: function () { secrets.unshift('second') } } : r
  })))
})

test('an invalid secret after a valid first one is used only when the ones before it do not verify', async function () {
  // (secret: [process.env.SECRET, process.env.OLD_SECRET] with no old secret set)
  for (var later of [undefined, null, 123]) {
    var r = await same(scenario({ secret: ['good', later] }, ['/inc', '/inc', { path: '/inc', cookie: 'connect.sid=s%3Afoo.bar' }]))
    assert.strictEqual(r.responses[1].body, '2', String(later))
    assert.strictEqual(r.errors.length, 1, String(later))
  }
  // an invalid first secret: signing fails, the response goes out without a cookie
  var first = await same(scenario({ secret: [123, 'good'] }, ['/inc']))
  assert.deepStrictEqual(first.responses[0].setCookie, [])
  assert.strictEqual(first.errors.length, 1)
})

test('req.secret (cookie-parser\'s) is one secret: an array there is an invalid key', async function () {
  for (var secret of ['parser secret', ['a', 'b'], []]) {
    var r = await same(scenario(function () { return { resave: false, saveUninitialized: true } }, ['/inc', '/inc'], {
      before: function (app) { app.use(function (req, res, next) { req.secret = secret; next() }) }
    }))
    assert.strictEqual(r.errors.length, typeof secret === 'string' ? 0 : 2, JSON.stringify(secret))
  }
})

test('forged, unsigned and garbled cookies never reach the store', async function () {
  var cookies = [
    'connect.sid=s%3Afoo.bar', 'connect.sid=foo', 'connect.sid=s%3A', 'connect.sid=%E0%A4%A',
    'connect.sid="s%3Aquoted.sig"', 'connect.sid=' + 'x'.repeat(8000), 'connect.sid=s:' + 'a.'.repeat(2000),
    'other=1', ';;;', '=', 'connect.sid'
  ]
  for (var c of cookies) {
    var r = await same(scenario({}, [{ path: '/inc', cookie: c }]))
    assert.deepStrictEqual(r.calls.map(function (x) { return x[0] }), ['set'], c)
  }
})

test('the first of several session cookies wins', async function () {
  await same(scenario({}, ['/inc', {
    path: '/inc',
    cookie: function (ctx) { return 'connect.sid=s%3Aforged.sig; connect.sid=' + ctx.jar['connect.sid'] }
  }, {
    path: '/inc',
    cookie: function (ctx) { return 'connect.sid=' + ctx.jar['connect.sid'] + '; connect.sid=s%3Aforged.sig' }
  }]))
})

test('custom genid, non-string genid, and genid errors', async function () {
  var n = 0
  await same(scenario(function () {
    n = 0
    return { secret: 's', resave: false, saveUninitialized: true, genid: function (req) { return 'id-' + (++n) + req.url } }
  }, ['/inc', '/inc', '/regen']))
  await same(scenario({ genid: function () { return 42 } }, ['/inc', '/inc']))
  await same(scenario({ genid: function () { return 'a.b.%/é' } }, ['/inc', '/inc']))
})

test('construction errors match', function () {
  var impls = harness.IMPLS
  var cases = [
    { genid: 'nope' },
    { unset: 'bogus' },
    { secret: [] },
    { secret: 's', resave: false, saveUninitialized: false, unset: 'keep' }
  ]
  cases.forEach(function (options) {
    var errors = Object.keys(impls).map(function (name) {
      try {
        impls[name](Object.assign({ store: new impls[name].MemoryStore() }, options))
        return null
      } catch (err) {
        return [err.name, err.message]
      }
    })
    assert.deepStrictEqual(errors[1], errors[0])
  })
})
