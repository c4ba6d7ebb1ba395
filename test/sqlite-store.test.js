// The durable SqliteStore: express-session's store semantics (against its
// MemoryStore), persistence across processes, sharing one file, and file faults.

'use strict'

var assert = require('assert')
var childProcess = require('child_process')
var fs = require('fs')
var os = require('os')
var path = require('path')
var test = require('node:test')
var original = require('express-session')
var storeCalls = require('./support/store-calls')
var harness = require('./support/harness')
var ours = require('..')
var cookie = storeCalls.cookie

var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-sqlite-'))
var files = 0
test.after(function () { fs.rmSync(dir, { recursive: true, force: true }) })

function dbPath () {
  return path.join(dir, 'sessions-' + (++files) + '.db')
}

test('SqliteStore gives what express-session\'s MemoryStore gives', async function () {
  var store = new ours.SqliteStore({ path: dbPath() })
  var mine = await storeCalls.storeCalls(ours, store)
  var theirs = await storeCalls.storeCalls(original, new original.MemoryStore())
  assert.deepStrictEqual(mine, theirs)
  assert.strictEqual(mine[0].text, 'Ж€𝄞\ud800')
  store.close()
})

test('callbacks, promises and errors', async function () {
  var store = new ours.SqliteStore({ path: dbPath(), ttl: function () { throw new Error('ttl boom') } })
  var args = await new Promise(function (resolve) {
    store.set('x', { cookie: cookie(ours, 60000) }, function () { resolve(Array.from(arguments)) })
  })
  assert.deepStrictEqual(args, [], 'success calls back without arguments, as express-session does')
  await assert.rejects(store.set('y', { cookie: {} }), /ttl boom/)
  assert.deepStrictEqual(await store.ids(), ['x'])
  assert.deepStrictEqual(await store.destroy(['x', 'nope']), undefined)
  assert.strictEqual(await store.length(), 0)
  store.close()
  await assert.rejects(store.set('z', { cookie: cookie(ours, 1000) }), function (err) { return err.code === 'ERR_STORE_CLOSED' })
  await assert.rejects(store.get('x'), function (err) { return err.code === 'ERR_STORE_CLOSED' })
  assert.throws(function () { store.stats() }, function (err) { return err.code === 'ERR_STORE_CLOSED' })
})

test('close() closes the file: no descriptor is left open, and the file alone holds every write', { skip: !fs.existsSync('/proc/self/fd') && 'no /proc/self/fd' }, async function () {
  var file = dbPath()
  var open = function () { return fs.readdirSync('/proc/self/fd').length }
  var before = open()
  for (var i = 0; i < 50; i++) {
    var store = new ours.SqliteStore({ path: file })
    await store.set('s' + i, { cookie: { expires: null }, i: i })
    assert.strictEqual((await store.get('s' + i)).i, i)
    store.close()
  }
  assert.ok(open() <= before + 2, 'descriptors: ' + before + ' before, ' + open() + ' after 50 stores')
  assert.strictEqual(fs.existsSync(file + '-wal'), false)
  var copy = file + '.copy'
  fs.copyFileSync(file, copy)
  var again = new ours.SqliteStore({ path: copy })
  assert.strictEqual(await again.length(), 50)
  again.close()
})

test('a ttl function that gives what the ttl option refuses fails set and touch, rather than a session that never expires (MemoryStore, SqliteStore)', async function () {
  var makers = {
    MemoryStore: function (ttl) { return new ours.MemoryStore({ ttl: ttl, sweepInterval: 0 }) },
    SqliteStore: function (ttl) { return new ours.SqliteStore({ path: dbPath(), ttl: ttl, sweepInterval: 0 }) }
  }
  for (var name of Object.keys(makers)) {
    for (var bad of [0, -1, NaN, null, '100', 1.5, {}, 10n]) {
      var store = makers[name](function () { return bad })
      var message = name + ' ' + typeof bad + ' ' + String(bad)
      await assert.rejects(store.set('a', { cookie: { expires: null }, n: 1 }), /^(Type|Range)Error: ttl function must return/, message)
      await store.set('b', { cookie: cookie(ours, 60000), n: 2 }) // (an expiry of its own: the function is not asked)
      await assert.rejects(store.touch('b', { cookie: { expires: null } }), /ttl function must return/, message)
      assert.deepStrictEqual(await store.ids(), ['b'], message)
      if (store.close) store.close()
    }
    // a valid one: the session expires after it, or never with Infinity
    var short = makers[name](function (s) { return s.life })
    await short.set('soon', { cookie: { expires: null }, life: 1 })
    await short.set('never', { cookie: { expires: null }, life: Infinity })
    await new Promise(function (resolve) { setTimeout(resolve, 20) })
    assert.deepStrictEqual(await short.ids(), ['never'], name)
    if (short.close) short.close()
  }
})

test('sessions survive the process that wrote them, and two processes share one file', async function () {
  var file = dbPath()
  var script = [
    'var S = require(process.argv[1]).SqliteStore',
    'var s = new S({ path: process.argv[2] })',
    "s.set('from-child', { cookie: { expires: null }, who: 'child' }, function (err) {",
    '  if (err) throw err',
    "  s.get('from-parent', function (err, sess) { process.stdout.write(JSON.stringify(sess || null)); process.exit(0) })",
    '})'
  ].join('\n')
  var parent = new ours.SqliteStore({ path: file })
  await parent.set('from-parent', { cookie: { expires: null }, who: 'parent' })
  var out = childProcess.execFileSync(process.execPath, ['-e', script, path.join(__dirname, '..'), file], { encoding: 'utf8' })
  assert.deepStrictEqual(JSON.parse(out), { cookie: { expires: null }, who: 'parent' })
  // the child exited right after its write was acknowledged
  assert.deepStrictEqual(await parent.get('from-child'), { cookie: { expires: null }, who: 'child' })
  await parent.destroy('from-child')
  var again = new ours.SqliteStore({ path: file })
  assert.strictEqual(await again.get('from-child'), undefined)
  parent.close()
  again.close()
})

