// RedisStore benchmark: 20,000 session writes in flight at once (200 issued per
// turn of the event loop, as requests arrive), on a local redis-server (append-
// only file, fsync every second, as it is run in production) and on a 3-master
// Redis Cluster, against connect-redis with node-redis on the same server in the
// same run: time until all are acknowledged, writes/s, and the event loop's delay
// while they are in flight (perf_hooks.monitorEventLoopDelay). Then reads of one
// session, one at a time and 50 at a time: wall time and this process's CPU
// time per read (all of its threads), the cost of a round trip that small
// batches pay. The HTTP suite
// has RedisStore over HTTP (scenarios express-session-rs-redis-native and
// express-session-redis-native against express-session-rs-redis and
// express-session-redis).

'use strict'

var lib = require('./lib')
var burst = require('./sqlite').burst
var redis = require('../tools/redis')
var session = require('..')

var WRITES = 20000
var READS = 10000

/**
 * `n` reads of one stored session, `concurrency` at a time: `{ us, cpu }`, wall
 * and CPU time (this process, every thread) per read.
 *
 * @private
 */
async function reads (store, n, concurrency) {
  await store.set('rt', { cookie: { originalMaxAge: null, expires: null, httpOnly: true, path: '/' }, user: 'alice', n: 1 })
  var each = Math.floor(n / concurrency)
  var cpu = process.cpuUsage()
  var started = process.hrtime.bigint()
  await Promise.all(Array.from({ length: concurrency }, async function () {
    for (var i = 0; i < each; i++) await store.get('rt')
  }))
  var wall = Number(process.hrtime.bigint() - started) / 1e3
  cpu = process.cpuUsage(cpu)
  return { us: wall / (each * concurrency), cpu: (cpu.user + cpu.system) / (each * concurrency) }
}

module.exports = async function redisSuite (options) {
  if (!redis.available()) return { skipped: 'redis-server is not installed' }
  var rounds = options.quick ? 1 : 3
  var n = options.quick ? 2000 : WRITES
  var server = await redis.start({ appendfsync: 'everysec' })
  var cluster = await redis.startCluster({ masters: 3, replicas: 0 })
  var client = require('redis').createClient({ url: 'redis://127.0.0.1:' + server.port })
  await client.connect()
  var ConnectRedis = require('connect-redis').RedisStore
  var kinds = [
    ['connect-redis + node-redis', function (r) { return new ConnectRedis({ client: client, prefix: 'c' + r + ':' }) }],
    ['RedisStore', function (r) { return new session.RedisStore({ url: 'redis://127.0.0.1:' + server.port, prefix: 'n' + r + ':' }) }],
    // (session()'s owner option: each write also enters its owner's index; 100 owners)
    ['RedisStore, owner option', function (r) {
      var store = new session.RedisStore({ url: 'redis://127.0.0.1:' + server.port, prefix: 'o' + r + ':' })
      session({ secret: 's', resave: false, saveUninitialized: false, store: store, owner: function (s) { return s.cart ? 'u' + (s.cart[2] % 100) : s.user } })
      return store
    }],
    ['RedisStore, 3-master cluster', function (r) {
      return new session.RedisStore({ cluster: true, nodes: [{ host: '127.0.0.1', port: cluster.nodes[0].port }], prefix: 'n' + r + ':' })
    }]
  ]
  var samples = kinds.map(function () { return [] })
  var trips = kinds.map(function () { return { one: [], fifty: [] } })
  try {
    for (var r = 0; r < rounds; r++) {
      for (var k = 0; k < kinds.length; k++) {
        var store = kinds[k][1](r)
        // (redis-server's CPU time per write, in us: the single server only)
        var single = kinds[k][0].indexOf('cluster') === -1
        var serverCpu = single ? lib.cpuUs(server.pid) : 0
        var sample = await burst(store, n)
        sample.serverCpu = single ? (lib.cpuUs(server.pid) - serverCpu) / n : NaN
        samples[k].push(sample)
        trips[k].one.push(await reads(store, options.quick ? 1000 : READS, 1))
        trips[k].fifty.push(await reads(store, options.quick ? 1000 : READS, 50))
        if (store.close) store.close()
      }
    }
  } finally {
    await client.quit().catch(function () {})
    server.stop()
    await cluster.stop()
  }
  return {
    bursts: kinds.map(function (kind, k) {
      var s = samples[k]
      function med (key) { return lib.median(s.map(function (x) { return x[key] })) }
      return { store: kind[0], writes: n, ms: med('ms'), perSecond: med('perSecond'), p99: med('p99'), max: med('max'), cpu: med('cpu'), loopCpu: med('loopCpu'), serverCpu: med('serverCpu') }
    }),
    reads: kinds.map(function (kind, k) {
      function med (list, key) { return lib.median(list.map(function (x) { return x[key] })) }
      var t = trips[k]
      return { store: kind[0], one: { us: med(t.one, 'us'), cpu: med(t.one, 'cpu') }, fifty: { us: med(t.fifty, 'us'), cpu: med(t.fifty, 'cpu') } }
    })
  }
}

module.exports.table = function table (result) {
  if (result.skipped) return '(skipped: ' + result.skipped + ')'
  var rows = result.bursts
  var lines = [
    '| store | writes in flight | all acknowledged after (ms) | writes/s | vs connect-redis | event-loop delay p99 (ms) | max (ms) | app CPU us per write (event-loop thread) | redis-server CPU us per write |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|'
  ]
  rows.forEach(function (r) {
    lines.push('| ' + [r.store, r.writes, lib.fmt(r.ms), lib.fmt(r.perSecond), lib.fmt(r.perSecond / rows[0].perSecond, 2) + 'x',
      lib.fmt(r.p99, 1), lib.fmt(r.max, 1), lib.fmt(r.cpu, 1) + ' (' + lib.fmt(r.loopCpu, 1) + ')', isNaN(r.serverCpu) ? '' : lib.fmt(r.serverCpu, 1)].join(' | ') + ' |')
  })
  var trips = result.reads
  if (trips) {
    lines.push('', '| store | one read at a time: us per read | CPU us per read | vs connect-redis | 50 at a time: us per read | CPU us per read | vs connect-redis |',
      '|---|---:|---:|---:|---:|---:|---:|')
    trips.forEach(function (t) {
      lines.push('| ' + [t.store, lib.fmt(t.one.us, 1), lib.fmt(t.one.cpu, 1), lib.fmt(t.one.cpu / trips[0].one.cpu, 2) + 'x',
        lib.fmt(t.fifty.us, 1), lib.fmt(t.fifty.cpu, 1), lib.fmt(t.fifty.cpu / trips[0].fifty.cpu, 2) + 'x'].join(' | ') + ' |')
    })
  }
  return lines.join('\n')
}
