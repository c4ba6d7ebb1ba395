// Numeric options: every one is checked once, at construction
// (lib/options/number.js), so that no value accepted there can fail later in a
// timer, a request or the addon; a wrong type is a TypeError, a number out of
// range a RangeError, each with express-session's `<name> option must be ...`.

'use strict'

var assert = require('assert')
var childProcess = require('child_process')
var fs = require('fs')
var http = require('http')
var os = require('os')
var path = require('path')
var test = require('node:test')
var session = require('../..')
var number = require('../../lib/options/number')

// ---- the table -----------------------------------------------------------------

// The values fed to every option, and, per kind, the outcome of each of them (in
// this order): 'ok' (accepted), 'type' (a TypeError) or 'range' (a RangeError),
// with the message of each error.
var VALUES = [0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 31 - 1, '5', null, {}]

var KINDS = {
  // a lifetime in ms: an integer >= 1, or Infinity (never); no timer, no upper bound
  lifetime: {
    outcomes: ['range', 'range', 'range', 'type', 'ok', 'range', 'ok', 'ok', 'type', 'type', 'type'],
    type: 'option must be a number of milliseconds or a function',
    range: 'option must be an integer number of milliseconds >= 1 or Infinity'
  },
  // a time in ms from 0 (a documented "none"/"at once") to Node's timer limit
  'time 0..2^31-1': {
    outcomes: ['ok', 'range', 'range', 'type', 'range', 'range', 'range', 'ok', 'type', 'type', 'type'],
    type: 'option must be a number of milliseconds',
    range: 'option must be an integer number of milliseconds from 0 to 2147483647'
  },
  // a limit: an integer >= 0 (0: unlimited)
  'count >= 0': {
    outcomes: ['ok', 'range', 'range', 'type', 'range', 'range', 'ok', 'ok', 'type', 'type', 'type'],
    type: 'option must be a number',
    range: 'option must be an integer >= 0'
  },
  // an amount where 0 would mean "never anything"
  'count >= 1': {
    outcomes: ['range', 'range', 'range', 'type', 'range', 'range', 'ok', 'ok', 'type', 'type', 'type'],
    type: 'option must be a number',
    range: 'option must be an integer >= 1'
  },
  // a session lifetime compared with Date.now() (no timer): an integer >= 1; null
  // (like false) turns it off
  'absolute lifetime': {
    outcomes: ['range', 'range', 'range', 'type', 'range', 'range', 'ok', 'ok', 'type', 'ok', 'type'],
    type: 'option must be a number of milliseconds',
    range: 'option must be an integer number of milliseconds from 1 to 9007199254740991'
  },
  // SQLite's max_page_count: 0 (none) to SQLite's largest, 4294967294
  'pages 0..4294967294': {
    outcomes: ['ok', 'range', 'range', 'type', 'range', 'range', 'ok', 'ok', 'type', 'type', 'type'],
    type: 'option must be a number',
    range: 'option must be an integer from 0 to 4294967294'
  }
}

// One row per option: [constructor, option, kind]. A constructor takes the
// options object and returns what has to be released (or nothing), via close().
var OPTIONS = [
  ['session', 'absoluteTimeout', 'absolute lifetime'],
  ['MemoryStore', 'ttl', 'lifetime'],
  ['MemoryStore', 'max', 'count >= 0'],
  ['MemoryStore', 'maxBytes', 'count >= 0'],
  ['MemoryStore', 'sweepInterval', 'time 0..2^31-1'],
  ['MemoryStore', 'sweepBudget', 'time 0..2^31-1'],
  ['SqliteStore', 'ttl', 'lifetime'],
  ['SqliteStore', 'busyTimeout', 'time 0..2^31-1'],
  ['SqliteStore', 'sweepInterval', 'time 0..2^31-1'],
  ['SqliteStore', 'sweepBatch', 'count >= 1'],
  ['SqliteStore', 'maxPages', 'pages 0..4294967294']
]

// ---- the constructors ----------------------------------------------------------

var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-numeric-'))
var files = 0
test.after(function () { fs.rmSync(dir, { recursive: true, force: true }) })