test('a file that is not a database is refused and left as it was', function () {
  var file = dbPath()
  var text = 'notes, not a database\n'.repeat(300)
  fs.writeFileSync(file, text)
  assert.throws(function () { return new ours.SqliteStore({ path: file }) }, function (err) {
    return err instanceof Error && err.code === 'SQLITE_NOTADB' && /not a database/.test(err.message)
  })
  assert.strictEqual(fs.readFileSync(file, 'utf8'), text)
  assert.throws(function () { return new ours.SqliteStore({ path: path.join(dir, 'no', 'such', 'dir.db') }) },
    function (err) { return err.code === 'SQLITE_CANTOPEN' })
  assert.throws(function () { return new ours.SqliteStore({}) }, /path option must be a non-empty string/)
  // (SQLite's in-memory name is refused, rather than made a file of that name)
  var cwd = process.cwd()
  process.chdir(dir)
  try {
    assert.throws(function () { return new ours.SqliteStore({ path: ':memory:' }) },
      function (err) { return err instanceof TypeError && /path option must name a file.*use MemoryStore/.test(err.message) })
    assert.strictEqual(fs.existsSync(path.join(dir, ':memory:')), false)
  } finally {
    process.chdir(cwd)
  }
  assert.throws(function () { return new ours.SqliteStore({ path: file, busyTimeout: -1 }) }, /busyTimeout option/)
})

test('a full database: the request gets next(err), the next one is served', async function () {
  var store = new ours.SqliteStore({ path: dbPath(), maxPages: 40 })
  var result = await harness.run('express-session-rs', {
    store: function () { return store },
    record: false,
    options: function () { return { secret: 's', resave: false, saveUninitialized: false } },
    routes: function (app) {
      app.get('/big', function (req, res) { req.session.big = 'x'.repeat(500000); res.end('big') })
      app.get('/small', function (req, res) { req.session.n = 1; res.end('small') })
    },
    requests: [{ path: '/big', cookie: false }, { path: '/small', cookie: false }]
  }, { raw: true })
  assert.deepStrictEqual(result.errors, ['database or disk is full'])
  assert.strictEqual(result.responses[1].body, 'small')
  assert.strictEqual(await store.length(), 1)
  store.close()
})

// an express app on `store` with a session counter; errors answer 500 with their code
async function counterApp (store, errors) {
  var express = require('express')
  var app = express()
  app.use(ours({ secret: 's', store: store, resave: false, saveUninitialized: false }))
  app.get('/inc', function (req, res) { req.session.n = (req.session.n || 0) + 1; res.end('n=' + req.session.n) })
  app.get('/health', function (req, res) { res.end('ok') })
  app.use(function (err, req, res, next) {
    if (errors) errors.push(err.code + ': ' + err.message)
    if (res.headersSent) return
    res.statusCode = 500
    res.end(err.code + ': ' + err.message)
  })
  var server = app.listen(0, '127.0.0.1')
  await new Promise(function (resolve) { server.once('listening', resolve) })
  return server
}

function signedCookie (sid) {
  return 'connect.sid=' + encodeURIComponent('s:' + require('cookie-signature').sign(sid, 's'))
}

// runs the sqlite3 shell on `file` with `sql`
function sqlite3 (file, sql) {
  return childProcess.execFileSync('sqlite3', [file, sql], { encoding: 'utf8' })
}

test('the sqlite3 shell reads the documented schema: sid, expires (ms since the epoch), json', async function () {
  var file = dbPath()
  var store = new ours.SqliteStore({ path: file, sweepInterval: 0 })
  var expires = new Date(Date.now() + 60000)
  await store.set('a', { cookie: { expires: expires.toISOString() }, user: 'Жанна' })
  var before = Date.now()
  await store.set('b', { cookie: { expires: null }, n: 1 }) // (the ttl applies: a day)
  var out = sqlite3(file, "SELECT sid || '|' || expires || '|' || json FROM sessions ORDER BY rowid;").split('\n')
  assert.strictEqual(out[0], 'a|' + expires.getTime() + '.0|{"cookie":{"expires":"' + expires.toISOString() + '"},"user":"Жанна"}')
  var b = out[1].split('|')
  assert.deepStrictEqual([b[0], b[2], out.length], ['b', '{"cookie":{"expires":null},"n":1}', 3])
  assert.ok(Number(b[1]) >= before + 86400000 && Number(b[1]) <= Date.now() + 86400000, b[1])
  store.close()
})

