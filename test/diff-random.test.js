// Seeded, randomized differential test: random express-session 1.19.0 options
// (only express-session's own), frameworks, routes and request sequences (with
// tampered cookies), each run against express-session and against ours through the
// differential harness (./support/harness), which must see the same responses,
// Set-Cookie headers, store calls and errors. Options that express-session throws
// on must throw the same in both.
//
// DIFF_RANDOM_SEED=<n> repeats a run; DIFF_RANDOM_ONLY=<i> runs only scenario #i of
// it; DIFF_RANDOM_LONG=1 runs 2000 scenarios (DIFF_RANDOM_COUNT=<n>: n of them).

'use strict'

// (express-session's and our deprecation messages: not compared, and noisy)
process.noDeprecation = true

var assert = require('assert')
var crypto = require('crypto')
var test = require('node:test')
var util = require('util')
var cookieSignature = require('cookie-signature')
var harness = require('./support/harness')
var routes = require('./support/routes')

var SEED = process.env.DIFF_RANDOM_SEED ? Number(process.env.DIFF_RANDOM_SEED) >>> 0 : crypto.randomInt(2 ** 31)
var LONG = Boolean(process.env.DIFF_RANDOM_LONG)
var COUNT = process.env.DIFF_RANDOM_COUNT ? Number(process.env.DIFF_RANDOM_COUNT) : LONG ? 2000 : 60
var ONLY = process.env.DIFF_RANDOM_ONLY !== undefined ? Number(process.env.DIFF_RANDOM_ONLY) : null

// DIFF_RANDOM_KNOWN=1: also generate what leads to the known differences (KNOWN)
var WITH_KNOWN = Boolean(process.env.DIFF_RANDOM_KNOWN)

console.log('# seed ' + SEED + ' (repeat with DIFF_RANDOM_SEED=' + SEED + (LONG ? ' DIFF_RANDOM_LONG=1' : '') + ')')

var prng = require('./support/prng')

// ---------------------------------------------------------------------------
// Routes of this file (besides the shared ones of ./support/routes)

function bump (req) {
  req.session.views = (req.session.views || 0) + 1
  return req.session.views
}

