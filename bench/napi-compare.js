// The comparison addon: the crate built with its `napi-compare` feature (the hot
// native calls written with napi-rs's #[napi] as well, src/node/compare.rs) into
// target/napi-compare, for the native-call comparison of the micro suite. Cargo
// rebuilds it when a source changed (a release build: a minute or two the first
// time) and does nothing otherwise.

'use strict'

var childProcess = require('child_process')
var fs = require('fs')
var path = require('path')

var root = path.join(__dirname, '..')

/**
 * The comparison addon's exports, or a string saying why it is not available.
 *
 * @return {Object|String}
 */
module.exports = function load () {
  if (childProcess.spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status !== 0) {
    return 'no Rust toolchain (cargo) to build the #[napi] versions'
  }
  var dir = path.join(root, 'target', 'napi-compare')
  var built = childProcess.spawnSync('cargo', ['build', '--release', '--lib', '--features', 'napi-compare', '--target-dir', dir], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe']
  })
  if (built.status !== 0) {
    return 'cargo build --features napi-compare failed:\n' + built.stderr.split('\n').slice(-20).join('\n')
  }
  var lib = { darwin: 'libexpress_session_rs.dylib', win32: 'express_session_rs.dll' }[process.platform] ||
    'libexpress_session_rs.so'
  // (a .node copy: require() loads addons by that extension)
  var addon = path.join(dir, 'express-session-rs-compare.node')
  fs.copyFileSync(path.join(dir, 'release', lib), addon)
  return require(addon)
}
