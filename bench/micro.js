// Micro benchmark: signing, verification and ID generation against the modules
// express-session uses (cookie-signature 1.0.7, uid-safe 2.1.5), same process,
// interleaved rounds, medians; then the cost of a native call itself, and each
// hot native call against the same call written with napi-rs's #[napi]
// (bench/napi-compare.js builds that version).

'use strict'

var cookie = require('cookie')
var cookieMatch = require('../lib/cookie-match')
var cookieSignature = require('cookie-signature')
var uid = require('uid-safe')
var lib = require('./lib')
var ours = require('..')
var Signer = require('../native/signature').Signer

module.exports = function micro (options) {
  var rounds = options.rounds || 7
  var ms = options.ms || 200

  var secret = 'keyboard cat'
  var three = ['first secret', 'second secret', secret]
  var id = ours.generateId()
  var signed = cookieSignature.sign(id, secret)
  var forged = signed.slice(0, -2) + (signed.slice(-2) === 'AA' ? 'AB' : 'AA')
  var one = new Signer([secret])
  var rotated = new Signer(three)

  // express-session's unsigncookie(): each secret in turn
  function unsignAll (val, secrets) {
    for (var i = 0; i < secrets.length; i++) {
      var r = cookieSignature.unsign(val, secrets[i])
      if (r !== false) return r
    }
    return false
  }

  // a browser's Cookie header with the session's cookie alone, and among a
  // typical app's others (analytics, consent, CSRF: 10 cookies, 392 bytes)
  var sessionCookie = 'connect.sid=' + encodeURIComponent('s:' + signed)
  var manyCookies = '_ga=GA1.1.1234567890.1700000000; _gid=GA1.1.987654321.1700000000; ' +
    '_fbp=fb.1.1700000000000.1234567890; theme=dark; lang=en-US; csrftoken=Xq8Yh3Kd9Lm2Np4Rt6Vw8Za1Bc3De5Fg; ' +
    sessionCookie + '; consent=%7B%22analytics%22%3Atrue%2C%22ads%22%3Afalse%7D; ' +
    '_hjSessionUser_123=eyJpZCI6IjEyMzQ1Njc4LTEyMzQifQ%3D%3D; cart=%5B%5D'
  var readSid = cookieMatch.cookieReader('connect.sid')

  // keep results alive so nothing is optimised away
  var sink = 0
  function use (v) { sink ^= (v === false ? 1 : v.length) }

  var cases = [
    { name: 'sign (prepared signer)', anchorName: 'cookie-signature.sign', target: 10, anchor: function () { use(cookieSignature.sign(id, secret)) }, ours: function () { use(one.sign(id)) } },
    { name: 'sign(value, secret)', anchorName: 'cookie-signature.sign', anchor: function () { use(cookieSignature.sign(id, secret)) }, ours: function () { use(ours.sign(id, secret)) } },
    { name: 'unsign, 1 secret, valid', anchorName: 'cookie-signature.unsign', target: 10, anchor: function () { use(unsignAll(signed, [secret])) }, ours: function () { use(one.unsign(signed)) } },
    { name: 'unsign, 1 secret, forged', anchorName: 'cookie-signature.unsign', anchor: function () { use(unsignAll(forged, [secret])) }, ours: function () { use(one.unsign(forged)) } },
    { name: 'unsign, 3 secrets, valid on last', anchorName: 'cookie-signature.unsign x3', target: 20, anchor: function () { use(unsignAll(signed, three)) }, ours: function () { use(rotated.unsign(signed)) } },
    { name: 'unsign, 3 secrets, forged', anchorName: 'cookie-signature.unsign x3', target: 20, anchor: function () { use(unsignAll(forged, three)) }, ours: function () { use(rotated.unsign(forged)) } },
    { name: 'unsign(value, [3 secrets]), valid on last', anchorName: 'cookie-signature.unsign x3', target: 20, anchor: function () { use(unsignAll(signed, three)) }, ours: function () { use(ours.unsign(signed, three)) } },
    { name: 'the session cookie of a Cookie header, 1 cookie', anchorName: 'cookie.parse(header)[name]', anchor: function () { use(cookie.parse(sessionCookie)['connect.sid']) }, ours: function () { use(readSid(sessionCookie)) } },
    { name: 'the session cookie of a Cookie header, 10 cookies', anchorName: 'cookie.parse(header)[name]', anchor: function () { use(cookie.parse(manyCookies)['connect.sid']) }, ours: function () { use(readSid(manyCookies)) } },
    { name: 'generateId', anchorName: 'uid-safe uid.sync(24)', target: 20, anchor: function () { use(uid.sync(24)) }, ours: function () { use(ours.generateId()) } }
  ]

  var results = lib.interleaved(cases, rounds, ms)
  results.calls = callCosts(rounds, ms, use)
  results.napi = napiCompare(rounds, ms, use)
  results.sink = sink
  return results
}

