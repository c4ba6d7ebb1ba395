// RedisStore on a real redis-server (started by each test on a free port):
// express-session's store semantics (against its MemoryStore), connect-redis's
// data both ways, failures that end in an error and never a hang, exact text.

'use strict'

var assert = require('assert')
var childProcess = require('child_process')
var fs = require('fs')
var http = require('http')
var os = require('os')
var path = require('path')
var tls = require('./support/tls')
var express = require('express')
var request = require('supertest')
var test = require('node:test')
var original = require('express-session')
var storeCalls = require('./support/store-calls')
var ours = require('..')
var cookie = storeCalls.cookie
var redis = require('../tools/redis')

var skip = !redis.available() && 'redis-server is not installed (.ci/run installs it)'

// a redis-server for the duration of `fn(server, client)`; `client` is node-redis
async function withServer (options, fn) {
  var server = await redis.start(options)
  var client = require('redis').createClient({ url: 'redis://127.0.0.1:' + server.port })
  client.on('error', function () {})
  try {
    await client.connect()
    return await fn(server, client)
  } finally {
    await client.quit().catch(function () {})
    server.stop()
  }
}

function url (server) {
  return 'redis://127.0.0.1:' + server.port
}

test('RedisStore gives what express-session\'s MemoryStore gives, but for touch, which restarts the TTL only (as connect-redis\'s)', { skip: skip }, async function () {
  await withServer({}, async function (server, client) {
    var store = new ours.RedisStore({ url: url(server) })
    var mine = await storeCalls.storeCalls(ours, store)
    var theirs = await storeCalls.storeCalls(original, new original.MemoryStore())
    // (touch: MemoryStore rewrites the stored cookie, connect-redis and RedisStore
    // only the key's TTL, checked in the next test)
    assert.strictEqual(theirs[3].cookie.originalMaxAge, 120000)
    assert.strictEqual(mine[3].cookie.originalMaxAge, 60000)
    mine[3].cookie = theirs[3].cookie
    mine[5].b.cookie = theirs[5].b.cookie
    assert.deepStrictEqual(mine, theirs)
    assert.strictEqual(mine[0].text, 'Ж€𝄞\ud800')
    assert.deepStrictEqual(await client.keys('*'), [])
    store.close()
  })
})

test('keys, values and TTLs are connect-redis\'s: prefix + id, the session JSON, the cookie\'s lifetime in seconds', { skip: skip }, async function () {
  await withServer({}, async function (server, client) {
    var store = new ours.RedisStore({ url: url(server), prefix: 'app:' })
    var session = { cookie: cookie(ours, 90000), user: 'ann' }
    await store.set('id1', session)
    assert.strictEqual(await client.get('app:id1'), JSON.stringify(session))
    var ttl = await client.ttl('app:id1')
    assert.ok(ttl === 90 || ttl === 89, String(ttl))
    // no expiry on the cookie: ttl (seconds, default one day)
    await store.set('id2', { cookie: { expires: null }, n: 1 })
    var dayTtl = await client.ttl('app:id2')
    assert.ok(dayTtl > 86390 && dayTtl <= 86400, String(dayTtl))
    // touch restarts the TTL (EXPIRE), keeping the stored data
    await store.touch('id1', { cookie: cookie(ours, 600000), user: 'ignored' })
    assert.ok(await client.ttl('app:id1') > 590)
    assert.strictEqual(JSON.parse(await client.get('app:id1')).user, 'ann')
    // a ttl function decides every session's lifetime, as connect-redis's
    var fixed = new ours.RedisStore({ url: url(server), prefix: 'f:', ttl: function (s) { return s.life } })
    await fixed.set('x', { cookie: cookie(ours, 90000), life: 30 })
    assert.strictEqual(await client.ttl('f:x'), 30)
    // disableTTL: no expiry in Redis, and touch does nothing
    var forever = new ours.RedisStore({ url: url(server), prefix: 'p:', disableTTL: true })
    await forever.set('y', { cookie: cookie(ours, 90000) })
    assert.strictEqual(await client.ttl('p:y'), -1)
    // a session whose cookie already expired is removed instead
    await store.set('id1', { cookie: { expires: new Date(Date.now() - 1).toISOString() } })
    assert.strictEqual(await client.exists('app:id1'), 0)
    for (var s of [store, fixed, forever]) s.close()
  })
})