var MAKE = {
  // the middleware, checked by serving a request that saves a session
  session: function (opts) {
    var store = new session.MemoryStore({ sweepInterval: 0 })
    var middleware = session(Object.assign({ secret: 's', resave: false, saveUninitialized: false, store: store }, opts))
    return {
      store: store,
      check: function () {
        return new Promise(function (resolve, reject) {
          var server = http.createServer(function (req, res) {
            middleware(req, res, function (err) {
              if (err) return reject(err)
              req.session.n = 1
              res.end('ok')
            })
          }).listen(0, '127.0.0.1', function () {
            http.get({ host: '127.0.0.1', port: server.address().port }, function (res) {
              res.resume()
              res.on('end', function () {
                server.close()
                try {
                  assert.strictEqual(res.statusCode, 200)
                  assert.strictEqual(store.stats().count, 1)
                  resolve()
                } catch (e) {
                  reject(e)
                }
              })
            }).on('error', reject)
          })
        })
      },
      close: function () {}
    }
  },
  MemoryStore: function (opts) {
    var store = new session.MemoryStore(opts)
    return { store: store, close: function () { store.stopInterval() } }
  },
  SqliteStore: function (opts) {
    var store = new session.SqliteStore(Object.assign({ path: path.join(dir, 's' + (++files) + '.db') }, opts))
    return { store: store, close: function () { store.close() } }
  }
}

function show (value) {
  return typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value === 'object' ? '{}' : String(value)
}

// a store accepted with `value` still serves a set and a get
async function works (store) {
  var sess = { cookie: { expires: new Date(Date.now() + 60000).toISOString() }, n: 1 }
  await store.set('sid', sess)
  assert.strictEqual((await store.get('sid')).n, 1)
}

OPTIONS.forEach(function (row) {
  var ctor = row[0]
  var name = row[1]
  var kind = KINDS[row[2]]
  test(ctor + ' ' + name + ' (' + row[2] + '): ' + VALUES.map(show).join(', '), async function () {
    assert.strictEqual(kind.outcomes.length, VALUES.length)
    for (var i = 0; i < VALUES.length; i++) {
      var value = VALUES[i]
      var opts = {}
      opts[name] = value
      var label = ctor + ' ' + name + ': ' + show(value)
      if (kind.outcomes[i] === 'ok') {
        var made = MAKE[ctor](opts)
        try {
          await (made.check ? made.check() : works(made.store))
        } finally {
          made.close()
        }
      } else {
        var Err = kind.outcomes[i] === 'type' ? TypeError : RangeError
        var message = name + ' ' + kind[kind.outcomes[i]]
        assert.throws(function () { MAKE[ctor](opts) }, function (err) {
          assert.strictEqual(err.constructor, Err, label + ': ' + err.stack)
          assert.strictEqual(err.message, message, label)
          return true
        }, label)
      }
    }
  })
})

test('undefined means the default; ttl also takes a function', async function () {
  var made = [
    MAKE.MemoryStore({ ttl: undefined, max: undefined, maxBytes: undefined, sweepInterval: undefined, sweepBudget: undefined }),
    MAKE.MemoryStore({ ttl: function () { return 1000 } }),
    MAKE.SqliteStore({ ttl: undefined, busyTimeout: undefined, sweepInterval: undefined, sweepBatch: undefined, maxPages: undefined }),
    MAKE.SqliteStore({ ttl: function () { return 1000 } })
  ]
  try {
    for (var i = 0; i < made.length; i++) await works(made[i].store)
  } finally {
    made.forEach(function (m) { m.close() })
  }
})

// ---- the module ----------------------------------------------------------------

