// The same scenarios against express-session's MemoryStore and ours (and, where
// they hold for it, the durable SqliteStore).

'use strict'

var assert = require('assert')
var fs = require('fs')
var os = require('os')
var path = require('path')
var test = require('node:test')
var p = require('./support/call')
var util = require('util')
var original = require('express-session')
var ours = require('..')

function stores () {
  return [['express-session', new original.MemoryStore()], ['express-session-rs', new ours.MemoryStore()]]
}

function cookieIn (ms) {
  var c = new ours.Cookie({ maxAge: ms })
  return c
}

// A SqliteStore on a new file, for the scenarios that hold for it too.
var dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-memory-test-'))
var dbFiles = 0
test.after(function () { fs.rmSync(dbDir, { recursive: true, force: true }) })

// Runs `scenario(store)` against both stores (and, with `durable`, against a
// SqliteStore too) and compares the results with express-session's.
async function same (scenario, durable) {
  var results = []
  var pairs = stores()
  if (durable) pairs.push(['SqliteStore', new ours.SqliteStore({ path: path.join(dbDir, (++dbFiles) + '.db') })])
  for (var [name, store] of pairs) {
    results.push([name, await scenario(store)])
    if (store.close) store.close()
  }
  for (var i = 1; i < results.length; i++) {
    assert.deepStrictEqual(results[i][1], results[0][1], results[i][0])
  }
  return results[0][1]
}

test('MemoryStore is a Store and an EventEmitter', function () {
  var store = new ours.MemoryStore()
  assert.ok(store instanceof ours.Store)
  assert.ok(store instanceof require('events').EventEmitter)
  assert.strictEqual(typeof store.on, 'function')
})

test('callbacks are deferred like the original (not synchronous, setImmediate)', async function () {
  await same(async function (store) {
    var order = []
    var done = new Promise(function (resolve) {
      store.set('a', { cookie: cookieIn(1000), n: 1 }, function () { order.push('set') })
      store.get('a', function () { order.push('get') })
      store.touch('a', { cookie: cookieIn(1000) }, function () { order.push('touch') })
      store.length(function () { order.push('length') })
      store.all(function () { order.push('all') })
      store.destroy('a', function () { order.push('destroy') })
      store.clear(function () { order.push('clear') })
      process.nextTick(function () { order.push('tick') })
      setImmediate(function () { setImmediate(resolve) })
      order.push('sync')
    })
    await done
    return order
  })
})

test('get returns the stored JSON parsed; missing is undefined', function () {
  // (one cookie for both stores: a Cookie computes originalMaxAge from the clock,
  // 59999 when it ticks during its construction)
  var cookie = new ours.Cookie({ maxAge: 60000, domain: 'example.com', sameSite: 'lax' })
  return same(async function (store) {
    var sess = { cookie: cookie, user: { name: 'bob', d: new Date(0) }, list: [1, 'two', null] }
    await p(store, 'set', 'sid', sess)
    var got = await p(store, 'get', 'sid')
    var missing = await p(store, 'get', 'nope')
    got.cookie.expires = typeof got.cookie.expires
    return [got, missing]
  }, true)
})

test('expired sessions are removed on read; sessions without expiry never expire', function () {
  return same(async function (store) {
    await p(store, 'set', 'old', { cookie: { expires: new Date(Date.now() - 1).toISOString() }, a: 1 })
    await p(store, 'set', 'num', { cookie: { expires: Date.now() - 10 }, a: 2 })
    await p(store, 'set', 'never', { cookie: { expires: null }, a: 3 })
    await p(store, 'set', 'nocookie', { a: 4 })
    await p(store, 'set', 'bad', { cookie: { expires: 'not a date' }, a: 5 })
    await p(store, 'set', 'later', { cookie: cookieIn(60000), a: 6 })
    var len = await p(store, 'length')
    var all = await p(store, 'all')
    return [len, Object.keys(all), await p(store, 'get', 'old'), (await p(store, 'get', 'num'))]
  }, true)
})

test('touch replaces only the stored cookie and keeps stored data', function () {
  return same(async function (store) {
    await p(store, 'set', 's', { cookie: { originalMaxAge: 60000, expires: new Date(Date.now() + 60000), path: '/' }, n: 1 })
    await p(store, 'touch', 's', { cookie: { originalMaxAge: 5000, expires: new Date(8e12), path: '/x' }, n: 99, extra: true })
    await p(store, 'touch', 'missing', { cookie: {} })
    return [await p(store, 'get', 's'), await p(store, 'get', 'missing'), await p(store, 'length')]
  }, true)
})

test('touch of an expired session does not revive it', function () {
  return same(async function (store) {
    await p(store, 'set', 's', { cookie: { expires: new Date(Date.now() - 5) }, n: 1 })
    await p(store, 'touch', 's', { cookie: { expires: new Date(Date.now() + 60000) } })
    return [await p(store, 'get', 's'), await p(store, 'length')]
  }, true)
})

test('touch with a session without cookie removes the stored cookie', function () {
  return same(async function (store) {
    await p(store, 'set', 's', { cookie: { expires: null }, n: 1 })
    await p(store, 'touch', 's', { n: 2 })
    return await p(store, 'get', 's')
  }, true)
})

