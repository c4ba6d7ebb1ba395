// Garbage of every JS type into every exported function: a clear error or a
// documented result, never a crash of the process.

'use strict'

var assert = require('assert')
var fs = require('fs')
var os = require('os')
var path = require('path')
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

// for the native functions only (the JS exports read arrays with JS's own
// methods): a huge sparse array, which the binding reads element by element and
// refuses at the first hole instead of reading 2^32 - 1 elements into memory
var nativeGarbage = garbage.concat([new Array(2 ** 32 - 1)])

// fn(...args): its result, or undefined when it threw (an Error, nothing else)
function call (fn, args) {
  try {
    return fn.apply(null, args)
  } catch (err) {
    assert.ok(err instanceof Error, 'threw a non-Error: ' + String(err))
  }
}

// the methods of a native object: its own (the raw calls) and its class's
function methodsOf (obj) {
  var proto = Object.getOwnPropertyNames(Object.getPrototypeOf(obj)).filter(function (m) { return m !== 'constructor' })
  return Object.keys(obj).concat(proto).sort()
}

// fn(...valid) with each argument in turn replaced by each of `values`
function eachArgument (fn, valid, values) {
  for (var i = 0; i < valid.length; i++) {
    values.forEach(function (v) {
      var args = valid.slice()
      args[i] = v
      call(fn, args)
    })
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
  var methods = ['get', 'peek', 'keys', 'set', 'merge', 'destroy', 'touch', 'all', 'owned', 'destroyOwned', 'ids', 'length', 'clear', 'removeExpired', 'sweep', 'stats']
  assert.deepStrictEqual(methodsOf(store), methods.slice().sort(), 'every method of the native store is tried')
  methods.forEach(function (m) {
    nativeGarbage.forEach(function (a) {
      garbage.slice(0, 12).forEach(function (b) {
        call(store[m], [a, b, a, b, a, b])
      })
    })
  })
  var valid = {
    get: ['s', 0],
    peek: ['s'],
    set: ['s', '{}', NaN, 0, 'o'],
    merge: ['s', '{"a":1}', ['k', '1'], ['a'], NaN, 0, 'o'],
    destroy: ['s'],
    touch: ['s', '{}', NaN, 0, 'o'],
    all: [0],
    owned: ['o', 0],
    destroyOwned: ['o', ['x'], 0],
    ids: [0],
    length: [0],
    removeExpired: [0],
    sweep: [0, 1]
  }
  Object.keys(valid).forEach(function (m) {
    store.set('s', '{"a":1}', NaN, 0)
    eachArgument(store[m], valid[m], nativeGarbage)
  })
  // the members of merge's [key, json, ...] and [key, ...]
  nativeGarbage.forEach(function (a) {
    eachArgument(function (k, v, d) { store.merge('s', '{}', [k, v], [d], NaN, 0) }, ['k', '1', 'd'], [a])
  })
  // a key must be JSON string text, as JSON.stringify writes it between the quotes
  ;['a"b', '\\', 'a\\', '\\x', '\\u12', '\\u12g4', '\u0001'].forEach(function (k) {
    assert.throws(function () { store.merge('s', '{}', [k, '1'], [], NaN, 0) }, TypeError, k)
    assert.throws(function () { store.merge('s', '{}', [], [k], NaN, 0) }, TypeError, k)
  })
  store.set('s', '{"a":1}', NaN, 0)
  store.merge('s', '{}', ['\\ud800', '1', 'a\\"b', '2'], ['\\/'], NaN, 0)
  assert.strictEqual(store.get('s', 0), '{"a":1,"\\ud800":1,"a\\"b":2}')
})

