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
var platform = require('../lib/platform')

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
  assert.match(r.stderr, /Prebuilt binaries exist for: linux-x64-gnu, linux-x64-musl, linux-arm64-gnu, linux-arm64-musl/)
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
