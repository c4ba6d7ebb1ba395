// HTTP end-to-end benchmark: an Express app with the session route, served by one
// process pinned to core 0, loaded by wrk pinned to core 1 (50 connections), with a
// discarded warm-up, measured runs and repetitions interleaved across scenarios.
// Reports req/s, p50/p99 latency, server CPU per request (from /proc) and RSS.

'use strict'

var childProcess = require('child_process')
var fs = require('fs')
var os = require('os')
var path = require('path')
var readline = require('readline')
var lib = require('./lib')
var redis = require('../tools/redis')

var SCENARIOS = ['none', 'none-dictionary', 'floor', 'express-session', 'express-session-rs', 'express-session-rs-sqlite',
  'express-session-rs-sqlite-fsync', 'express-session-rs-redis', 'express-session-redis',
  'express-session-connect-sqlite3', 'express-session-better-sqlite3']
// (floor: the least work a session middleware does, written by hand on this
// package's native parts, bench/floor.js: what the session work costs at least)
// (also available through --scenarios=, not run by default: the native stores
// with the saveChangedFields option, express-session-rs-changed-fields and
// express-session-rs-sqlite-changed-fields; our RedisStore under our middleware
// and under express-session, express-session-rs-redis-native and
// express-session-redis-native)
// durable stores as their users run them, measured with express 4 and workloads
// i-iii only (the SQLite ones installed into bench/compare on first use)
var COMPARED = ['express-session-redis', 'express-session-connect-sqlite3', 'express-session-better-sqlite3']
var REDIS = ['express-session-rs-redis', 'express-session-redis', 'express-session-rs-redis-native', 'express-session-redis-native', 'base-redis-native']
// scenarios measured with 1M stored sessions too (workload iv)
var PRELOADED = ['express-session', 'express-session-rs', 'express-session-rs-sqlite']
var WORKLOADS = [
  { id: 'i', name: 'returning client, load+modify+save', workload: 'write', preload: 0 },
  { id: 'ii', name: 'returning client, read-only', workload: 'read', preload: 0 },
  { id: 'iii', name: 'new client every request', workload: 'new', preload: 0 },
  { id: 'iv', name: 'returning client, 1M sessions stored', workload: 'write', preload: 1000000 }
]

function have (cmd) {
  return childProcess.spawnSync('sh', ['-c', 'command -v ' + cmd]).status === 0
}

function pinned (core, argv) {
  return have('taskset') ? ['taskset', '-c', String(core)].concat(argv) : argv
}

function rssMiB (pid) {
  var m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync('/proc/' + pid + '/status', 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

function startServer (scenario, w, framework, env) {
  var argv = pinned(0, [process.execPath, path.join(__dirname, 'http-server.js'), scenario, w.workload, framework, String(w.preload)])
  var proc = childProcess.spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], env: env })
  return new Promise(function (resolve, reject) {
    var rl = readline.createInterface({ input: proc.stdout })
    rl.once('line', function (line) { resolve({ proc: proc, info: JSON.parse(line) }) })
    proc.once('exit', function (code) { reject(new Error(scenario + ' server exited with ' + code)) })
  })
}

function parseDuration (s) {
  var m = /([\d.]+)(us|ms|s)/.exec(s)
  if (!m) return NaN
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1)
}

function wrk (port, cookie, seconds) {
  var args = ['-t1', '-c50', '-d' + seconds + 's', '--latency']
  if (cookie) args.push('-H', 'Cookie: ' + cookie)
  args.push('http://127.0.0.1:' + port + '/')
  var argv = pinned(1, ['wrk'].concat(args))
  var out = childProcess.execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' })
  var reqs = /(\d+) requests in/.exec(out)
  var rps = /Requests\/sec:\s+([\d.]+)/.exec(out)
  var p50 = /\s50%\s+(\S+)/.exec(out)
  var p99 = /\s99%\s+(\S+)/.exec(out)
  var errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: .*/.exec(out)
  if (!reqs || !rps) throw new Error('cannot parse wrk output:\n' + out)
  return {
    requests: Number(reqs[1]),
    rps: Number(rps[1]),
    p50: parseDuration(p50 && p50[1]),
    p99: parseDuration(p99 && p99[1]),
    errors: errors ? errors[0] : null
  }
}