test('all is an object keyed by sid, in insertion order, with a null prototype', function () {
  return same(async function (store) {
    await p(store, 'set', 'b', { cookie: {}, v: 1 })
    await p(store, 'set', 'a', { cookie: {}, v: 2 })
    await p(store, 'set', '10', { cookie: {}, v: 3 })
    await p(store, 'set', 'b', { cookie: {}, v: 4 })
    var all = await p(store, 'all')
    return [Object.getPrototypeOf(all), Object.keys(all), all.b, all.a]
  }, true)
})

test('destroy, clear and length', function () {
  return same(async function (store) {
    await p(store, 'set', 'a', { cookie: {} })
    await p(store, 'set', 'b', { cookie: {} })
    await p(store, 'set', 'c', { cookie: {} })
    await p(store, 'destroy', 'a')
    await p(store, 'destroy', 'zzz')
    var afterDestroy = await p(store, 'length')
    await p(store, 'clear')
    return [afterDestroy, await p(store, 'length'), await p(store, 'all')]
  }, true)
})

test('set throws synchronously on data JSON cannot represent', function () {
  stores().forEach(function (pair) {
    var circular = { cookie: {} }
    circular.self = circular
    assert.throws(function () { pair[1].set('x', circular, function () {}) }, TypeError)
    assert.throws(function () { pair[1].set('x', { n: 1n }, function () {}) }, TypeError)
  })
})

test('extras: ids, destroy of an array, promises without callbacks', async function () {
  var store = new ours.MemoryStore()
  await store.set('a', { cookie: {} })
  await store.set('b', { cookie: {} })
  await store.set('c', { cookie: {} })
  assert.deepStrictEqual(await store.ids(), ['a', 'b', 'c'])
  await store.destroy(['a', 'c'])
  assert.deepStrictEqual(await util.promisify(store.ids).call(store), ['b'])
  assert.strictEqual(await store.length(), 1)
  assert.deepStrictEqual(await store.get('b'), { cookie: {} })
})

test('several MemoryStore instances are independent', async function () {
  var one = new ours.MemoryStore()
  var two = new ours.MemoryStore()
  await one.set('a', { cookie: {}, n: 1 })
  assert.strictEqual(await two.get('a'), undefined)
  assert.strictEqual(await two.length(), 0)
})

test('the native MemoryStore has no enumerable internals', function () {
  var store = new ours.MemoryStore()
  assert.ok(!Object.keys(store).includes('_native'))
})

test('store.sessions: the sid -> JSON view of express-session\'s MemoryStore', function () {
  return same(async function (store) {
    await p(store, 'set', 'a', { cookie: { expires: null }, n: 1 })
    await p(store, 'set', 'old', { cookie: { expires: new Date(Date.now() - 1000) }, n: 2 })
    var seen = [typeof store.sessions.a, JSON.parse(store.sessions.a).n, Object.keys(store.sessions).sort(), 'old' in store.sessions]
    // seeding and deleting directly
    store.sessions.seeded = JSON.stringify({ cookie: { expires: null }, n: 3 })
    delete store.sessions.a
    seen.push((await p(store, 'get', 'seeded')).n, await p(store, 'get', 'a'), await p(store, 'get', 'old'))
    seen.push(Object.keys(store.sessions))
    // replacing the whole object
    store.sessions = Object.create(null)
    seen.push(await p(store, 'length'), store.sessions.seeded)
    return seen
  })
})

test('store.sessions lists IDs in the order of express-session\'s object: array indices first, ascending, then the others as stored', function () {
  return same(async function (store) {
    var live = { cookie: { expires: null } }
    for (var id of ['b', '10', '2', '__proto__', '-1', '01', '4294967294', '4294967295', 'a']) await p(store, 'set', id, live)
    return [Object.keys(store.sessions), Reflect.ownKeys(store.sessions), Object.keys(await p(store, 'all'))]
  })
})

test('values that are no session (\'\', 0, false, "") are read as none by get, all and length, as in express-session', function () {
  return same(async function (store) {
    var live = { cookie: { expires: null }, n: 1 }
    await p(store, 'set', 'live', live)
    store.sessions.empty = ''
    store.sessions.zero = '0'
    store.sessions.no = 'false'
    store.sessions.blank = '""'
    store.set('direct', 0)
    var seen = [await p(store, 'get', 'empty'), await p(store, 'get', 'zero'), await p(store, 'get', 'no')]
    seen.push(await p(store, 'all'), await p(store, 'length'), Object.keys(store.sessions), store.sessions.empty)
    await p(store, 'clear')
    await p(store, 'set', 'again', live)
    seen.push(await p(store, 'length'))
    return seen
  })
})

test('a cookie expires that JSON keeps as an array or object counts as a number, as express-session compares it: [] has expired', function () {
  return same(async function (store) {
    var seen = []
    var values = [[], [0], [''], [[]], ['1'], [4102444800000], {}, { toJSON: function () { return null } }, { toJSON: function () { return 0 } }, { toJSON: function () { return [] } }]
    for (var i = 0; i < values.length; i++) {
      await p(store, 'set', 's' + i, { cookie: { expires: values[i] }, n: i })
      var got = await p(store, 'get', 's' + i)
      seen.push(got === undefined ? 'expired' : got.n)
    }
    return seen
  })
})