var ROUTES = {
  '/set-field': function (req, res) {
    req.session.field = 'value'
    res.end('set')
  },
  '/same-value': function (req, res) {
    var views = req.session.views
    req.session.views = views // (no change)
    res.end('same')
  },
  '/delete-field': function (req, res) {
    delete req.session.views
    res.end('deleted field')
  },
  '/big': function (req, res) {
    for (var i = 0; i < 120; i++) req.session['k' + i] = 'value ' + i
    res.end('big')
  },
  '/throw': function () {
    throw new Error('route threw')
  },
  '/modify-throw': function (req) {
    bump(req)
    throw new Error('route threw after modify')
  },
  '/express-redirect': function (req, res) {
    bump(req)
    res.redirect('/')
  },
  '/send': function (req, res) {
    bump(req)
    res.send('sent ' + req.session.views)
  },
  '/res-json': function (req, res) {
    bump(req)
    res.json({ views: req.session.views })
  },
  '/writehead-end': function (req, res) {
    bump(req)
    res.writeHead(201, { 'Content-Type': 'text/plain' })
    res.end('created')
  },
  '/writehead-end-empty': function (req, res) {
    bump(req)
    res.writeHead(204)
    res.end()
  },
  '/flush-headers': function (req, res) {
    bump(req)
    res.flushHeaders()
    res.end('flushed')
  },
  '/end-buffer': function (req, res) {
    bump(req)
    res.end(Buffer.from('buffer body'))
  },
  '/end-hex': function (req, res) {
    bump(req)
    res.end('68657820626f6479', 'hex')
  },
  '/end-callback': function (req, res) {
    bump(req)
    res.end('with callback', function () {})
  },
  '/async-end': function (req, res) {
    bump(req)
    setTimeout(function () { res.end('late') }, 1)
  },
  '/save-twice': function (req, res, next) {
    bump(req)
    req.session.save(function (err) {
      if (err) return next(err)
      req.session.views++
      req.session.save(function (err) {
        if (err) return next(err)
        res.end('saved twice')
      })
    })
  },
  '/save-parallel': function (req, res, next) {
    bump(req)
    req.session.save()
    req.session.save(function (err) {
      if (err) return next(err)
      res.end('saved in parallel')
    })
  },
  '/save-no-callback': function (req, res) {
    bump(req)
    req.session.save()
    res.end('saved without callback')
  },
  '/save-unmodified': function (req, res, next) {
    req.session.save(function (err) {
      if (err) return next(err)
      res.end('saved unmodified')
    })
  },
  '/touch-save': function (req, res, next) {
    req.session.touch()
    req.session.save(function (err) {
      if (err) return next(err)
      res.end('touched and saved')
    })
  },
  '/regen-modify': function (req, res, next) {
    req.session.regenerate(function (err) {
      if (err) return next(err)
      bump(req)
      res.end('regenerated and modified')
    })
  },
  '/regen-twice': function (req, res, next) {
    req.session.regenerate(function (err) {
      if (err) return next(err)
      req.session.regenerate(function (err) {
        if (err) return next(err)
        res.end('regenerated twice')
      })
    })
  },
  '/regen-destroy': function (req, res, next) {
    req.session.regenerate(function (err) {
      if (err) return next(err)
      req.session.destroy(function (err) {
        if (err) return next(err)
        res.end('regenerated and destroyed')
      })
    })
  },
  '/store-destroy-reload': function (req, res, next) {
    req.sessionStore.destroy(req.sessionID, function (err) {
      if (err) return next(err)
      req.session.reload(function (err) {
        if (err) return next(err)
        res.end('reloaded')
      })
    })
  },
  '/reload-modified': function (req, res, next) {
    bump(req)
    req.session.reload(function (err) {
      if (err) return next(err)
      res.end(String(req.session.views))
    })
  },
  '/maxage-null': function (req, res) {
    req.session.cookie.maxAge = null
    res.end('maxAge null')
  },
  '/maxage-neg': function (req, res) {
    req.session.cookie.maxAge = -1000
    bump(req)
    res.end('maxAge negative')
  },
  '/maxage-long': function (req, res) {
    req.session.cookie.maxAge = 3600000
    res.end('maxAge 1h')
  },
  '/maxage-modify': function (req, res) {
    req.session.cookie.maxAge = 60000
    bump(req)
    res.end('maxAge 60s and modified')
  },
  '/expires-future': function (req, res) {
    req.session.cookie.expires = new Date(Date.now() + 7200e3)
    bump(req)
    res.end('expires in 2h')
  },
  '/expires-past': function (req, res) {
    req.session.cookie.expires = new Date(Date.now() - 7200e3)
    bump(req)
    res.end('expires in the past')
  },
  '/secure-on': function (req, res) {
    req.session.cookie.secure = true
    bump(req)
    res.end('secure on')
  },
  '/secure-off': function (req, res) {
    req.session.cookie.secure = false
    bump(req)
    res.end('secure off')
  },
  '/samesite-strict': function (req, res) {
    req.session.cookie.sameSite = 'strict'
    bump(req)
    res.end('sameSite strict')
  },
  '/cookie-domain': function (req, res) {
    req.session.cookie.domain = 'example.net'
    bump(req)
    res.end('domain')
  },
  '/cookie-path': function (req, res) {
    req.session.cookie.path = '/p'
    bump(req)
    res.end('path')
  },
  '/cookie-json': function (req, res) {
    res.end(JSON.stringify({ cookie: req.session.cookie, maxAge: typeof req.session.cookie.maxAge }))
  },
  '/id': function (req, res) {
    res.end(String(req.sessionID === req.session.id) + ' ' + typeof req.sessionID)
  },
  '/status-304': function (req, res) {
    bump(req)
    res.statusCode = 304
    res.end()
  },
  '/change-id': function (req, res) {
    req.sessionID = 'changed-session-id'
    bump(req)
    res.end('changed id')
  },
  '/assign-id': function (req, res) {
    try {
      req.session.id = 'assigned'
      res.end('assigned ' + req.session.id)
    } catch (err) {
      res.end('threw ' + err.name + ': ' + err.message)
    }
  },
  '/reorder': function (req, res) {
    req.session.first = req.session.first || 1
    var views = req.session.views
    delete req.session.views
    req.session.views = views === undefined ? 0 : views
    res.end('reordered')
  },
  '/cookie-last': function (req, res) {
    var cookie = req.session.cookie
    delete req.session.cookie
    req.session.cookie = cookie
    bump(req)
    res.end('cookie last')
  },
  '/cookie-extra': function (req, res) {
    req.session.cookie.extra = 'x'
    res.end('cookie extra field')
  },
  '/cookie-assign-data': function (req, res) {
    try {
      req.session.cookie.data = { path: '/x' }
      res.end('assigned data')
    } catch (err) {
      res.end('threw ' + err.name + ': ' + err.message)
    }
  },
  '/cookie-httponly-off': function (req, res) {
    req.session.cookie.httpOnly = false
    bump(req)
    res.end('httpOnly off')
  },
  '/cookie-priority': function (req, res) {
    req.session.cookie.priority = 'high'
    req.session.cookie.partitioned = true
    bump(req)
    res.end('priority')
  },
  '/cookie-samesite-bogus': function (req, res) {
    req.session.cookie.sameSite = 'bogus'
    bump(req)
    res.end('sameSite bogus')
  },
  '/cookie-expires-string': function (req, res) {
    req.session.cookie.expires = '2030-01-01T00:00:00.000Z'
    bump(req)
    res.end('expires string')
  },
  '/cookie-maxage-string': function (req, res) {
    req.session.cookie.maxAge = '30000'
    res.end('unreachable')
  },
  '/cookie-originalmaxage': function (req, res) {
    req.session.cookie.originalMaxAge = 30000
    bump(req)
    res.end('originalMaxAge')
  },
  '/cookie-replace-plain': function (req, res) {
    req.session.cookie = { path: '/', maxAge: 30000, httpOnly: false }
    bump(req)
    res.end('cookie replaced by a plain object')
  },
  '/cookie-tojson': function (req, res) {
    req.session.cookie.toJSON = function () { return { path: '/', originalMaxAge: null, custom: true } }
    bump(req)
    res.end('cookie toJSON')
  },
  '/session-tojson': function (req, res) {
    Object.defineProperty(req.session, 'toJSON', {
      value: function () { return { cookie: this.cookie, only: 'this' } },
      enumerable: false,
      configurable: true,
      writable: true
    })
    bump(req)
    res.end('session toJSON')
  },
  '/shadow-method': function (req, res) {
    req.session.regenerate = 'not a function'
    bump(req)
    res.end('shadowed')
  },
  '/introspect': function (req, res) {
    var sess = req.session
    var cookie = sess.cookie
    res.end(JSON.stringify({
      sessionOwn: Object.getOwnPropertyNames(sess),
      sessionKeys: Object.keys(sess),
      sessionProto: Object.getOwnPropertyNames(Object.getPrototypeOf(sess)).sort(),
      sessionCtor: sess.constructor && sess.constructor.name,
      cookieOwn: Object.getOwnPropertyNames(cookie),
      cookieKeys: Object.keys(cookie),
      cookieProto: Object.getOwnPropertyNames(Object.getPrototypeOf(cookie)).sort(),
      cookieCtor: cookie.constructor && cookie.constructor.name,
      cookieData: cookie.data,
      cookieString: String(cookie.serialize ? cookie.serialize('n', 'v') : null),
      maxAge: typeof cookie.maxAge,
      expires: Object.prototype.toString.call(cookie.expires),
      store: typeof req.sessionStore,
      reqKeys: Object.keys(req).filter(function (k) { return /session/i.test(k) })
    }))
  },
  '/return-values': function (req, res, next) {
    var out = {}
    out.touch = req.session.touch() === req.session
    out.resetMaxAge = req.session.resetMaxAge() === req.session
    var saved = req.session.save(function (err) {
      if (err) return next(err)
      out.save = saved === undefined ? 'undefined' : saved === req.session ? 'session' : typeof saved
      var reloaded = req.session.reload(function (err) {
        if (err) return next(err)
        out.reload = reloaded === undefined ? 'undefined' : typeof reloaded
        res.end(JSON.stringify(out))
      })
    })
  }
}

