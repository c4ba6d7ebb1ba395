// The exported classes and their behaviour, compared with express-session's.

'use strict'

var assert = require('assert')
var childProcess = require('child_process')
var path = require('path')
var test = require('node:test')
var util = require('util')
var original = require('express-session')
var ours = require('..')

var both = [original, ours]

function outcome (fn) {
  try {
    var value = fn()
    return ['ok', value]
  } catch (err) {
    return ['throw', err.name, err.message]
  }
}

function sameOutcome (fn) {
  var results = both.map(function (impl) { return outcome(function () { return fn(impl) }) })
  assert.deepStrictEqual(results[1], results[0])
  return results[0]
}

test('exports: a function with Store, Cookie, Session, MemoryStore', function () {
  assert.strictEqual(typeof ours, 'function')
  assert.strictEqual(ours.length, original.length)
  ;['Store', 'Cookie', 'Session', 'MemoryStore'].forEach(function (name) {
    assert.strictEqual(typeof ours[name], 'function', name)
    assert.strictEqual(ours[name].length, original[name].length, name + '.length')
    assert.deepStrictEqual(
      Object.getOwnPropertyNames(ours[name].prototype).sort().filter(function (k) { return ['ids', 'stats', 'prune', 'startInterval', 'stopInterval', '_expiry', 'sessions', 'sessionsOf', 'destroyOwner'].indexOf(k) === -1 }),
      Object.getOwnPropertyNames(original[name].prototype).sort(),
      name + ' prototype')
  })
})

test('Store is callable as Store.call(this) with util.inherits, and extendable by class', function () {
  function Legacy () { ours.Store.call(this) }
  util.inherits(Legacy, ours.Store)
  var legacy = new Legacy()
  assert.ok(legacy instanceof require('events').EventEmitter)
  class Modern extends ours.Store {}
  assert.strictEqual(typeof new Modern().on, 'function')
})

test('Cookie: defaults, data order, toJSON, serialize', function () {
  sameOutcome(function (impl) {
    var c = new impl.Cookie()
    return [c.path, c.maxAge, c.httpOnly, c.originalMaxAge, c.expires, Object.keys(c), Object.keys(c.data), JSON.stringify(c), c.constructor === Object]
  })
  sameOutcome(function (impl) {
    var c = new impl.Cookie({ domain: 'a.com', secure: true, sameSite: 'strict', priority: 'low', partitioned: true, httpOnly: false, path: '/p', data: 'ignored', extra: 1 })
    return [Object.keys(c), c.data, c.serialize('name', 'val'), c.extra]
  })
})

test('Cookie: maxAge and expires setters and errors', function (t) {
  // both Cookies read Date.now() twice (maxAge, then expires): a frozen clock
  // keeps a millisecond tick between them from making 999 of 1000
  t.mock.timers.enable({ apis: ['Date'], now: 1e12 })
  var first = sameOutcome(function (impl) {
    var c = new impl.Cookie({ maxAge: 1000 })
    var r = [c.originalMaxAge, c.maxAge, c.expires.toISOString()]
    c.expires = null
    r.push(c.maxAge, c.originalMaxAge)
    c.maxAge = false
    r.push(c.expires, c.maxAge)
    return r
  })
  assert.deepStrictEqual(first[1].slice(0, 3), [1000, 1000, new Date(1e12 + 1000).toISOString()])
  ;['42', true, function () {}, {}].forEach(function (bad) {
    var r = sameOutcome(function (impl) { return new impl.Cookie({ maxAge: bad }) })
    assert.deepStrictEqual(r, ['throw', 'TypeError', 'maxAge must be a number or Date'])
  })
  ;['string', 5, function () {}].forEach(function (bad) {
    var r = sameOutcome(function (impl) { return new impl.Cookie(bad) })
    assert.deepStrictEqual(r, ['throw', 'TypeError', 'argument options must be a object'])
  })
  sameOutcome(function (impl) { return new impl.Cookie({ sameSite: 'bogus' }).serialize('a', 'b') })
  sameOutcome(function (impl) { return new impl.Cookie({ expires: new Date(0) }).serialize('a', 'b') })
})

test('Session: non-enumerable id/req/methods, data copy, reserved keys', function () {
  sameOutcome(function (impl) {
    var req = { sessionID: 'abc' }
    var s = new impl.Session(req, { a: 1, id: 'x', req: 'y', save: 1, cookie: { c: 1 }, nested: { b: 2 } })
    var keys = []
    for (var k in s) keys.push(k)
    return [s.id, s.req === req, Object.keys(s), keys, JSON.stringify(s), typeof s.save,
      Object.getOwnPropertyDescriptor(s, 'id'), Object.getOwnPropertyDescriptor(s, 'req').enumerable]
  })
  sameOutcome(function (impl) { return Object.keys(new impl.Session({ sessionID: 'x' }, 'not an object')) })
})