test('a damaged file: the request reading a damaged page gets next(err), the process keeps serving; a truncated file is refused', async function () {
  var file = dbPath()
  var store = new ours.SqliteStore({ path: file, sweepInterval: 0 })
  var sets = []
  for (var i = 0; i < 2000; i++) sets.push(store.set('s' + i, { cookie: { expires: null }, pad: 'p'.repeat(300) }))
  await Promise.all(sets)
  store.close()
  sqlite3(file, 'PRAGMA wal_checkpoint(TRUNCATE);')
  var size = fs.statSync(file).size
  var copy = file + '.copy'
  fs.copyFileSync(file, copy)

  // garbage over the middle of the file, under a store that has it open
  var damaged = new ours.SqliteStore({ path: file, sweepInterval: 0 })
  var fd = fs.openSync(file, 'r+')
  fs.writeSync(fd, Buffer.alloc(Math.floor(size / 5), 0xa5), 0, Math.floor(size / 5), Math.floor(size * 0.4))
  fs.closeSync(fd)
  var broken = null
  for (i = 0; i < 2000 && !broken; i++) {
    await damaged.get('s' + i).catch(function (err) { broken = { sid: 's' + i, err: err } })
  }
  assert.ok(broken && broken.err, 'some session lies on a damaged page')
  assert.strictEqual(broken.err.code, 'SQLITE_CORRUPT')
  var server = await counterApp(damaged)
  var port = server.address().port
  var r = await fetchRaw(port, 'GET', '/inc', signedCookie(broken.sid))
  assert.strictEqual(r.status, 500)
  assert.strictEqual(r.body.toString(), 'SQLITE_CORRUPT: database disk image is malformed')
  r = await fetchRaw(port, 'GET', '/health')
  assert.deepStrictEqual([r.status, r.body.toString()], [200, 'ok'])
  server.close()
  damaged.close()

  // opening a damaged file fails at once, and leaves it as it was
  var bytes = fs.readFileSync(file)
  assert.throws(function () { return new ours.SqliteStore({ path: file }) }, function (err) {
    return err.code === 'SQLITE_CORRUPT' && err.message === 'database disk image is malformed'
  })
  assert.deepStrictEqual(fs.readFileSync(file), bytes)

  // so does a file cut in half
  fs.copyFileSync(copy, file)
  fs.truncateSync(file, Math.floor(size / 2))
  assert.throws(function () { return new ours.SqliteStore({ path: file }) }, function (err) {
    return err.code === 'SQLITE_CORRUPT' && /malformed/.test(err.message)
  })
  assert.strictEqual(fs.statSync(file).size, Math.floor(size / 2))
})

test('a lock held past the busy timeout: SQLITE_BUSY through next(err), reads go on, and the next request once it is released is served', async function () {
  var file = dbPath()
  var store = new ours.SqliteStore({ path: file, busyTimeout: 200, sweepInterval: 0 })
  await store.set('held', { cookie: { expires: null }, n: 1 })
  var errors = []
  var server = await counterApp(store, errors)
  var port = server.address().port
  // another process holds the write lock
  var shell = childProcess.spawn('sqlite3', [file], { stdio: ['pipe', 'pipe', 'inherit'] })
  shell.stdin.write("BEGIN IMMEDIATE;\nUPDATE sessions SET json = json WHERE sid = 'held';\nSELECT 'locked';\n")
  await new Promise(function (resolve) { shell.stdout.once('data', resolve) })
  try {
    var started = performance.now()
    var r = await fetchRaw(port, 'GET', '/inc', signedCookie('held'))
    // (as with express-session, the response is finished when the save fails;
    // the error goes to next(err))
    assert.deepStrictEqual([r.status, r.body.toString()], [200, 'n=2'])
    await new Promise(setImmediate)
    assert.deepStrictEqual(errors, ['SQLITE_BUSY: database is locked'])
    assert.ok(performance.now() - started >= 190, 'it waited for the busy timeout')
    assert.strictEqual((await store.get('held')).n, 1, 'reads do not wait for the lock')
  } finally {
    shell.stdin.end('COMMIT;\n')
    await new Promise(function (resolve) { shell.once('exit', resolve) })
  }
  r = await fetchRaw(port, 'GET', '/inc', signedCookie('held'))
  assert.deepStrictEqual([r.status, r.body.toString()], [200, 'n=2'])
  assert.strictEqual((await store.get('held')).n, 2)
  assert.strictEqual(errors.length, 1)
  server.close()
  store.close()
})

test('close() while another process holds the lock: it waits at most the busy timeout, and the queued writes fail with SQLITE_BUSY', async function () {
  var file = dbPath()
  var store = new ours.SqliteStore({ path: file, busyTimeout: 300, sweepInterval: 0 })
  await store.set('before', { cookie: { expires: null } })
  var shell = childProcess.spawn('sqlite3', [file], { stdio: ['pipe', 'pipe', 'inherit'] })
  shell.stdin.write("BEGIN IMMEDIATE;\nUPDATE sessions SET json = json WHERE sid = 'before';\nSELECT 'locked';\n")
  await new Promise(function (resolve) { shell.stdout.once('data', resolve) })
  var results = []
  try {
    store.set('queued', { cookie: { expires: null } }, function (err) { results.push(err && err.code) })
    var started = performance.now()
    store.close()
    var took = performance.now() - started
    assert.ok(took >= 290 && took < 3000, 'close() took ' + took + ' ms')
  } finally {
    shell.stdin.end('COMMIT;\n')
    await new Promise(function (resolve) { shell.once('exit', resolve) })
  }
  await new Promise(setImmediate)
  assert.deepStrictEqual(results, ['SQLITE_BUSY'])
  var again = new ours.SqliteStore({ path: file, sweepInterval: 0 })
  assert.deepStrictEqual(await again.ids(), ['before'])
  again.close()
})

