// RedisStore on a real Redis Cluster: 3 masters with a replica each, started by
// the test on local ports. Sessions spread over every master; all() and
// friends scan every master; a slot migrated under load (MOVED/ASK) loses
// nothing acknowledged; a master killed with SIGKILL is replaced by its replica
// and the store serves again, while calls during the outage end in an error.

'use strict'

var assert = require('assert')
var express = require('express')
var request = require('supertest')
var test = require('node:test')
var ours = require('..')
var redis = require('../tools/redis')

var skip = !redis.available() && 'redis-server is not installed (.ci/run installs it)'

function session (i) {
  return { cookie: { originalMaxAge: 600000, expires: new Date(Date.now() + 600000).toISOString(), httpOnly: true, path: '/' }, i: i }
}

// the master ports of the cluster, by `CLUSTER NODES` as node `port` sees it
function masters (port) {
  return redis.cli(port, ['cluster', 'nodes']).split('\n').filter(function (l) {
    var flags = l.split(' ')[2].split(',')
    return flags.indexOf('master') !== -1 && !flags.some(function (f) { return /^fail/.test(f) })
  }).map(function (l) { return { id: l.split(' ')[0], port: Number(l.split(' ')[1].split('@')[0].split(':')[1]) } })
}

async function retry (fn, ms) {
  for (var deadline = Date.now() + ms; ; await new Promise(function (resolve) { setTimeout(resolve, 100) })) {
    try {
      return await fn()
    } catch (err) {
      if (Date.now() > deadline) throw err
    }
  }
}

test('RedisStore on a 3-master cluster: spread over every master, resharded under load, a master killed and replaced', { skip: skip, timeout: 120000 }, async function () {
  var cluster = await redis.startCluster({ masters: 3, replicas: 1, nodeTimeout: 1000 })
  var nodes = cluster.nodes.map(function (n) { return { host: '127.0.0.1', port: n.port } })
  var store = new ours.RedisStore({ cluster: true, nodes: nodes.slice(0, 1), commandTimeout: 2000, scanCount: 50 })
  try {
    var n = 300
    var writes = []
    for (var i = 0; i < n; i++) writes.push(store.set('s' + i + '\ud800', session(i)))
    await Promise.all(writes)
    var before = masters(cluster.nodes[0].port)
    assert.strictEqual(before.length, 3)
    before.forEach(function (m) {
      assert.ok(Number(redis.cli(m.port, ['dbsize'])) > n / 10, 'master ' + m.port + ' holds sessions')
    })
    assert.strictEqual(await store.length(), n)
    var all = await store.all()
    assert.strictEqual(all['s7\ud800'].i, 7)
    assert.strictEqual((await store.get('s299\ud800')).i, 299)

    // one user's sessions, on every master, listed and ended through the
    // owner's index (a key of one slot)
    ours({ secret: 's', resave: false, saveUninitialized: false, store: store, owner: 'user' })
    var mine = []
    for (var k = 0; k < 12; k++) {
      mine.push('u' + k)
      await store.set('u' + k, Object.assign(session(k), { user: 'ann' }))
    }
    var holding = before.filter(function (m) {
      return mine.some(function (sid) { return redis.cli(m.port, ['exists', 'sess:' + sid]) === '1' })
    })
    assert.strictEqual(holding.length, 3, 'the user\'s sessions are on every master')
    assert.deepStrictEqual(Object.keys(await store.sessionsOf('ann')).sort(), mine.slice().sort())
    assert.strictEqual(await store.destroyOwner('ann', { except: 'u0' }), 11)
    assert.deepStrictEqual(Object.keys(await store.sessionsOf('ann')), ['u0'])
    assert.strictEqual(await store.destroyOwner('ann'), 1)
    // (a save with its index entry, then a destroy of the same session in
    // the same turn: they reach Redis in that order, the entry's round trip
    // to another node notwithstanding)
    var order = []
    var reads = []
    for (k = 0; k < 40; k++) {
      order.push(store.set('o' + k, Object.assign(session(k), { user: 'bob' })))
      reads.push(store.get('o' + k), store.get('o' + k)) // (reads in between: after the set, before the destroy)
      order.push(store.destroy('o' + k))
      reads.push(store.get('o' + k))
    }
    await Promise.all(order)
    reads = await Promise.all(reads)
    for (k = 0; k < 40; k++) {
      assert.deepStrictEqual([reads[3 * k].i, reads[3 * k + 1].i, reads[3 * k + 2]], [k, k, undefined], 'reads of o' + k + ' in order')
    }
    for (k = 0; k < 40; k++) assert.strictEqual(await store.get('o' + k), undefined, 'o' + k + ' stays destroyed')
    assert.deepStrictEqual(await store.sessionsOf('bob'), Object.create(null))
    assert.strictEqual(await store.length(), n)

    // move 200 slots from one master to another while sessions are written and read
    var load = { on: true }
    var acked = []
    var loop = (async function () {
      for (var k = 0; load.on; k++) {
        var sid = 'r' + k
        await store.set(sid, session(k))
        acked.push(sid)
        assert.strictEqual((await store.get(sid)).i, k)
      }
    })()
    var moved = redis.cli(before[0].port, ['--cluster', 'reshard', '127.0.0.1:' + before[0].port,
      '--cluster-from', before[0].id, '--cluster-to', before[1].id, '--cluster-slots', '200', '--cluster-yes'])
    assert.notStrictEqual(moved, null, 'redis-cli --cluster reshard')
    await new Promise(function (resolve) { setTimeout(resolve, 300) })
    load.on = false
    await loop
    assert.ok(acked.length > 0)
    for (var j = 0; j < acked.length; j++) assert.ok(await store.get(acked[j]), acked[j] + ' survived the reshard')
    assert.strictEqual(await store.length(), n + acked.length)

    // a master killed: calls fail (never hang) until its replica takes over
    var victim = before[2]
    var victimNode = cluster.nodes.find(function (x) { return x.port === victim.port })
    var onVictim = acked.find(function (sid) {
      return redis.cli(victim.port, ['exists', 'sess:' + sid]) === '1'
    })
    assert.ok(onVictim, 'a session on the master about to be killed')
    victimNode.kill('SIGKILL')
    await victimNode.exited
    var started = Date.now()
    await store.get(onVictim).then(function () {}, function (err) { assert.strictEqual(typeof err.code, 'string') })
    assert.ok(Date.now() - started < 10000, 'no hang')
    var app = express()
    app.use(ours({ secret: 's', resave: false, saveUninitialized: false, store: store }))
    app.get('/', function (req, res) { res.end(String(req.session.i)) })
    // (served again by the promoted replica: replication is asynchronous, so
    // the session is there when it had reached the replica, as here)
    var value = await retry(async function () { return store.get(onVictim) }, 20000)
    assert.strictEqual(value.i, Number(onVictim.slice(1)))
    await request(app).get('/').expect(200)
  } finally {
    store.close()
    await cluster.stop()
  }
})
