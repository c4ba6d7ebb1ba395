// One store measurement in a fresh process (run by bench/store.js with
// --expose-gc): fills a store with N sessions of about 200 B of JSON, then reports
// memory added, the time of a forced full GC, and get/set/touch costs.
// usage: node --expose-gc bench/store-child.js <impl> <n>

'use strict'

var lib = require('./lib')

var impl = process.argv[2]
var n = Number(process.argv[3])

function createStore () {
  switch (impl) {
    case 'express-session':
      return new (require('express-session').MemoryStore)()
    case 'memorystore':
      return new (require('memorystore')(require('express-session')))({ checkPeriod: 3600e3 })
    case 'express-session-rs':
      return new (require('..').MemoryStore)()
    default:
      throw new Error('unknown store ' + impl)
  }
}

// ~200 bytes of JSON, like a small logged-in session
function session (i) {
  return {
    cookie: { originalMaxAge: 86400000, expires: new Date(Date.now() + 86400000), httpOnly: true, path: '/' },
    user: { id: i, name: 'user' + i, role: 'member' },
    views: i % 100,
    csrf: 'c' + (1e9 + i)
  }
}

function sid (i) {
  return 'sid-' + (1e9 + i) + '-abcdefghijklmnopqrstu' // 32 chars, like generated IDs
}

function drain () {
  return new Promise(function (resolve) { setImmediate(resolve) })
}

function gcAll () {
  for (var i = 0; i < 4; i++) global.gc()
}

function gcMs () {
  var t = []
  for (var i = 0; i < 5; i++) {
    var t0 = process.hrtime.bigint()
    global.gc()
    t.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return lib.median(t)
}

// ns per op of `op(i)` over `count` calls in batches, callbacks drained per batch
async function timeOps (op, count) {
  var batch = 500
  var total = 0n
  var done = 0
  for (var b = 0; done < count; b++) {
    var t0 = process.hrtime.bigint()
    for (var k = 0; k < batch; k++, done++) op(done)
    await drain()
    total += process.hrtime.bigint() - t0
  }
  return Number(total) / done
}

async function main () {
  var noop = function () {}
  gcAll()
  var before = process.memoryUsage()
  var emptyGc = gcMs()
  var store = createStore()
  var sample = JSON.stringify(session(123456))
  for (var i = 0; i < n; i++) {
    store.set(sid(i), session(i), noop)
    if (i % 1000 === 999) await drain()
  }
  await drain()
  gcAll()
  var after = process.memoryUsage()
  var fullGc = gcMs()

  var ops = Math.min(200000, Math.max(20000, n))
  var rnd = function (i) { return (i * 2654435761) % n }
  var getNs = await timeOps(function (i) { store.get(sid(rnd(i)), noop) }, ops)
  var sess = session(7)
  var setNs = await timeOps(function (i) { store.set(sid(rnd(i)), sess, noop) }, ops)
  var touchNs = await timeOps(function (i) { store.touch(sid(rnd(i)), sess, noop) }, ops)

  // a get must have returned the parsed session
  var check = await new Promise(function (resolve) { store.get(sid(rnd(5)), function (e, s) { resolve(s) }) })
  if (!check || !check.cookie) throw new Error('store returned ' + check)

  // background sweep of a store where every session has expired: the longest
  // single step is how long the event loop is blocked at a time
  var sweep = null
  if (store._native) {
    var steps = []
    for (var pass = false; !pass;) {
      var s0 = process.hrtime.bigint()
      pass = store._native.sweep(Date.now() + 1000 * 86400000, 2).passComplete
      steps.push(Number(process.hrtime.bigint() - s0) / 1e6)
    }
    sweep = { steps: steps.length, maxStepMs: Math.max.apply(null, steps), totalMs: steps.reduce(function (a, b) { return a + b }, 0) }
  }

  process.stdout.write(JSON.stringify({
    impl: impl,
    n: n,
    jsonBytes: sample.length,
    heapAddedMiB: (after.heapUsed - before.heapUsed) / 1048576,
    rssAddedMiB: (after.rss - before.rss) / 1048576,
    rssPerSession: (after.rss - before.rss) / n,
    gcMs: fullGc,
    emptyGcMs: emptyGc,
    getNs: getNs,
    setNs: setNs,
    touchNs: touchNs,
    sweepSteps: sweep && sweep.steps,
    sweepMaxStepMs: sweep && sweep.maxStepMs,
    sweepTotalMs: sweep && sweep.totalMs
  }) + '\n')
  if (store.stopInterval) store.stopInterval()
}

main().catch(function (err) {
  console.error(err)
  process.exit(1)
})