test('a damaged row: reading it fails with SQLITE_CORRUPT naming its session and what is wrong, through next(err); the other sessions are served', async function () {
  var file = dbPath()
  var store = new ours.SqliteStore({ path: file, sweepInterval: 0 })
  var sids = ['bytes', 'pair', 'json', 'expires', 'sid', 'fine']
  for (var sid of sids) await store.set(sid, { cookie: { expires: null }, n: 1, text: 'Ж' })
  // damaged with the sqlite3 shell: a byte that is never UTF-8 (FF), a surrogate
  // pair written as two surrogates (WTF-8 writes a pair as one 4-byte character),
  // JSON cut short, an expiry that is not a number, a sid that is not UTF-8
  sqlite3(file, [
    "UPDATE sessions SET json = CAST(X'7B226E223A22FF227D' AS TEXT) WHERE sid = 'bytes';",
    "UPDATE sessions SET json = CAST(X'7B226E223A22EDA080EDB080227D' AS TEXT) WHERE sid = 'pair';",
    "UPDATE sessions SET json = substr(json, 1, 10) WHERE sid = 'json';",
    "UPDATE sessions SET expires = 'soon' WHERE sid = 'expires';",
    "UPDATE sessions SET sid = CAST(X'7369FF64' AS TEXT) WHERE sid = 'sid';"
  ].join('\n'))
  function damaged (sid, why) {
    return function (err) {
      assert.strictEqual(err.code, 'SQLITE_CORRUPT')
      assert.strictEqual(err.message, 'the stored row of session "' + sid + '" is damaged: ' + why)
      return true
    }
  }
  var notText = 'its json bytes are not valid UTF-8 (WTF-8) text'
  await assert.rejects(store.get('bytes'), damaged('bytes', notText))
  await assert.rejects(store.get('pair'), damaged('pair', notText))
  await assert.rejects(store.get('json'), damaged('json', 'its json is not valid JSON'))
  await assert.rejects(store.get('json'), function (err) { return err.cause instanceof SyntaxError })
  await assert.rejects(store.get('expires'), damaged('expires', 'its expires column holds a value of type Text'))
  await assert.rejects(store.touch('expires', { cookie: cookie(ours, 60000) }), damaged('expires', 'its expires column holds a value of type Text'))
  await assert.rejects(store.all(), damaged('bytes', notText))
  await assert.rejects(store.ids(), damaged('si\ufffdd', 'its sid bytes are not valid UTF-8 (WTF-8) text'))
  assert.strictEqual((await store.get('fine')).n, 1)
  // the callback gets the error, alone
  var args = await new Promise(function (resolve) { store.get('bytes', function () { resolve(Array.from(arguments)) }) })
  assert.deepStrictEqual([args.length, args[0].code], [1, 'SQLITE_CORRUPT'])

  var errors = []
  var server = await counterApp(store, errors)
  var port = server.address().port
  for (sid of ['bytes', 'json']) {
    var r = await fetchRaw(port, 'GET', '/inc', signedCookie(sid))
    assert.strictEqual(r.status, 500)
    assert.match(r.body.toString(), new RegExp('^SQLITE_CORRUPT: the stored row of session "' + sid + '" is damaged: '))
  }
  r = await fetchRaw(port, 'GET', '/inc', signedCookie('fine'))
  assert.deepStrictEqual([r.status, r.body.toString()], [200, 'n=2'])
  assert.strictEqual(errors.length, 2)
  server.close()

  // a new write of the session replaces the damaged row
  await store.set('bytes', { cookie: { expires: null }, n: 5 })
  assert.strictEqual((await store.get('bytes')).n, 5)
  store.close()
})

// the sessions in `file` as the sqlite3 shell reads them (the file alone: no
// store has it open)
function storedSids (file) {
  return sqlite3(file, 'SELECT sid FROM sessions ORDER BY rowid;').split('\n').filter(Boolean)
}

// a store on a new file holding session 'before', every write in the file itself
// (the WAL empty), and a second name for that file: `keep`
async function storeWithOneSession () {
  var file = dbPath()
  var store = new ours.SqliteStore({ path: file, sweepInterval: 0 })
  await store.set('before', { cookie: { expires: null }, n: 1 })
  assert.strictEqual(sqlite3(file, 'PRAGMA wal_checkpoint(TRUNCATE);').trim(), '0|0|0')
  assert.strictEqual(fs.statSync(file + '-wal').size, 0)
  var keep = file + '.orphan'
  fs.linkSync(file, keep)
  return { file: file, store: store, keep: keep }
}

function replacedError (file, what) {
  return function (err) {
    assert.strictEqual(err.code, 'ERR_STORE_FILE_REPLACED')
    assert.strictEqual(err.message, 'the session database ' + file + ' ' + what + ' while this store had it open: ' +
      'nothing more is written or read through this store (it would go to the orphaned file); open a new SqliteStore on the path')
    return true
  }
}

