// SqliteStore benchmark: 20,000 writes in flight at once, with and without fsync,
// against the native MemoryStore in the same run: time, writes/s, and the event
// loop's delay (perf_hooks.monitorEventLoopDelay) while they are in flight.

'use strict'

var fs = require('fs')
var os = require('os')
var path = require('path')
var perfHooks = require('perf_hooks')
var lib = require('./lib')
var session = require('..')

var WRITES = 20000

async function burst (store, n) {
  var cookie = new session.Cookie({ maxAge: 60000 })
  var delay = perfHooks.monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  var start = process.hrtime.bigint()
  var writes = []
  // issued 200 per turn of the event loop (as requests arrive), all in flight
  // together: the delay measured is what the store's work costs the loop
  for (var i = 0; i < n; i += 200) {
    for (var j = i; j < Math.min(n, i + 200); j++) {
      writes.push(store.set('bench-session-' + j, { cookie: cookie, user: 'user' + j, cart: ['a', 'b', j] }))
    }
    await new Promise(setImmediate)
  }
  await Promise.all(writes)
  var ms = Number(process.hrtime.bigint() - start) / 1e6
  delay.disable()
  return { ms: ms, perSecond: n / ms * 1000, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 }
}

module.exports = async function sqliteSuite (options) {
  var rounds = options.quick ? 1 : 3
  var n = options.quick ? 2000 : WRITES
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-bench-sqlite-'))
  var kinds = [
    ['MemoryStore', function () { return new session.MemoryStore({ sweepInterval: 0 }) }],
    ['SqliteStore', function (r) { return new session.SqliteStore({ path: path.join(dir, 'a' + r + '.db'), sweepInterval: 0 }) }],
    ['SqliteStore, fsync', function (r) { return new session.SqliteStore({ path: path.join(dir, 'b' + r + '.db'), sweepInterval: 0, fsync: true }) }]
  ]
  var samples = kinds.map(function () { return [] })
  try {
    for (var r = 0; r < rounds; r++) {
      for (var k = 0; k < kinds.length; k++) {
        var store = kinds[k][1](r)
        samples[k].push(await burst(store, n))
        if (store.close) store.close()
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return kinds.map(function (kind, k) {
    var s = samples[k]
    function med (key) { return lib.median(s.map(function (x) { return x[key] })) }
    return { store: kind[0], writes: n, ms: med('ms'), perSecond: med('perSecond'), p99: med('p99'), max: med('max') }
  })
}

module.exports.table = function table (rows) {
  var lines = [
    '| store | writes in flight | all acknowledged after (ms) | writes/s | vs MemoryStore | event-loop delay p99 (ms) | max (ms) |',
    '|---|---:|---:|---:|---:|---:|---:|'
  ]
  rows.forEach(function (r) {
    lines.push('| ' + [r.store, r.writes, lib.fmt(r.ms), lib.fmt(r.perSecond), lib.fmt(r.perSecond / rows[0].perSecond, 2) + 'x',
      lib.fmt(r.p99, 1), lib.fmt(r.max, 1)].join(' | ') + ' |')
  })
  return lines.join('\n')
}