test('the ttl option and the ttl function\'s results are taken as connect-redis takes them', { skip: skip }, async function () {
  await withServer({}, async function (server, client) {
    var ConnectRedis = require('connect-redis').RedisStore
    // (falsy: the default day; a string of digits, as from an environment
    // variable: its number; up to what Redis takes)
    var options = [0, null, NaN, '', false, '3600', 3600, 1e13]
    var functions = ['30', '-5', 45, '0']
    var noExpiry = { cookie: { expires: null }, n: 1 }
    var stores = []
    async function ttls (make) {
      var out = []
      for (var i = 0; i < options.length; i++) {
        var store = make({ prefix: 'o' + i + ':', ttl: options[i] })
        stores.push(store)
        await store.set('a', noExpiry)
        out.push(await client.ttl('o' + i + ':a'))
      }
      for (var j = 0; j < functions.length; j++) {
        var result = functions[j]
        var fixed = make({ prefix: 'f' + j + ':', ttl: function () { return result } })
        stores.push(fixed)
        await fixed.set('a', noExpiry)
        var afterSet = await client.ttl('f' + j + ':a')
        await client.set('f' + j + ':b', 'x')
        await fixed.touch('b', noExpiry)
        out.push([afterSet, await client.ttl('f' + j + ':b')])
      }
      await client.flushAll()
      return out
    }
    var theirs = await ttls(function (o) { return new ConnectRedis(Object.assign({ client: client }, o)) })
    var mine = await ttls(function (o) { return new ours.RedisStore(Object.assign({ url: url(server) }, o)) })
    assert.deepStrictEqual(mine, theirs)
    assert.deepStrictEqual(mine, [86400, 86400, 86400, 86400, 86400, 3600, 3600, 1e13,
      [30, 30], [-2, -2], [45, 45], [-2, -2]])
    for (var s of stores) if (s instanceof ours.RedisStore) s.close()

    // a lifetime that is not an integer number of seconds (a ttl function's
    // fraction, a cookie expiry that is no date, for touch): Redis's refusal;
    // a ttl function's NaN: set removes the session (NaN is not above 0), touch
    // is refused
    async function refusals (make) {
      var out = []
      var fraction = make({ prefix: 'x:', ttl: function () { return 1.5 } })
      var plain = make({ prefix: 'y:' })
      var nan = make({ prefix: 'z:', ttl: function () { return NaN } })
      await client.set('z:a', JSON.stringify(noExpiry))
      for (var call of [[fraction, 'set', 'a', noExpiry], [fraction, 'touch', 'a', noExpiry], [plain, 'touch', 'a', { cookie: { expires: 'garbage' } }],
        [nan, 'set', 'a', noExpiry], [nan, 'touch', 'a', noExpiry]]) {
        out.push(await new Promise(function (resolve) {
          call[0][call[1]](call[2], call[3], function (err) { resolve(err ? [err.code || err.name, err.message] : 'ok') })
        }))
      }
      out.push(await client.keys('z:*'))
      for (var store of [fraction, plain, nan]) if (store instanceof ours.RedisStore) store.close()
      return out
    }
    var refusedTheirs = await refusals(function (o) { return new ConnectRedis(Object.assign({ client: client }, o)) })
    var refusedMine = await refusals(function (o) { return new ours.RedisStore(Object.assign({ url: url(server) }, o)) })
    var refused = ['ERR', 'ERR value is not an integer or out of range']
    assert.deepStrictEqual(refusedMine.map(function (r) { return r[1] }), refusedTheirs.map(function (r) { return r[1] }))
    assert.deepStrictEqual(refusedMine, [refused, refused, refused, 'ok', refused, []])
  })
})

// an app logging in and counting, under a session middleware and store
function app (session, store) {
  var a = express()
  a.use(session({ secret: 'switch', resave: false, saveUninitialized: false, store: store, cookie: { maxAge: 600000 } }))
  a.post('/login', function (req, res) { req.session.user = 'ann'; req.session.n = 0; res.end('ok') })
  a.get('/n', function (req, res) {
    if (!req.session.user) return res.status(401).end('logged out')
    req.session.n++
    res.end(req.session.user + ' ' + req.session.n)
  })
  return a
}

test('an app switches from express-session + connect-redis to RedisStore and back without logging anyone out', { skip: skip }, async function () {
  await withServer({}, async function (server, client) {
    var ConnectRedis = require('connect-redis').RedisStore
    var before = app(original, new ConnectRedis({ client: client }))
    var login = await request(before).post('/login').expect(200)
    var jar = login.headers['set-cookie'][0].split(';')[0]
    await request(before).get('/n').set('Cookie', jar).expect(200, 'ann 1')

    var store = new ours.RedisStore({ url: url(server) })
    var after = app(ours, store)
    await request(after).get('/n').set('Cookie', jar).expect(200, 'ann 2')
    await request(after).get('/n').set('Cookie', jar).expect(200, 'ann 3')

    var back = app(original, new ConnectRedis({ client: client }))
    await request(back).get('/n').set('Cookie', jar).expect(200, 'ann 4')
    // and a session that RedisStore started, read by connect-redis
    var login2 = await request(after).post('/login').expect(200)
    var jar2 = login2.headers['set-cookie'][0].split(';')[0]
    await request(back).get('/n').set('Cookie', jar2).expect(200, 'ann 1')
    assert.strictEqual((await client.keys('sess:*')).length, 2)
    store.close()
  })
})

test('two app processes on one Redis read each other\'s writes', { skip: skip }, async function () {
  await withServer({}, async function (server) {
    // a process (its own store, its own connection) writes, this one reads, then
    // this one writes and another process reads
    var pkg = JSON.stringify(require.resolve('..'))
    var open = 'var s = new (require(' + pkg + ').RedisStore)({ url: ' + JSON.stringify(url(server)) + ' });'
    var writer = childProcess.spawnSync(process.execPath, ['-e', open +
      's.set("shared", { cookie: { expires: null }, by: process.pid, text: "é\\ud800" }).then(function () { console.log(process.pid); s.close() })'],
    { encoding: 'utf8', timeout: 20000 })
    assert.strictEqual(writer.status, 0, writer.stderr)
    var store = new ours.RedisStore({ url: url(server) })
    var seen = await store.get('shared')
    assert.strictEqual(seen.by, Number(writer.stdout))
    assert.strictEqual(seen.text, 'é\ud800')
    await store.set('shared', { cookie: { expires: null }, by: process.pid })
    var reader = childProcess.spawnSync(process.execPath, ['-e', open +
      's.get("shared").then(function (v) { console.log(v.by); s.close() })'],
    { encoding: 'utf8', timeout: 20000 })
    assert.strictEqual(reader.status, 0, reader.stderr)
    assert.strictEqual(Number(reader.stdout), process.pid)
    store.close()
  })
})

