// `npm start`'s demo app over HTTP: login (regenerate, with a one-time notice),
// visits, cart, logout, on the durable store; what the page shows of the session
// (ID, store, process, created and last saved, the stored JSON, all escaped);
// and `--workers 2`: two processes on one SQLite file (or one Redis with
// REDIS_URL), sharing the session.

'use strict'

var assert = require('assert')
var childProcess = require('child_process')
var fs = require('fs')
var http = require('http')
var os = require('os')
var path = require('path')
var test = require('node:test')
var redis = require('../tools/redis')
var request = require('supertest')

// the text of the element with this id (no markup inside)
function field (html, id) {
  var m = new RegExp('id="' + id + '"[^>]*>([^<]*)<').exec(html)
  assert.ok(m, 'an element #' + id)
  return unescape(m[1])
}

// an attribute of the element with this id
function attr (html, id, name) {
  var m = new RegExp('id="' + id + '"[^>]*? ' + name + '="([^"]*)"').exec(html)
  assert.ok(m, 'an element #' + id + ' with ' + name)
  return unescape(m[1])
}

// the session as the page shows it read from the store
function stored (html) {
  return JSON.parse(field(html, 'json'))
}

function unescape (text) {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, function (all, name) {
    return { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" }[name]
  })
}

// the session ID of a Set-Cookie, shortened as the page shows it
function shortId (res) {
  return /^connect\.sid=s%3A([A-Za-z0-9_-]{8})/.exec(res.headers['set-cookie'][0])[1] + '…'
}

function sleep (ms) {
  return new Promise(function (resolve) { setTimeout(resolve, ms) })
}