// session values that JSON writes in odd ways: /odd-<kind> sets req.session.odd
var ODD = {
  undefined: function () { return undefined },
  nan: function () { return NaN },
  infinity: function () { return -Infinity },
  negzero: function () { return -0 },
  zero: function () { return 0 },
  null: function () { return null },
  date0: function () { return new Date(0) },
  isodate0: function () { return '1970-01-01T00:00:00.000Z' },
  invaliddate: function () { return new Date(NaN) },
  function: function () { return function () {} },
  symbol: function () { return Symbol('s') },
  tojson: function () { return { toJSON: function () { return 'x' } } },
  tojsonkey: function () { return { toJSON: function (key) { return 'key:' + key } } },
  tojsonundefined: function () { return { a: 1, toJSON: function () { return undefined } } },
  intkeys: function () { return { b: 1, 10: 'ten', 2: 'two', a: 2 } },
  inherited: function () { return Object.create({ inherited: 1 }, { own: { value: 2, enumerable: true } }) },
  nonenumerable: function () { return Object.defineProperty({ a: 1 }, 'hidden', { value: 2, enumerable: false }) },
  getter: function () { return Object.defineProperty({}, 'g', { get: function () { return 'got' }, enumerable: true }) },
  lonesurrogate: function () { return 'a\ud800b\udc00' },
  unicode: function () { return 'é😀\u2028\u0000"\\' },
  deep: function () { var o = {}; for (var i = 0; i < 300; i++) o = { n: o }; return o },
  holes: function () { return [1, , 3] }, // eslint-disable-line no-sparse-arrays
  map: function () { return new Map([[1, 2]]) },
  buffer: function () { return Buffer.from('ab') },
  huge: function () { return 'h'.repeat(200000) },
  protokey: function () {
    return Object.defineProperty({}, '__proto__', { value: { p: 1 }, enumerable: true, writable: true, configurable: true })
  },
  boxed: function () { return [Object('s'), Object(1), Object(true)] },
  typed: function () { return new Uint8Array([1, 2]) },
  regexp: function () { return /re/g },
  error: function () { return new Error('e') }
}
Object.keys(ODD).forEach(function (kind) {
  ROUTES['/odd-' + kind] = function (req, res) {
    req.session.odd = ODD[kind]()
    res.end('odd ' + kind)
  }
})
// app code that runs after res.end() returned
ROUTES['/end-body-then-modify'] = function (req, res) {
  res.end('body')
  req.session.after = (req.session.after || 0) + 1
}
ROUTES['/end-empty-then-modify'] = function (req, res) {
  res.end()
  req.session.after = (req.session.after || 0) + 1
}
ROUTES['/end-then-maxage'] = function (req, res) {
  res.end('x')
  req.session.cookie.maxAge = 3600000
}
ROUTES['/end-then-null'] = function (req, res) {
  bump(req)
  res.end('x')
  req.session = null
}
ROUTES['/end-then-id'] = function (req, res) {
  bump(req)
  res.end('x')
  req.sessionID = 'late-session-id'
}
ROUTES['/end-then-save'] = function (req, res) {
  res.end('x')
  req.session.after = 1
  req.session.save(function () {})
}
ROUTES['/odd-top-protokey'] = function (req, res) {
  Object.defineProperty(req.session, '__proto__', { value: 'own', enumerable: true, writable: true, configurable: true })
  res.end('own __proto__')
}

var HANDLERS = Object.assign({}, routes.handlers, ROUTES)
var PATHS = Object.keys(HANDLERS)