test('two app processes with saveChangedFields on one Redis: concurrent requests of one session keep every field each one wrote', { skip: skip }, async function () {
  await withServer({}, async function (server) {
    var apps = []
    try {
      for (var i = 0; i < 2; i++) {
        var child = childProcess.spawn(process.execPath, [path.join(__dirname, 'support', 'redis-app.js'), url(server)], { stdio: ['pipe', 'pipe', 'inherit'] })
        apps.push(child)
        var port = await new Promise(function (resolve, reject) {
          child.stdout.once('data', function (line) { resolve(Number(String(line).trim())) })
          child.once('exit', function (code) { reject(new Error('the app exited: ' + code)) })
        })
        child.port = port
      }
      var store = new ours.RedisStore({ url: url(server) })
      await store.set('shared', { cookie: cookie(ours, 60000), seed: true })
      var jar = 'connect.sid=' + encodeURIComponent('s:' + require('cookie-signature').sign('shared', 'two apps'))
      var get = function (app, path) {
        return new Promise(function (resolve, reject) {
          http.get({ host: '127.0.0.1', port: app.port, path: path, headers: { cookie: jar }, agent: false }, function (res) {
            var body = ''
            res.setEncoding('utf8')
            res.on('data', function (chunk) { body += chunk })
            res.on('end', function () { resolve([res.statusCode, body]) })
          }).on('error', reject)
        })
      }
      // 40 requests to each app at once, each setting its own field
      var requests = []
      for (var n = 0; n < 40; n++) {
        requests.push(get(apps[0], '/set/a' + n), get(apps[1], '/set/b' + n))
      }
      var results = await Promise.all(requests)
      assert.deepStrictEqual(results.filter(function (r) { return r[0] !== 200 }), [])
      var stored = await store.get('shared')
      for (n = 0; n < 40; n++) {
        assert.strictEqual(stored['a' + n], apps[0].pid, 'a' + n)
        assert.strictEqual(stored['b' + n], apps[1].pid, 'b' + n)
      }
      assert.strictEqual(stored.seed, true)
      // and each app reads what the other one wrote
      var seen = JSON.parse((await get(apps[0], '/get'))[1])
      assert.strictEqual(seen.b39, apps[1].pid)
      store.close()
    } finally {
      apps.forEach(function (app) { app.stdin.end() })
    }
  })
})

test('RedisStore as the store of the original express-session', { skip: skip }, async function () {
  await withServer({}, async function (server) {
    var store = new ours.RedisStore({ url: url(server) })
    var a = app(original, store)
    var jar = (await request(a).post('/login').expect(200)).headers['set-cookie'][0].split(';')[0]
    await request(a).get('/n').set('Cookie', jar).expect(200, 'ann 1')
    await request(a).get('/n').set('Cookie', jar).expect(200, 'ann 2')
    assert.strictEqual(await store.length(), 1)
    store.close()
  })
})

test('text comes back exactly: non-ASCII, lone surrogates in IDs and data, a 10 MB session', { skip: skip }, async function () {
  await withServer({}, async function (server) {
    var store = new ours.RedisStore({ url: url(server) })
    var ids = ['x\ud800', 'x\udbff', 'x\ufffd', 'é€𝄞', 'x\udc00y']
    for (var i = 0; i < ids.length; i++) {
      await store.set(ids[i], { cookie: cookie(ours, 60000), i: i, text: ids[i] + '\ud800' })
    }
    for (i = 0; i < ids.length; i++) {
      var s = await store.get(ids[i])
      assert.strictEqual(s.i, i, JSON.stringify(ids[i]))
      assert.strictEqual(s.text, ids[i] + '\ud800')
    }
    assert.deepStrictEqual((await store.ids()).sort(), ids.slice().sort())
    assert.deepStrictEqual(Object.keys(await store.all()).sort(), ids.slice().sort())
    var big = '€'.repeat(10 * 1024 * 1024 / 3)
    await store.set('big', { cookie: cookie(ours, 60000), big: big })
    assert.strictEqual((await store.get('big')).big, big)
    store.close()
  })
})

test('many sessions: 100,000 sets in one turn go out together; all() and ids() scan them all', { skip: skip }, async function () {
  await withServer({}, async function (server, client) {
    var store = new ours.RedisStore({ url: url(server), scanCount: '1000' }) // (a string of digits, as connect-redis takes it)
    var sets = []
    for (var i = 0; i < 100000; i++) sets.push(store.set('s' + i, { cookie: cookie(ours, 60000), i: i }))
    await Promise.all(sets)
    assert.strictEqual(await client.dbSize(), 100000)
    var all = await store.all()
    assert.strictEqual(Object.keys(all).length, 100000)
    assert.strictEqual(all.s99999.i, 99999)
    assert.strictEqual(await store.length(), 100000)
    await store.clear()
    assert.strictEqual(await client.dbSize(), 0)
    store.close()
  })
})

