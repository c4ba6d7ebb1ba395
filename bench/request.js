// The CPU of one request through Express, in process and without sockets: the
// HTTP benchmark's app (its route and middleware options) called with real
// IncomingMessage/ServerResponse objects whose output stays in memory, one
// request at a time. No parser, no network, no other process: the figure
// moves by tenths of a microsecond, so a change to the session's own path shows
// here (the HTTP suite, which has the rest of a request, confirms what it
// shows). Reports us per request and each scenario minus none-dictionary.
//
// usage: node --expose-gc bench/request.js [--workloads=new,read,write] [--rounds=5]
//          [--requests=5000] [--processes=5] [--framework=express4|express5]
//          [--base=DIR] [scenario...]
// (scenario `express-session-rs-owner`: with the owner option, paired with
// `express-session-rs`; scenarios `base` and `base-sqlite`: the package in DIR, e.g. a worktree of an
// earlier commit with its addon built, with MemoryStore or SqliteStore: an A/B
// of two versions in one run)
// (each workload runs in --processes fresh processes, the scenarios interleaved
// in each: the JIT's choices differ from one process to the next, by more than
// the differences looked for)

'use strict'

var http = require('http')
var path = require('path')
var lib = require('./lib')

var root = path.join(__dirname, '..')

function option (name, fallback) {
  var a = process.argv.find(function (x) { return x.indexOf('--' + name + '=') === 0 })
  return a ? a.slice(name.length + 3) : fallback
}

/**
 * The benchmark app of `scenario` for `workload` (bench/app.js, with the stores
 * of this package and express-session's).
 */
function makeApp (scenario, workload, framework) {
  var express = require(path.join(root, 'node_modules', framework === 'express5' ? 'express5' : 'express'))
  var session = scenario === 'express-session'
    ? require('express-session')
    : scenario === 'base' || scenario === 'base-sqlite'
      ? require(path.resolve(option('base', '')))
      : /^express-session-rs/.test(scenario) ? require(root) : null
  if (scenario === 'floor') return require('./app').create(express, scenario, { floor: true }, workload)
  var made = session && {
    session: session,
    store: /sqlite$/.test(scenario)
      ? new session.SqliteStore({ path: path.join(require('os').tmpdir(), 'esrs-request-' + process.pid + '.db'), sweepInterval: 0 })
      : new session.MemoryStore(),
    // (the owner option, on a field every request writes: with the read+write
    // workload, each save moves the session to another owner)
    options: scenario === 'express-session-rs-owner' ? { owner: 'views' } : undefined
  }
  return require('./app').create(express, scenario, made, workload)
}

/** One request; resolves with the response's headers once it ended. */
function request (app, url, cookie) {
  return new Promise(function (resolve) {
    // (a plain socket: what Express reads of it; the response never gets one)
    var req = new http.IncomingMessage({ encrypted: false, remoteAddress: '127.0.0.1' })
    req.method = 'GET'
    req.url = url
    req.headers = cookie ? { host: '127.0.0.1', cookie: cookie } : { host: '127.0.0.1' }
    req.httpVersionMajor = 1
    req.httpVersionMinor = 1
    req.complete = true
    var res = new http.ServerResponse(req)
    if (res.statusCode >= 500) throw new Error('status ' + res.statusCode)
    var end = res.end
    res.end = function () {
      var ret = end.apply(this, arguments)
      if (this.statusCode !== 200) throw new Error(url + ': status ' + this.statusCode)
      resolve(res)
      return ret
    }
    app(req, res)
  })
}

/**
 * The cookie that the workload's client sends: a returning client's session
 * cookie (made by GET /__init), or null for a new client and the ceiling.
 */
async function clientCookie (app, scenario, workload) {
  if (workload === 'new' || scenario === 'none-dictionary') return null
  return String((await request(app, '/__init', null)).getHeader('set-cookie')).split(';')[0]
}

/**
 * In this process: the apps of `scenarios`, measured in interleaved rounds of
 * `requests` requests each (so that the JIT's state and the machine's noise are
 * shared); returns each scenario's median us per request.
 */
