// Randomized differential tests of every string that crosses into Rust: lengths
// at and around every scratch-buffer size and power of two up to 70,000 UTF-8
// bytes, built of 1-, 2-, 3- and 4-byte characters and lone surrogates, with a
// chosen character straddling the boundary at every offset. Each string goes
// through sign/unsign (against cookie-signature 1.0.7), the store methods
// (against express-session's MemoryStore) and genid through the middleware
// (against express-session), and the results must be equal.
//
// BOUNDARY_SEED=<n> repeats a run; BOUNDARY_LONG=1 runs more strings per case.

'use strict'

var assert = require('assert')
var crypto = require('crypto')
var http = require('http')
var test = require('node:test')
var call = require('./support/call')
var cookieSignature = require('cookie-signature')
var express = require('express')
var original = require('express-session')
var harness = require('./support/harness')
var ours = require('..')

var SEED = process.env.BOUNDARY_SEED ? Number(process.env.BOUNDARY_SEED) : crypto.randomInt(2 ** 31)
var LONG = Boolean(process.env.BOUNDARY_LONG)
console.log('# boundary seed ' + SEED + ' (repeat with BOUNDARY_SEED=' + SEED + (LONG ? ' BOUNDARY_LONG=1' : '') + ')')

var prng = require('./support/prng')

var random = prng(SEED)
function int (lo, hi) { return lo + Math.floor(random() * (hi - lo)) }

// Characters by UTF-8 width; 'lone' is a lone surrogate (3 bytes as U+FFFD).
var KINDS = {
  1: function () { return String.fromCharCode(int(0x20, 0x7f)) },
  2: function () { return String.fromCharCode(int(0x80, 0x800)) },
  3: function () {
    var c = int(0x800, 0xfffe - 0x800)
    return String.fromCharCode(c >= 0xd800 ? c + 0x800 : c) // skip the surrogates
  },
  4: function () { return String.fromCodePoint(int(0x10000, 0x110000)) },
  lone: function () { return String.fromCharCode(int(0xd800, 0xe000)) }
}
var WIDTH = { 1: 1, 2: 2, 3: 3, 4: 4, lone: 3 }
var NAMES = Object.keys(KINDS)

// Appends `c` to `s`, never letting a lone surrogate pair up with a neighbour.
function append (s, c) {
  var last = s.charCodeAt(s.length - 1)
  var first = c.charCodeAt(0)
  var lastHigh = last >= 0xd800 && last < 0xdc00
  var firstLow = first >= 0xdc00 && first < 0xe000
  return lastHigh && firstLow ? s + 'x' + c : s + c
}

// A random string of exactly `bytes` UTF-8 bytes (lone surrogates count 3).
function filler (bytes) {
  var s = ''
  while (bytes > 0) {
    var kind = bytes >= 4 ? NAMES[int(0, NAMES.length)] : '1'
    var c = KINDS[kind]()
    var next = append(s, c)
    var used = next.length - s.length === c.length ? WIDTH[kind] : WIDTH[kind] + 1
    if (used > bytes) continue
    s = next
    bytes -= used
  }
  return s
}