// a stored session of the tables below (~110 bytes)
var SESSION_TEXT = '{"cookie":{"originalMaxAge":86400000,"expires":"2030-01-01T00:00:00.000Z","httpOnly":true,"path":"/"},"views":1}'

/**
 * `stores` filled with the same 500,000 sessions (new IDs, expiring a day after
 * `now`); `random()` walks their IDs in a fixed stride, so that each lookup
 * probes a different place of the table.
 *
 * @private
 */
function manySessions (stores, now) {
  var sids = []
  for (var i = 0; i < 500000; i++) {
    sids.push(ours.generateId())
    for (var s = 0; s < stores.length; s++) stores[s].set(sids[i], SESSION_TEXT, now + 86400000, now)
  }
  var next = 0
  return {
    sids: sids,
    random: function random () {
      next = (next + 7919) % sids.length
      return sids[next]
    }
  }
}

/**
 * What crossing into Rust costs: native calls that do next to no work, medians of
 * `rounds` timings (the figure quoted in src/node/raw.rs and the README).
 *
 * @private
 */
function callCosts (rounds, ms, use) {
  var native = require('../native')
  var verify = native.createSigner([Buffer.from('k')]).verify
  var store = native.createStore(0, 0)
  var sid = ours.generateId()
  var now = Date.now()
  function js (s) { return s.length === 0 }
  // a store of 500,000 sessions, read and rewritten at random (each lookup
  // probes the shard's table: what the store's hashing and sharding cost)
  var full = native.createStore(0, 0)
  var owned = native.createStore(0, 0)
  var many = manySessions([full, owned], now)
  var randomSid = many.random
  var text = SESSION_TEXT
  // (session()'s owner option: `owned`'s sessions have an owner, the same one)
  many.sids.forEach(function (sid) { owned.set(sid, text, now + 86400000, now, 'user 7') })
  var flip = 0
  var calls = [
    { name: 'a JS function call (reference)', fn: function () { use(js('') ? 'x' : '') } },
    { name: 'verify(\'\'): one empty string in, boolean out', fn: function () { use(verify('') ? 'x' : '') } },
    { name: 'store.destroy(sid), a miss: 32-character string in, boolean out', fn: function () { use(store.destroy(sid) ? 'x' : '') } },
    { name: 'store.get(sid, now), a miss: string and number in, undefined out', fn: function () { use(store.get(sid, now) || '') } },
    { name: 'generateId(): no argument, 32-character string out', fn: function () { use(native.generateId()) } },
    { name: 'store.get(sid, now) of 500,000 sessions, a hit: ~110-byte string out', fn: function () { use(full.get(randomSid(), now)) } },
    { name: 'store.get(sid, now) of 500,000 sessions, a miss', fn: function () { use(full.get(sid, now) || '') } },
    { name: 'store.set(sid, json, expires, now) of 500,000 sessions, an overwrite', fn: function () { full.set(randomSid(), text, now + 86400000, now); use('x') } },
    { name: 'the same with an owner (owner option), the owner it had', fn: function () { owned.set(randomSid(), text, now + 86400000, now, 'user 7'); use('x') } },
    { name: 'the same with an owner, another one than it had', fn: function () { owned.set(randomSid(), text, now + 86400000, now, ++flip % 2 ? 'user 8' : 'user 9'); use('x') } }
  ]
  return calls.map(function (c) {
    var samples = []
    for (var r = 0; r < rounds; r++) samples.push(lib.nsPerOp(c.fn, ms))
    return { name: c.name, ns: lib.median(samples) }
  })
}

/**
 * Each hot native call of the raw binding (src/node/raw.rs) against the same
 * call written with #[napi] (src/node/compare.rs: the same string readers and
 * core, napi-rs's wrapper), interleaved by round; `{ rows }`, or `{ skipped }`
 * with the reason when the #[napi] build is not available.
 *
 * @private
 */