test('demo app round trip', async function () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-demo-'))
  process.env.PORT = '0'
  process.env.SESSIONS_DB = path.join(dir, 'sessions.db')
  var server = require('../examples/app')
  try {
    await new Promise(function (resolve) { server.listening ? resolve() : server.once('listening', resolve) })
    var agent = request.agent(server)
    var first = await agent.get('/')
    assert.match(first.text, /<p id="who">Not logged in<\/p>/)
    assert.match(first.text, /Visits: 1</)
    assert.match(first.headers['set-cookie'][0], /^connect\.sid=s%3A[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/)
    assert.match(first.headers['content-security-policy'], /default-src 'self'/)
    // the session, the store, the process
    var before = shortId(first)
    assert.strictEqual(field(first.text, 'sid'), before)
    assert.strictEqual(field(first.text, 'json'), '(nothing yet: a new session)')
    assert.match(first.text, /<dd id="store"><b>SqliteStore<\/b> <code id="file">([^<]*)<\/code><\/dd>/)
    assert.strictEqual(field(first.text, 'file'), process.env.SESSIONS_DB)
    assert.strictEqual(field(first.text, 'pid'), String(process.pid))
    assert.ok(Math.abs(new Date(attr(first.text, 'started', 'datetime')) - (Date.now() - process.uptime() * 1000)) < 1000)

    var css = await agent.get('/style.css')
    assert.strictEqual(css.status, 200)
    assert.match(css.headers['content-type'], /^text\/css/)

    var add = await agent.post('/cart/add').type('form').send({ item: 'pear' })
    assert.strictEqual(add.status, 303)
    var page = (await agent.get('/')).text
    var json = stored(page)
    assert.deepStrictEqual(json.cart, ['pear'])
    assert.strictEqual(json.views, 1, 'as read, before this visit')
    assert.strictEqual(json.savedBy, process.pid)
    assert.strictEqual(attr(page, 'created', 'datetime'), json.createdAt)
    assert.strictEqual(attr(page, 'saved', 'datetime'), json.savedAt)

    // a request that changes nothing saves nothing (resave: false): the last
    // save stays that of the page before (each page counts a visit: a change)
    await sleep(20)
    var t0 = new Date().toISOString()
    await agent.get('/')
    var t1 = new Date().toISOString()
    await sleep(20)
    await agent.post('/cart/add').type('form').send({ item: 'not for sale' })
    await agent.post('/cart/remove').type('form').send({ index: '7' })
    page = (await agent.get('/')).text
    var last = attr(page, 'saved', 'datetime')
    assert.ok(last >= t0 && last <= t1, last + ' in [' + t0 + ', ' + t1 + ']')
    assert.deepStrictEqual(stored(page).cart, ['pear'])

    var login = await agent.post('/login').type('form').send({ name: '<alice>' })
    assert.strictEqual(login.status, 303)
    assert.notStrictEqual(login.headers['set-cookie'][0].split(';')[0], first.headers['set-cookie'][0].split(';')[0], 'a new session ID on login')
    var after = shortId(login)
    page = (await agent.get('/')).text
    assert.match(page, /Logged in as <b>&lt;alice&gt;<\/b>/)
    assert.doesNotMatch(page, /<alice>/, 'the name is escaped everywhere')
    assert.match(page, /<span id="count">1<\/span>/)
    assert.match(page, /<li>pear /)
    // the one-time notice: old ID → new ID, the cart kept, the counter reset
    assert.strictEqual(field(page, 'sid'), after)
    assert.strictEqual(attr(page, 'notice', 'data-from'), before)
    assert.strictEqual(attr(page, 'notice', 'data-to'), after)
    assert.ok(page.includes('<code>' + before + '</code> → <code>' + after + '</code>'))
    assert.match(page, /Kept: the cart \(1 item\)\. Reset: the visit counter \(was 4\)/)
    assert.match(page, /Visits: 1</)
    json = stored(page)
    assert.strictEqual(json.user, '<alice>')
    assert.deepStrictEqual(json.cart, ['pear'])
    assert.deepStrictEqual(json.notice, { login: { from: before, to: after, views: 4, cart: 1 } })
    assert.ok(json.createdAt > last, 'a new session at login')
    page = (await agent.get('/')).text
    assert.doesNotMatch(page, /id="notice"/, 'shown once')
    assert.strictEqual(stored(page).notice, undefined)

    await agent.post('/cart/remove').type('form').send({ index: '0' })
    assert.match((await agent.get('/')).text, /<span id="count">0<\/span>/)
    assert.strictEqual((await agent.post('/logout')).status, 303)
    page = (await agent.get('/')).text
    assert.match(page, /Not logged in/)
    assert.notStrictEqual(field(page, 'sid'), after)
  } finally {
    server.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

// one request on a connection of its own (so that the cluster's primary hands
// it to the next worker); resolves { status, cookie, body }
function send (url, options) {
  var body = options.form ? new URLSearchParams(options.form).toString() : ''
  return new Promise(function (resolve, reject) {
    var req = http.request(url, {
      method: options.form ? 'POST' : 'GET',
      agent: false,
      headers: Object.assign(
        { connection: 'close' },
        options.cookie ? { cookie: options.cookie } : {},
        options.form ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } : {}
      )
    }, function (res) {
      var text = ''
      res.setEncoding('utf8')
      res.on('data', function (d) { text += d })
      res.on('end', function () {
        var set = res.headers['set-cookie']
        resolve({ status: res.statusCode, cookie: set && set[0].split(';')[0], body: text })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

test('demo app with --workers 2: two processes share the session through the file', async function () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-demo-workers-'))
  try {
    await twoWorkers({ SESSIONS_DB: path.join(dir, 'sessions.db') })
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('demo app with --workers 2 and REDIS_URL: two processes share the session through one Redis', { skip: !redis.available() && 'redis-server is not installed (.ci/run installs it)' }, async function () {
  var server = await redis.start()
  try {
    var url = 'redis://127.0.0.1:' + server.port
    var user = await twoWorkers({ REDIS_URL: url }, url)
    assert.strictEqual(redis.cli(server.port, ['EXISTS', 'sess:' + user]), '1', 'the user\'s session, in Redis')
    assert.match(redis.cli(server.port, ['ZRANGE', 'owners:sess:ann', '0', '-1']), new RegExp(user), 'and in the user\'s index')
  } finally {
    server.stop()
  }
})

// the demo with two workers on `env`'s store (the primary names `sharing`):
// both answer, each page shows every item added, whichever process added it,
// and one user's sessions on two browsers; the ID of the session that one
// of them keeps
async function twoWorkers (env, sharing) {
  var proc = childProcess.spawn(process.execPath, [path.join(__dirname, '..', 'examples', 'app.js'), '--workers', '2'], {
    env: Object.assign({}, process.env, { PORT: '0' }, env),
    stdio: ['ignore', 'pipe', 'inherit']
  })
  var exited = new Promise(function (resolve) { proc.on('exit', resolve) })
  var pids = new Set()
  try {
    var line = await new Promise(function (resolve, reject) {
      var out = ''
      proc.stdout.on('data', function (d) {
        out += d
        if (out.indexOf('\n') !== -1) resolve(out)
      })
      proc.on('exit', function (code) { reject(new Error('the demo app exited with ' + code)) })
    })
    var m = /on (http:\/\/127\.0\.0\.1:\d+\/) \(2 workers, pids (\d+), (\d+), sharing (\S+)\)/.exec(line)
    assert.ok(m, line)
    var url = m[1]
    var workers = [m[2], m[3]].sort()
    if (sharing) assert.strictEqual(m[4], sharing)

    var first = await send(url, {})
    var cookie = first.cookie
    assert.ok(cookie)
    var sid = field(first.body, 'sid')
    var items = ['apple', 'pear', 'plum', 'fig', 'apple', 'pear']
    var across = 0
    for (var i = 0; i < items.length; i++) {
      assert.strictEqual((await send(url + 'cart/add', { cookie: cookie, form: { item: items[i] } })).status, 303)
      // (two pages a round: with the workers taking connections in turn, an
      // even number of requests a round would show only one of them)
      for (var j = 0; j < 2; j++) {
        var page = (await send(url, { cookie: cookie })).body
        var pid = field(page, 'pid')
        pids.add(pid)
        assert.strictEqual(field(page, 'sid'), sid)
        assert.match(page, /<span class="tag">one of 2 workers<\/span>/)
        var json = stored(page)
        // every item, whichever process added it
        assert.deepStrictEqual(json.cart, items.slice(0, i + 1))
        if (String(json.savedBy) !== pid) across++
      }
    }

    // one user on two browsers, served by either process: each lists both
    // sessions, and "log out everywhere else" in one ends the other
    var a = (await send(url + 'login', { cookie: cookie, form: { name: 'ann' } })).cookie
    var b = (await send(url + 'login', { cookie: (await send(url, {})).cookie, form: { name: 'ann' } })).cookie
    assert.ok(a && b && a !== b)
    for (var k = 0; k < 2; k++) {
      assert.match((await send(url, { cookie: a })).body, /Your sessions <small>\(2\)<\/small>/)
      assert.match((await send(url, { cookie: b })).body, /Your sessions <small>\(2\)<\/small>/)
    }
    assert.strictEqual((await send(url + 'sessions/end-others', { cookie: b, form: {} })).status, 303)
    for (k = 0; k < 2; k++) {
      assert.doesNotMatch((await send(url, { cookie: a })).body, /id="devices"/, 'the other browser is logged out')
      assert.match((await send(url, { cookie: b })).body, /Your sessions <small>\(1\)<\/small>/)
    }

    assert.deepStrictEqual(Array.from(pids).sort(), workers, 'both workers answered')
    assert.ok(!pids.has(String(proc.pid)), 'the primary serves nothing')
    assert.ok(across > 0, 'a page read a save of the other process')
    // (the ID of the session that stays logged in)
    var signed = decodeURIComponent(b.split('=')[1])
    var kept = signed.slice(2, signed.lastIndexOf('.'))
  } finally {
    // stop by PID: SIGTERM to the primary stops its workers; SIGKILL if it hangs
    proc.kill('SIGTERM')
    var timer = setTimeout(function () { proc.kill('SIGKILL') }, 5000)
    await exited
    clearTimeout(timer)
  }
  assert.strictEqual(proc.signalCode, null, 'the primary ended by itself')
  pids.forEach(function (worker) {
    assert.throws(function () { process.kill(Number(worker), 0) }, { code: 'ESRCH' }, 'worker ' + worker + ' ended')
  })
  return kept
}