async function runOne (scenario, w, framework, seconds, warmup, env) {
  var server = await startServer(scenario, w, framework, env)
  try {
    var port = server.info.port
    var cookie = server.info.cookie
    wrk(port, cookie, warmup)
    var before = lib.cpuUs(server.proc.pid)
    var r = wrk(port, cookie, seconds)
    r.cpuUsPerReq = (lib.cpuUs(server.proc.pid) - before) / r.requests
    r.rssMiB = rssMiB(server.proc.pid)
    return r
  } finally {
    server.proc.kill('SIGKILL')
    await new Promise(function (resolve) { server.proc.once('exit', resolve) })
    // the file of a SQLite scenario (named after the server's PID)
    ;['', '-wal', '-shm', '-journal'].forEach(function (suffix) {
      fs.rmSync(path.join(os.tmpdir(), 'esrs-bench-' + server.proc.pid + '.db' + suffix), { force: true })
    })
  }
}

// the third-party stores of bench/compare/package.json (native modules built by npm)
function installCompared () {
  var dir = path.join(__dirname, 'compare')
  if (fs.existsSync(path.join(dir, 'node_modules', 'better-sqlite3-session-store'))) return
  process.stderr.write('installing the compared stores into bench/compare (once)...\n')
  childProcess.execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' })
}

module.exports = async function httpSuite (options) {
  if (!have('wrk')) {
    throw new Error('the HTTP suite needs wrk (Debian: apt-get install wrk)')
  }
  var seconds = options.quick ? 3 : 10
  var warmup = options.quick ? 1 : 3
  var reps = options.quick ? 1 : 3
  var frameworks = options.frameworks || ['express4', 'express5']
  var redisServer = null
  var env = Object.assign({}, process.env, { NODE_ENV: 'production', NO_DEPRECATION: 'express-session' })
  var scenarios = options.scenarios || SCENARIOS.slice()
  var workloads = options.workloads
    ? WORKLOADS.filter(function (w) { return options.workloads.indexOf(w.id) !== -1 })
    : WORKLOADS
  if (redis.available() && scenarios.some(function (s) { return REDIS.indexOf(s) !== -1 })) {
    // (durable as its users run it: an append-only file, fsync'd every second; on
    // the server's core, as the SqliteStore's writer thread is)
    redisServer = await redis.start({ appendfsync: 'everysec', core: 0 })
    env.BENCH_REDIS_PORT = String(redisServer.port)
  } else {
    scenarios = scenarios.filter(function (s) { return REDIS.indexOf(s) === -1 })
  }
  if (scenarios.some(function (s) { return /sqlite3$/.test(s) })) installCompared()

  var samples = {}
  try {
    for (var r = 0; r < reps; r++) {
      for (var f of frameworks) {
        for (var w of workloads) {
          // express 5 runs the returning-client workloads only (keeps the run
          // short), unless --workloads names others
          if (f === 'express5' && !options.workloads && (w.id === 'iii' || w.id === 'iv')) continue
          var list = scenarios.filter(function (s) {
            if (w.preload) return PRELOADED.indexOf(s) !== -1
            return f === 'express4' || COMPARED.indexOf(s) === -1
          })
          var order = list.slice(r % list.length).concat(list.slice(0, r % list.length))
          for (var s of order) {
            var key = [f, w.id, s].join(' ')
            var result = await runOne(s, w, f, seconds, warmup, env)
            ;(samples[key] = samples[key] || []).push(result)
            process.stderr.write(key + ': ' + Math.round(result.rps) + ' req/s, p99 ' + result.p99 + ' ms, ' +
              result.cpuUsPerReq.toFixed(1) + ' us CPU/req' + (result.errors ? ' (' + result.errors + ')' : '') + '\n')
          }
        }
      }
    }
  } finally {
    if (redisServer) redisServer.stop()
  }
  return summarize(samples)
}

