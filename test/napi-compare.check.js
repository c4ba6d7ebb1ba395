// The comparison addon of the micro suite (bench/napi-compare.js: the crate's
// `napi-compare` feature, the hot native calls also written with #[napi]) gives
// the raw binding's results, so that its timings compare the same work: for
// random IDs and values, non-ASCII and lone surrogates included (seed printed).
// Run by .ci/run (it builds a release addon: not part of `npm test`).

'use strict'

var assert = require('assert')
var test = require('node:test')

var seed = Number(process.env.SEED) || Date.now()
console.log('napi-compare seed ' + seed)

// mulberry32: a seeded generator, so that a failure can be replayed
function random () {
  seed = (seed + 0x6d2b79f5) | 0
  var t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

var UNITS = [0x41, 0x7a, 0x2e, 0x22, 0x5c, 0xe9, 0x4e2d, 0xd83d, 0xde00, 0xd800, 0xdfff, 0xfffd, 0x0]

function text (max) {
  var n = Math.floor(random() * max)
  var s = ''
  for (var i = 0; i < n; i++) s += String.fromCharCode(UNITS[Math.floor(random() * UNITS.length)])
  return s
}

test('the #[napi] versions of the hot calls give the raw binding\'s results', function () {
  var compare = require('../bench/napi-compare')()
  assert.strictEqual(typeof compare, 'object', String(compare))
  var native = require('../native')
  var secrets = [Buffer.from('keyboard cat'), Buffer.from('old')]
  var raw = { signer: native.createSigner(secrets), store: native.createStore(0, 0) }
  var napi = { signer: compare.CompareSigner.create(secrets), store: compare.CompareStore.create() }
  var external = compare.compareExternalStore()
  var now = Date.now()

  assert.match(compare.compareGenerateId(), /^[A-Za-z0-9_-]{32}$/)
  for (var i = 0; i < 2000; i++) {
    var value = text(40)
    var signature = raw.signer.sign(value)
    assert.strictEqual(napi.signer.sign(value), signature)
    var signed = value + '.' + signature
    assert.strictEqual(napi.signer.verify(signed), true)
    var garbled = value + '.' + text(44)
    assert.strictEqual(napi.signer.verify(garbled), raw.signer.verify(garbled))

    var sid = text(40)
    // (the text raw in the JSON, lone surrogates included: JSON.stringify would
    // escape them)
    var json = '{"cookie":{"path":"/"},"v":"' + text(300).replace(/["\\\0]/g, '') + '"}'
    raw.store.set(sid, json, now + 60000, now)
    napi.store.set(sid, json, now + 60000, now)
    assert.strictEqual(napi.store.get(sid, now), raw.store.get(sid, now))
    assert.strictEqual(napi.store.get(sid, now), json)
    assert.strictEqual(compare.compareStoreGet(external, sid, now), null)
    var cookie = random() < 0.5 ? null : '{"path":' + JSON.stringify(text(20)) + '}'
    assert.strictEqual(napi.store.touch(sid, cookie, now + 120000, now), raw.store.touch(sid, cookie === null ? undefined : cookie, now + 120000, now))
    assert.strictEqual(napi.store.get(sid, now + 90000), raw.store.get(sid, now + 90000))
    var gone = random() < 0.5 ? sid : text(40)
    assert.strictEqual(napi.store.destroy(gone), raw.store.destroy(gone))
    assert.strictEqual(napi.store.get(sid, now) === null, raw.store.get(sid, now) === undefined)
  }
})
