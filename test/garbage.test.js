// Garbage of every JS type into every exported function: a clear error or a
// documented result, never a crash of the process.

'use strict'

var assert = require('assert')
var test = require('node:test')
var native = require('../native')
var session = require('..')

var garbage = [
  undefined, null, true, false, 0, -1, NaN, Infinity, 1.5, 2n ** 70n, '', 'x', 'a.b',
  '\ud800', 'x'.repeat(100000), Symbol('s'), {}, [], [1, 2], [null], ['s', {}],
  function () {}, new Date(NaN), /re/, Buffer.alloc(0), Buffer.from('k'), new Uint8Array(3),
  new Map(), Object.create(null), { toString: function () { throw new Error('boom') } },
  new Proxy({}, { get: function () { throw new Error('trap') } })
]

function call (fn, args) {
  try {
    fn.apply(null, args)
  } catch (err) {
    assert.ok(err instanceof Error, 'threw a non-Error: ' + String(err))
  }
}

test('native functions survive garbage arguments', function () {
  garbage.forEach(function (a) {
    call(native.generateId, [a])
    call(native.createSigner, [a])
    garbage.forEach(function (b) { call(native.createSigner, [[a, b]]) })
  })
  var signer = native.createSigner([Buffer.from('k')])
  garbage.forEach(function (a) {
    call(signer.sign, [a])
    call(signer.verify, [a])
  })
  garbage.forEach(function (a) {
    garbage.slice(0, 12).forEach(function (b) {
      call(native.createStore, [a, b, a])
    })
  })
  var store = native.createStore(0, 0)
  var methods = ['get', 'set', 'destroy', 'touch', 'all', 'ids', 'length', 'clear', 'removeExpired', 'sweep', 'stats']
  methods.forEach(function (m) {
    garbage.forEach(function (a) {
      garbage.slice(0, 12).forEach(function (b) {
        call(store[m], [a, b, a, b])
      })
    })
  })
})

test('JS exports survive garbage arguments', function () {
  garbage.forEach(function (a) {
    garbage.forEach(function (b) {
      call(session.sign, [a, b])
      call(session.unsign, [a, b])
    })
  })
  var signer = native.createSigner([Buffer.from('k')])
  assert.strictEqual(signer.verify('garbage'), false)
  assert.throws(function () { signer.sign(1) }, TypeError)
})

test('the store stays usable after garbage', function () {
  var store = native.createStore(0, 0)
  store.set('a', '{"cookie":{}}', NaN, 0)
  store.touch('a', 'not json at all {', NaN, 0)
  store.set('b', 'not an object', NaN, 0)
  assert.strictEqual(store.touch('b', '{}', NaN, 0), true)
  assert.strictEqual(store.get('b', 0), 'not an object')
  assert.deepStrictEqual(store.ids(0), ['a', 'b'])
})
