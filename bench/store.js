// Store benchmark: express-session's MemoryStore, memorystore and ours, at 1k and
// 1M sessions of ~200 B JSON. Each measurement runs in a fresh process (clean heap
// and RSS); the order of the stores rotates between repetitions; medians reported.

'use strict'

var childProcess = require('child_process')
var path = require('path')
var lib = require('./lib')

var IMPLS = ['express-session', 'memorystore', 'express-session-rs']

function runChild (impl, n) {
  var out = childProcess.execFileSync(process.execPath, ['--expose-gc', path.join(__dirname, 'store-child.js'), impl, String(n)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20
  })
  return JSON.parse(out)
}

module.exports = function store (options) {
  var reps = options.rounds ? Math.min(options.rounds, 3) : 3
  var sizes = options.quick ? [1000, 100000] : [1000, 1000000]
  var samples = {}
  for (var r = 0; r < reps; r++) {
    sizes.forEach(function (n) {
      var order = IMPLS.slice(r % IMPLS.length).concat(IMPLS.slice(0, r % IMPLS.length))
      order.forEach(function (impl) {
        var key = impl + ' ' + n
        ;(samples[key] = samples[key] || []).push(runChild(impl, n))
      })
    })
  }
  var fields = ['heapAddedMiB', 'rssPerSession', 'gcMs', 'getNs', 'setNs', 'touchNs', 'sweepSteps', 'sweepMaxStepMs', 'sweepTotalMs']
  var results = []
  sizes.forEach(function (n) {
    IMPLS.forEach(function (impl) {
      var runs = samples[impl + ' ' + n]
      var row = { impl: impl, n: n, runs: runs.length }
      fields.forEach(function (f) {
        var values = runs.map(function (x) { return x[f] }).filter(function (v) { return v != null })
        row[f] = values.length ? lib.median(values) : null
      })
      results.push(row)
    })
  })
  return results
}

module.exports.table = function table (results) {
  var base = {}
  results.forEach(function (r) { if (r.impl === 'express-session') base[r.n] = r })
  var lines = [
    '| store | sessions | V8 heap added | RSS per session | forced full GC | get+parse | set | touch | get vs express-session |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|'
  ]
  results.forEach(function (r) {
    lines.push('| ' + [
      r.impl, r.n.toLocaleString('en'),
      lib.fmt(r.heapAddedMiB, 1) + ' MiB', lib.fmt(r.rssPerSession) + ' B', lib.fmt(r.gcMs, 1) + ' ms',
      lib.fmt(r.getNs / 1000, 2) + ' us', lib.fmt(r.setNs / 1000, 2) + ' us', lib.fmt(r.touchNs / 1000, 2) + ' us',
      lib.fmt(base[r.n].getNs / r.getNs, 2) + 'x'
    ].join(' | ') + ' |')
  })
  results.forEach(function (r) {
    if (r.sweepSteps) {
      lines.push('')
      lines.push('Background sweep of ' + r.n.toLocaleString('en') + ' expired sessions (' + r.impl + ', budget 2 ms a step): ' +
        r.sweepSteps + ' steps, longest ' + lib.fmt(r.sweepMaxStepMs, 2) + ' ms, ' + lib.fmt(r.sweepTotalMs, 0) + ' ms in all.')
    }
  })
  return lines.join('\n') + '\n\nget/set/touch: per call including its callback (deferred by each store), ' +
    'in batches of 500 over random sids. RSS per session at 1k is dominated by fixed costs.'
}