function stat (runs, field) {
  var xs = runs.map(function (x) { return x[field] })
  return { median: lib.median(xs), min: Math.min.apply(null, xs), max: Math.max.apply(null, xs) }
}

function summarize (samples) {
  var rows = Object.keys(samples).map(function (key) {
    var parts = key.split(' ')
    var runs = samples[key]
    return {
      framework: parts[0],
      workload: parts[1],
      scenario: parts[2],
      runs: runs.length,
      paired: runs.map(function (x) { return x.cpuUsPerReq }),
      rps: stat(runs, 'rps'),
      p50: stat(runs, 'p50'),
      p99: stat(runs, 'p99'),
      cpuUsPerReq: stat(runs, 'cpuUsPerReq'),
      rssMiB: stat(runs, 'rssMiB')
    }
  })
  function find (f, w, s) {
    return rows.find(function (x) { return x.framework === f && x.workload === w && x.scenario === s })
  }
  rows.forEach(function (row) {
    var ceiling = find(row.framework, row.workload === 'iv' ? 'i' : row.workload, 'none')
    var original = find(row.framework, row.workload, 'express-session')
    var empty = row.workload === 'iv' ? find(row.framework, 'i', row.scenario) : null
    row.vsCeiling = ceiling ? row.rps.median / ceiling.rps.median : null
    row.vsExpressSession = original ? row.rps.median / original.rps.median : null
    var tuned = find(row.framework, row.workload === 'iv' ? 'i' : row.workload, 'none-dictionary')
    row.overheadUs = ceiling ? row.cpuUsPerReq.median - ceiling.cpuUsPerReq.median : null
    // (paired by repetition when both have every one: each scenario minus the
    // none-dictionary run next to it, so that the machine's drift cancels out)
    row.overheadTunedUs = !tuned
      ? null
      : tuned.paired.length === row.paired.length
        ? lib.median(row.paired.map(function (cpu, i) { return cpu - tuned.paired[i] }))
        : row.cpuUsPerReq.median - tuned.cpuUsPerReq.median
    row.p99VsEmpty = empty ? row.p99.median / empty.p99.median : null
  })
  return rows
}

module.exports.table = function table (rows) {
  var names = {}
  WORKLOADS.forEach(function (w) { names[w.id] = '(' + w.id + ') ' + w.name })
  var lines = [
    '| framework | workload | scenario | req/s (median, min-max) | vs ceiling | vs express-session | p50 ms | p99 ms | server CPU us/req | session overhead us/req | overhead vs none-dictionary us/req | RSS MiB |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
  ]
  rows.forEach(function (r) {
    lines.push('| ' + [
      r.framework, names[r.workload], r.scenario,
      lib.fmt(r.rps.median) + ' (' + lib.fmt(r.rps.min) + '-' + lib.fmt(r.rps.max) + ')',
      r.vsCeiling == null ? '' : lib.fmt(r.vsCeiling, 2) + 'x',
      r.vsExpressSession == null ? '' : lib.fmt(r.vsExpressSession, 2) + 'x',
      lib.fmt(r.p50.median, 2), lib.fmt(r.p99.median, 2) + (r.p99VsEmpty ? ' (' + lib.fmt(r.p99VsEmpty, 2) + 'x empty)' : ''),
      lib.fmt(r.cpuUsPerReq.median, 1),
      /^none/.test(r.scenario) || r.overheadUs == null ? '' : lib.fmt(r.overheadUs, 1),
      /^none/.test(r.scenario) || r.overheadTunedUs == null ? '' : lib.fmt(r.overheadTunedUs, 1),
      lib.fmt(r.rssMiB.median)
    ].join(' | ') + ' |')
  })
  return lines.join('\n')
}

module.exports.WORKLOADS = WORKLOADS
module.exports.runOne = runOne