test('lib/options/number: defaults, bounds and messages', function () {
  assert.strictEqual(number.MAX_TIME, 2 ** 31 - 1)
  assert.strictEqual(number.time('t', undefined), undefined)
  assert.strictEqual(number.time('t', undefined, { default: 7 }), 7)
  assert.strictEqual(number.time('t', 0), 0)
  assert.strictEqual(number.time('t', 2 ** 31 - 1), 2 ** 31 - 1)
  assert.throws(function () { number.time('t', 0, { min: 1 }) },
    { name: 'RangeError', message: 't option must be an integer number of milliseconds from 1 to 2147483647' })
  assert.throws(function () { number.time('t', 11, { max: 10 }) },
    { name: 'RangeError', message: 't option must be an integer number of milliseconds from 0 to 10' })
  assert.strictEqual(number.time('t', Infinity, { max: Infinity }), Infinity)
  assert.strictEqual(number.time('t', 2 ** 53, { max: Infinity }), 2 ** 53)
  assert.throws(function () { number.time('t', null) }, { name: 'TypeError', message: 't option must be a number of milliseconds' })
  assert.throws(function () { number.time('t', false) }, { name: 'TypeError', message: 't option must be a number of milliseconds' })
  assert.throws(function () { number.time('t', 5n) }, { name: 'TypeError', message: 't option must be a number of milliseconds' })
  assert.strictEqual(number.count('c', undefined), undefined)
  assert.strictEqual(number.count('c', undefined, { default: 3 }), 3)
  assert.strictEqual(number.count('c', 2 ** 53), 2 ** 53)
  assert.throws(function () { number.count('c', Infinity) }, { name: 'RangeError', message: 'c option must be an integer >= 0' })
  assert.throws(function () { number.count('c', 4, { min: 1, max: 3 }) }, { name: 'RangeError', message: 'c option must be an integer from 1 to 3' })
  assert.throws(function () { number.count('c', new Number(1)) }, { name: 'TypeError', message: 'c option must be a number' }) // eslint-disable-line no-new-wrappers
})

// ---- regressions: values that crashed the process or misbehaved ---------------

var ROOT = path.join(__dirname, '..', '..')

// runs `lines` in a child process; its exit status and output
function child (lines) {
  return childProcess.spawnSync(process.execPath, ['-e', ['var s = require(' + JSON.stringify(ROOT) + ')'].concat(lines).join('\n')],
    { encoding: 'utf8', timeout: 30000 })
}

test('MemoryStore({ sweepBudget: Infinity }) is refused; it no longer kills the process a second later from the sweep timer', function () {
  var res = child([
    'var out',
    'try { new s.MemoryStore({ sweepBudget: Infinity }); out = "accepted" } catch (e) { out = e.name + ": " + e.message }',
    'setTimeout(function () { console.log(out) }, 1500)'
  ])
  assert.strictEqual(res.status, 0, res.stderr)
  assert.strictEqual(res.stdout, 'RangeError: sweepBudget option must be an integer number of milliseconds from 0 to 2147483647\n')
})

test('the largest accepted values run for 1.5 s with a 1 ms sweep and serve requests, without an error from a timer or the addon', function () {
  var file = path.join(dir, 'extremes.db')
  var res = child([
    'var mem = new s.MemoryStore({ ttl: 2 ** 31, max: 2 ** 31, maxBytes: 2 ** 53, sweepInterval: 1, sweepBudget: 2 ** 31 - 1 })',
    'var sql = new s.SqliteStore({ path: ' + JSON.stringify(file) + ', ttl: Infinity, busyTimeout: 2 ** 31 - 1, sweepInterval: 1, sweepBatch: 2 ** 31, maxPages: 4294967294 })',
    'var slow = new s.MemoryStore({ sweepInterval: 2 ** 31 - 1 })',
    'var n = 0',
    'var t = setInterval(function () {',
    '  n++',
    '  Promise.all([mem.set("a" + n, { cookie: {}, n: n }), sql.set("a" + n, { cookie: {}, n: n }), slow.set("a", { cookie: {} })])',
    '    .then(function () { return Promise.all([mem.get("a" + n), sql.get("a" + n)]) })',
    '    .then(function (r) { if (r[0].n !== n || r[1].n !== n) throw new Error("lost " + n) })',
    '}, 50)',
    'setTimeout(function () { clearInterval(t); sql.close(); console.log("served", n > 10) }, 1500)'
  ])
  assert.strictEqual(res.status, 0, res.stderr)
  assert.strictEqual(res.stdout, 'served true\n')
  assert.strictEqual(res.stderr, '') // (no TimeoutOverflowWarning either)
})

