// The README's code blocks, as they are written: each JavaScript block runs (a
// whole program is started and asked for its page; a fragment runs in an app with
// `express`, `session`, `app` and `secret` defined, then serves a session; a
// block that names Redis at its default address gets a redis-server); each
// TypeScript block compiles under `tsc --strict`; the sample Set-Cookie verifies
// with the demo's secret; every npm command names a script or bin that exists;
// `npm run pack`'s sample output is what it prints.

'use strict'

var assert = require('assert')
var childProcess = require('child_process')
var fs = require('fs')
var os = require('os')
var path = require('path')
var test = require('node:test')
var signature = require('cookie-signature')
var demo = require('./support/demo')
var redis = require('../tools/redis')

var root = path.join(__dirname, '..')
var readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8')
var manifest = require('../package.json')

/**
 * The fenced code blocks of `markdown`: { lang, code, line }, code unindented
 * by the fence's indentation (blocks in list items).
 */
function blocks (markdown) {
  var out = []
  var lines = markdown.split('\n')
  for (var i = 0; i < lines.length; i++) {
    var open = /^( *)```(\S*)\s*$/.exec(lines[i])
    if (!open) continue
    var indent = open[1].length
    var body = []
    for (i++; i < lines.length && !/^ *```\s*$/.test(lines[i]); i++) body.push(lines[i].slice(indent))
    out.push({ lang: open[2], code: body.join('\n') + '\n', line: i - body.length })
  }
  return out
}

var all = blocks(readme)
var work = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-readme-'))
test.after(function () { fs.rmSync(work, { recursive: true, force: true }) })

// an app folder where require('express-session-rs') and require('express') are
// this checkout and its express
function appDir (label) {
  var dir = path.join(work, label)
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true })
  fs.symlinkSync(root, path.join(dir, 'node_modules', 'express-session-rs'))
  fs.symlinkSync(path.join(root, 'node_modules', 'express'), path.join(dir, 'node_modules', 'express'))
  return dir
}

// two requests; the second carries the first's session (cookie, or the
// x-session-id header when the app uses the header option)
async function twoVisits (url) {
  var first = await fetch(url)
  var cookie = first.headers.get('set-cookie')
  var header = first.headers.get('x-session-id')
  assert.ok(cookie || header, 'the first response starts a session')
  var second = await fetch(url, { headers: header ? { 'x-session-id': header } : { cookie: cookie.split(';')[0] } })
  return { first: first, second: second, bodies: [await first.text(), await second.text()] }
}

var js = all.filter(function (b) { return b.lang === 'js' })