// every route at /x and at /p/x (for cookie paths and the mount), then the
// harness's error handler, except that a response whose end() throws (a session
// left without a cookie when the Cookie constructor threw: maxAge '60000') is
// closed, instead of never answering
function mountRoutes (app, ctx) {
  PATHS.forEach(function (path) {
    app.all([path, '/p' + path], HANDLERS[path])
  })
  app.use(function (err, req, res, next) {
    ctx.errors.push(err.message)
    if (res.headersSent) return
    try {
      res.status(err.status || 500).send('error: ' + err.message)
    } catch (e) {
      ctx.errors.push('the error handler threw: ' + e.message)
      res.destroy()
      return
    }
    closeIfNotEnded(res, ctx)
  })
}

// (express-session's end() returns false when called again after it threw: the
// error response never ends)
function closeIfNotEnded (res, ctx) {
  setTimeout(function () {
    if (!res.writableEnded && !res.destroyed) {
      ctx.errors.push('the error response did not end')
      res.destroy()
    }
  }, 200)
}

// plain http: the same routes (those of Express' API fail alike)
function httpRoutes (req, res, ctx) {
  var path = req.url.split('?')[0].replace(/^\/p\//, '/')
  var handler = HANDLERS[path]
  function fail (err) {
    ctx.errors.push(err.message)
    if (res.headersSent) return
    try {
      res.statusCode = 500
      res.end('error: ' + err.message)
    } catch (e) {
      ctx.errors.push('the error handler threw: ' + e.message)
      res.destroy()
      return
    }
    closeIfNotEnded(res, ctx)
  }
  if (!handler) {
    res.statusCode = 404
    res.end('not found')
    return
  }
  try {
    handler(req, res, function (err) { if (err) fail(err) })
  } catch (err) {
    fail(err)
  }
}

function useCookieParser (app, kind) {
  var cookieParser = require('cookie-parser')
  switch (kind) {
    case 'with secret': app.use(cookieParser('keyboard cat')); break
    case 'without secret': app.use(cookieParser()); break
    case 'header removed':
      app.use(cookieParser('keyboard cat'))
      app.use(function (req, res, next) { delete req.headers.cookie; next() })
      break
    case 'req.secret': app.use(function (req, res, next) { req.secret = 'keyboard cat'; next() }); break
  }
}

// ---------------------------------------------------------------------------
// Generation

function generator (random) {
  var g = {
    random: random,
    chance: function (p) { return random() < p },
    int: function (lo, hi) { return lo + Math.floor(random() * (hi - lo + 1)) },
    pick: function (list) { return list[Math.floor(random() * list.length)] },
    // [[weight, value], ...]
    weighted: function (list) {
      var total = list.reduce(function (s, e) { return s + e[0] }, 0)
      var r = random() * total
      for (var i = 0; i < list.length; i++) {
        r -= list[i][0]
        if (r < 0) return list[i][1]
      }
      return list[list.length - 1][1]
    }
  }
  return g
}

// A symbolic value (JSON-printable) for a Date relative to the time the options
// are made: { $date: ms from now }.
function dateFrom (value) {
  if (value && typeof value === 'object' && '$date' in value) return new Date(Date.now() + value.$date)
  if (value && typeof value === 'object' && '$at' in value) return new Date(value.$at)
  return value
}

// Values that JSON cannot print as themselves.
var SPECIAL = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, undefined: undefined }

function special (value) {
  return typeof value === 'string' && value.charAt(0) === '$' && value.slice(1) in SPECIAL ? SPECIAL[value.slice(1)] : value
}

function genCookie (g) {
  var cookie = {}
  var keys = ['maxAge', 'path', 'httpOnly', 'secure', 'sameSite', 'domain', 'partitioned', 'priority', 'expires']
  // a random key order (maxAge and expires: the last one written wins)
  keys.sort(function () { return g.random() - 0.5 })
  keys.forEach(function (key) {
    switch (key) {
      case 'maxAge':
        if (g.chance(0.6)) {
          cookie.maxAge = g.weighted([
            [3, '$undefined'], [3, null], [3, 0], [3, -1000], [4, 1000], [8, 60000], [4, 3600000],
            [4, 2 ** 31], [4, 1234.5], [1, 1e16], [1, '$NaN'], [1, '$Infinity'], [1, '60000'], [1, 2 ** 31 - 1]
          ])
        }
        break
      case 'path':
        if (g.chance(0.3)) {
          cookie.path = g.weighted([[4, '/'], [4, '/p'], [1, '/p/'], [1, '/pp'], [1, '/x'], [1, ''], [1, '/p;x'], [1, '/ü'], [1, null], [1, '$undefined']])
        }
        break
      case 'httpOnly':
        if (g.chance(0.3)) cookie.httpOnly = g.weighted([[4, true], [4, false], [1, 0], [1, 'yes'], [1, null]])
        break
      case 'secure':
        if (g.chance(0.4)) cookie.secure = g.weighted([[3, true], [3, false], [3, 'auto'], [1, 1], [1, 'AUTO'], [1, null]])
        break
      case 'sameSite':
        if (g.chance(0.4)) {
          cookie.sameSite = g.weighted([
            [3, true], [3, false], [3, 'lax'], [3, 'strict'], [3, 'none'], [1, 'Lax'], [1, 'NONE'], [2, 'auto'], [1, 'bogus'], [1, 1], [1, '']
          ])
        }
        break
      case 'domain':
        if (g.chance(0.2)) {
          cookie.domain = g.weighted([
            [3, 'example.com'], [2, '127.0.0.1'], [2, '.example.org'], [1, 'bad domain'], [1, 'EXAMPLE.Com'], [1, 'localhost'],
            [1, 'a..b'], [1, '-x.com'], [1, 'example.com.'], [1, ''], [1, 'éxample.com'], [1, 'x'.repeat(64) + '.com']
          ])
        }
        break
      case 'partitioned':
        if (g.chance(0.2)) cookie.partitioned = g.weighted([[3, true], [3, false], [1, 1], [1, 'no']])
        break
      case 'priority':
        if (g.chance(0.2)) cookie.priority = g.weighted([[2, 'low'], [2, 'medium'], [2, 'high'], [1, 'High'], [1, 'LOW'], [1, 'urgent'], [1, '']])
        break
      case 'expires':
        if (g.chance(0.06)) {
          cookie.expires = g.weighted([
            [3, { $date: 3600e3 }], [3, { $date: -3600e3 }], [1, { $at: 8.6e15 }], [1, { $at: -1 }], [1, { $at: -62198755200000 }],
            [1, { $at: 253402300800000 }], [1, { $at: 0 }], [1, null], [1, false]
          ])
        }
        break
    }
  })
  return cookie
}