test('a database file deleted under an open store: writes and reads fail with ERR_STORE_FILE_REPLACED, through next(err), and nothing goes to the orphaned file', async function () {
  var s = await storeWithOneSession()
  fs.unlinkSync(s.file)
  var deleted = replacedError(s.file, 'was deleted')
  await assert.rejects(s.store.set('after', { cookie: { expires: null }, n: 2 }), deleted)
  assert.strictEqual(fs.statSync(s.file + '-wal').size, 0, 'no frame written to the orphan\'s WAL')
  await assert.rejects(s.store.get('before'), deleted)
  var errors = []
  var server = await counterApp(s.store, errors)
  var r = await fetchRaw(server.address().port, 'GET', '/inc', signedCookie('before'))
  server.close()
  assert.strictEqual(r.status, 500)
  assert.deepStrictEqual(errors.map(function (e) { return e.split(':')[0] }), ['ERR_STORE_FILE_REPLACED'])
  // a new process's store creates a new file at the path: this one still refuses
  // (every later operation fails as the first one did)
  var fresh = new ours.SqliteStore({ path: s.file, sweepInterval: 0 })
  await fresh.set('new', { cookie: { expires: null }, n: 3 })
  await assert.rejects(s.store.set('after', { cookie: { expires: null }, n: 2 }), deleted)
  await assert.rejects(s.store.length(), deleted)
  assert.strictEqual(await fresh.get('before'), undefined)
  assert.strictEqual((await fresh.get('new')).n, 3)
  s.store.close()
  fresh.close()
  assert.deepStrictEqual(storedSids(s.keep), ['before'])
  assert.deepStrictEqual(storedSids(s.file), ['new'])
})

test('a database file replaced under an open store (another renamed over it, or a new one created at its path): ERR_STORE_FILE_REPLACED, and nothing goes to either file', async function () {
  for (var how of ['rename', 'recreate']) {
    var s = await storeWithOneSession()
    if (how === 'rename') {
      var other = dbPath()
      var o = new ours.SqliteStore({ path: other, sweepInterval: 0 })
      await o.set('other', { cookie: { expires: null }, n: 9 })
      o.close()
      sqlite3(other, 'PRAGMA wal_checkpoint(TRUNCATE);') // (its session in the file itself)
      fs.renameSync(other, s.file)
    } else {
      fs.unlinkSync(s.file)
      o = new ours.SqliteStore({ path: s.file, sweepInterval: 0 })
      await o.set('other', { cookie: { expires: null }, n: 9 })
      o.close()
      sqlite3(s.file, 'PRAGMA wal_checkpoint(TRUNCATE);')
    }
    var replaced = replacedError(s.file, 'was replaced by another file')
    // a read finds it first (reads trust a check for 1 ms)
    await new Promise(function (resolve) { setTimeout(resolve, 2) })
    await assert.rejects(s.store.get('before'), replaced, how)
    await assert.rejects(s.store.set('after', { cookie: { expires: null }, n: 2 }), replaced, how)
    await assert.rejects(s.store.destroy('other'), replaced, how)
    // (none at all when the new file's last connection closed, which removes it)
    var wal = s.file + '-wal'
    assert.strictEqual(fs.existsSync(wal) ? fs.statSync(wal).size : 0, 0, how + ': no frame written to a WAL')
    s.store.close()
    assert.deepStrictEqual(storedSids(s.keep), ['before'], how)
    assert.deepStrictEqual(storedSids(s.file), ['other'], how)
  }
})

test('a file this process may not write: SQLITE_CANTOPEN, and the file is left as it was', async function () {
  var folder = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-readonly-'))
  try {
    fs.chmodSync(folder, 0o755)
    var file = path.join(folder, 'sessions.db')
    var store = new ours.SqliteStore({ path: file, sweepInterval: 0 })
    await store.set('a', { cookie: { expires: null }, n: 1 })
    store.close()
    sqlite3(file, 'PRAGMA wal_checkpoint(TRUNCATE);')
    fs.chmodSync(file, 0o444)
    var before = fs.readFileSync(file)
    var script = [
      'try { new (require(process.argv[1]).SqliteStore)({ path: process.argv[2] }); console.log("opened") }',
      'catch (err) { console.log(err.code + ": " + err.message) }'
    ].join('\n')
    // (root may write any file: the check runs as nobody then)
    var asNobody = process.getuid && process.getuid() === 0 ? { uid: 65534, gid: 65534 } : {}
    var out = childProcess.execFileSync(process.execPath, ['-e', script, path.join(__dirname, '..'), file],
      Object.assign({ encoding: 'utf8' }, asNobody)).trim()
    assert.strictEqual(out, 'SQLITE_CANTOPEN: cannot write ' + file + ' (permission denied or a read-only file system)')
    assert.deepStrictEqual(fs.readFileSync(file), before)
  } finally {
    fs.rmSync(folder, { recursive: true, force: true })
  }
})

test('SqliteStore as the store of the original express-session and of ours: login, counter, logout', async function () {
  for (var implName of ['express-session', 'express-session-rs']) {
    var store = new ours.SqliteStore({ path: dbPath() })
    var r = await harness.run(implName, {
      options: function () { return { secret: 's', resave: false, saveUninitialized: false, cookie: { maxAge: 60000 } } },
      store: function () { return store },
      record: false,
      routes: function (app) {
        app.post('/login', function (req, res, next) {
          req.session.regenerate(function (err) {
            if (err) return next(err)
            req.session.user = 'alice'
            res.end('welcome')
          })
        })
        app.get('/inc', function (req, res) { req.session.n = (req.session.n || 0) + 1; res.end(req.session.user + ' ' + req.session.n) })
        app.post('/logout', function (req, res, next) {
          req.session.destroy(function (err) { if (err) return next(err); res.end('bye') })
        })
      },
      requests: [{ path: '/login', method: 'POST' }, '/inc', '/inc', { path: '/logout', method: 'POST' }, '/inc']
    }, { raw: true })
    assert.deepStrictEqual(r.responses.map(function (x) { return x.body }),
      ['welcome', 'alice 1', 'alice 2', 'bye', 'undefined 1'], implName)
    store.close()
  }
})

