// Installing the package into an app the way users do: `npm install` of the packed
// tarballs, with the prebuilt binary for this platform and no Rust toolchain, or
// with neither (a clear error), or building from source with cargo.

'use strict'

var assert = require('assert')
var childProcess = require('child_process')
var fs = require('fs')
var os = require('os')
var path = require('path')
var test = require('node:test')
var platform = require('../native/platform')
var redis = require('../tools/redis')

var root = path.join(__dirname, '..')
var name = platform.name()
var work = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-install-'))
test.after(function () { fs.rmSync(work, { recursive: true, force: true }) })

// PATH without the folders that hold cargo or rustc
var noRust = process.env.PATH.split(path.delimiter).filter(function (dir) {
  return !fs.existsSync(path.join(dir, 'cargo')) && !fs.existsSync(path.join(dir, 'rustc'))
}).join(path.delimiter)

function pack (dir) {
  var out = childProcess.execFileSync('npm', ['pack', '--silent', '--pack-destination', work, dir], { encoding: 'utf8', cwd: dir })
  return path.join(work, out.trim().split('\n').pop())
}

var mainTarball = pack(root)

// the prebuilt package of this platform, with the binary built here
var platformTarball = (function () {
  var dir = path.join(work, 'platform-package')
  fs.cpSync(path.join(root, 'npm', name), dir, { recursive: true })
  fs.copyFileSync(platform.localBinary(name), path.join(dir, 'express-session-rs.' + name + '.node'))
  return pack(dir)
})()

// an app folder depending on express and `deps` ({ name: tarball })
function app (label, deps) {
  var dir = path.join(work, label)
  fs.mkdirSync(dir)
  var dependencies = { express: require('express/package.json').version }
  Object.keys(deps).forEach(function (dep) { dependencies[dep] = 'file:' + deps[dep] })
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app-' + label, private: true, dependencies: dependencies }))
  fs.writeFileSync(path.join(dir, 'server.js'), [
    "var express = require('express')",
    "var session = require('express-session-rs')",
    'var app = express()',
    "app.use(session({ secret: 's', resave: false, saveUninitialized: false }))",
    "app.get('/', function (req, res) { req.session.n = (req.session.n || 0) + 1; res.end(String(req.session.n)) })",
    "var server = app.listen(0, '127.0.0.1', async function () {",
    "  var url = 'http://127.0.0.1:' + server.address().port + '/'",
    '  var first = await fetch(url)',
    "  var cookie = first.headers.get('set-cookie').split(';')[0]",
    '  var second = await fetch(url, { headers: { cookie: cookie } })',
    "  console.log(await first.text() + ' ' + await second.text())",
    '  server.close()',
    '})'
  ].join('\n'))
  return dir
}

function install (dir, env) {
  return childProcess.spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: dir, encoding: 'utf8', env: Object.assign({}, process.env, env)
  })
}

function serve (dir) {
  return childProcess.execFileSync(process.execPath, ['server.js'], { cwd: dir, encoding: 'utf8' }).trim()
}

test('the packed package carries the sources to build from, and no binary', function () {
  var list = childProcess.execFileSync('tar', ['-tzf', mainTarball], { encoding: 'utf8' }).split('\n')
  assert.ok(list.indexOf('package/scripts/install.js') !== -1)
  assert.ok(list.indexOf('package/src/lib.rs') !== -1)
  assert.ok(list.indexOf('package/Cargo.lock') !== -1)
  assert.deepStrictEqual(list.filter(function (f) { return /\.node$/.test(f) }), [])
})

test('an app installs with the prebuilt binary of its platform and no Rust toolchain, and serves sessions', function () {
  var dir = app('prebuilt', { 'express-session-rs': mainTarball, ['express-session-rs-' + name]: platformTarball })
  var r = install(dir, { PATH: noRust })
  assert.strictEqual(r.status, 0, r.stderr)
  var pkg = path.join(dir, 'node_modules', 'express-session-rs')
  assert.deepStrictEqual(fs.readdirSync(pkg).filter(function (f) { return /\.node$|^target$/.test(f) }), [], 'nothing was built')
  assert.strictEqual(serve(dir), '1 2')
})

test('without a prebuilt binary and without cargo, the install fails naming the platform and what to do', function () {
  var dir = app('none', { 'express-session-rs': mainTarball })
  var r = install(dir, { PATH: noRust })
  assert.notStrictEqual(r.status, 0)
  assert.match(r.stderr, new RegExp('express-session-rs: no prebuilt binary for ' + name + ' \\(Node\\.js ' + process.version.replace(/\./g, '\\.') +
    '\\) is installed, and there is no Rust toolchain \\(cargo\\) to build one from source\\.'))
  assert.match(r.stderr, /Prebuilt binaries exist for: linux-x64-gnu, linux-x64-musl, linux-arm64-gnu, linux-arm64-musl, darwin-x64, darwin-arm64/)
  assert.match(r.stderr, /install Rust \(https:\/\/rustup\.rs\) and run `npm rebuild express-session-rs`/)
})