function genOptions (g) {
  var o = {}
  o.secret = g.weighted([
    [20, 'keyboard cat'], [10, ['new secret', 'old secret']], [4, ['only secret']], [4, ['a', 'b', 'c']],
    [1, ''], [1, []], [2, ['good', '$undefined']], [2, 'ünïcödé 😀'], [1, 'x'.repeat(300)], [2, { $buffer: 'buffer secret' }],
    [1, [{ $buffer: 'buffer one' }, 'string two']], [1, '\ud800 lone'], [1, ['first', 'second', 'third', 'fourth']]
  ])
  if (g.chance(0.3)) {
    o.name = g.weighted([
      [3, 'sid'], [2, 'connect.sid'], [2, 'my.app-sess'], [1, '__Host-sid'], [1, '__Secure-sid'], [1, 'bad name'], [1, ''],
      [1, 'a'], [1, "!#$%&'*+-.^_`|~"], [1, 'ü'], [1, 'constructor'], [1, 'SID'], [1, 'x=y']
    ])
  }
  if (g.chance(0.05)) o.key = 'legacy.key'
  o.resave = g.pick([true, false, '$undefined'])
  o.saveUninitialized = g.pick([true, false, '$undefined'])
  if (g.chance(0.5)) o.rolling = g.pick([true, false])
  if (g.chance(0.5)) o.unset = g.weighted([[5, 'keep'], [5, 'destroy'], [1, 'bogus']])
  if (g.chance(0.5)) o.proxy = g.pick([true, false, '$undefined'])
  if (g.chance(0.85)) o.cookie = genCookie(g)
  if (g.chance(0.25)) {
    o.genid = g.weighted([
      [4, 'counter'], [2, 'fixed'], [2, 'weird'], [1, 'number'], [1, 'not a function'], [1, 'empty'], [1, 'unicode'],
      [1, 'latin1'], [1, 'long'], [1, 'spaces'], [1, 'undefined'], [1, 'reqid']
    ])
  }
  return o
}

var TAMPERS = [
  'none', 'badsig', 'no-s-prefix', 'unsigned', 'pct-garbage', 'dup-forged-first', 'dup-real-first', 'empty',
  'long', 'long-signed', 'old-secret', 'unknown-secret', 'quoted', 'other-name', 'unencoded', 'spaced',
  'lowercase-pct', 'all-pct', 'embedded', 'prefix-name', 'suffix-name', 'no-equals', 'two-headers', 'latin1-signed',
  'case-name', 'tab', 'trailing-dot', 'single-quote', 'no-dot', 'first-secret-other-sid'
]

// route weights: the session-modifying ones more often
var COMMON = ['/inc', '/inc', '/inc', '/read', '/', '/json', '/save', '/set-field', '/regen', '/destroy', '/null', '/touch']

function genRequests (g, options, mount) {
  var path = options.cookie && options.cookie.path
  var prefixed = mount || (typeof path === 'string' && path.indexOf('/p') === 0) ? 0.75 : 0.2
  var n = g.int(2, 6)
  var requests = []
  for (var i = 0; i < n; i++) {
    var r = { path: (g.chance(0.5) ? g.pick(COMMON) : g.pick(PATHS)) }
    if (g.chance(prefixed)) r.path = '/p' + r.path
    if (g.chance(0.05)) r.path += '?q=1'
    var method = g.weighted([[16, 'GET'], [3, 'POST'], [1, 'HEAD']])
    if (method !== 'GET') r.method = method
    if (g.chance(options.proxy !== undefined ? 0.5 : 0.2)) {
      r.headers = { 'X-Forwarded-Proto': g.pick(['https', 'http', 'https,http', 'HTTPS ', '']) }
    }
    if (g.chance(0.25)) r.cookie = g.pick(TAMPERS)
    requests.push(r)
  }
  return requests
}

