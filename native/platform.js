/*!
 * express-session-rs: where the native binary for this process comes from
 */

'use strict'

var path = require('path')

/**
 * This process's platform as napi-rs names it: `linux-x64-gnu`, `linux-arm64-musl`,
 * `darwin-arm64`, `win32-x64-msvc`, ...
 *
 * @return {string}
 * @private
 */
exports.name = function name () {
  var platform = process.platform + '-' + process.arch
  if (process.platform === 'linux') return platform + (isMusl() ? '-musl' : '-gnu')
  if (process.platform === 'win32') return platform + '-msvc'
  return platform
}

// glibc reports its version in the process report; musl does not
function isMusl () {
  try {
    var report = process.report && process.report.getReport()
    var header = report && (typeof report === 'string' ? JSON.parse(report) : report).header
    return !(header && header.glibcVersionRuntime)
  } catch (err) {
    return false
  }
}

/**
 * The binary built from source in the package folder for `platform`.
 *
 * @private
 */
exports.localBinary = function localBinary (platform) {
  return path.join(__dirname, '..', 'express-session-rs.' + platform + '.node')
}

/**
 * The package of the prebuilt binary for `platform` (an optional dependency).
 *
 * @private
 */
exports.packageName = function packageName (platform) {
  return 'express-session-rs-' + platform
}

/**
 * The platform napi-rs names after a Rust target triple:
 * x86_64-unknown-linux-gnu -> linux-x64-gnu, aarch64-apple-darwin -> darwin-arm64.
 *
 * @param {string} triple
 * @return {string}
 * @private
 */
exports.fromTriple = function fromTriple (triple) {
  var parts = triple.split('-')
  var arch = { x86_64: 'x64', aarch64: 'arm64' }[parts[0]] || parts[0]
  var system = { darwin: 'darwin', linux: 'linux', windows: 'win32' }[parts[2]] || parts[2]
  return [system, arch].concat(parts[3] ? [parts[3]] : []).join('-')
}
