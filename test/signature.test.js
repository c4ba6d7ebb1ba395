// Signing and verification: byte-identical to cookie-signature 1.0.7 and 1.2.x,
// every secret type, rotation, and the TypeErrors of cookie-signature.

'use strict'

var assert = require('assert')
var crypto = require('crypto')
var test = require('node:test')
var cookieSignature = require('cookie-signature')
var cookieSignature12 = require('cookie-signature-1.2')
var session = require('..')

var sign = session.sign
var unsign = session.unsign

test('sign("apple", "keyboard cat") is express-session\'s test vector', function () {
  var signed = 's:' + sign('apple', 'keyboard cat')
  assert.strictEqual(encodeURIComponent(signed),
    's%3Aapple.D8Y%2BpkTAmeR0PobOhY4G97PRW%2Bj7bUnP%2F5m6%2FOn1MCU')
  assert.strictEqual(encodeURIComponent('s:' + sign('%', 'keyboard cat')),
    's%3A%25.kzQ6x52kKVdF35Qh62AWk4ZekS28K5XYCXKa%2FOTZ01g')
  assert.strictEqual(encodeURIComponent('s:' + sign('/foo', 'keyboard cat')),
    's%3A%2Ffoo.paEKBtAHbV5s1IB8B2zPnzAgYmmnRPIqObW4VRYj%2FMQ')
})

function randomString (max) {
  var len = crypto.randomInt(0, max)
  var out = ''
  for (var i = 0; i < len; i++) {
    var r = crypto.randomInt(0, 10)
    if (r < 6) out += String.fromCharCode(crypto.randomInt(32, 127))
    else if (r < 8) out += String.fromCharCode(crypto.randomInt(0xa0, 0x800))
    else if (r < 9) out += '.'
    else out += String.fromCodePoint(crypto.randomInt(0x1f300, 0x1f64f))
  }
  return out
}

test('10,000 random (value, secret) pairs sign exactly like cookie-signature 1.0.7 and 1.2.x', function () {
  for (var i = 0; i < 10000; i++) {
    var value = randomString(80)
    var secret = i % 10 === 0 ? crypto.randomBytes(crypto.randomInt(1, 100)) : randomString(70)
    var expected = cookieSignature.sign(value, secret)
    assert.strictEqual(sign(value, secret), expected, JSON.stringify([value, String(secret)]))
    assert.strictEqual(unsign(expected, secret), value)
    assert.strictEqual(unsign(expected, secret), cookieSignature.unsign(expected, secret))
    if (i % 10 === 1) {
      assert.strictEqual(cookieSignature12.sign(value, secret), expected)
      assert.strictEqual(unsign(expected, secret), cookieSignature12.unsign(expected, secret))
      var forged = expected.slice(0, -1) + (expected.slice(-1) === 'A' ? 'B' : 'A')
      assert.strictEqual(unsign(forged, secret), cookieSignature12.unsign(forged, secret))
    }
  }
})

test('every single-character change of a signed value fails to unsign', function () {
  var signed = sign('bnFrdfo2R5fXXDg4l8nWPnJOThnjVjse', 'keyboard cat')
  var alphabet = 'ABCZabcz019+/-_.=% '
  for (var i = 0; i < signed.length; i++) {
    for (var j = 0; j < alphabet.length; j++) {
      if (signed[i] === alphabet[j]) continue
      var forged = signed.slice(0, i) + alphabet[j] + signed.slice(i + 1)
      assert.strictEqual(unsign(forged, 'keyboard cat'), false, forged)
      assert.strictEqual(cookieSignature.unsign(forged, 'keyboard cat'), false)
    }
  }
  assert.strictEqual(unsign(signed + '=', 'keyboard cat'), false)
  assert.strictEqual(unsign(signed.slice(0, -1), 'keyboard cat'), false)
})

test('values with dots, empty values and astral characters round-trip', function () {
  ['a.b.c', '', '.', '..', '🎉.x.🎉', 'héllo wörld', '\u0000'].forEach(function (v) {
    var signed = sign(v, 'k')
    assert.strictEqual(signed, cookieSignature.sign(v, 'k'))
    assert.strictEqual(unsign(signed, 'k'), v)
  })
  // a lone surrogate is kept as given in the output, hashed as UTF-8 (U+FFFD) like Node
  var lone = 'a\ud800b'
  assert.strictEqual(sign(lone, 'k'), cookieSignature.sign(lone, 'k'))
  assert.strictEqual(unsign(cookieSignature.sign(lone, 'k'), 'k'), lone)
})

test('secret arrays: sign with the first, verify with all, in order', function () {
  var old = cookieSignature.sign('sid', 'old')
  var fresh = cookieSignature.sign('sid', 'new')
  assert.strictEqual(unsign(old, ['new', 'old']), 'sid')
  assert.strictEqual(unsign(fresh, ['new', 'old']), 'sid')
  assert.strictEqual(unsign(old, ['new', 'other']), false)
  var signer = new (require('../native/signature').Signer)(['new', 'old'])
  assert.strictEqual(signer.sign('sid'), fresh)
  assert.strictEqual(signer.unsign(old), 'sid')
})

test('Buffer, TypedArray and KeyObject secrets equal their bytes', function () {
  var bytes = crypto.randomBytes(32)
  var expected = cookieSignature.sign('v', bytes)
  assert.strictEqual(sign('v', bytes), expected)
  assert.strictEqual(sign('v', new Uint8Array(bytes)), expected)
  assert.strictEqual(sign('v', crypto.createSecretKey(bytes)), expected)
  var view = new Uint8Array(64)
  view.set(bytes, 16)
  assert.strictEqual(sign('v', view.subarray(16, 48)), expected)
})

test('TypeErrors match cookie-signature', function () {
  assert.throws(function () { sign(1, 'k') }, { name: 'TypeError', message: 'Cookie value must be provided as a string.' })
  assert.throws(function () { sign('v') }, { name: 'TypeError', message: 'Secret key must be provided.' })
  assert.throws(function () { sign('v', null) }, { name: 'TypeError', message: 'Secret key must be provided.' })
  assert.throws(function () { unsign(1, 'k') }, { name: 'TypeError', message: 'Signed cookie string must be provided.' })
  assert.throws(function () { unsign('v.x') }, { name: 'TypeError', message: 'Secret key must be provided.' })
  var nodeError
  try { cookieSignature.sign('v', 42) } catch (e) { nodeError = e }
  assert.throws(function () { sign('v', 42) }, { name: nodeError.name, message: nodeError.message })
})