test('callbacks get the arguments that express-session\'s MemoryStore gives them', { skip: skip }, async function () {
  await withServer({}, async function (server) {
    var store = new ours.RedisStore({ url: url(server) })
    var oracle = new original.MemoryStore()
    async function calls (st) {
      function call (method) {
        var args = Array.prototype.slice.call(arguments, 1)
        return new Promise(function (resolve) {
          st[method].apply(st, args.concat(function () { resolve(method + ' ' + JSON.stringify(Array.from(arguments, String))) }))
        })
      }
      var sess = { cookie: { originalMaxAge: 60000, expires: new Date(Date.now() + 60000).toISOString(), httpOnly: true, path: '/' }, n: 1 }
      return [
        await call('get', 'missing'), await call('set', 'a', sess), await call('touch', 'a', sess),
        await call('length'), await call('destroy', 'a'), await call('destroy', 'missing'), await call('clear')
      ]
    }
    assert.deepStrictEqual(await calls(store), await calls(oracle))
    store.close()
  })
})

test('the store\'s prefix scopes all(), ids(), length() and clear(); glob characters in it are literal', { skip: skip }, async function () {
  await withServer({}, async function (server, client) {
    await client.set('other', 'x')
    await client.set('ab:x', 'not a session of the store below (a glob a** would take it)')
    var store = new ours.RedisStore({ url: url(server), prefix: 'a*' })
    await store.set('1', { cookie: cookie(ours, 60000) })
    assert.deepStrictEqual(await store.ids(), ['1'])
    await store.clear()
    assert.deepStrictEqual((await client.keys('*')).sort(), ['ab:x', 'other'])
    store.close()
  })
})

test('clear() leaves the sessions saved after it was called, also while its SCAN runs (as MemoryStore; before, clear(); set(x) in one turn removed x)', { skip: skip }, async function () {
  await withServer({}, async function (server) {
    var store = new ours.RedisStore({ url: url(server), scanCount: 10 })
    var ids = []
    for (var i = 0; i < 2000; i++) ids.push('old' + i)
    await Promise.all(ids.map(function (id) { return store.set(id, { cookie: cookie(ours, 60000), n: 0 }) }))
    var order = []
    var cleared = store.clear().then(function () { order.push('clear') })
    // in the same turn: a new session, and one that clear() is about to remove
    var saved = [store.set('x', { cookie: cookie(ours, 60000), n: 1 }), store.set('old7', { cookie: cookie(ours, 60000), n: 2 })]
    // and in later turns, while the clear runs
    for (var j = 0; j < 20; j++) {
      await new Promise(setImmediate)
      saved.push(store.set('later' + j, { cookie: cookie(ours, 60000), n: 3 }))
    }
    await Promise.all(saved.concat(cleared))
    assert.deepStrictEqual(order, ['clear'])
    assert.strictEqual((await store.get('x')).n, 1)
    assert.strictEqual((await store.get('old7')).n, 2)
    var expected = ['old7', 'x']
    for (j = 0; j < 20; j++) expected.push('later' + j)
    assert.deepStrictEqual((await store.ids()).sort(), expected.sort())
    store.close()
  })
})