test('native SQLite store functions survive garbage arguments', async function () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-garbage-'))
  var completions = []
  function onDone (ids, codes, messages) { completions.push([ids, codes, messages]) }
  try {
    // createSqliteStore(path, fsync, busyTimeoutMs, maxPageCount, onDone); no
    // other string as the path (a relative one would be opened in the working
    // directory)
    var paths = nativeGarbage.filter(function (a) { return typeof a !== 'string' || a === '' })
      .concat([path.join(dir, 'x'.repeat(5000)), path.join(dir, 'no', 'such', 'dir', 'x.db'), dir])
    var create = [path.join(dir, 'created.db'), 0, 1000, 0, onDone]
    for (var i = 0; i < create.length; i++) {
      (i === 0 ? paths : nativeGarbage).forEach(function (a) {
        var args = create.slice()
        args[i] = a
        var opened = call(native.createSqliteStore, args)
        if (opened) opened.close()
      })
    }

    var store = native.createSqliteStore(path.join(dir, 'g.db'), 0, 1000, 0, onDone)
    var methods = ['get', 'set', 'merge', 'touch', 'destroy', 'clear', 'sweep', 'all', 'owned', 'destroyOwner', 'ids', 'length', 'stats', 'flush', 'ref', 'unref', 'close']
    assert.deepStrictEqual(methodsOf(store), methods.slice().sort(), 'every method of the native SQLite store is tried')
    methods.filter(function (m) { return m !== 'close' }).forEach(function (m) {
      nativeGarbage.forEach(function (a) {
        garbage.slice(0, 12).forEach(function (b) {
          call(store[m], [a, b, a, b, a, b, a])
        })
      })
    })
    var valid = {
      get: ['s', 0],
      set: [1, 's', '{"a":1}', NaN, 'o'],
      merge: [1, 's', '{"a":1}', ['k', '1'], ['a'], NaN, 0, 'o'],
      touch: [1, 's', '{}', NaN, 0, 'o'],
      destroy: [1, ['s']],
      owned: ['o', 0],
      destroyOwner: [1, 'o', ['x'], 0],
      clear: [1],
      sweep: [1, 0, 10],
      all: [0],
      ids: [0],
      length: [0]
    }
    Object.keys(valid).forEach(function (m) {
      eachArgument(store[m], valid[m], nativeGarbage)
      store.flush()
    })
    nativeGarbage.forEach(function (a) {
      eachArgument(function (k, v, d) { store.merge(1, 's', '{}', [k, v], [d], NaN, 0) }, ['k', '1', 'd'], [a])
    })
    ;['a"b', '\\x', '\u0001'].forEach(function (k) {
      assert.throws(function () { store.merge(1, 's', '{}', [k, '1'], [], NaN, 0) }, TypeError, k)
    })
    store.flush()
    store.close()
    // closed: every call is a result or an Error
    methods.forEach(function (m) { call(store[m], valid[m] || []) })
    await new Promise(function (resolve) { setTimeout(resolve, 50) })
    assert.ok(completions.length > 0)
    completions.forEach(function (c) {
      assert.strictEqual(c[1].length, c[0].length)
      for (var j = 0; j < c[0].length; j++) {
        assert.strictEqual(typeof c[0][j], 'number')
        assert.ok(c[1][j] === null ? c[2][j] === null : typeof c[1][j] === 'string' && typeof c[2][j] === 'string')
      }
    })
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('native Redis store functions survive garbage arguments (nothing listening: every call completes with an error)', async function () {
  var completions = []
  function onDone (ids, codes, messages, values) { completions.push([ids, codes, messages, values]) }
  var create = ['redis://127.0.0.1:1', 'sess:', 100, 200, 200, 10, 20, null, onDone]
  for (var i = 0; i < create.length; i++) {
    nativeGarbage.forEach(function (a) {
      var args = create.slice()
      args[i] = a
      var made = call(native.createRedisStore, args)
      if (made) made.close()
    })
  }
  var store = native.createRedisStore.apply(null, create)
  var methods = ['get', 'set', 'merge', 'expire', 'destroy', 'flush', 'ref', 'unref', 'ids', 'all', 'clear', 'clearOwners', 'owned', 'deleteIf', 'stats', 'close']
  assert.deepStrictEqual(methodsOf(store), methods.slice().sort(), 'every method of the native Redis store is tried')
  methods.filter(function (m) { return m !== 'close' }).forEach(function (m) {
    nativeGarbage.forEach(function (a) {
      garbage.slice(0, 12).forEach(function (b) {
        call(store[m].bind(store), [a, b, a, b, a, b])
      })
    })
  })
  store.get(1, 'a')
  store.set(2, 'a', '{}', 10)
  store.merge(3, 'a', '{}', ['x', '1'], ['y'], 10)
  store.set(4, 'a', '{}', 10, 'owner')
  store.merge(5, 'a', '{}', ['x', '1'], ['y'], 10, 'owner')
  store.expire(6, 'a', 10, 'owner')
  store.owned(7, 'owner')
  store.deleteIf(8, 'a', '{}')
  store.flush()
  store.close()
  await new Promise(function (resolve) { setTimeout(resolve, 50) })
  var all = [].concat.apply([], completions.map(function (c) { return c[0] }))
  ;[1, 2, 3, 4, 5, 6, 7, 8].forEach(function (id) { assert.ok(all.indexOf(id) !== -1, 'the valid call ' + id + ' completed') })
  completions.forEach(function (c) {
    for (var j = 0; j < c[0].length; j++) {
      assert.strictEqual(typeof c[1][j], 'string', 'nothing listens: an error code')
      assert.strictEqual(c[3][j], null)
    }
  })
})

test('JS exports survive garbage arguments', function () {
  garbage.forEach(function (a) {
    nativeGarbage.forEach(function (b) {
      call(session.sign, [a, b])
      call(session.unsign, [a, b])
    })
  })
  // a sparse secrets array of length 2^32-1 fails at its first hole (it was
  // walked whole first)
  assert.throws(function () { session.sign('x', new Array(2 ** 32 - 1)) }, { name: 'TypeError', message: 'Secret key must be provided.' })
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
