// The native MemoryStore's production features: ttl, background expiry, limits
// with eviction, stats, concurrency, worker_threads, and exiting cleanly.

'use strict'

var assert = require('assert')
var childProcess = require('child_process')
var path = require('path')
var test = require('node:test')
var Worker = require('worker_threads').Worker
var MemoryStore = require('..').MemoryStore
var Cookie = require('..').Cookie

var DAY = 24 * 60 * 60 * 1000

function sleep (ms) {
  return new Promise(function (resolve) { setTimeout(resolve, ms) })
}

function withClock (t, now) {
  t.mock.timers.enable({ apis: ['Date'], now: now })
  return function advance (ms) { t.mock.timers.tick(ms) }
}

test('ttl: sessions without a cookie expiry expire after one day by default', async function (t) {
  var advance = withClock(t, 1e12)
  var store = new MemoryStore({ sweepInterval: 0 })
  await store.set('browser', { cookie: new Cookie(), n: 1 })
  await store.set('dated', { cookie: new Cookie({ maxAge: 2 * DAY }), n: 2 })
  advance(DAY - 1)
  assert.deepStrictEqual((await store.get('browser')).n, 1)
  advance(1)
  assert.strictEqual(await store.get('browser'), undefined)
  assert.strictEqual((await store.get('dated')).n, 2, 'the cookie expiry wins over the ttl')
  assert.strictEqual(store.stats().expired, 1)
})

test('ttl: touch and set restart it; a number, a function, Infinity', async function (t) {
  var advance = withClock(t, 1e12)
  var store = new MemoryStore({ ttl: 1000, sweepInterval: 0 })
  await store.set('a', { cookie: new Cookie() })
  advance(900)
  await store.touch('a', { cookie: new Cookie() })
  advance(900)
  assert.ok(await store.get('a'), 'touch restarted the ttl')
  advance(100)
  assert.strictEqual(await store.get('a'), undefined)

  var seen = []
  var fn = new MemoryStore({ ttl: function (sess) { seen.push(sess.n); return sess.n * 1000 }, sweepInterval: 0 })
  await fn.set('one', { cookie: {}, n: 1 })
  await fn.set('five', { cookie: {}, n: 5 })
  advance(2000)
  assert.deepStrictEqual(Object.keys(await fn.all()), ['five'])
  assert.deepStrictEqual(seen, [1, 5])

  var forever = new MemoryStore({ ttl: Infinity, sweepInterval: 0 })
  await forever.set('a', { cookie: {} })
  advance(1000 * DAY)
  assert.ok(await forever.get('a'))
})

test('options are validated', function () {
  assert.throws(function () { return new MemoryStore({ ttl: -1 }) }, /ttl option must be an integer number of milliseconds >= 1/)
  assert.throws(function () { return new MemoryStore({ ttl: 'day' }) }, /ttl option/)
  assert.throws(function () { return new MemoryStore({ max: -5 }) }, /max option must be an integer >= 0/)
  assert.throws(function () { return new MemoryStore({ maxBytes: '1mb' }) }, /maxBytes option/)
  assert.throws(function () { return new MemoryStore({ name: 42 }) }, /name option must be a string/)
})

test('background sweep removes expired sessions that are never read', async function () {
  var store = new MemoryStore({ sweepInterval: 10 })
  // (sweep paused while filling, so that a loaded machine cannot race the count)
  store.stopInterval()
  var past = new Date(Date.now() - 1000)
  for (var i = 0; i < 500; i++) {
    await store.set('s' + i, { cookie: { expires: past } })
  }
  await store.set('keep', { cookie: new Cookie({ maxAge: 60000 }) })
  assert.strictEqual(store.stats().count, 501)
  store.startInterval()
  for (var tries = 0; tries < 500 && store.stats().count > 1; tries++) await sleep(10)
  assert.strictEqual(store.stats().count, 1)
  assert.strictEqual(store.stats().expired, 500)
  assert.strictEqual(store.stats().misses, 0, 'nothing was read')
  store.stopInterval()
})

test('a sweep step stays within its time budget on a large store', function () {
  var store = new MemoryStore({ sweepInterval: 0 })
  var json = JSON.stringify({ cookie: { expires: new Date(1).toISOString() }, user: 'x'.repeat(100) })
  for (var i = 0; i < 200000; i++) {
    store._native.set('session-id-' + i, json, 1, 0)
  }
  var steps = []
  var shards = 0
  var removed = 0
  for (var pass = false; !pass;) {
    var t0 = process.hrtime.bigint()
    var r = store._native.sweep(Date.now(), 1)
    steps.push(Number(process.hrtime.bigint() - t0) / 1e6)
    shards += r.shards
    removed += r.removed
    pass = r.passComplete
  }
  assert.strictEqual(removed, 200000)
  assert.strictEqual(shards, 256, 'one pass visits every shard once')
  assert.ok(steps.length > 1, 'the work was split into steps')
  // budget 1 ms, plus at most one shard (~800 entries) past it. Judged by the
  // median: on a loaded machine any single step can be paused for longer.
  steps.sort(function (a, b) { return a - b })
  var median = steps[steps.length >> 1]
  assert.ok(median < 5, 'median step ' + median.toFixed(2) + ' ms of ' + steps.length)
  assert.strictEqual(store.stats().count, 0)
})