function utf8Length (s) {
  return Buffer.byteLength(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'))
}

// Boundaries: the binding's scratch sizes (and their last usable byte) and every
// power of two up to 65,536, then 70,000.
var BOUNDARIES = [255, 256, 511, 512, 1023, 1024, 70000]
for (var p = 1; p <= 65536; p *= 2) BOUNDARIES.push(p)
BOUNDARIES = Array.from(new Set(BOUNDARIES)).sort(function (a, b) { return a - b })

/**
 * Strings with a character of each kind starting at every offset 0-4 bytes
 * before each boundary (so it ends on, straddles or follows it), plus a short
 * random tail; `reps` of each. Past 2 KiB (beyond every scratch buffer) the short
 * run takes ASCII and one other random kind.
 */
function cases (reps, long) {
  var out = []
  BOUNDARIES.forEach(function (b) {
    var kinds = long || b <= 2048 ? NAMES : ['1', NAMES[int(1, NAMES.length)]]
    kinds.forEach(function (kind) {
      for (var offset = 0; offset <= 4; offset++) {
        if (offset > b) continue
        for (var r = 0; r < reps; r++) {
          var s = append(filler(b - offset), KINDS[kind]())
          if (r % 2) s = append(s, filler(int(0, 6)))
          out.push(s)
        }
      }
    })
  })
  return out
}

var STRINGS = cases(LONG ? 8 : 1, LONG)

test('the generator lands on every boundary (sanity)', function () {
  var lengths = new Set(STRINGS.map(utf8Length))
  BOUNDARIES.forEach(function (b) {
    assert.ok(lengths.has(b) || lengths.has(b + 1), 'a string of ' + b + ' bytes')
  })
  assert.ok(STRINGS.some(function (s) { return /[\ud800-\udfff]/.test(s) }))
})

test('sign and unsign equal cookie-signature 1.0.7 on every string', function () {
  var secret = 'keyboard cat'
  STRINGS.forEach(function (s, i) {
    var where = 'string ' + i + ' (' + utf8Length(s) + ' bytes)'
    var expected = cookieSignature.sign(s, secret)
    assert.strictEqual(ours.sign(s, secret), expected, where)
    var inputs = [
      expected,
      expected.slice(0, -1),
      expected + '€attacker.x',
      s,
      s + '.' + expected.slice(-43),
      expected.slice(0, s.length) + '\ud800' + expected.slice(s.length)
    ]
    inputs.forEach(function (input, k) {
      assert.strictEqual(ours.unsign(input, secret), cookieSignature.unsign(input, secret), where + ', input ' + k)
      assert.strictEqual(ours.unsign(input, ['other', secret]), cookieSignature.unsign(input, secret), where + ', rotated, input ' + k)
    })
    if (i % 7 === 0) {
      // the string as the secret (and so as HMAC key bytes)
      assert.strictEqual(ours.sign('v', s), cookieSignature.sign('v', s), where + ' as secret')
    }
  })
})

// Runs every store method over `s` as key and as data; returns what comes back.
async function storeRun (impl, s) {
  var store = new impl.MemoryStore()
  var cookie = new impl.Cookie({ maxAge: 60000 })
  cookie.expires = new Date(4102444800000) // fixed: results compared across stores
  cookie.originalMaxAge = 60000
  var keys = [s, s + '\ud800', s + '\udbff', s + '\ufffd', s + 'A', 'p' + s]
  for (var k = 0; k < keys.length; k++) {
    await call(store, 'set', keys[k], { cookie: cookie, k: k, data: s, tail: keys[k] })
  }
  var out = { got: [] }
  for (k = 0; k < keys.length; k++) {
    out.got.push(JSON.stringify(await call(store, 'get', keys[k])))
  }
  var touched = new impl.Cookie({ maxAge: 120000 })
  touched.expires = new Date(4102444900000)
  touched.originalMaxAge = 120000
  await call(store, 'touch', s, { cookie: touched, ignored: true })
  out.touched = JSON.stringify(await call(store, 'get', s))
  await call(store, 'destroy', s + 'A')
  out.all = JSON.stringify(await call(store, 'all'))
  out.length = await call(store, 'length')
  return out
}

test('MemoryStore set/get/touch/destroy/all equal express-session on every string', async function () {
  for (var i = 0; i < STRINGS.length; i++) {
    var s = STRINGS[i]
    var theirs = await storeRun(original, s)
    var mine = await storeRun(ours, s)
    assert.deepStrictEqual(mine, theirs, 'string ' + i + ' (' + utf8Length(s) + ' bytes, seed ' + SEED + ')')
  }
})

// Runs a scenario against both implementations and compares the raw results
// (the IDs are fixed and no cookie expires, so nothing needs normalizing; the
// harness's ID relabelling is not made for arbitrary text).
async function same (scenario) {
  var theirs = await harness.run('express-session', scenario, { raw: true })
  var mine = await harness.run('express-session-rs', scenario, { raw: true })
  assert.deepStrictEqual(mine, theirs, 'seed ' + SEED)
}

test('genid through the middleware equals express-session', async function () {
  // cookies are sent in a header: strings up to a few KB (URL-encoded up to 9x)
  var picked = STRINGS.filter(function (s) { return utf8Length(s) <= 1100 })
  if (!LONG) picked = picked.filter(function (s, i) { return i % 4 === 0 })
  // IDs whose signed form (id + '.' + 43 characters) puts a character across
  // each scratch-buffer boundary
  ;[255, 256, 511, 512, 1023, 1024].forEach(function (b) {
    NAMES.forEach(function (kind) {
      for (var offset = 1; offset <= 3; offset++) {
        picked.push(append(filler(b - 44 - offset), KINDS[kind]()))
      }
    })
  })
  for (var i = 0; i < picked.length; i++) {
    var s = picked[i]
    await same({
      options: function () {
        return { secret: 'keyboard cat', resave: false, saveUninitialized: false, genid: function () { return s } }
      },
      routes: function (app) {
        app.get('/', function (req, res) {
          req.session.n = (req.session.n || 0) + 1
          res.end('n=' + req.session.n + ' ' + (req.sessionID === s))
        })
      },
      requests: ['/', '/', '/']
    })
  }
})

test('many sessions of mixed-script data written over HTTP read back equal', async function () {
  var count = LONG ? 5000 : 400
  var app = express()
  app.use(ours({ secret: 'keyboard cat', resave: false, saveUninitialized: false }))
  app.use(express.json({ limit: '1mb' }))
  app.post('/', function (req, res) { req.session.data = req.body; res.end('ok') })
  app.get('/', function (req, res) { res.json(req.session.data) })
  var server = await new Promise(function (resolve) {
    var s = http.createServer(app).listen(0, '127.0.0.1', function () { resolve(s) })
  })
  var agent = new http.Agent({ keepAlive: true, maxSockets: 8 })
  function send (method, body, cookie) {
    return new Promise(function (resolve, reject) {
      var headers = { 'content-type': 'application/json' }
      if (cookie) headers.cookie = cookie
      var req = http.request({ host: '127.0.0.1', port: server.address().port, method: method, agent: agent, headers: headers }, function (res) {
        var chunks = []
        res.on('data', function (d) { chunks.push(d) })
        res.on('end', function () {
          resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), cookie: (res.headers['set-cookie'] || [''])[0].split(';')[0] })
        })
      })
      req.on('error', reject)
      req.end(body)
    })
  }
  try {
    var mixed = 0
    for (var i = 0; i < count; i += 8) {
      await Promise.all(Array.from({ length: Math.min(8, count - i) }, async function (_, j) {
        var ascii = (i + j) % 2 === 0
        var text = ascii ? filler(int(50, 3000)).replace(/[^\x20-\x7e]/g, 'a') : filler(int(50, 3000))
        if (!ascii) mixed++
        var data = { text: text, list: [text.slice(0, 10), i + j], nested: { k: text.slice(-20) } }
        var body = JSON.stringify(data)
        var written = await send('POST', body)
        assert.strictEqual(written.status, 200)
        var read = await send('GET', undefined, written.cookie)
        assert.strictEqual(read.status, 200, 'session ' + (i + j))
        assert.deepStrictEqual(JSON.parse(read.body), JSON.parse(body), 'session ' + (i + j) + ' (seed ' + SEED + ')')
      }))
    }
    assert.ok(mixed >= count / 2 - 8)
  } finally {
    agent.destroy()
    server.close()
  }
})
