// Where a request's server CPU goes, function by function: the HTTP benchmark's
// server (bench/http-server.js) under `node --cpu-prof`, loaded by wrk, for each
// named scenario; the profile's self time per function divided by the requests
// served, in microseconds per request, side by side (so that a scenario minus
// none-dictionary is the session's own cost).
//
// usage: node bench/profile.js [--workload=new|read|write] [--framework=express4|express5]
//          [--seconds=10] [--top=40] [--by=function|file] [--inclusive=key,...] scenario...
//   (--inclusive: the time spent in each named function and what it calls; a
//   key as the table writes it, e.g. "session index.js:190")
// e.g.   node bench/profile.js --workload=new none-dictionary express-session-rs

'use strict'

var childProcess = require('child_process')
var fs = require('fs')
var os = require('os')
var path = require('path')
var readline = require('readline')

var root = path.join(__dirname, '..')

function option (name, fallback) {
  var a = process.argv.find(function (x) { return x.indexOf('--' + name + '=') === 0 })
  return a ? a.slice(name.length + 3) : fallback
}

var workload = option('workload', 'new')
var framework = option('framework', 'express4')
var seconds = Number(option('seconds', 10))
var top = Number(option('top', 40))
var by = option('by', 'function')
// functions (name@file:line, as in the table) whose inclusive time to print too
var inclusive = option('inclusive', '').split(',').filter(Boolean)
var scenarios = process.argv.slice(2).filter(function (a) { return a.indexOf('--') !== 0 })

function pinned (core, argv) {
  return childProcess.spawnSync('sh', ['-c', 'command -v taskset']).status === 0
    ? ['taskset', '-c', String(core)].concat(argv)
    : argv
}

/** Runs one scenario under --cpu-prof; resolves with { requests, profile }. */
function profileOne (scenario) {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-prof-'))
  var argv = pinned(0, [process.execPath, '--cpu-prof', '--cpu-prof-dir=' + dir, '--cpu-prof-interval=50',
    path.join(__dirname, 'http-server.js'), scenario, workload, framework, '0'])
  var proc = childProcess.spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise(function (resolve, reject) {
    readline.createInterface({ input: proc.stdout }).once('line', function (line) {
      var info = JSON.parse(line)
      var args = ['-t1', '-c50', '-d' + seconds + 's']
      if (info.cookie) args.push('-H', 'Cookie: ' + info.cookie)
      args.push('http://127.0.0.1:' + info.port + '/')
      var w = pinned(1, ['wrk'].concat(args))
      var out = childProcess.execFileSync(w[0], w.slice(1), { encoding: 'utf8' })
      var requests = Number(/(\d+) requests in/.exec(out)[1])
      proc.once('exit', function () {
        var file = fs.readdirSync(dir).find(function (f) { return /\.cpuprofile$/.test(f) })
        var profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))
        fs.rmSync(dir, { recursive: true, force: true })
        resolve({ requests: requests, profile: profile })
      })
      proc.kill('SIGINT')
    })
    proc.once('error', reject)
  })
}

function keyOf (frame, byFile) {
  var file = frame.url ? frame.url.replace('file://', '').replace(root + '/', '') : '(' + (frame.functionName || 'native') + ')'
  return byFile ? file : (frame.functionName || '(anonymous)') + ' ' + file + (frame.url ? ':' + (frame.lineNumber + 1) : '')
}

/**
 * Self time (us) per key of a profile (function@file:line, or file), and the
 * inclusive time of the keys named by --inclusive (as `incl. <key>`).
 */
function selfTimes (profile) {
  var nodes = new Map()
  var parents = new Map()
  profile.nodes.forEach(function (n) {
    nodes.set(n.id, n)
    ;(n.children || []).forEach(function (c) { parents.set(c, n.id) })
  })
  var times = new Map()
  for (var i = 0; i < profile.samples.length; i++) {
    var dt = profile.timeDeltas[i] || 0
    var node = nodes.get(profile.samples[i])
    var key = keyOf(node.callFrame, by === 'file')
    times.set(key, (times.get(key) || 0) + dt)
    if (inclusive.length) {
      var seen = new Set()
      for (var id = node.id; id !== undefined; id = parents.get(id)) {
        var k = keyOf(nodes.get(id).callFrame, false)
        if (inclusive.indexOf(k) !== -1 && !seen.has(k)) {
          seen.add(k)
          times.set('incl. ' + k, (times.get('incl. ' + k) || 0) + dt)
        }
      }
    }
  }
  return times
}

async function main () {
  if (scenarios.length === 0) scenarios = ['none-dictionary', 'express-session-rs']
  var results = []
  for (var s of scenarios) {
    var r = await profileOne(s)
    var times = selfTimes(r.profile)
    var perReq = new Map()
    var total = 0
    times.forEach(function (us, key) {
      perReq.set(key, us / r.requests)
      if (key.indexOf('incl. ') !== 0) total += us / r.requests
    })
    results.push({ scenario: s, requests: r.requests, perReq: perReq, total: total })
    process.stderr.write(s + ': ' + r.requests + ' requests, ' + total.toFixed(1) + ' us/request sampled\n')
  }
  // rows: the keys by their largest difference from the first scenario
  var keys = new Set()
  results.forEach(function (r) { r.perReq.forEach(function (v, k) { keys.add(k) }) })
  var base = results[0].perReq
  var rows = Array.from(keys).filter(function (k) { return k.indexOf('incl. ') !== 0 }).map(function (k) {
    var values = results.map(function (r) { return r.perReq.get(k) || 0 })
    return { key: k, values: values, delta: Math.max.apply(null, values.map(function (v) { return Math.abs(v - (base.get(k) || 0)) })) }
  }).sort(function (a, b) { return b.delta - a.delta || b.values[0] - a.values[0] }).slice(0, top)

  console.log('workload ' + workload + ', ' + framework + ', node ' + process.version + ', ' + seconds + ' s each; self time, us per request\n')
  console.log('| ' + (by === 'file' ? 'file' : 'function') + ' | ' + results.map(function (r) { return r.scenario }).join(' | ') + ' |')
  console.log('|---|' + results.map(function () { return '---:' }).join('|') + '|')
  console.log('| **total** | ' + results.map(function (r) { return '**' + r.total.toFixed(1) + '**' }).join(' | ') + ' |')
  inclusive.forEach(function (k) {
    console.log('| incl. `' + k + '` | ' + results.map(function (r) { return (r.perReq.get('incl. ' + k) || 0).toFixed(2) }).join(' | ') + ' |')
  })
  rows.forEach(function (row) {
    console.log('| `' + row.key.replace(/\|/g, '\\|') + '` | ' + row.values.map(function (v) { return v.toFixed(2) }).join(' | ') + ' |')
  })
}

main().catch(function (err) {
  console.error(err)
  process.exit(1)
})