test('SqliteStore({ busyTimeout: 2 ** 31 }) is a RangeError at construction, not a panic in the addon; Infinity no longer means 0 ms', function () {
  var file = path.join(dir, 'busy.db')
  var res = child([
    'var p = ' + JSON.stringify(file),
    'var values = [2 ** 31, Infinity]',
    'values.forEach(function (v) {',
    '  try { new s.SqliteStore({ path: p, busyTimeout: v }).close(); console.log("accepted") } catch (e) { console.log(e.name + ": " + e.message) }',
    '})'
  ])
  assert.strictEqual(res.status, 0, res.stderr)
  var line = 'RangeError: busyTimeout option must be an integer number of milliseconds from 0 to 2147483647\n'
  assert.strictEqual(res.stdout, line + line)
})

test('the addon refuses a busy timeout it cannot take (RangeError, not a panic)', function () {
  var native = require('../../native')
  ;[2 ** 31, Infinity, -1, NaN].forEach(function (v) {
    assert.throws(function () { native.createSqliteStore(path.join(dir, 'raw.db'), 0, v, 0, function () {}) },
      { name: 'RangeError', message: 'busy timeout must be a number of milliseconds from 0 to 2147483647' })
  })
})

test('the addon sweeps with a limit of 0 or Infinity as unlimited (never LIMIT 0)', async function () {
  var native = require('../../native')
  var waiting = new Map()
  var nat = native.createSqliteStore(path.join(dir, 'raw-sweep.db'), 0, 1000, 0, function (ids, codes, messages) {
    for (var i = 0; i < ids.length; i++) waiting.get(ids[i])(codes[i] && new Error(codes[i] + ': ' + messages[i]))
  })
  nat.ref() // (the addon's callback keeps the process alive only when told to)
  function run (id, method, args) {
    return new Promise(function (resolve, reject) {
      waiting.set(id, function (err) { return err ? reject(err) : resolve() })
      nat[method].apply(nat, [id].concat(args))
      nat.flush()
    })
  }
  try {
    var id = 0
    for (var limit of [0, Infinity]) {
      await run(++id, 'set', ['a', '{}', Date.now() - 1000])
      await run(++id, 'set', ['b', '{}', Date.now() - 1000])
      assert.strictEqual(nat.stats().count, 2)
      await run(++id, 'sweep', [Date.now(), limit])
      assert.strictEqual(nat.stats().count, 0, 'limit ' + limit)
    }
  } finally {
    nat.unref()
    nat.close()
  }
})

test('sweepInterval 2 ** 31 is refused (Node would fire the timer every millisecond)', function () {
  var message = 'sweepInterval option must be an integer number of milliseconds from 0 to 2147483647'
  assert.throws(function () { MAKE.MemoryStore({ sweepInterval: 2 ** 31 }) }, { name: 'RangeError', message: message })
  assert.throws(function () { MAKE.SqliteStore({ sweepInterval: 2 ** 31 }) }, { name: 'RangeError', message: message })
})

test('sweepBatch: Infinity (was LIMIT 0: nothing swept) and 0 (was silently 1000) are refused; a huge batch sweeps', async function () {
  assert.throws(function () { MAKE.SqliteStore({ sweepBatch: Infinity }) }, { name: 'RangeError', message: 'sweepBatch option must be an integer >= 1' })
  assert.throws(function () { MAKE.SqliteStore({ sweepBatch: 0 }) }, { name: 'RangeError', message: 'sweepBatch option must be an integer >= 1' })
  var made = MAKE.SqliteStore({ sweepBatch: 2 ** 40, sweepInterval: 20 })
  try {
    await made.store.set('old', { cookie: { expires: new Date(Date.now() - 1000).toISOString() } })
    await made.store.set('live', { cookie: { expires: new Date(Date.now() + 60000).toISOString() } })
    var deadline = Date.now() + 10000
    while (made.store.stats().count > 1 && Date.now() < deadline) {
      await new Promise(function (resolve) { setTimeout(resolve, 20) })
    }
    assert.strictEqual(made.store.stats().count, 1)
    assert.ok(await made.store.get('live'))
  } finally {
    made.close()
  }
})
