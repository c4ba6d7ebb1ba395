// What an install runs and resolves, checked without installing (the installs
// themselves, with each package manager, are test/install.check.js, run by .ci/run).

'use strict'

var assert = require('assert')
var fs = require('fs')
var path = require('path')
var test = require('node:test')
var platform = require('../native/platform')

var root = path.join(__dirname, '..')
var manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))

test('no script runs when an app installs the package (the prebuilt optional dependency is the install)', function () {
  // (npm 11 also warns about a dependency's `prepare`, which it does not run)
  ;['preinstall', 'install', 'postinstall', 'prepare'].forEach(function (s) {
    assert.strictEqual(manifest.scripts[s], undefined, s)
  })
  // npm would add an install script running node-gyp for a binding.gyp
  assert.ok(!fs.existsSync(path.join(root, 'binding.gyp')))
  // in a checkout, `npm start`, `npm test` and `npm run bench` build the addon first
  ;['prestart', 'pretest', 'prebench'].forEach(function (s) {
    assert.strictEqual(manifest.scripts[s], 'node scripts/build.js', s)
  })
  assert.strictEqual(manifest.bin['express-session-rs-build'], 'scripts/build.js')
  assert.ok(manifest.files.indexOf('scripts/build.js') !== -1)
  assert.match(fs.readFileSync(path.join(root, 'scripts', 'build.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/)
  // the lockfile agrees
  var lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')).packages['']
  assert.strictEqual(lock.hasInstallScript, undefined)
  assert.deepStrictEqual(lock.engines, manifest.engines)
  assert.deepStrictEqual(lock.bin, manifest.bin)
})

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
  var version = manifest.version
  assert.ok(semver.prerelease(version) === null, 'a prerelease satisfies no range: ' + version)
  Object.keys(PEER_RANGES).forEach(function (store) {
    assert.ok(semver.satisfies(version, PEER_RANGES[store]), store + ' ' + PEER_RANGES[store] + ' vs ' + version)
  })
  assert.strictEqual(semver.major(version) + '.' + semver.minor(version), '1.19', 'the express-session API it mirrors')
  // the prebuilt packages carry the same version
  manifest.napi.targets.map(platform.fromTriple).forEach(function (p) {
    assert.strictEqual(require('../npm/' + p + '/package.json').version, version, p)
  })
})
