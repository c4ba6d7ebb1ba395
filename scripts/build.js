#!/usr/bin/env node
// Builds the native addon from source with cargo, into
// express-session-rs.<platform>.node in the package folder, where the loader
// (native/index.js) looks first. Needs a Rust toolchain (cargo, stable) and
// nothing else (SQLite is compiled in; no @napi-rs/cli).
//
// Run in a checkout before `npm start`, `npm test` and `npm run bench` (seconds
// when the addon is up to date), and by users on a platform without a prebuilt
// binary: `npx express-session-rs-build` in their app. (Not an install script:
// an app's install runs none, see docs/packaging.md.)
//
// The cargo target folder is `target/` in a git checkout, CARGO_TARGET_DIR when
// set, and otherwise a temporary folder removed afterwards.

'use strict'

var childProcess = require('child_process')
var fs = require('fs')
var os = require('os')
var path = require('path')
var platform = require('../native/platform')

var root = path.join(__dirname, '..')

/**
 * The file cargo writes for the crate's cdylib on this operating system.
 *
 * @private
 */
function cdylib () {
  return { darwin: 'libexpress_session_rs.dylib', win32: 'express_session_rs.dll' }[process.platform] ||
    'libexpress_session_rs.so'
}

/**
 * Whether `file` loads as an addon, in a child process (a binary that does not
 * fit this machine could crash this one).
 *
 * @private
 */
function loads (file) {
  var r = childProcess.spawnSync(process.execPath, ['-e', 'require(process.argv[1])', file], { encoding: 'utf8' })
  return r.status === 0 ? null : (r.stderr || 'exit ' + r.status).trim().split('\n').slice(0, 3).join('\n')
}

function fail (message) {
  console.error('express-session-rs: ' + message)
  process.exit(1)
}

function main () {
  var name = platform.name()
  var out = platform.localBinary(name)
  if (childProcess.spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status !== 0) {
    fail('building from source needs a Rust toolchain: install it from https://rustup.rs (cargo, stable), then run this again.')
  }
  try {
    fs.accessSync(root, fs.constants.W_OK)
    fs.accessSync(path.join(root, 'Cargo.toml'), fs.constants.R_OK)
  } catch (err) {
    fail('cannot build in ' + root + ' (' + err.code + '). With Yarn Plug\'n\'Play, run `yarn unplug express-session-rs` first.')
  }

  var checkout = fs.existsSync(path.join(root, '.git'))
  var temporary = !process.env.CARGO_TARGET_DIR && !checkout
  var targetDir = process.env.CARGO_TARGET_DIR ||
    (checkout ? path.join(root, 'target') : fs.mkdtempSync(path.join(os.tmpdir(), 'express-session-rs-build-')))
  var fresh = !fs.existsSync(path.join(targetDir, 'release', cdylib()))
  console.error('express-session-rs: building the native addon for ' + name + ' from source with cargo' +
    (fresh ? ' (a minute or more; later builds in ' + targetDir + ' take seconds)' : '') + '...')
  var started = Date.now()
  var r = childProcess.spawnSync('cargo', ['build', '--release', '--locked', '--lib'], {
    cwd: root,
    stdio: 'inherit',
    env: Object.assign({}, process.env, { CARGO_TARGET_DIR: targetDir })
  })
  if (r.status !== 0) fail('`cargo build` failed (' + (r.error ? r.error.message : 'exit ' + r.status) + '); see its output above.')
  // (copied beside it, then renamed over it: a process that has the old addon
  // loaded keeps its file, where a copy in place would crash it)
  fs.copyFileSync(path.join(targetDir, 'release', cdylib()), out + '.tmp')
  fs.renameSync(out + '.tmp', out)
  if (temporary) fs.rmSync(targetDir, { recursive: true, force: true })
  var error = loads(out)
  if (error) fail('the binary built for ' + name + ' does not load in Node.js ' + process.version + ':\n' + error)
  console.error('express-session-rs: built ' + path.relative(process.cwd(), out) + ' in ' +
    Math.round((Date.now() - started) / 1000) + ' s')
}

main()
