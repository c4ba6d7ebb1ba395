// Small benchmarking helpers: time-boxed loops, interleaved rounds, medians.

'use strict'

/**
 * The CPU time (user + system) that process `pid` has used, in us, from
 * /proc/<pid>/stat (Linux; 10 ms clock ticks).
 */
exports.cpuUs = function cpuUs (pid) {
  var fields = require('fs').readFileSync('/proc/' + pid + '/stat', 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 1e6 / 100
}

/**
 * The CPU time (user + system) that this process's main thread (the event
 * loop's) has used, in us (Linux; 10 ms clock ticks).
 */
exports.loopCpuUs = function loopCpuUs () {
  return exports.cpuUs(process.pid + '/task/' + process.pid)
}

exports.median = function median (xs) {
  var s = xs.slice().sort(function (a, b) { return a - b })
  var m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/**
 * ns per call of `fn`, measured over about `ms` milliseconds after a warm-up.
 */
exports.nsPerOp = function nsPerOp (fn, ms) {
  var batch = 1000
  for (var w = 0; w < batch * 5; w++) fn()
  var ops = 0
  var start = process.hrtime.bigint()
  var deadline = start + BigInt(Math.round(ms * 1e6))
  var now = start
  while (now < deadline) {
    for (var i = 0; i < batch; i++) fn()
    ops += batch
    now = process.hrtime.bigint()
  }
  return Number(now - start) / ops
}

/**
 * Runs each case's anchor and ours alternately for `rounds` rounds (the order
 * flips every round) and returns medians, min and max per side.
 */
exports.interleaved = function interleaved (cases, rounds, ms) {
  var samples = cases.map(function () { return { anchor: [], ours: [] } })
  for (var r = 0; r < rounds; r++) {
    cases.forEach(function (c, i) {
      var order = r % 2 ? ['ours', 'anchor'] : ['anchor', 'ours']
      order.forEach(function (side) { samples[i][side].push(exports.nsPerOp(c[side], ms)) })
    })
  }
  return cases.map(function (c, i) {
    var a = samples[i].anchor
    var o = samples[i].ours
    var ratios = a.map(function (x, k) { return x / o[k] })
    return {
      name: c.name,
      anchorName: c.anchorName,
      anchor: exports.median(a),
      ours: exports.median(o),
      ratio: exports.median(ratios),
      ratioMin: Math.min.apply(null, ratios),
      ratioMax: Math.max.apply(null, ratios),
      target: c.target
    }
  })
}

exports.fmt = function fmt (n, digits) {
  return n.toFixed(digits === undefined ? 0 : digits)
}