test('the README has the blocks this test runs', function () {
  assert.ok(js.length >= 5, js.length + ' JavaScript blocks')
  assert.strictEqual(js.filter(function (b) { return /app\.listen\(/.test(b.code) }).length, 1, 'one whole program: the quick start')
  assert.ok(all.filter(function (b) { return b.lang === 'ts' }).length >= 2)
})

js.forEach(function (b) {
  var whole = /app\.listen\(/.test(b.code)
  test('README.md line ' + b.line + ': the ' + (whole ? 'program runs as pasted' : 'fragment runs in an app') + ' and serves a session', async function () {
    var dir = appDir('js-' + b.line)
    var code = b.code
    if (!whole) {
      code = [
        "const express = require('express')",
        "const session = require('express-session-rs')",
        'const app = express()',
        "const secret = 'keyboard cat'",
        '{',
        b.code,
        '}',
        "app.get('/', (req, res) => { req.session.visits = (req.session.visits || 0) + 1; res.send('visits: ' + req.session.visits) })",
        "const server = app.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port + '/'))"
      ].join('\n')
    }
    // (a block for a Redis server on its default address gets one of its own)
    var redisServer = /redis:\/\/127\.0\.0\.1:6379/.test(code) ? await redis.start() : null
    if (redisServer) code = code.split('redis://127.0.0.1:6379').join('redis://127.0.0.1:' + redisServer.port)
    fs.writeFileSync(path.join(dir, 'app.js'), code)
    var app = await demo.spawnServer('app.js', dir, { PORT: '0' })
    try {
      var visits = await twoVisits(app.url)
      assert.deepStrictEqual(visits.bodies, ['visits: 1', 'visits: 2'], app.output())
      var header = visits.first.headers.get('x-session-id')
      if (/header: 'x-session-id'/.test(b.code)) {
        // the value the block's comments show: s:<id>.<signature>, unencoded
        assert.match(header, /^s:[A-Za-z0-9_-]{32}\.[A-Za-z0-9+/]{43}$/)
        assert.strictEqual(signature.unsign(header.slice(2), 'keyboard cat'), header.slice(2, 34))
        var sample = /X-Session-Id: (\S+)/.exec(b.code)[1]
        assert.match(sample, /^s:[A-Za-z0-9_-]{32}\.[A-Za-z0-9+/]{43}$/, 'the sample has the same form')
      }
    } finally {
      await demo.stop(app)
      if (redisServer) redisServer.stop()
    }
  })
})

var tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc')

all.filter(function (b) { return b.lang === 'ts' }).forEach(function (b) {
  test('README.md line ' + b.line + ': the TypeScript compiles with --strict', function () {
    var dir = path.join(work, 'ts-' + b.line)
    fs.mkdirSync(dir)
    // express-session's types are in the program only when the block imports them
    var types = ['node'].concat(/from 'express-session'|require\('express-session'\)/.test(b.code) ? ['express-session'] : [])
    fs.writeFileSync(path.join(dir, 'app.ts'), b.code + 'export {}\n')
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2020',
        module: 'commonjs',
        moduleResolution: 'node',
        skipLibCheck: false,
        types: types,
        typeRoots: [path.join(root, 'node_modules', '@types')],
        baseUrl: root,
        paths: { 'express-session-rs': ['index.d.ts'], '*': ['node_modules/*', 'node_modules/@types/*'] }
      },
      files: ['app.ts']
    }))
    var r = childProcess.spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' })
    assert.strictEqual(r.status, 0, b.code + '\n' + r.stdout + r.stderr)
  })
})

test('the sample Set-Cookie is one the demo sends: signed with its default secret, with its attributes', function () {
  var sample = /^Set-Cookie: connect\.sid=(\S+); Path=\/; Expires=\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT; HttpOnly; SameSite=Lax$/m.exec(readme)
  assert.ok(sample, 'the sample is in the README')
  var value = decodeURIComponent(sample[1])
  assert.match(value, /^s:[A-Za-z0-9_-]{32}\./)
  assert.strictEqual(signature.unsign(value.slice(2), 'keyboard cat'), value.slice(2, 34))
  assert.match(fs.readFileSync(path.join(root, 'examples', 'app.js'), 'utf8'), /'keyboard cat'/)
})

test('every npm command in a shell block names a script or a bin of the package', function () {
  var commands = all.filter(function (b) { return b.lang === 'sh' }).map(function (b) { return b.code }).join('\n')
    .split('\n').map(function (l) { return l.replace(/#.*/, '').trim() }).filter(Boolean)
  var checked = 0
  commands.forEach(function (c) {
    var m = /^npm (?:run (\S+)|(start|test))\b/.exec(c)
    if (m) {
      assert.ok(manifest.scripts[m[1] || m[2]], c)
      checked++
    }
    m = /^npx (\S+)/.exec(c)
    if (m) {
      assert.ok(manifest.bin[m[1]], c)
      checked++
    }
  })
  assert.ok(checked >= 8, checked + ' commands checked')
})

test('`npm run pack` prints what the README shows', function () {
  var b = all.find(function (x) { return x.lang === 'sh' && /^npm run pack\n/.test(x.code) })
  var shown = b.code.split('\n').slice(1).map(function (l) { return l.replace(/^# ?/, '') }).filter(Boolean)
  var out = childProcess.execFileSync(process.execPath, [path.join(root, 'scripts', 'pack.js')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  var printed = out.split('\n').filter(Boolean).map(function (l) { return l.split(root).join('/path/to/clone') })
  shown.forEach(function (line) {
    assert.ok(printed.indexOf(line.replace(/linux-x64-gnu/g, require('../native/platform').name())) !== -1, line + '\nnot in\n' + printed.join('\n'))
  })
})
