// Installing the package into an app the way users do (run by .ci/run, not by
// `npm test`: it installs package managers and apps from the registry, and builds
// the addon from source once). The tarballs are `npm run pack`'s, installed with
// the command it prints:
//   - with npm 10, npm 11, pnpm 10, yarn 4 (node-modules linker and Plug'n'Play)
//     and bun, each in its own app, with no Rust toolchain on PATH: nothing is
//     built, no install script runs or is warned about, and the app serves
//     sessions;
//   - the package alone (no binary): require() fails naming the platform and what
//     to do, and `npx express-session-rs-build` builds it from source;
//   - installed as "express-session" next to connect-redis and memorystore.

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

// the package managers, installed once (kept in target/pm between runs)
var PM_VERSIONS = { npm10: 'npm@10', npm11: 'npm@11', pnpm: 'pnpm@10', yarn: '@yarnpkg/cli-dist@4', bun: 'bun@1' }
var pmDir = path.join(root, 'target', 'pm')
var PM = {
  npm10: [process.execPath, path.join(pmDir, 'node_modules', 'npm10', 'bin', 'npm-cli.js')],
  npm11: [process.execPath, path.join(pmDir, 'node_modules', 'npm11', 'bin', 'npm-cli.js')],
  pnpm: [process.execPath, path.join(pmDir, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs')],
  yarn: [process.execPath, path.join(pmDir, 'node_modules', 'yarn', 'bin', 'yarn.js')],
  bun: [path.join(pmDir, 'node_modules', 'bun', 'bin', 'bun.exe')]
}

// PATH without the folders that hold cargo or rustc
var noRust = process.env.PATH.split(path.delimiter).filter(function (dir) {
  return !fs.existsSync(path.join(dir, 'cargo')) && !fs.existsSync(path.join(dir, 'rustc'))
}).join(path.delimiter)

function run (cmd, args, cwd, env) {
  var r = childProcess.spawnSync(cmd, args, {
    cwd: cwd,
    encoding: 'utf8',
    env: Object.assign({}, process.env, { PATH: noRust, YARN_ENABLE_TELEMETRY: '0', YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' }, env)
  })
  r.output = r.stdout + r.stderr
  return r
}

test.before(function () {
  if (!fs.existsSync(PM.yarn[1])) {
    fs.mkdirSync(pmDir, { recursive: true })
    var specs = Object.keys(PM_VERSIONS).map(function (k) {
      return (k === 'yarn' ? 'yarn' : k) + '@npm:' + PM_VERSIONS[k]
    })
    childProcess.execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', pmDir].concat(specs), { stdio: 'inherit' })
  }
})

// `npm run pack`, and the two tarballs of the install line it prints
var packed = (function () {
  var out = childProcess.execFileSync('npm', ['run', '--silent', 'pack'], { cwd: root, encoding: 'utf8' })
  var line = out.split('\n').find(function (l) { return /^ {2}npm install \//.test(l) })
  var tarballs = line.trim().split(' ').slice(2)
  assert.strictEqual(tarballs.length, 2, out)
  return { out: out, main: tarballs[0], binary: tarballs[1] }
})()

var SERVER = [
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
].join('\n')

// an app folder named `label` depending on express only
function app (label, files) {
  var dir = path.join(work, label)
  fs.mkdirSync(dir)
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'app-' + label,
    private: true,
    dependencies: { express: require('express/package.json').version }
  }))
  fs.writeFileSync(path.join(dir, 'server.js'), SERVER)
  Object.keys(files || {}).forEach(function (f) { fs.writeFileSync(path.join(dir, f), files[f]) })
  return dir
}

test('npm run pack: the package carries the sources and the build script and no binary; the binary package its binary', function () {
  assert.match(packed.out, /In your app's folder, install them with:/)
  var list = childProcess.execFileSync('tar', ['-tzf', packed.main], { encoding: 'utf8' }).split('\n')
  ;['package/scripts/build.js', 'package/src/lib.rs', 'package/Cargo.lock', 'package/index.js', 'package/index.d.ts'].forEach(function (f) {
    assert.ok(list.indexOf(f) !== -1, f)
  })
  assert.deepStrictEqual(list.filter(function (f) { return /\.node$/.test(f) }), [])
  var binary = childProcess.execFileSync('tar', ['-tzf', packed.binary], { encoding: 'utf8' }).trim().split('\n').sort()
  assert.deepStrictEqual(binary, ['package/README.md', 'package/express-session-rs.' + name + '.node', 'package/package.json'])
})

// [label, package manager, install arguments, files, how to run node]
var MATRIX = [
  ['npm 10', 'npm10', ['install', '--no-audit', '--no-fund']],
  ['npm 11', 'npm11', ['install', '--no-audit', '--no-fund']],
  ['pnpm 10', 'pnpm', ['add']],
  ['yarn 4, node-modules linker', 'yarn', ['add'], { '.yarnrc.yml': 'nodeLinker: node-modules\n' }],
  ['yarn 4, Plug\'n\'Play', 'yarn', ['add'], { '.yarnrc.yml': 'nodeLinker: pnp\n' }, ['yarn', ['node', 'server.js']]],
  ['bun', 'bun', ['add']]
]

MATRIX.forEach(function (m) {
  test(m[0] + ': installs the two tarballs with no compiler, no install script and no warning about one, and serves sessions', function () {
    var dir = app(m[0].replace(/\W+/g, '-'), m[3])
    var r = run(PM[m[1]][0], PM[m[1]].slice(1).concat(m[2], [packed.main, packed.binary]), dir)
    assert.strictEqual(r.status, 0, r.output)
    assert.doesNotMatch(r.output, /install.?scripts|allowScripts|build scripts|postinstall|untrusted|lifecycle|blocked/i)
    var version = run(PM[m[1]][0], PM[m[1]].slice(1).concat(['--version']), dir).stdout.trim()
    assert.strictEqual(version.split('.')[0], PM_VERSIONS[m[1]].split('@').pop(), m[1] + ' ' + version)
    if (!m[3] || !/pnp/.test(m[3]['.yarnrc.yml'])) {
      var pkg = fs.realpathSync(path.join(dir, 'node_modules', 'express-session-rs'))
      assert.deepStrictEqual(fs.readdirSync(pkg).filter(function (f) { return /\.node$|^target$/.test(f) }), [], 'nothing was built')
    }
    var how = m[4] ? [PM[m[4][0]][0], PM[m[4][0]].slice(1).concat(m[4][1])] : [process.execPath, ['server.js']]
    var served = run(how[0], how[1], dir)
    assert.strictEqual(served.status, 0, served.output)
    assert.strictEqual(served.stdout.trim(), '1 2')
  })
})

test('the package without its binary: require() names the platform and what to do; `npx express-session-rs-build` builds it from source', function () {
  var dir = app('source')
  var r = run('npm', ['install', '--no-audit', '--no-fund', packed.main], dir)
  assert.strictEqual(r.status, 0, r.output)
  assert.doesNotMatch(r.output, /install.?scripts/i)

  var failed = run(process.execPath, ['server.js'], dir)
  assert.notStrictEqual(failed.status, 0)
  assert.match(failed.stderr, new RegExp('express-session-rs: no native binary for ' + name + ' \\(Node\\.js ' +
    process.version.replace(/\./g, '\\.') + '\\)\\.\\n  The prebuilt one is the package express-session-rs-' + name +
    ', an optional dependency'))
  assert.match(failed.stderr, /install Rust \(https:\/\/rustup\.rs\), then run `npx express-session-rs-build` in the app/)
  assert.match(failed.stderr, /code: 'ERR_ESRS_NO_BINARY'/)

  // without cargo: what to install
  var noCargo = run('npx', ['express-session-rs-build'], dir)
  assert.strictEqual(noCargo.status, 1)
  assert.match(noCargo.stderr, /^express-session-rs: building from source needs a Rust toolchain: install it from https:\/\/rustup\.rs/m)

  // with cargo (the checkout's target folder keeps the dependencies compiled)
  var built = run('npx', ['express-session-rs-build'], dir, { PATH: process.env.PATH, CARGO_TARGET_DIR: path.join(root, 'target', 'install-check') })
  assert.strictEqual(built.status, 0, built.output)
  assert.match(built.stderr, new RegExp('^express-session-rs: building the native addon for ' + name + ' from source with cargo', 'm'))
  assert.match(built.stderr, new RegExp('^express-session-rs: built node_modules/express-session-rs/express-session-rs\\.' + name + '\\.node in \\d+ s$', 'm'))
  assert.ok(!fs.existsSync(path.join(dir, 'node_modules', '@napi-rs')), 'no napi CLI in the app')
  var served = run(process.execPath, ['server.js'], dir)
  assert.strictEqual(served.stdout.trim(), '1 2', served.output)
})

test('npm install <path to this checkout>: a link to the checkout, whose build the app uses; nothing warned about', function () {
  var dir = app('link')
  var r = run('npm', ['install', '--no-audit', '--no-fund', root], dir)
  assert.strictEqual(r.status, 0, r.output)
  assert.doesNotMatch(r.output, /install.?scripts|warn/i)
  assert.strictEqual(fs.realpathSync(path.join(dir, 'node_modules', 'express-session-rs')), fs.realpathSync(root))
  var served = run(process.execPath, ['server.js'], dir)
  assert.strictEqual(served.stdout.trim(), '1 2', served.output)
})

// the version of a devDependency installed here (from npm's cache, not the network)
function versionOf (dep) {
  return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', dep, 'package.json'), 'utf8')).version
}

test('installed as "express-session" (alias) next to connect-redis and memorystore: no peer conflict, no real express-session, and a login flow over redis-server', { skip: !redis.available() && 'redis-server is not installed (.ci/run installs it)' }, async function () {
  var dir = path.join(work, 'alias')
  fs.mkdirSync(dir)
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'app-alias',
    private: true,
    dependencies: {
      express: require('express/package.json').version,
      'connect-redis': versionOf('connect-redis'),
      redis: versionOf('redis'),
      memorystore: versionOf('memorystore')
    }
  }))
  fs.writeFileSync(path.join(dir, 'server.js'), fs.readFileSync(path.join(__dirname, 'support', 'alias-app.js')))
  // the alias line that `npm run pack` prints
  var line = packed.out.split('\n').find(function (l) { return /^ {2}npm install express-session@file:/.test(l) })
  var r = run('npm', line.trim().split(' ').slice(1).concat(['--no-audit', '--no-fund']), dir)
  assert.strictEqual(r.status, 0, r.output)
  assert.doesNotMatch(r.output, /ERESOLVE|peer|install.?scripts/i)
  var manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
  var spec = manifest.dependencies['express-session']
  assert.match(spec, /^file:/)
  assert.strictEqual(path.resolve(dir, spec.slice(5)), packed.main)
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