test('a connection that the server closed while it was idle (its timeout, a proxy, CLIENT KILL): the next calls are served, through the middleware too, with saveChangedFields', { skip: skip }, async function () {
  await withServer({}, async function (server, client) {
    var store = new ours.RedisStore({ url: url(server) })
    var a = express()
    a.use(ours({ secret: 'idle', resave: false, saveUninitialized: false, store: store, saveChangedFields: true }))
    a.get('/login', function (req, res) { req.session.user = 'ann'; res.end('ok') })
    a.get('/field', function (req, res) { req.session[req.query.name] = 1; res.end(Object.keys(req.session).join(',')) })
    // (the store's connections are the other clients: CLIENT KILL skips its caller)
    async function killIdle () {
      assert.ok(await client.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal']) >= 1)
      await new Promise(function (resolve) { setTimeout(resolve, 200) })
    }
    try {
      await store.set('a', { cookie: cookie(ours, 60000), n: 1 })
      await killIdle()
      assert.strictEqual((await store.get('a')).n, 1)
      await killIdle()
      await store.set('a', { cookie: cookie(ours, 60000), n: 2 })
      assert.strictEqual(JSON.parse(await client.get('sess:a')).n, 2)
      // (a merge of saveChangedFields, first on the connection)
      await killIdle()
      var merged = { cookie: cookie(ours, 60000), n: 2, m: 5 }
      await new Promise(function (resolve, reject) {
        var sets = ['cookie', JSON.stringify(merged.cookie), 'm', '5']
        require('../lib/fast-path').mergeOf(store).run.call(store, 'a', merged, undefined, sets, [], function (err) {
          return err ? reject(err) : resolve()
        })
      })
      assert.deepStrictEqual([JSON.parse(await client.get('sess:a')).n, JSON.parse(await client.get('sess:a')).m], [2, 5])
      var jar = (await request(a).get('/login').expect(200)).headers['set-cookie'][0].split(';')[0]
      await killIdle()
      // (the read, then the merge of the changed field)
      await request(a).get('/field?name=x').set('Cookie', jar).expect(200, 'cookie,user,x')
      var id = decodeURIComponent(jar.split('=')[1]).slice(2).split('.')[0]
      await killIdle()
      await request(a).get('/field?name=y').set('Cookie', jar).expect(200, 'cookie,user,x,y')
      var stored = JSON.parse(await client.get('sess:' + id))
      assert.deepStrictEqual([stored.user, stored.x, stored.y], ['ann', 1, 1])
    } finally {
      store.close()
    }
  })
})

test('a server that is down, stopped or restarted: every call fails within the command timeout with err.code, then the store serves again', { skip: skip }, async function () {
  var server = await redis.start()
  var port = server.port
  var store = new ours.RedisStore({ url: url(server), commandTimeout: 500, connectTimeout: 300, reconnectMaxDelay: 100 })
  var a = app(ours, store)
  try {
    await store.set('a', { cookie: cookie(ours, 60000), n: 1 })
    var jar = (await request(a).post('/login').expect(200)).headers['set-cookie'][0].split(';')[0]
    // a server that stops answering: ETIMEDOUT after the command timeout
    server.kill('SIGSTOP')
    var started = Date.now()
    await assert.rejects(store.get('a'), function (err) { return err.code === 'ETIMEDOUT' })
    var waited = Date.now() - started
    assert.ok(waited >= 400 && waited < 3000, String(waited))
    server.kill('SIGCONT')
    assert.strictEqual((await store.get('a')).n, 1)
    // a server killed: refused (or reset) within the timeout, no hang
    server.kill('SIGKILL')
    await server.exited
    started = Date.now()
    await assert.rejects(store.get('a'), function (err) { return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'].indexOf(err.code) !== -1 })
    await assert.rejects(store.set('b', { cookie: cookie(ours, 60000) }), function (err) { return typeof err.code === 'string' })
    assert.ok(Date.now() - started < 3000)
    // an app's request during the outage ends in next(err)
    await request(a).get('/n').set('Cookie', jar).expect(500)
    // restarted on the same port: the store reconnects by itself
    server = await redis.start({ port: port })
    for (var deadline = Date.now() + 5000; ; await new Promise(function (resolve) { setTimeout(resolve, 50) })) {
      try {
        await store.set('c', { cookie: cookie(ours, 60000), n: 3 })
        break
      } catch (err) {
        if (Date.now() > deadline) throw err
      }
    }
    assert.strictEqual((await store.get('c')).n, 3)
    // (the session of `jar` went with the killed server: it is logged out now)
    await request(a).get('/n').set('Cookie', jar).expect(401)
  } finally {
    store.close()
    server.kill('SIGCONT')
    server.stop()
  }
})

test('a server stopped, then killed under load and restarted from its append-only file: requests in flight end in next(err) within the timeout, none hangs, the store serves again and no acknowledged write is lost', { skip: skip, timeout: 60000 }, async function () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-aof-'))
  var aof = ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always']
  var server = await redis.start({ args: aof })
  var port = server.port
  var timeout = 800
  var store = new ours.RedisStore({ url: url(server), commandTimeout: timeout, connectTimeout: 300, reconnectDelay: 20, reconnectMaxDelay: 100 })
  var a = app(ours, store)
  // (a save that fails after the route ended the response comes here too, as
  // in express-session: the client got its 200, but the write was not
  // acknowledged by the store)
  var unsaved = new Set()
  a.use(function (err, req, res, next) {
    if (!res.headersSent) return res.status(500).end(String(err.code))
    unsaved.add(req.sessionID + ' ' + req.session.n)
    count(phase + ', after the response: ' + err.code)
  })
  var web = http.createServer(a)
  await new Promise(function (resolve) { web.listen(0, '127.0.0.1', resolve) })
  var agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  function send (method, path, jar) {
    var started = Date.now()
    return new Promise(function (resolve, reject) {
      var req = http.request({ host: '127.0.0.1', port: web.address().port, method: method, path: path, agent: agent, headers: jar ? { cookie: jar } : {} }, function (res) {
        var body = ''
        res.setEncoding('utf8')
        res.on('data', function (c) { body += c })
        res.on('end', function () { resolve({ status: res.statusCode, body: body, ms: Date.now() - started, cookie: res.headers['set-cookie'] }) })
      })
      req.on('error', reject)
      req.end()
    })
  }
  var phase = 'before'
  var codes = {}
  var slowest = 0
  var clients = []
  for (var i = 0; i < 16; i++) {
    var login = await send('POST', '/login')
    assert.strictEqual(login.status, 200)
    var jar = login.cookie[0].split(';')[0]
    var signed = decodeURIComponent(jar.split('=')[1])
    clients.push({ jar: jar, sid: signed.slice(2, signed.lastIndexOf('.')), acked: 0, okAfter: 0 })
  }
  // each client sends requests one after another; a 200 'ann n' whose save did
  // not fail is n acknowledged
  var load = { on: true }
  var loops = clients.map(async function (c) {
    while (load.on) {
      var r = await send('GET', '/n', c.jar)
      slowest = Math.max(slowest, r.ms)
      if (r.status === 200) {
        var n = Number(r.body.split(' ')[1])
        assert.ok(n > c.acked, 'client saw ' + n + ' after ' + c.acked + ' was acknowledged (' + phase + ')')
        if (!unsaved.has(c.sid + ' ' + n)) c.acked = n
        if (phase === 'restarted') c.okAfter++
      } else {
        assert.strictEqual(r.status, 500, r.status + ' ' + r.body + ' (' + phase + ')')
        count(phase + ': ' + r.body)
      }
    }
  })
  function count (what) {
    codes[what] = (codes[what] || 0) + 1
  }
  // waits until every client passes `test` (a client's failure fails it now)
  async function until (test, what) {
    for (var deadline = Date.now() + 10000; !clients.every(test); await new Promise(function (resolve) { setTimeout(resolve, 50) })) {
      if (failure) throw failure
      assert.ok(Date.now() < deadline, what + ' ' + JSON.stringify(codes))
    }
  }
  var failure = null
  var settled = Promise.allSettled(loops.map(function (loop) {
    return loop.catch(function (err) { failure = failure || err; throw err })
  }))
  try {
    await new Promise(function (resolve) { setTimeout(resolve, 400) })
    assert.ok(clients.every(function (c) { return c.acked > 0 }), 'served before the kill')
    // a server that stops answering for a while: ETIMEDOUT, then served again
    server.kill('SIGSTOP')
    phase = 'stopped'
    await new Promise(function (resolve) { setTimeout(resolve, 2 * timeout) })
    assert.ok(codes['stopped: ETIMEDOUT'] > 0, 'requests timed out while the server was stopped')
    server.kill('SIGCONT')
    phase = 'continued'
    var served = clients.map(function (c) { return c.acked })
    await until(function (c, k) { return c.acked > served[k] }, 'every client is served again after SIGCONT')
    server.kill('SIGKILL')
    await server.exited
    phase = 'down'
    await new Promise(function (resolve) { setTimeout(resolve, 1000) })
    assert.ok(codes['down: ECONNREFUSED'] > 0, 'requests failed while the server was down')
    server = await redis.start({ port: port, args: aof })
    phase = 'restarted'
    await until(function (c) { return c.okAfter >= 3 }, 'every client is served again after the restart')
  } finally {
    load.on = false
    var ended = await settled
    agent.destroy()
    web.close()
    store.close()
    server.stop()
    await server.exited
    fs.rmSync(dir, { recursive: true, force: true })
  }
  ended.forEach(function (r) { if (r.status === 'rejected') throw r.reason })
  Object.keys(codes).forEach(function (code) {
    assert.ok(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'LOADING'].indexOf(code.split(' ').pop()) !== -1, 'error code ' + code)
  })
  assert.ok(slowest < 2 * timeout + 1000, 'the slowest request took ' + slowest + ' ms')
})

test('nothing listening: ECONNREFUSED; a password or an ACL user: the right one works, a wrong one is WRONGPASS until the server has it, a key outside the user\'s is NOPERM', { skip: skip }, async function () {
  var free = await redis.start()
  var port = free.port
  free.stop()
  await free.exited
  var nobody = new ours.RedisStore({ url: 'redis://127.0.0.1:' + port, commandTimeout: 2000 })
  await assert.rejects(nobody.get('a'), function (err) { return err.code === 'ECONNREFUSED' })
  nobody.close()

  await withServer({ args: ['--requirepass', 'pw'] }, async function (server) {
    var right = new ours.RedisStore({ url: 'redis://:pw@127.0.0.1:' + server.port })
    await right.set('a', { cookie: cookie(ours, 60000), n: 1 })
    assert.strictEqual((await right.get('a')).n, 1)
    var wrong = new ours.RedisStore({ url: 'redis://:nope@127.0.0.1:' + server.port, commandTimeout: 2000 })
    await assert.rejects(wrong.get('a'), function (err) { return err.code === 'WRONGPASS' && /authentication failed/i.test(err.message) })
    right.close()
    wrong.close()
  })

  // an ACL user limited to the sessions' keys
  await withServer({}, async function (server, client) {
    assert.strictEqual(await client.sendCommand(['ACL', 'SETUSER', 'app', 'on', '>s3cret', '~sess:*', '+@all']), 'OK')
    var user = new ours.RedisStore({ url: 'redis://app:s3cret@127.0.0.1:' + server.port })
    await user.set('a', { cookie: cookie(ours, 60000), n: 1 })
    assert.strictEqual((await user.get('a')).n, 1)
    assert.deepStrictEqual(await user.ids(), ['a'])
    // a key outside what the user may touch: the server's refusal, as err.code
    var other = new ours.RedisStore({ url: 'redis://app:s3cret@127.0.0.1:' + server.port, prefix: 'other:' })
    await assert.rejects(other.get('a'), function (err) { return err.code === 'NOPERM' })
    other.close()
    // a wrong password: WRONGPASS, within the timeout; once the server has that
    // password, the same store logs in by itself
    var wrong = new ours.RedisStore({ url: 'redis://app:typo@127.0.0.1:' + server.port, commandTimeout: 2000, reconnectDelay: 20, reconnectMaxDelay: 20 })
    await assert.rejects(wrong.get('a'), function (err) { return err.code === 'WRONGPASS' })
    await assert.rejects(wrong.get('a'), function (err) { return err.code === 'WRONGPASS' })
    assert.strictEqual(await client.sendCommand(['ACL', 'SETUSER', 'app', '>typo']), 'OK')
    await new Promise(function (resolve) { setTimeout(resolve, 50) })
    assert.strictEqual((await wrong.get('a')).n, 1)
    wrong.close()
    user.close()
  })
})

test('TLS: rediss:// with the CA that signed the server\'s certificate works; another CA or the system\'s roots: ERR_TLS_CERT_INVALID; mutual TLS with a client certificate', { skip: skip }, async function () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-redis-tls-'))
  var pki = tls.authority(dir)
  var pem = function (file) { return fs.readFileSync(file) }
  var tlsArgs = function (port, clients) {
    return ['--port', '0', '--tls-port', String(port), '--tls-cert-file', pki.serverCert, '--tls-key-file', pki.serverKey,
      '--tls-ca-cert-file', pki.ca, '--tls-auth-clients', clients]
  }
  var port = await redis.freePort()
  var server = await redis.start({ port: port, args: tlsArgs(port, 'no') })
  var stores = []
  var open = function (options) {
    var store = new ours.RedisStore(Object.assign({ commandTimeout: 2000, reconnectDelay: 10, reconnectMaxDelay: 10 }, options))
    stores.push(store)
    return store
  }
  try {
    var secure = open({ url: 'rediss://127.0.0.1:' + port, tls: { ca: pem(pki.ca) } })
    await secure.set('a', { cookie: cookie(ours, 60000), text: 'é\ud800' })
    assert.strictEqual((await secure.get('a')).text, 'é\ud800')
    // (a string is as good as a Buffer; an array of CAs, as Node's tls takes)
    assert.strictEqual((await open({ url: 'rediss://127.0.0.1:' + port, tls: { ca: String(pem(pki.ca)) } }).get('a')).text, 'é\ud800')
    assert.strictEqual((await open({ url: 'rediss://127.0.0.1:' + port, tls: { ca: [pem(pki.otherCa), pem(pki.ca)] } }).get('a')).text, 'é\ud800')
    var refused = function (err) { return err.code === 'ERR_TLS_CERT_INVALID' && /UnknownIssuer/.test(err.message) }
    await assert.rejects(open({ url: 'rediss://127.0.0.1:' + port, tls: { ca: pem(pki.otherCa) } }).get('a'), refused)
    await assert.rejects(open({ url: 'rediss://127.0.0.1:' + port }).get('a'), refused)
    // plain text to the TLS port: an error within the timeout, not a hang
    await assert.rejects(open({ url: 'redis://127.0.0.1:' + port }).get('a'), function (err) {
      return ['ECONNRESET', 'ETIMEDOUT'].indexOf(err.code) !== -1
    })
    server.stop()
    await server.exited

    // the server asks for the client's certificate
    server = await redis.start({ port: port, args: tlsArgs(port, 'yes') })
    var mutual = open({ url: 'rediss://127.0.0.1:' + port, tls: { ca: pem(pki.ca), cert: pem(pki.clientCert), key: pem(pki.clientKey) } })
    await mutual.set('b', { cookie: cookie(ours, 60000), n: 2 })
    assert.strictEqual((await mutual.get('b')).n, 2)
    await assert.rejects(open({ url: 'rediss://127.0.0.1:' + port, tls: { ca: pem(pki.ca) } }).get('b'), function (err) {
      return ['ERR_TLS_HANDSHAKE', 'ECONNRESET'].indexOf(err.code) !== -1
    })
  } finally {
    stores.forEach(function (store) { store.close() })
    server.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
  // the option's checks
  assert.throws(function () { return new ours.RedisStore({ url: 'redis://127.0.0.1:1', tls: {} }) }, { name: 'TypeError', message: 'tls option needs rediss:// URLs (TLS), not redis://' })
  assert.throws(function () { return new ours.RedisStore({ url: 'rediss://127.0.0.1:1', tls: { cert: '-----BEGIN CERTIFICATE-----' } }) }, { name: 'TypeError', message: 'tls option: cert and key go together (mutual TLS)' })
  assert.throws(function () { return new ours.RedisStore({ url: 'rediss://127.0.0.1:1', tls: { ca: 5 } }) }, { name: 'TypeError', message: 'tls option: ca must be a PEM string or Buffer (or an array of them)' })
  assert.throws(function () { return new ours.RedisStore({ url: 'rediss://127.0.0.1:1', tls: { ca: '' } }) }, { name: 'TypeError', message: 'tls option: ca is not PEM text (-----BEGIN ...-----)' })
  assert.throws(function () { return new ours.RedisStore({ url: 'rediss://127.0.0.1:1', tls: { ca: Buffer.from([0x30, 0x82]) } }) }, { name: 'TypeError', message: 'tls option: ca is not PEM text (-----BEGIN ...-----)' })
  assert.throws(function () { return new ours.RedisStore({ cluster: true, nodes: ['redis://127.0.0.1:1', 'rediss://127.0.0.1:2'] }) }, { name: 'TypeError', message: 'nodes option: all redis:// or all rediss:// (TLS), not both' })
  assert.throws(function () { return new ours.RedisStore({ url: 'rediss://127.0.0.1:1', tls: 'yes' }) }, { name: 'TypeError', message: 'tls option must be an object: { ca, cert, key }' })
})

test('close() waits for the commands in flight; later calls fail with ERR_STORE_CLOSED', { skip: skip }, async function () {
  await withServer({}, async function (server, client) {
    var store = new ours.RedisStore({ url: url(server) })
    var written = store.set('a', { cookie: cookie(ours, 60000), n: 1 })
    store.close()
    await written
    assert.strictEqual(JSON.parse(await client.get('sess:a')).n, 1)
    await assert.rejects(store.get('a'), function (err) { return err.code === 'ERR_STORE_CLOSED' })
  })
})

test('connect-redis\'s edges: success calls back without arguments, an invalid expiry removes the session, an empty value is no session, a key or a value that is not text is read as connect-redis reads it', { skip: skip }, async function () {
  await withServer({}, async function (server, client) {
    var store = new ours.RedisStore({ url: url(server) })
    var args = await new Promise(function (resolve) {
      store.set('a', { cookie: cookie(ours, 60000), n: 1 }, function () { resolve(Array.from(arguments)) })
    })
    assert.deepStrictEqual(args, [], 'as express-session\'s MemoryStore calls back')
    assert.strictEqual(await store.touch('a', { cookie: cookie(ours, 60000) }), undefined)
    assert.strictEqual(await store.destroy('nope'), undefined)
    // connect-redis: Number(new Date('garbage')) is NaN, so the session is removed
    await store.set('a', { cookie: { expires: 'garbage' } })
    assert.strictEqual(await client.exists('sess:a'), 0)
    await client.set('sess:empty', '')
    assert.strictEqual(await store.get('empty'), undefined)
    await client.set(Buffer.from([0x73, 0x65, 0x73, 0x73, 0x3a, 0x78, 0xff]), '{"cookie":{}}')
    assert.deepStrictEqual((await store.ids()).sort(), ['empty', 'x\ufffd'])
    // a value that another client wrote in Latin-1: read with U+FFFD for what is
    // not UTF-8, as connect-redis's client reads it, and listed by all()
    await client.del(Buffer.from([0x73, 0x65, 0x73, 0x73, 0x3a, 0x78, 0xff]))
    await client.set('sess:latin', Buffer.from('{"cookie":{},"name":"caf\u00e9 \u00ff"}', 'latin1'))
    var theirs = new (require('connect-redis').RedisStore)({ client: client })
    var read = await store.get('latin')
    assert.deepStrictEqual(read, { cookie: {}, name: 'caf\ufffd \ufffd' })
    assert.deepStrictEqual(read, await theirs.get('latin'))
    assert.deepStrictEqual(await store.all(), Object.assign(Object.create(null), { latin: read }))
    assert.strictEqual((await theirs.all()).length, 1)
    store.close()
  })
})

test('options are checked at construction', function () {
  assert.throws(function () { return new ours.RedisStore({ url: 'http://x' }) }, TypeError)
  if (process.platform === 'darwin') {
    // (no TLS in the macOS builds: refused at construction, not at the first call)
    assert.throws(function () { return new ours.RedisStore({ url: 'rediss://x' }) }, function (err) { return err.code === 'ERR_INVALID_ARG_VALUE' && /macOS/.test(err.message) })
  } else {
    new ours.RedisStore({ url: 'rediss://x' }).close()
  }
  assert.throws(function () { return new ours.RedisStore({ ttl: -1 }) }, RangeError)
  assert.throws(function () { return new ours.RedisStore({ ttl: 1.5 }) }, RangeError)
  assert.throws(function () { return new ours.RedisStore({ ttl: '1.5' }) }, TypeError)
  assert.throws(function () { return new ours.RedisStore({ ttl: 'day' }) }, TypeError)
  assert.throws(function () { return new ours.RedisStore({ ttl: Infinity }) }, RangeError)
  assert.throws(function () { return new ours.RedisStore({ ttl: 1e16 }) }, RangeError) // (Redis refuses EX past ~9.2e15 s)
  assert.throws(function () { return new ours.RedisStore({ commandTimeout: 2 ** 31 }) }, RangeError)
  assert.throws(function () { return new ours.RedisStore({ scanCount: -1 }) }, RangeError)
  for (var count of [0, null, NaN, '50']) new ours.RedisStore({ scanCount: count }).close() // (as connect-redis)
  assert.throws(function () { return new ours.RedisStore({ scanCount: 'all' }) }, TypeError)
  assert.throws(function () { return new ours.RedisStore({ prefix: 5 }) }, TypeError)
  assert.throws(function () { return new ours.RedisStore({ url: 'redis://[::1' }) }, function (err) { return err.code === 'ERR_INVALID_ARG_VALUE' })
})

test('an idle RedisStore does not keep the process alive', { skip: skip }, async function () {
  await withServer({}, async function (server) {
    var script = 'var s = new (require(' + JSON.stringify(require.resolve('..')) + ').RedisStore)({ url: ' + JSON.stringify(url(server)) + ' });' +
      's.set("a", { cookie: { expires: null }, n: 1 }, function (err) { if (err) throw err; console.log("set") })'
    var r = childProcess.spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 })
    assert.strictEqual(r.status, 0, r.stderr)
    assert.strictEqual(r.stdout, 'set\n')
  })
})