// Differences of ours found by this test (reproductions in the report), and the
// generated requests that run into them: left out of generation unless
// DIFF_RANDOM_KNOWN=1, so that the run looks for others. Each entry:
// { when(desc), paths: routes replaced by '/inc' }
var KNOWN = [
  {
    // A store whose createSession is not ours (express-session's MemoryStore, or
    // any store built on express-session's Store): req.session gets own hidden
    // 'regenerate' (and 'destroy' for a loaded session) wrappers, so
    // Object.getOwnPropertyNames(req.session) lists them (an assignment to
    // them stores a field, as express-session does: /shadow-method)
    name: 'foreign-store-own-methods',
    when: function (desc) { return desc.store === 'express-session MemoryStore' },
    paths: ['/introspect']
  }
]

function withoutKnown (desc) {
  if (WITH_KNOWN) return desc
  KNOWN.forEach(function (known) {
    if (!known.when(desc)) return
    desc.requests.forEach(function (r) {
      var parts = /^(\/p)?(\/[^?]*)(\?.*)?$/.exec(r.path)
      if (known.paths.indexOf(parts[2]) !== -1) r.path = (parts[1] || '') + '/inc' + (parts[3] || '')
    })
  })
  return desc
}

function genScenario (seed) {
  var g = generator(prng(seed))
  var options = genOptions(g)
  var desc = {
    options: options,
    framework: g.weighted([[10, 'express4'], [10, 'express5'], [1, 'http']]),
    requests: null
  }
  if (g.chance(0.1)) desc.https = true
  if (g.chance(0.1)) desc.trustProxy = g.pick([true, false])
  if (g.chance(0.08)) desc.cookieParser = g.pick(['with secret', 'without secret', 'header removed', 'req.secret'])
  if (g.chance(0.05)) desc.mount = '/p'
  if (g.chance(0.25)) desc.record = false
  desc.store = g.weighted([[12, 'own'], [2, 'express-session MemoryStore'], [2, 'our MemoryStore'], [2, 'no touch'], [2, 'async'], [2, 'sync']])
  if (options.cookie && g.chance(0.1)) desc.cookieFunction = g.pick(['same', 'by path'])
  desc.requests = genRequests(g, options, desc.mount)
  if (desc.framework === 'http') {
    // (under plain http, what the middleware throws at once is an uncaught
    // exception of the test process, whichever implementation throws it)
    if (Array.isArray(options.secret)) options.secret = options.secret.filter(function (x) { return x !== '$undefined' })
    if (options.cookie && typeof options.cookie.maxAge === 'string' && options.cookie.maxAge.charAt(0) !== '$') delete options.cookie.maxAge
  }
  return withoutKnown(desc)
}

// ---------------------------------------------------------------------------
// Building a harness scenario from the description

function buildOptions (desc) {
  var o = {}
  Object.keys(desc.options).forEach(function (key) {
    var value = desc.options[key]
    if (key === 'secret') {
      value = Array.isArray(value) ? value.map(secretValue) : secretValue(value)
    } else if (key === 'cookie') {
      var cookie = {}
      Object.keys(value).forEach(function (k) { cookie[k] = dateFrom(special(value[k])) })
      value = cookie
    } else if (key === 'genid') {
      value = genid(value)
    } else {
      value = special(value)
    }
    o[key] = value
  })
  return o
}

function secretValue (value) {
  return value && typeof value === 'object' && '$buffer' in value ? Buffer.from(value.$buffer) : special(value)
}

function genid (kind) {
  var n = 0
  switch (kind) {
    case 'counter': return function (req) { return 'id-' + (++n) + '-' + req.method }
    case 'fixed': return function () { return 'fixed-session-id' }
    case 'weird': return function () { return 'a.b%/é;' + (++n) }
    case 'number': return function () { return 42 }
    case 'empty': return function () { return '' }
    case 'unicode': return function () { return 'ü😀-' + (++n) }
    case 'latin1': return function () { return 'é-id-' + (++n) }
    case 'long': return function () { return 'L'.repeat(3000) + (++n) }
    case 'spaces': return function () { return ' id ' + (++n) + ' ' }
    case 'undefined': return function () { return undefined }
    case 'reqid': return function (req) { return 'req-' + req.url.length + '-' + (++n) }
    default: return kind
  }
}

function cookieName (options) {
  return options.name || options.key || 'connect.sid'
}

function secretsOf (options) {
  var s = options.secret
  return (Array.isArray(s) ? s : [s]).map(secretValue)
}