async function measure (scenarios, workload, framework, requests, rounds) {
  var apps = []
  for (var s of scenarios) {
    var app = makeApp(s, workload, framework)
    var cookie = await clientCookie(app, s, workload)
    apps.push({ app: app, cookie: cookie, samples: [] })
  }
  for (var r = 0; r < rounds + 1; r++) {
    for (var a of apps) {
      if (global.gc) global.gc()
      // (the process's CPU time, all its threads: a VM's neighbours, which
      // stretch wall time, do not count)
      var t0 = process.cpuUsage()
      for (var i = 0; i < requests; i++) await request(a.app, '/', a.cookie)
      var t1 = process.cpuUsage(t0)
      var us = (t1.user + t1.system) / requests
      if (r > 0) a.samples.push(us) // (the first round warms up)
    }
  }
  return apps.map(function (a) { return lib.median(a.samples) })
}

async function main () {
  var workloads = option('workloads', 'new,read,write').split(',')
  var rounds = Number(option('rounds', 5))
  var requests = Number(option('requests', 5000))
  var processes = Number(option('processes', 5))
  var framework = option('framework', 'express4')
  var scenarios = process.argv.slice(2).filter(function (a) { return a.indexOf('--') !== 0 })
  if (scenarios.length === 0) scenarios = ['none-dictionary', 'express-session-rs', 'express-session']
  if (scenarios[0] !== 'none-dictionary') scenarios.unshift('none-dictionary')

  if (option('child', null)) {
    process.stdout.write(JSON.stringify(await measure(scenarios, option('child'), framework, requests, rounds)))
    return
  }

  console.log('node ' + process.version + ', ' + framework + ', in process; each of ' + processes + ' processes runs ' +
    rounds + ' interleaved rounds of ' + requests + ' requests per scenario; us per request, medians over the processes (min-max)\n')
  console.log('| workload | ' + scenarios.join(' | ') + ' | ' + scenarios.slice(1).map(function (s) { return s + ' minus none-dictionary' }).join(' | ') + ' |')
  console.log('|---|' + scenarios.concat(scenarios.slice(1)).map(function () { return '---:' }).join('|') + '|')
  var paired = []
  for (var w of workloads) {
    var runs = []
    for (var p = 0; p < processes; p++) {
      var out = require('child_process').execFileSync(process.execPath, ['--expose-gc', __filename, '--child=' + w,
        '--rounds=' + rounds, '--requests=' + requests, '--framework=' + framework, '--base=' + option('base', '')].concat(scenarios), { encoding: 'utf8' })
      runs.push(JSON.parse(out))
    }
    var cell = function (values) {
      return lib.median(values).toFixed(1) + ' (' + Math.min.apply(null, values).toFixed(1) + '-' + Math.max.apply(null, values).toFixed(1) + ')'
    }
    var totals = scenarios.map(function (s, i) { return cell(runs.map(function (r) { return r[i] })) })
    var diffs = scenarios.slice(1).map(function (s, i) { return cell(runs.map(function (r) { return r[i + 1] - r[0] })) })
    console.log('| ' + w + ' | ' + totals.join(' | ') + ' | ' + diffs.join(' | ') + ' |')
    ;[['base', 'express-session-rs'], ['base-sqlite', 'express-session-rs-sqlite'], ['express-session-rs', 'express-session-rs-owner']].forEach(function (pair) {
      var b = scenarios.indexOf(pair[0])
      var ours = scenarios.indexOf(pair[1])
      if (b !== -1 && ours !== -1) {
        // (paired in each process: the process's own speed cancels out)
        paired.push(w + ': ' + pair[1] + ' minus ' + pair[0] + ' ' + cell(runs.map(function (r) { return r[ours] - r[b] })) + ' us')
      }
    })
  }
  if (paired.length) console.log('\n' + paired.join('\n'))
}

exports.makeApp = makeApp
exports.request = request
exports.clientCookie = clientCookie

if (require.main === module) {
  main().catch(function (err) {
    console.error(err)
    process.exit(1)
  })
}
