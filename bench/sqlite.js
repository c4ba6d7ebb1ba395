// SqliteStore benchmark: 20,000 writes in flight at once, with and without fsync,
// against the native MemoryStore in the same run: time, writes/s, and the event
// loop's delay (perf_hooks.monitorEventLoopDelay) while they are in flight. Then
// a restart over a file of 1,000,000 sessions: the time from starting a new
// server process to its first response to a stored session's cookie.

'use strict'

var fs = require('fs')
var os = require('os')
var path = require('path')
var perfHooks = require('perf_hooks')
var lib = require('./lib')
var session = require('..')

var WRITES = 20000
var RESTART_SESSIONS = 1000000

// a server process over `file`: prints 'ready' and the store's open time in ms
var SERVER = [
  'var t0 = process.hrtime.bigint()',
  'var session = require(process.argv[1])',
  'var store = new session.SqliteStore({ path: process.argv[2] })',
  'var opened = Number(process.hrtime.bigint() - t0) / 1e6',
  "var app = require(require('path').join(process.argv[1], 'node_modules', 'express'))()",
  "app.use(session({ secret: 'benchmark secret', store: store, resave: false, saveUninitialized: false }))",
  "app.get('/', function (req, res) { res.send(String(req.session.user && req.session.user.id)) })",
  "var server = app.listen(0, '127.0.0.1', function () { console.log(JSON.stringify({ port: server.address().port, opened: opened })) })"
].join('\n')

// fills `file` with `n` sessions through a SqliteStore
async function fillFile (file, n) {
  var store = new session.SqliteStore({ path: file, sweepInterval: 0 })
  var cookie = new session.Cookie({ maxAge: 86400000 })
  for (var i = 0; i < n; i += 1000) {
    var batch = []
    for (var j = i; j < Math.min(n, i + 1000); j++) {
      batch.push(store.set('stored-session-' + (1e9 + j), { cookie: cookie, user: { id: j, name: 'user' + j }, views: 0 }))
    }
    await Promise.all(batch)
  }
  store.close()
}

// one restart: spawn a server over `file`, then GET / with a stored session's
// cookie; resolves { firstResponseMs, openMs, body }
function restart (file, sid) {
  var http = require('http')
  var childProcess = require('child_process')
  var signature = require('cookie-signature')
  return new Promise(function (resolve, reject) {
    var t0 = process.hrtime.bigint()
    var child = childProcess.spawn(process.execPath, ['-e', SERVER, path.join(__dirname, '..'), file], { stdio: ['ignore', 'pipe', 'inherit'] })
    child.stdout.once('data', function (line) {
      var info = JSON.parse(String(line))
      var cookie = 'connect.sid=' + encodeURIComponent('s:' + signature.sign(sid, 'benchmark secret'))
      http.get({ host: '127.0.0.1', port: info.port, path: '/', headers: { cookie: cookie } }, function (res) {
        var body = ''
        res.on('data', function (c) { body += c })
        res.on('end', function () {
          var ms = Number(process.hrtime.bigint() - t0) / 1e6
          child.kill('SIGKILL')
          resolve({ firstResponseMs: ms, openMs: info.opened, body: body })
        })
      }).on('error', reject)
    })
    child.once('error', reject)
  })
}

async function burst (store, n) {
  var cookie = new session.Cookie({ maxAge: 60000 })
  var delay = perfHooks.monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  var start = process.hrtime.bigint()
  var cpu = process.cpuUsage()
  var loop = lib.loopCpuUs()
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
  cpu = process.cpuUsage(cpu)
  loop = lib.loopCpuUs() - loop
  delay.disable()
  // (cpu: this process's CPU time per write, every thread, in us; loopCpu:
  // the event loop's thread's)
  return { ms: ms, perSecond: n / ms * 1000, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6, cpu: (cpu.user + cpu.system) / n, loopCpu: loop / n }
}

module.exports = async function sqliteSuite (options) {
  var rounds = options.quick ? 1 : 3
  var n = options.quick ? 2000 : WRITES
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-bench-sqlite-'))
  var kinds = [
    ['MemoryStore', function () { return new session.MemoryStore({ sweepInterval: 0 }) }],
    ['SqliteStore', function (r) { return new session.SqliteStore({ path: path.join(dir, 'a' + r + '.db'), sweepInterval: 0 }) }],
    // (session()'s owner option: each write also records its owner; 100 owners)
    ['SqliteStore, owner option', function (r) {
      var store = new session.SqliteStore({ path: path.join(dir, 'o' + r + '.db'), sweepInterval: 0 })
      session({ secret: 's', resave: false, saveUninitialized: false, store: store, owner: function (s) { return 'u' + (s.cart[2] % 100) } })
      return store
    }],
    ['SqliteStore, fsync', function (r) { return new session.SqliteStore({ path: path.join(dir, 'b' + r + '.db'), sweepInterval: 0, fsync: true }) }]
  ]
  var samples = kinds.map(function () { return [] })
  var restarts = []
  var stored = options.quick ? 100000 : RESTART_SESSIONS
  try {
    for (var r = 0; r < rounds; r++) {
      for (var k = 0; k < kinds.length; k++) {
        var store = kinds[k][1](r)
        samples[k].push(await burst(store, n))
        if (store.close) store.close()
      }
    }
    var big = path.join(dir, 'restart.db')
    var fillStart = process.hrtime.bigint()
    await fillFile(big, stored)
    var fillMs = Number(process.hrtime.bigint() - fillStart) / 1e6
    for (r = 0; r < rounds; r++) {
      var one = await restart(big, 'stored-session-' + (1e9 + Math.floor(stored * (r + 0.5) / rounds)))
      if (one.body !== String(Math.floor(stored * (r + 0.5) / rounds))) throw new Error('restart served ' + one.body)
      restarts.push(one)
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  var rows = kinds.map(function (kind, k) {
    var s = samples[k]
    function med (key) { return lib.median(s.map(function (x) { return x[key] })) }
    return { store: kind[0], writes: n, ms: med('ms'), perSecond: med('perSecond'), p99: med('p99'), max: med('max'), cpu: med('cpu'), loopCpu: med('loopCpu') }
  })
  return {
    bursts: rows,
    restart: {
      sessions: stored,
      fillMs: fillMs,
      firstResponseMs: lib.median(restarts.map(function (x) { return x.firstResponseMs })),
      openMs: lib.median(restarts.map(function (x) { return x.openMs }))
    }
  }
}

module.exports.burst = burst

module.exports.table = function table (result) {
  var rows = result.bursts
  var lines = [
    '| store | writes in flight | all acknowledged after (ms) | writes/s | vs MemoryStore | event-loop delay p99 (ms) | max (ms) | CPU us per write (event-loop thread) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|'
  ]
  rows.forEach(function (r) {
    lines.push('| ' + [r.store, r.writes, lib.fmt(r.ms), lib.fmt(r.perSecond), lib.fmt(r.perSecond / rows[0].perSecond, 2) + 'x',
      lib.fmt(r.p99, 1), lib.fmt(r.max, 1), lib.fmt(r.cpu, 1) + ' (' + lib.fmt(r.loopCpu, 1) + ')'].join(' | ') + ' |')
  })
  var r = result.restart
  if (r) {
    lines.push('', '| restart over a file of | filled in (ms) | new process to first response (ms, median) | of which the store opened in (ms) |',
      '|---:|---:|---:|---:|',
      '| ' + [lib.fmt(r.sessions) + ' sessions', lib.fmt(r.fillMs), lib.fmt(r.firstResponseMs), lib.fmt(r.openMs, 1)].join(' | ') + ' |')
  }
  return lines.join('\n')
}