// the Cookie header of a tampered request, from the jar's session cookie
function tamper (kind, desc, ctx) {
  var name = cookieName(desc.options)
  var jarValue = ctx.jar[name]
  var value = jarValue !== undefined ? jarValue : 's%3Aabsent.sig'
  var raw
  try { raw = decodeURIComponent(value) } catch (e) { raw = value }
  var signed = raw.slice(0, 2) === 's:' ? raw.slice(2) : raw
  var dot = signed.lastIndexOf('.')
  var sid = dot === -1 ? signed : signed.slice(0, dot)
  var sig = dot === -1 ? '' : signed.slice(dot + 1)
  var secrets = secretsOf(desc.options).filter(function (s) { return (typeof s === 'string' && s) || Buffer.isBuffer(s) })
  var others = Object.keys(ctx.jar).filter(function (k) { return k !== name }).map(function (k) { return k + '=' + ctx.jar[k] })
  var cookie
  switch (kind) {
    case 'none': return false
    case 'badsig': cookie = name + '=' + encodeURIComponent('s:' + sid + '.AAAAbadsignatureAAAA'); break
    case 'no-s-prefix': cookie = name + '=' + encodeURIComponent(sid + '.' + sig); break
    case 'unsigned': cookie = name + '=' + encodeURIComponent('s:' + sid); break
    case 'pct-garbage': cookie = name + '=' + value + '%E0%A4%A'; break
    case 'dup-forged-first': cookie = name + '=s%3Aforged.sig; ' + name + '=' + value; break
    case 'dup-real-first': cookie = name + '=' + value + '; ' + name + '=s%3Aforged.sig'; break
    case 'empty': cookie = name + '='; break
    case 'long': cookie = name + '=' + value + 'x'.repeat(6000); break
    case 'long-signed': cookie = name + '=' + encodeURIComponent('s:' + cookieSignature.sign('L'.repeat(4000), secrets[0] || 'x')); break
    case 'old-secret': cookie = name + '=' + encodeURIComponent('s:' + cookieSignature.sign(sid, secrets[secrets.length - 1] || 'x')); break
    case 'unknown-secret': cookie = name + '=' + encodeURIComponent('s:' + cookieSignature.sign(sid, 'unknown secret')); break
    case 'quoted': cookie = name + '="' + value + '"'; break
    case 'other-name': cookie = 'other.sid=' + value; break
    case 'unencoded': cookie = name + '=s:' + sid + '.' + sig; break
    case 'spaced': cookie = '  ' + name + ' =  ' + value + ' ;'; break
    case 'lowercase-pct': cookie = name + '=' + value.replace(/%[0-9A-F]{2}/g, function (m) { return m.toLowerCase() }); break
    case 'all-pct': cookie = name + '=' + Array.from(Buffer.from(raw)).map(function (b) { return '%' + (b < 16 ? '0' : '') + b.toString(16) }).join(''); break
    case 'embedded': cookie = 'x=' + name + '=s%3Aforged.sig; ' + name + '=' + value; break
    case 'prefix-name': cookie = name + 'x=s%3Aforged.sig; ' + name + '=' + value; break
    case 'suffix-name': cookie = 'x' + name + '=s%3Aforged.sig; ' + name + '=' + value; break
    case 'no-equals': cookie = name + '; ' + name + '=' + value; break
    case 'two-headers': return others.concat(name + '=' + value, name + '=s%3Aforged.sig')
    case 'latin1-signed': cookie = name + '=s:' + cookieSignature.sign('é-' + sid, secrets[0] || 'x'); break
    case 'case-name': cookie = name.toUpperCase() + '=' + value; break
    case 'tab': cookie = '\t' + name + '\t=\t' + value + '\t'; break
    case 'trailing-dot': cookie = name + '=' + value + '.'; break
    case 'single-quote': cookie = name + "='" + value + "'"; break
    case 'no-dot': cookie = name + '=' + encodeURIComponent('s:' + sid + sig); break
    case 'first-secret-other-sid': cookie = name + '=' + encodeURIComponent('s:' + cookieSignature.sign(sid + 'x', secrets[0] || 'x')); break
    default: throw new Error('unknown tamper ' + kind)
  }
  return others.concat(cookie).join('; ')
}

// a store: the implementation's MemoryStore, one class for both, or one with
// its callbacks changed
function buildStore (kind, impl) {
  var store
  switch (kind) {
    case 'express-session MemoryStore': return new harness.IMPLS['express-session'].MemoryStore()
    case 'our MemoryStore': return new harness.IMPLS['express-session-rs'].MemoryStore()
    case 'sync': return new SyncStore(impl)
    case 'no touch':
      store = new impl.MemoryStore()
      store.touch = undefined
      return store
    case 'async':
      store = new impl.MemoryStore()
      ;['get', 'set', 'destroy', 'touch'].forEach(function (method) {
        var fn = store[method]
        store[method] = function () {
          var args = Array.prototype.slice.call(arguments)
          var cb = args.pop()
          args.push(function () {
            var results = arguments
            setTimeout(function () { cb.apply(null, results) }, 2)
          })
          return fn.apply(this, args)
        }
      })
      return store
    default: return new impl.MemoryStore()
  }
}

// a store built on the implementation's Store, calling back synchronously
function SyncStore (impl) {
  var store = new impl.Store()
  var data = Object.create(null)
  store.get = function (sid, cb) { cb(null, sid in data ? JSON.parse(data[sid]) : undefined) }
  store.set = function (sid, sess, cb) { data[sid] = JSON.stringify(sess); if (cb) cb() }
  store.destroy = function (sid, cb) { delete data[sid]; if (cb) cb() }
  store.touch = function (sid, sess, cb) {
    if (sid in data) {
      var stored = JSON.parse(data[sid])
      stored.cookie = sess.cookie
      data[sid] = JSON.stringify(stored)
    }
    if (cb) cb()
  }
  store.all = function (cb) {
    var out = {}
    Object.keys(data).forEach(function (sid) { out[sid] = JSON.parse(data[sid]) })
    cb(null, out)
  }
  return store
}

