// The server of the HTTP benchmark (started by bench/http.js, one process per run).
// usage: node bench/http-server.js <scenario> <workload> <framework> <preload>
//   scenario:  none | none-dictionary | express-session | express-session-rs |
//              express-session-rs-redis (connect-redis) | express-session-rs-sqlite
//              (a fresh SqliteStore file in the temporary folder) |
//              express-session-rs-sqlite-fsync (the same, fsync: true) |
//              express-session-redis | express-session-connect-sqlite3 |
//              express-session-rs-redis-native | express-session-redis-native
//              (our RedisStore, under our middleware or express-session) |
//              express-session-better-sqlite3 (better-sqlite3-session-store)
//              (third-party stores as their users run them: under
//              express-session, with their documented defaults, from
//              bench/compare/node_modules)
//              (floor: the least work a session middleware does, by hand:
//              bench/floor.js)
//              (none-dictionary: no session, but req and res switched to dictionary
//              mode as express-session-rs does; see lib/dictionary-mode.js)
//   workload:  write (load, modify, save) | read (load only) | new (a new client
//              every request: saveUninitialized true)
//   framework: express4 | express5
//   preload:   sessions to store before serving (workload iv: 1000000)
// Prints one JSON line {port, cookie} when ready; GET / is the route under test.

'use strict'

var http = require('http')
var path = require('path')

var scenario = process.argv[2]
var workload = process.argv[3]
var framework = process.argv[4] || 'express4'
var preload = Number(process.argv[5] || 0)
var redisPort = Number(process.env.BENCH_REDIS_PORT || 0)

var root = path.join(__dirname, '..')
var compare = path.join(__dirname, 'compare', 'node_modules')

// the scenario's database file (bench/http.js removes it after the run)
function benchFile () {
  var file = path.join(require('os').tmpdir(), 'esrs-bench-' + process.pid + '.db')
  ;['', '-wal', '-shm', '-journal'].forEach(function (suffix) { require('fs').rmSync(file + suffix, { force: true }) })
  return file
}
var express = require(path.join(root, 'node_modules', framework === 'express5' ? 'express5' : 'express'))

async function createStore () {
  switch (scenario) {
    case 'express-session':
      return { session: require('express-session'), store: new (require('express-session').MemoryStore)() }
    case 'express-session-rs':
      return { session: require(root), store: new (require(root).MemoryStore)() }
    case 'base': {
      // (the package in $BENCH_BASE, e.g. a worktree of an earlier commit with
      // its addon built: an A/B of two versions in one run)
      var base = require(path.resolve(process.env.BENCH_BASE))
      return { session: base, store: new base.MemoryStore() }
    }
    case 'base-sqlite': {
      var baseSqlite = require(path.resolve(process.env.BENCH_BASE))
      return { session: baseSqlite, store: new baseSqlite.SqliteStore({ path: benchFile(), sweepInterval: 0 }) }
    }
    case 'base-redis-native': {
      var baseRedis = require(path.resolve(process.env.BENCH_BASE))
      var baseRedisStore = new baseRedis.RedisStore({ url: 'redis://127.0.0.1:' + redisPort })
      await baseRedisStore.clear()
      return { session: baseRedis, store: baseRedisStore }
    }
    case 'floor':
      // (the least work a session middleware does: bench/floor.js)
      return { floor: true }
    case 'express-session-rs-owner':
      return { session: require(root), store: new (require(root).MemoryStore)(), options: { owner: 'views' } }
    case 'express-session-rs-changed-fields':
      return { session: require(root), store: new (require(root).MemoryStore)(), options: { saveChangedFields: true } }
    case 'express-session-rs-sqlite':
    case 'express-session-rs-sqlite-fsync':
    case 'express-session-rs-sqlite-changed-fields':
      return {
        session: require(root),
        store: new (require(root).SqliteStore)({ path: benchFile(), sweepInterval: 0, fsync: /fsync$/.test(scenario) }),
        options: { saveChangedFields: /changed-fields$/.test(scenario) }
      }
    case 'express-session-connect-sqlite3': {
      var file = benchFile()
      var ConnectSqlite3 = require(path.join(compare, 'connect-sqlite3'))(require('express-session'))
      return { session: require('express-session'), store: new ConnectSqlite3({ db: path.basename(file), dir: path.dirname(file) }) }
    }
    case 'express-session-better-sqlite3': {
      var Database = require(path.join(compare, 'better-sqlite3'))
      var BetterStore = require(path.join(compare, 'better-sqlite3-session-store'))(require('express-session'))
      return { session: require('express-session'), store: new BetterStore({ client: new Database(benchFile()), expired: { clear: true, intervalMs: 900000 } }) }
    }
    case 'express-session-rs-redis-native':
    case 'express-session-redis-native': {
      // (our RedisStore, under our middleware or under express-session)
      var ours = require(root)
      var store = new ours.RedisStore({ url: 'redis://127.0.0.1:' + redisPort })
      await store.clear()
      return { session: scenario === 'express-session-redis-native' ? require('express-session') : ours, store: store }
    }
    case 'express-session-rs-redis':
    case 'express-session-redis': {
      var client = require('redis').createClient({ url: 'redis://127.0.0.1:' + redisPort })
      await client.connect()
      await client.flushDb()
      var middleware = scenario === 'express-session-redis' ? require('express-session') : require(root)
      return { session: middleware, store: new (require('connect-redis').RedisStore)({ client: client }) }
    }
    default:
      return null
  }
}

function sessionData (i) {
  return {
    cookie: { originalMaxAge: 86400000, expires: new Date(Date.now() + 86400000).toISOString(), httpOnly: true, path: '/' },
    user: { id: i, name: 'user' + i },
    views: 0
  }
}

function fill (store, n) {
  return new Promise(function (resolve, reject) {
    var i = 0
    function next () {
      for (var k = 0; k < 1000 && i < n; k++, i++) {
        store.set('preloaded-session-' + (1e9 + i), sessionData(i), function (err) { if (err) reject(err) })
      }
      if (i < n) setImmediate(next)
      else setImmediate(resolve)
    }
    next()
  })
}

async function main () {
  var made = await createStore()
  var app = require('./app').create(express, scenario, made, workload)
  if (made && preload) await fill(made.store, preload)

  var server = http.createServer(app)
  server.keepAliveTimeout = 60000
  server.listen(0, '127.0.0.1', function () {
    var port = server.address().port
    // a returning client's cookie: one request creates the session
    if (!made || workload === 'new') {
      process.stdout.write(JSON.stringify({ port: port, cookie: null }) + '\n')
      return
    }
    http.get({ host: '127.0.0.1', port: port, path: '/__init' }, function (res) {
      res.resume()
      var cookie = (res.headers['set-cookie'] || [''])[0].split(';')[0]
      process.stdout.write(JSON.stringify({ port: port, cookie: cookie }) + '\n')
    })
  })
}

// exit cleanly on SIGTERM/SIGINT (so that --cpu-prof can write its profile)
process.on('SIGTERM', function () { process.exit(0) })
process.on('SIGINT', function () { process.exit(0) })

main().catch(function (err) {
  console.error(err)
  process.exit(1)
})
