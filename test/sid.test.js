// Session IDs: uid-safe's uid(24) format (32 base64url characters), unique, and
// uniformly distributed.

'use strict'

var assert = require('assert')
var test = require('node:test')
var generateId = require('..').generateId

var ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

test('IDs are 32 base64url characters, like uid-safe uid.sync(24)', function () {
  for (var i = 0; i < 10000; i++) {
    assert.match(generateId(), /^[A-Za-z0-9_-]{32}$/)
  }
})

test('no duplicates in 1,000,000 IDs', function () {
  var seen = new Set()
  for (var i = 0; i < 1000000; i++) seen.add(generateId())
  assert.strictEqual(seen.size, 1000000)
})

test('every alphabet character occurs with the expected frequency (chi-square)', function () {
  // 24 bytes -> 32 chars; every character position carries 6 uniform bits.
  var counts = new Array(64).fill(0)
  var n = 0
  for (var i = 0; i < 50000; i++) {
    var id = generateId()
    for (var j = 0; j < id.length; j++) {
      counts[ALPHABET.indexOf(id[j])]++
      n++
    }
  }
  assert.ok(counts.every(function (c) { return c > 0 }))
  var expected = n / 64
  var chi = counts.reduce(function (sum, c) { return sum + (c - expected) * (c - expected) / expected }, 0)
  // 63 degrees of freedom: p = 1e-9 at about 156 (Wilson-Hilferty), so a
  // false alarm is out of reach; a real bias over 1.6 M characters gives thousands
  assert.ok(chi < 156, 'chi-square ' + chi)
})