function buildScenario (desc) {
  return {
    options: function () {
      var options = buildOptions(desc)
      if (desc.cookieFunction) {
        var cookie = options.cookie
        options.cookie = desc.cookieFunction === 'same'
          ? function () { return Object.assign({}, cookie) }
          : function (req) { return Object.assign({}, cookie, req.url.indexOf('/p/') === 0 ? { path: '/p' } : {}) }
      }
      return options
    },
    store: function (impl) { return buildStore(desc.store, impl) },
    framework: desc.framework,
    https: desc.https,
    record: desc.record,
    before: desc.trustProxy !== undefined || desc.cookieParser
      ? function (app) {
        if (desc.trustProxy !== undefined) app.set('trust proxy', desc.trustProxy)
        if (desc.cookieParser) useCookieParser(app, desc.cookieParser)
      }
      : undefined,
    mount: desc.framework === 'http' ? undefined : desc.mount,
    routes: desc.framework === 'http' ? httpRoutes : mountRoutes,
    requests: desc.requests.map(function (r) {
      var spec = { path: r.path, method: r.method, headers: r.headers }
      if (r.cookie) spec.cookie = function (ctx) { return tamper(r.cookie, desc, ctx) }
      return spec
    })
  }
}

// the error each implementation throws when made with these options, or null
function constructionErrors (desc) {
  return Object.keys(harness.IMPLS).map(function (name) {
    var impl = harness.IMPLS[name]
    try {
      impl(Object.assign({ store: buildStore(desc.store, impl) }, buildOptions(desc)))
      return null
    } catch (err) {
      return [err.name, err.message]
    }
  })
}

// ---------------------------------------------------------------------------

function replay (index, desc) {
  return 'seed ' + SEED + ', scenario #' + index +
    ' (repeat with DIFF_RANDOM_SEED=' + SEED + ' DIFF_RANDOM_ONLY=' + index + ')\n' +
    util.inspect(desc, { depth: null, breakLength: 140 })
}

function scenarioSeed (index) {
  return (SEED ^ Math.imul(index + 1, 0x9E3779B1)) >>> 0
}

// What the harness leaves time- or chance-dependent:
// - session IDs that only appear in a response body (sessions never saved nor
//   sent) or inside a longer ID (genid 'é-' + ..., a tampered ID + 'x'): runs of
//   32 to 40 ID characters are labelled ID1, ID2... in order;
// - the originalMaxAge of a cookie with a fixed far date (expires year 10000 or
//   1970): the harness rounds it to seconds, and it changes between the two
//   runs: beyond 10^8 s it is rounded to 10^4 s here (and an Expires delta
//   beyond 10^8 s, in the harness' 10 s units, too).
function relabel (result) {
  var labels = new Map()
  var text = JSON.stringify(result).replace(/[A-Za-z0-9_-]{32,40}/g, function (id) {
    if (!labels.has(id)) labels.set(id, 'ID' + (labels.size + 1))
    return labels.get(id)
  }).replace(/(-?\d{9,})e3/g, function (m, seconds) {
    return Math.round(Number(seconds) / 1e4) + 'e7'
  })
  var out = JSON.parse(text)
  ;(out.responses || []).forEach(function (r) {
    r.expiresDelta = r.expiresDelta.map(function (d) {
      return typeof d === 'number' && Math.abs(d) >= 1e7 ? Math.round(d / 1e3) + 'e4' : d
    })
  })
  return out
}

var TIMEOUT = 10000

// harness.run's result, or (a request failed: the error handler closed the
// connection) the request error and the errors and store calls so far
// (the responses still open are closed when the scenario times out, so that the
// servers close)
function run (implName, scenario) {
  var timer
  var ctx
  var open = new Set()
  function track (res) {
    if (open.has(res)) return
    open.add(res)
    res.on('close', function () { open.delete(res) })
  }
  var withCtx = Object.assign({}, scenario, {
    before: function (app, c) {
      app.use(function (req, res, next) { track(res); next() })
      if (scenario.before) scenario.before(app, c)
    },
    routes: function (app, a, b) {
      if (scenario.framework === 'http') {
        ctx = b
        track(a)
      } else {
        ctx = a
      }
      return scenario.routes.apply(this, arguments)
    }
  })
  return Promise.race([
    harness.run(implName, withCtx).then(relabel, function (err) {
      if (!ctx) throw err
      return relabel({ rejected: err.message, calls: ctx.calls.map(function (c) { return c.slice(0, 2) }), errors: ctx.errors })
    }),
    new Promise(function (resolve, reject) {
      timer = setTimeout(function () {
        open.forEach(function (res) { res.destroy() })
        reject(new Error(implName + ': no result in ' + TIMEOUT + ' ms'))
      }, TIMEOUT)
    })
  ]).finally(function () { clearTimeout(timer) })
}

async function check (index) {
  var desc = genScenario(scenarioSeed(index))
  try {
    var thrown = constructionErrors(desc)
    assert.deepStrictEqual(thrown[1], thrown[0], 'construction')
    if (thrown[0]) return
    var scenario = buildScenario(desc)
    var original = await run('express-session', scenario)
    var ours = await run('express-session-rs', scenario)
    assert.deepStrictEqual(ours, original)
  } catch (err) {
    err.message = replay(index, desc) + '\n' + err.message
    throw err
  }
}

var INDEXES = ONLY !== null ? [ONLY] : Array.from({ length: COUNT }, function (x, i) { return i })
INDEXES.forEach(function (index) {
  test('random scenario #' + index, function () { return check(index) })
})

exports.genScenario = genScenario
exports.buildScenario = buildScenario
exports.run = run
exports.scenarioSeed = scenarioSeed
