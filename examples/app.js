// The demo app of `npm start`: a small HTML shop on the durable SqliteStore, so a
// restart keeps the visitor logged in and the cart full. No front-end build step.
//
//   PORT=3000 SESSIONS_DB=./sessions.db SESSION_SECRET=... npm start
//   npm start -- --workers 2
//   REDIS_URL=redis://127.0.0.1:6379 npm start -- --workers 2
//
// PORT (default 3000; 0 picks a free port), SESSIONS_DB (the session file,
// default ./sessions.db), SESSION_SECRET (default 'keyboard cat': set your own),
// REDIS_URL (sessions on that Redis server, with RedisStore, instead of the
// file). `--workers N` runs N processes (node:cluster) on the one port and the
// one SQLite file (or Redis server): each page says which process answered. The line
// `express-session-rs demo on http://127.0.0.1:PORT/` is printed once the
// server (or every worker) listens.

'use strict'

var cluster = require('cluster')
var session = require('..')
var shop = require('./shop')
var util = require('util')

var port = process.env.PORT !== undefined ? Number(process.env.PORT) : 3000
// (only when run, not when required: a test requires the single-process app)
var workers = require.main === module ? workersOption(process.argv.slice(2)) : 0

if (workers > 0 && cluster.isPrimary) {
  primary(workers)
} else {
  module.exports = serve()
}

/**
 * Serves the shop in this process; a cluster worker tells the primary its URL.
 *
 * @private
 */
function serve () {
  var store = process.env.REDIS_URL
    ? new session.RedisStore({ url: process.env.REDIS_URL })
    : new session.SqliteStore({ path: process.env.SESSIONS_DB || './sessions.db' })
  var app = shop({
    store: store,
    secret: process.env.SESSION_SECRET || 'keyboard cat',
    server: {
      pid: process.pid,
      started: new Date(Date.now() - Math.round(process.uptime() * 1000)),
      worker: cluster.isWorker ? cluster.worker.id : undefined,
      workers: workers
    }
  })
  var server = app.listen(port, '127.0.0.1', function () {
    var url = 'http://127.0.0.1:' + server.address().port + '/'
    if (cluster.isWorker) {
      process.send({ url: url })
    } else {
      console.log('express-session-rs demo on ' + url + ' (pid ' + process.pid + ')')
    }
  })
  server.on('close', function () { store.close() })
  if (cluster.isWorker) {
    // the primary stops the workers; a worker ends with its primary (even
    // after a kill -9 of the primary: its IPC channel closes)
    process.on('SIGINT', function () {})
    process.on('disconnect', function () { process.exit(0) })
  }
  return server
}

/**
 * Runs `n` workers on one port (they share it: the primary hands out the
 * connections in turn) and restarts a worker that dies; SIGINT and SIGTERM stop
 * them all.
 *
 * @private
 */
function primary (n) {
  var listening = []
  var stopping = false

  cluster.on('exit', function (worker, code, signal) {
    var how = signal || 'code ' + code
    if (stopping) {
      if (Object.keys(cluster.workers).length === 0) process.exit(0)
    } else if (listening.length < n) {
      console.error('a worker exited before it listened (' + how + ')')
      process.exit(1)
    } else {
      console.log('worker pid ' + worker.process.pid + ' exited (' + how + '): starting another')
      fork()
    }
  })
  ;['SIGINT', 'SIGTERM'].forEach(function (signal) {
    process.on(signal, function () {
      stopping = true
      var all = Object.keys(cluster.workers)
      if (all.length === 0) process.exit(0)
      all.forEach(function (id) { cluster.workers[id].kill() })
    })
  })
  for (var i = 0; i < n; i++) fork()

  function fork () {
    var worker = cluster.fork()
    worker.on('message', function (message) {
      if (!message || !message.url) return
      listening.push(worker.process.pid)
      if (listening.length === n) {
        console.log('express-session-rs demo on ' + message.url + ' (' + n + ' workers, pids ' +
          listening.join(', ') + ', sharing ' + (process.env.REDIS_URL || process.env.SESSIONS_DB || './sessions.db') + ')')
      } else if (listening.length > n) {
        console.log('worker pid ' + worker.process.pid + ' listens')
      }
    })
  }
}

/**
 * The `--workers N` option: 0 when absent; exits on a bad value.
 *
 * @private
 */
function workersOption (args) {
  var value
  try {
    value = util.parseArgs({ args: args, options: { workers: { type: 'string' } } }).values.workers
  } catch (err) {
    console.error(err.message + '\nusage: node examples/app.js [--workers N]')
    process.exit(2)
  }
  if (value === undefined) return 0
  var n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    console.error('--workers must be an integer from 1 to 64, not ' + JSON.stringify(value))
    process.exit(2)
  }
  return n
}