test('Session#touch and resetMaxAge return the session', function (t) {
  t.mock.timers.enable({ apis: ['Date'], now: 1e12 })
  var r = sameOutcome(function (impl) {
    var s = new impl.Session({ sessionID: 'x' })
    s.cookie = new impl.Cookie({ maxAge: 5000 })
    return [s.touch() === s, s.resetMaxAge() === s, s.cookie.maxAge, s.cookie.expires.getTime()]
  })
  assert.deepStrictEqual(r, ['ok', [true, true, 5000, 1e12 + 5000]])
})

test('Store#createSession restores expires and originalMaxAge; load', async function () {
  var results = []
  for (var impl of both) {
    var store = new impl.MemoryStore()
    var expires = new Date(Date.now() + 10000)
    await new Promise(function (resolve) {
      store.set('sid', { cookie: { originalMaxAge: 10000, expires: expires, path: '/' }, n: 1 }, resolve)
    })
    var loaded = await new Promise(function (resolve, reject) {
      store.load('sid', function (err, sess) { if (err) reject(err); else resolve(sess) })
    })
    var missing = await new Promise(function (resolve) { store.load('nope', function (err, s) { resolve([err, s]) }) })
    results.push([loaded instanceof impl.Session, loaded.id, loaded.cookie.expires.getTime() === expires.getTime(),
      loaded.cookie.originalMaxAge, loaded.n, loaded.req.sessionStore === store, missing])
  }
  assert.deepStrictEqual(results[1], results[0])
})

test('deprecation messages and namespace match express-session', function () {
  var script = function (mod) {
    return "var s = require('" + mod + "'); s({}); s({ secret: 's', resave: true, saveUninitialized: true });" +
      'var C = s.Cookie; new C({ maxAge: new Date(Date.now() + 1000) })'
  }
  var outputs = ['express-session', path.join(__dirname, '..')].map(function (mod) {
    var res = childProcess.spawnSync(process.execPath, ['-e', script(mod)], { cwd: path.join(__dirname, '..'), encoding: 'utf8' })
    return res.stderr.split('\n').map(function (line) {
      return line.replace(/^.*?express-session deprecated/, 'express-session deprecated').replace(/ (\[eval\]|\S+\.js):\d+:\d+$/, '')
    }).filter(Boolean)
  })
  assert.ok(outputs[0].length >= 4, outputs[0].join('\n'))
  assert.deepStrictEqual(outputs[1], outputs[0])
})

test('a MemoryStore in a cluster worker warns once that workers do not share sessions; a SqliteStore or a lone process does not', function () {
  var script = [
    'var cluster = require("cluster")',
    'var session = require(process.argv[1])',
    'if (cluster.isPrimary) {',
    '  session({ secret: "s", resave: false, saveUninitialized: false })',
    '  cluster.fork().on("exit", function (code) { process.exitCode = code })',
    '} else {',
    '  session({ secret: "s", resave: false, saveUninitialized: false })',
    '  session({ secret: "s", resave: false, saveUninitialized: false, store: new session.MemoryStore() })',
    '  var dir = require("fs").mkdtempSync(require("path").join(require("os").tmpdir(), "esrs-cluster-"))',
    '  var store = new session.SqliteStore({ path: require("path").join(dir, "s.db") })',
    '  session({ secret: "s", resave: false, saveUninitialized: false, store: store })',
    '  store.close()',
    '  require("fs").rmSync(dir, { recursive: true })',
    '  process.exit(0)',
    '}'
  ].join('\n')
  var r = childProcess.spawnSync(process.execPath, ['-e', script, path.join(__dirname, '..')], { encoding: 'utf8' })
  assert.strictEqual(r.status, 0, r.stderr)
  assert.strictEqual(r.stderr, 'Warning: express-session-rs MemoryStore keeps sessions in one\n' +
    'process, and this is a worker of a cluster (Node cluster, pm2 cluster mode):\n' +
    'the workers do not share sessions. Use SqliteStore (the processes of one\n' +
    'machine) or a networked store such as connect-redis (several machines).\n')
})

test('session(): options express-session does not check stay unchecked (a name without a string form)', function () {
  var names = [Object.create(null), { toString: function () { throw new Error('no string') } }, 42, ['a', 'b']]
  names.forEach(function (name) {
    var r = sameOutcome(function (impl) {
      return typeof impl({ secret: 's', resave: false, saveUninitialized: false, name: name })
    })
    assert.deepStrictEqual(r, ['ok', 'function'])
  })
})