test('without a prebuilt binary, the install builds from source with cargo (no @napi-rs/cli) and serves sessions', function () {
  var dir = app('source', { 'express-session-rs': mainTarball })
  // (a target folder kept between runs, outside the app, keeps this short)
  var r = install(dir, { CARGO_TARGET_DIR: path.join(root, 'target', 'install-test') })
  assert.strictEqual(r.status, 0, r.stderr)
  var pkg = path.join(dir, 'node_modules', 'express-session-rs')
  assert.deepStrictEqual(fs.readdirSync(pkg).filter(function (f) { return /\.node$|^target$/.test(f) }), ['express-session-rs.' + name + '.node'])
  assert.ok(!fs.existsSync(path.join(dir, 'node_modules', '@napi-rs')), 'no napi CLI in the app')
  assert.strictEqual(serve(dir), '1 2')
})

// the version of a devDependency installed here (from npm's cache, not the network)
function versionOf (dep) {
  return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', dep, 'package.json'), 'utf8')).version
}

// the peer ranges that session stores declare for express-session (their
// package.json, latest releases): our version must satisfy each, so that an
// alias install (`"express-session": "npm:express-session-rs@…"`) resolves
var PEER_RANGES = {
  'connect-redis': '>=1',
  'connect-mongo': '^1.17.1',
  'connect-sqlite3': '^1.0.0',
  'connect-pg-simple': '*', // (declares no peer dependency)
  memorystore: '*' // (declares no peer dependency)
}

test('our version satisfies the express-session peer range of every common store, as express-session 1.19.0 does', function () {
  var semver = require('semver')
  var version = require('../package.json').version
  assert.ok(semver.prerelease(version) === null, 'a prerelease satisfies no range: ' + version)
  Object.keys(PEER_RANGES).forEach(function (store) {
    assert.ok(semver.satisfies(version, PEER_RANGES[store]), store + ' ' + PEER_RANGES[store] + ' vs ' + version)
  })
  assert.strictEqual(semver.major(version) + '.' + semver.minor(version), '1.19', 'the express-session API it mirrors')
  // the prebuilt packages carry the same version
  require('../package.json').napi.targets.map(platform.fromTriple).forEach(function (p) {
    assert.strictEqual(require('../npm/' + p + '/package.json').version, version, p)
  })
})

test('installed as "express-session" (alias) next to connect-redis and memorystore: no peer conflict, no real express-session, and a login flow over redis-server', { skip: !redis.available() && 'redis-server is not installed (.ci/run installs it)' }, async function () {
  var dir = path.join(work, 'alias')
  fs.mkdirSync(dir)
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'app-alias',
    private: true,
    dependencies: {
      express: require('express/package.json').version,
      'express-session': 'file:' + mainTarball,
      ['express-session-rs-' + name]: 'file:' + platformTarball,
      'connect-redis': versionOf('connect-redis'),
      redis: versionOf('redis'),
      memorystore: versionOf('memorystore')
    }
  }))
  fs.writeFileSync(path.join(dir, 'server.js'), fs.readFileSync(path.join(__dirname, 'support', 'alias-app.js')))
  var r = install(dir, { PATH: noRust })
  assert.strictEqual(r.status, 0, r.stderr)
  assert.doesNotMatch(r.stderr, /ERESOLVE|peer/i)
  var installed = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'express-session', 'package.json'), 'utf8'))
  assert.strictEqual(installed.name, 'express-session-rs')
  // npm brought in no second express-session for the stores' peer dependency
  var found = childProcess.execFileSync('find', [path.join(dir, 'node_modules'), '-path', '*/express-session/package.json'], { encoding: 'utf8' }).trim().split('\n')
  assert.deepStrictEqual(found, [path.join(dir, 'node_modules', 'express-session', 'package.json')])

  var server = await redis.start()
  try {
    var out = childProcess.execFileSync(process.execPath, ['server.js', 'redis://127.0.0.1:' + server.port], { cwd: dir, encoding: 'utf8' })
    assert.deepStrictEqual(JSON.parse(out), {
      ours: true,
      storesAreOurs: [true, true],
      flow: ['anonymous', '303 /me', 'alice', 'alice 1', 'alice 2', 'bye', 'anonymous'],
      redisKeys: [1, 1, 0]
    })
  } finally {
    server.stop()
  }
})