function napiCompare (rounds, ms, use) {
  var compare = require('./napi-compare')()
  if (typeof compare === 'string') return { skipped: compare }
  var native = require('../native')
  var secrets = [Buffer.from('keyboard cat')]
  var raw = { signer: native.createSigner(secrets), store: native.createStore(0, 0) }
  var napi = { signer: compare.CompareSigner.create(secrets), store: compare.CompareStore.create() }
  var now = Date.now()
  var text = SESSION_TEXT
  var many = manySessions([raw.store, napi.store], now)
  var randomSid = many.random
  var external = compare.compareExternalStore()
  var sid = ours.generateId()
  var value = many.sids[0]
  var signed = value + '.' + raw.signer.sign(value)
  var calls = [
    ['generateId()', function () { use(native.generateId()) }, function () { use(compare.compareGenerateId()) }],
    ['sign(value): a 32-character string in, 43 out', function () { use(raw.signer.sign(value)) }, function () { use(napi.signer.sign(value)) }],
    ['verify(signed): a valid 76-character string in, boolean out', function () { use(raw.signer.verify(signed) ? 'x' : '') }, function () { use(napi.signer.verify(signed) ? 'x' : '') }],
    ['store.get(sid, now) of 500,000, a hit: ~110-byte string out', function (s) { use(s.get(randomSid(), now)) }],
    ['store.get(sid, now), a miss', function (s) { use(s.get(sid, now) || '') }],
    ['store.set(sid, json, expires, now) of 500,000, an overwrite', function (s) { s.set(randomSid(), text, now + 86400000, now); use('x') }],
    ['store.touch(sid, null, expires, now) of 500,000, a hit', function (s) { use(s.touch(randomSid(), null, now + 86400000, now) ? 'x' : '') }],
    ['store.destroy(sid), a miss', function (s) { use(s.destroy(sid) ? 'x' : '') }],
    // (the #[napi] side a free function over an External, not a class method)
    ['store.get(sid, now), a miss; #[napi]: a free function, the store an External', function () { use(raw.store.get(sid, now) || '') },
      function () { use(compare.compareStoreGet(external, sid, now) || '') }]
  ].map(function (c) {
    // (store rows: one function, given each side's store)
    var store = c.length === 2
    return {
      name: c[0],
      raw: store ? function () { c[1](raw.store) } : c[1],
      napi: store ? function () { c[1](napi.store) } : c[2],
      samples: { raw: [], napi: [] }
    }
  })
  for (var r = 0; r < rounds; r++) {
    calls.forEach(function (c) {
      var order = r % 2 ? ['napi', 'raw'] : ['raw', 'napi']
      order.forEach(function (side) { c.samples[side].push(lib.nsPerOp(c[side], ms)) })
    })
  }
  return {
    rows: calls.map(function (c) {
      var diffs = c.samples.napi.map(function (n, i) { return n - c.samples.raw[i] })
      return { name: c.name, raw: lib.median(c.samples.raw), napi: lib.median(c.samples.napi), diff: lib.median(diffs) }
    })
  }
}

module.exports.table = function table (results) {
  var lines = [
    '| operation | anchor | anchor ns/op | ours ns/op | speed-up (median, min-max) | target |',
    '|---|---|---:|---:|---:|---:|'
  ]
  results.forEach(function (r) {
    lines.push('| ' + [
      r.name, r.anchorName, lib.fmt(r.anchor), lib.fmt(r.ours),
      lib.fmt(r.ratio, 1) + 'x (' + lib.fmt(r.ratioMin, 1) + '-' + lib.fmt(r.ratioMax, 1) + ')',
      r.target ? '>= ' + r.target + 'x ' + (r.ratio >= r.target ? '(met)' : '(missed)') : ''
    ].join(' | ') + ' |')
  })
  lines.push('', '| native call | ns/op (median) |', '|---|---:|')
  ;(results.calls || []).forEach(function (c) {
    lines.push('| ' + c.name + ' | ' + lib.fmt(c.ns) + ' |')
  })
  var napi = results.napi || { skipped: 'not measured' }
  lines.push('', '| native call | raw Node-API ns/op | #[napi] ns/op | #[napi] minus raw (median of rounds) |', '|---|---:|---:|---:|')
  if (napi.skipped) lines.push('| (skipped: ' + napi.skipped.split('\n')[0] + ') | | | |')
  ;(napi.rows || []).forEach(function (c) {
    lines.push('| ' + c.name + ' | ' + lib.fmt(c.raw) + ' | ' + lib.fmt(c.napi) + ' | ' + lib.fmt(c.diff) + ' |')
  })
  return lines.join('\n')
}