// one request to `port`: { status, headers, body (Buffer) }
function fetchRaw (port, method, pathname, cookieHeader) {
  return new Promise(function (resolve, reject) {
    var req = require('http').request({ host: '127.0.0.1', port: port, method: method, path: pathname, headers: cookieHeader ? { cookie: cookieHeader } : {} }, function (res) {
      var chunks = []
      res.on('data', function (c) { chunks.push(c) })
      res.on('end', function () { resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }) })
    })
    req.on('error', reject)
    req.end()
  })
}

test('responses over a SqliteStore: the bytes of express-session, sent once the write committed', async function () {
  var express = require('express')
  var big = 'é'.repeat(600000) // beyond the socket's high-water mark: sent as express-session sends it
  var seen = {}
  for (var implName of ['express-session', 'express-session-rs']) {
    var impl = implName === 'express-session' ? original : ours
    var file = dbPath()
    var store = new ours.SqliteStore({ path: file, sweepInterval: 0 })
    var observer = new ours.SqliteStore({ path: file, sweepInterval: 0 })
    var app = express()
    app.use(impl({ secret: 's', store: store, resave: false, saveUninitialized: false, cookie: { maxAge: 60000 } }))
    app.get('/send', function (req, res) { req.session.n = (req.session.n || 0) + 1; res.send('n=' + req.session.n) })
    app.get('/stream', function (req, res) { req.session.n = (req.session.n || 0) + 1; res.write('a'); res.end(Buffer.from('Жb')) })
    app.get('/big', function (req, res) { req.session.n = (req.session.n || 0) + 1; res.send(big) })
    app.get('/empty', function (req, res) { req.session.n = (req.session.n || 0) + 1; res.end() })
    app.get('/latin1', function (req, res) { req.session.n = (req.session.n || 0) + 1; res.end('caf\u00e9', 'latin1') })
    app.get('/read', function (req, res) { res.end('read ' + req.session.n) })
    app.head('/send', function (req, res) { req.session.n = (req.session.n || 0) + 1; res.send('n=' + req.session.n) })
    app.get('/destroy', function (req, res) { req.session.destroy(function () { res.end('gone') }) })
    var server = app.listen(0, '127.0.0.1')
    await new Promise(function (resolve) { server.once('listening', resolve) })
    var port = server.address().port
    var first = await fetchRaw(port, 'GET', '/send')
    var cookieHeader = first.headers['set-cookie'][0].split(';')[0]
    var sid = decodeURIComponent(cookieHeader.split('=')[1]).slice(2).split('.')[0]
    var out = [[first.status, first.body.toString('latin1'), (await observer.get(sid)).n]]
    for (var step of [['GET', '/send'], ['GET', '/stream'], ['GET', '/big'], ['GET', '/empty'], ['GET', '/latin1'], ['HEAD', '/send'], ['GET', '/read'], ['GET', '/destroy']]) {
      var r = await fetchRaw(port, step[0], step[1], cookieHeader)
      var stored = await observer.get(sid)
      var headers = Object.assign({}, r.headers)
      delete headers.date
      delete headers['set-cookie']
      delete headers.etag
      out.push([step.join(' '), r.status, headers, r.body.length, r.body.toString('base64').slice(0, 64), stored && stored.n])
    }
    seen[implName] = out
    server.close()
    store.close()
    observer.close()
  }
  assert.deepStrictEqual(seen['express-session-rs'], seen['express-session'])
  // each response came after its write: the store read right after it has it
  assert.deepStrictEqual(seen['express-session-rs'].map(function (x) { return x[x.length - 1] }), [1, 2, 3, 4, 5, 6, 7, 7, undefined])
})

test('a redirect after regenerate over a SqliteStore: its headers arrive only once the new session is written', async function () {
  var express = require('express')
  var file = dbPath()
  var store = new ours.SqliteStore({ path: file, sweepInterval: 0 })
  var observer = new ours.SqliteStore({ path: file, sweepInterval: 0 })
  var app = express()
  app.use(ours({ secret: 's', store: store, resave: false, saveUninitialized: false }))
  app.post('/login', function (req, res, next) {
    req.session.regenerate(function (err) {
      if (err) return next(err)
      req.session.user = 'alice'
      res.redirect(303, '/')
    })
  })
  // a slow disk: every batch of writes reaches the writer thread 100 ms late
  var nat = store._writes.native
  var flush = nat.flush
  nat.flush = function () { setTimeout(flush, 100) }
  var server = app.listen(0, '127.0.0.1')
  await new Promise(function (resolve) { server.once('listening', resolve) })
  try {
    for (var i = 0; i < 3; i++) {
      // (a browser follows the redirect as soon as the headers arrive)
      var seen = await new Promise(function (resolve, reject) {
        require('http').request({ host: '127.0.0.1', port: server.address().port, method: 'POST', path: '/login' }, function (res) {
          var sid = decodeURIComponent(res.headers['set-cookie'][0].split(';')[0].split('=')[1]).slice(2).split('.')[0]
          var stored = observer.get(sid) // (read now; the promise settles later)
          res.resume()
          res.on('end', function () {
            stored.then(function (sess) { resolve([res.statusCode, sess && sess.user]) }, reject)
          })
        }).on('error', reject).end()
      })
      assert.deepStrictEqual(seen, [303, 'alice'])
    }
  } finally {
    server.close()
    store.close()
    observer.close()
  }
})