test('a sweep step stops at the first shard once its budget is spent', function () {
  var store = new MemoryStore({ sweepInterval: 0 })
  var json = JSON.stringify({ cookie: { expires: new Date(1).toISOString() } })
  for (var i = 0; i < 10000; i++) store._native.set('s' + i, json, 1, 0)
  var steps = []
  for (var pass = false; !pass;) {
    var r = store._native.sweep(Date.now(), 0)
    steps.push(r.shards)
    pass = r.passComplete
  }
  assert.strictEqual(steps.length, 256)
  assert.ok(steps.every(function (n) { return n === 1 }))
  assert.strictEqual(store.stats().count, 0)
})

test('max: evicts to stay at the limit, keeps the newest, counts evictions', async function () {
  var store = new MemoryStore({ max: 100, sweepInterval: 0 })
  for (var i = 0; i < 250; i++) {
    await store.set('s' + i, { cookie: {}, i: i })
    assert.ok(await store.get('s' + i), 'just written')
  }
  var stats = store.stats()
  assert.strictEqual(stats.count, 100)
  assert.strictEqual(stats.evicted, 150)
  assert.strictEqual(await store.length(), 100)
  assert.strictEqual((await store.ids()).length, 100)
})

test('maxBytes: the summed size stays under the limit', async function () {
  var store = new MemoryStore({ maxBytes: 50000, sweepInterval: 0 })
  for (var i = 0; i < 2000; i++) {
    await store.set('sid-' + i, { cookie: {}, payload: 'p'.repeat(i % 300) })
    assert.ok(store.stats().bytes <= 50000)
  }
  var all = await store.all()
  var bytes = Object.keys(all).reduce(function (sum, sid) { return sum + sid.length + JSON.stringify(all[sid]).length }, 0)
  assert.strictEqual(store.stats().bytes, bytes)
  assert.ok(store.stats().evicted > 0)
})

test('stats count hits, misses, expired and bytes exactly', async function (t) {
  var advance = withClock(t, 1e12)
  var store = new MemoryStore({ sweepInterval: 0 })
  await store.set('a', { cookie: {} })
  await store.set('b', { cookie: { expires: new Date(1e12 + 10) } })
  await store.get('a')
  await store.get('a')
  await store.get('nope')
  advance(10)
  await store.get('b')
  var json = JSON.stringify({ cookie: {} })
  assert.deepStrictEqual(store.stats(), { count: 1, bytes: 1 + json.length, hits: 2, misses: 2, expired: 1, evicted: 0 })
  await store.destroy('a')
  assert.strictEqual(store.stats().bytes, 0)
  assert.strictEqual(store.prune(), 0)
})

test('four concurrent async writers', async function () {
  var store = new MemoryStore({ sweepInterval: 0 })
  async function writer (w) {
    for (var i = 0; i < 500; i++) {
      var sid = 'w' + w + '-' + (i % 50)
      await store.set(sid, { cookie: new Cookie({ maxAge: 60000 }), w: w, i: i })
      var got = await store.get(sid)
      assert.strictEqual(got.w, w)
      if (i % 7 === 0) await store.touch(sid, { cookie: new Cookie({ maxAge: 1000 }) })
      if (i % 11 === 0) await store.destroy(sid)
    }
  }
  await Promise.all([0, 1, 2, 3].map(writer))
  var all = await store.all()
  assert.strictEqual(Object.keys(all).length, store.stats().count)
  Object.keys(all).forEach(function (sid) {
    var w = Number(sid.slice(1, 2))
    assert.strictEqual(all[sid].w, w)
    assert.strictEqual(all[sid].i % 50, Number(sid.split('-')[1]))
  })
})

test('worker_threads: stores with the same name share sessions; unnamed stores do not', async function () {
  var shared = new MemoryStore({ name: 'test-shared-' + process.pid, sweepInterval: 0 })
  var own = new MemoryStore({ sweepInterval: 0 })
  await shared.set('from-main', { cookie: {}, who: 'main' })
  await own.set('from-main', { cookie: {}, who: 'main' })
  var worker = new Worker([
    "var p = require('worker_threads').parentPort",
    'var M = require(' + JSON.stringify(path.join(__dirname, '..')) + ').MemoryStore',
    "var s = new M({ name: 'test-shared-" + process.pid + "', sweepInterval: 0 })",
    'var o = new M({ sweepInterval: 0 })',
    "s.get('from-main').then(async function (seen) {",
    "  for (var i = 0; i < 1000; i++) await s.set('from-worker-' + i, { cookie: {}, i: i })",
    '  p.postMessage({ seen: seen && seen.who, own: (await o.length()) })',
    '})'
  ].join('\n'), { eval: true })
  var msg = await new Promise(function (resolve, reject) {
    worker.on('message', resolve)
    worker.on('error', reject)
  })
  await worker.terminate()
  assert.deepStrictEqual(msg, { seen: 'main', own: 0 })
  assert.strictEqual(await shared.length(), 1001)
  assert.strictEqual((await shared.get('from-worker-999')).i, 999)
  assert.strictEqual(await own.length(), 1)
})

test('a process with a store (and its sweep timer) exits normally', function () {
  var res = childProcess.spawnSync(process.execPath, ['-e', [
    'var s = require(' + JSON.stringify(path.join(__dirname, '..')) + ')',
    'var store = new s.MemoryStore({ sweepInterval: 5 })',
    "store.set('a', { cookie: {} }, function () { console.log('stored') })"
  ].join(';')], { encoding: 'utf8', timeout: 10000 })
  assert.strictEqual(res.status, 0, res.stderr)
  assert.strictEqual(res.stdout, 'stored\n')
})