test('calls in flight: each calls back once with its own result, their ids used again, a call that throws frees its id', async function () {
  var store = new ours.SqliteStore({ path: dbPath(), sweepInterval: 0 })
  var calls = store._writes.pending
  function set (sid, n) {
    return new Promise(function (resolve, reject) {
      var called = 0
      store.set(sid, { cookie: cookie(ours, 60000), n: n }, function (err) {
        if (++called > 1) reject(new Error('called back twice: ' + sid))
        else if (err) reject(err)
        else setImmediate(resolve, sid) // (a second call would show by then)
      })
    })
  }
  try {
    for (var round = 0; round < 3; round++) {
      // 200 writes in flight together; then 150, and 50 more while those are
      // still in flight
      var first = []
      for (var i = 0; i < 200; i++) first.push(set('s' + i, round * 1000 + i))
      await Promise.all(first)
      assert.strictEqual(calls.size, 0)
      var mixed = []
      for (var j = 0; j < 150; j++) mixed.push(set('t' + j, round))
      await new Promise(setImmediate)
      for (var k = 0; k < 50; k++) mixed.push(set('u' + k, round))
      await Promise.all(mixed)
      assert.strictEqual(calls.size, 0)
    }
    // (ids are slots used again: no more than the most calls ever in flight)
    assert.ok(calls.callbacks.length <= 200, String(calls.callbacks.length))
    for (var m = 0; m < 200; m++) {
      assert.strictEqual((await store.get('s' + m)).n, 2000 + m)
    }
    assert.strictEqual((await store.get('u49')).n, 2)
    // a native call that throws (a sid that is not a string) was not staged
    var before = calls.callbacks.length
    var err = await new Promise(function (resolve) {
      store._writes.run('set', [7, '{}', null, null], resolve)
    })
    assert.strictEqual(err.name, 'TypeError')
    assert.strictEqual(calls.size, 0)
    await set('after', 1)
    assert.strictEqual(calls.callbacks.length, before)
    assert.strictEqual((await store.get('after')).n, 1)
  } finally {
    store.close()
  }
})

test('the raw file store survives garbage arguments', async function () {
  var native = require('../native')
  var garbage = [undefined, null, true, 0, -1, NaN, Infinity, 2n, '', Symbol('s'), {}, [], [1], function () {}, Buffer.alloc(1)]
  garbage.forEach(function (a) {
    garbage.forEach(function (b) {
      try { native.createSqliteStore(a, b, b, b, b) } catch (err) { assert.ok(err instanceof Error) }
    })
  })
  var done = []
  var acked // resolves when write 1 is acknowledged
  var ack1 = new Promise(function (resolve) { acked = resolve })
  var nat = native.createSqliteStore(dbPath(), 0, 100, 0, function (ids, codes, messages) {
    for (var i = 0; i < ids.length; i++) done.push([ids[i], codes[i], messages[i]])
    if (done.some(function (d) { return d[0] === 1 })) acked()
  })
  ;['get', 'set', 'touch', 'destroy', 'clear', 'sweep', 'all', 'ids', 'length', 'stats', 'flush'].forEach(function (m) {
    garbage.forEach(function (a) {
      garbage.forEach(function (b) {
        try { nat[m](a, b, a, b, a) } catch (err) { assert.ok(err instanceof Error, m) }
      })
    })
  })
  nat.set(1, 'sid', '{}', NaN)
  nat.flush()
  nat.ref()
  await ack1
  nat.unref()
  assert.ok(done.some(function (d) { return d[0] === 1 && d[1] === null }))
  assert.strictEqual(nat.get('sid', Date.now()), '{}')
  nat.close()
})

// the open descriptors of this process on `file` (and its -wal and -shm)
function openDescriptors (file) {
  return fs.readdirSync('/proc/self/fd').filter(function (fd) {
    try { return fs.readlinkSync('/proc/self/fd/' + fd).indexOf(file) === 0 } catch (err) { return false }
  }).length
}

test('a SqliteStore nobody references is garbage-collected: its file and writer thread are released', async function () {
  require('v8').setFlagsFromString('--expose-gc')
  var gc = require('vm').runInNewContext('gc')
  var file = dbPath()
  var collected = false
  var registry = new FinalizationRegistry(function () { collected = true })
  ;(function () {
    var store = new ours.SqliteStore({ path: file, sweepInterval: 1000 })
    registry.register(store, 'store')
    return Promise.all([store.set('a', { cookie: cookie(ours, 60000), n: 1 }), store.touch('a', { cookie: cookie(ours, 60000) })])
  })().then(function () {})
  await new Promise(function (resolve) { setTimeout(resolve, 50) })
  assert.ok(openDescriptors(file) > 0)
  // (until a deadline: the finalizer, the writer thread's exit and the last
  // connection's checkpoint can take a while on a loaded machine)
  for (var deadline = Date.now() + 15000; Date.now() < deadline;) {
    gc()
    await new Promise(function (resolve) { setTimeout(resolve, 50) })
    if (collected && openDescriptors(file) === 0) break
  }
  assert.strictEqual(collected, true, 'the store was collected')
  assert.strictEqual(openDescriptors(file), 0, 'its connections are closed')
  var again = new ours.SqliteStore({ path: file, sweepInterval: 0 })
  assert.strictEqual((await again.get('a')).n, 1)
  again.close()
})

test('a write callback that throws does not keep the others of its batch from completing', async function () {
  var store = new ours.SqliteStore({ path: dbPath(), sweepInterval: 0 })
  var listeners = process.listeners('uncaughtException')
  process.removeAllListeners('uncaughtException')
  var thrown = []
  process.on('uncaughtException', function (err) { thrown.push(err.message) })
  try {
    var completed = []
    await new Promise(function (resolve) {
      for (var i = 0; i < 20; i++) {
        store.set('s' + i, { cookie: cookie(ours, 60000), i: i }, function (err) {
          assert.ifError(err)
          completed.push(completed.length)
          if (completed.length === 3) throw new Error('thrown by a callback')
          if (completed.length === 20) setImmediate(resolve)
        })
      }
    })
    assert.strictEqual(completed.length, 20)
    assert.deepStrictEqual(thrown, ['thrown by a callback'])
    assert.strictEqual(await store.length(), 20)
  } finally {
    process.removeAllListeners('uncaughtException')
    listeners.forEach(function (l) { process.on('uncaughtException', l) })
    store.close()
  }
})

// the text of the crash child's log, '' before it has opened it
function readLog (file) {
  try { return fs.readFileSync(file, 'utf8') } catch (err) { return '' }
}

test('kill -9 at random moments: every acknowledged write is there, no destroyed session comes back', async function () {
  var file = dbPath()
  var child = path.join(__dirname, 'support', 'sqlite-crash-child.js')
  var acked = {} // key -> last acknowledged state: a version, or 'deleted'
  var inFlight = {} // key -> the state its unacknowledged write would leave
  var seed = Date.now() % 100000
  var random = function () { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
  console.log('# crash test seed ' + seed)
  for (var run = 0; run < 5; run++) {
    var log = file + '.run' + run + '.log'
    var proc = childProcess.spawn(process.execPath, [child, file, 'run' + run, log], { stdio: ['ignore', 'inherit', 'inherit'] })
    var closed = new Promise(function (resolve) { proc.on('close', resolve) })
    var exited = function () { return proc.exitCode !== null || proc.signalCode !== null }
    // from its first acknowledged write (however long a loaded machine takes to
    // start it), a random moment 50 to 350 ms later
    for (var deadline = Date.now() + 30000; !exited() && Date.now() < deadline && !/^(set|del) /m.test(readLog(log));) {
      await new Promise(function (resolve) { setTimeout(resolve, 10) })
    }
    await new Promise(function (resolve) { setTimeout(resolve, 50 + Math.floor(random() * 300)) })
    proc.kill('SIGKILL')
    await closed
    readLog(log).split('\n').slice(0, -1).forEach(function (line) { // (only whole lines)
      var parts = line.split(' ')
      var started = parts[0] === '>'
      if (started) parts.shift()
      var state = parts[0] === 'del' ? 'deleted' : Number(parts[2])
      if (started) {
        inFlight[parts[1]] = state
      } else {
        acked[parts[1]] = state
        delete inFlight[parts[1]]
      }
    })
  }
  var store = new ours.SqliteStore({ path: file })
  var keys = Object.keys(acked)
  assert.ok(keys.length > 50, 'the writers ran (' + keys.length + ' keys)')
  for (var k of keys) {
    var sess = await store.get(k)
    var found = sess === undefined ? 'deleted' : sess.v
    // its last acknowledged write, or the one in flight when the process died
    var allowed = [acked[k]].concat(k in inFlight ? [inFlight[k]] : [])
    assert.ok(allowed.indexOf(found) !== -1, k + ': found ' + found + ', acknowledged ' + acked[k] +
      (k in inFlight ? ', in flight ' + inFlight[k] : ''))
  }
  store.close()
})

test('a cluster of 2 workers on one file: each sees the other\'s creates, updates and destroys', async function () {
  var file = dbPath()
  var primary = childProcess.spawn(process.execPath, [path.join(__dirname, 'support', 'sqlite-cluster.js'), file], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    var ports = await new Promise(function (resolve, reject) {
      var out = ''
      primary.stdout.on('data', function (d) {
        out += d
        if (out.indexOf('\n') !== -1) resolve(JSON.parse(out))
      })
      primary.on('exit', function (code) { reject(new Error('cluster exited with ' + code)) })
    })
    var cookie = ''
    function get (port, p) {
      return new Promise(function (resolve, reject) {
        var headers = cookie ? { cookie: cookie } : {}
        require('http').get({ host: '127.0.0.1', port: port, path: p, headers: headers }, function (res) {
          var body = ''
          if (res.headers['set-cookie']) cookie = res.headers['set-cookie'][0].split(';')[0]
          res.on('data', function (d) { body += d })
          res.on('end', function () { resolve(body) })
        }).on('error', reject)
      })
    }
    var a = ports[0]
    var b = ports[1]
    var login = JSON.parse(await get(a, '/login'))
    var other = JSON.parse(await get(b, '/inc'))
    assert.notStrictEqual(login.worker, other.worker)
    assert.strictEqual(other.user, 'alice', 'created through one worker, read by the other')
    assert.strictEqual(other.n, 1)
    assert.strictEqual(JSON.parse(await get(a, '/inc')).n, 2, 'updated through one, seen by the other')
    assert.strictEqual(await get(b, '/logout'), 'bye')
    var after = JSON.parse(await get(a, '/'))
    assert.strictEqual(after.user, undefined, 'destroyed through one worker, gone for the other')
  } finally {
    primary.kill('SIGKILL')
  }
})
