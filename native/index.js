// The native addon: the raw bindings of src/node/mod.rs, typed by native/index.d.ts.
// Loaded, as napi-rs packages load theirs, from the first of:
//   1. `express-session-rs.<platform>.node` in the package folder (a build from
//      source: `npm install` or `npm run build` in a checkout, or
//      `npx express-session-rs-build` in an app);
//   2. the package `express-session-rs-<platform>` (the prebuilt binary that npm
//      installs, as an optional dependency, for this platform only);
// where <platform> is e.g. linux-x64-gnu or linux-arm64-musl (native/platform.js).

'use strict'

var platform = require('./platform')

module.exports = load(platform.name())

/**
 * Loads the addon for `name`, or throws an Error naming the platform and the ways
 * to get a binary for it.
 *
 * @private
 */
function load (name) {
  var failures = []
  var candidates = [platform.localBinary(name), platform.packageName(name)]
  for (var i = 0; i < candidates.length; i++) {
    try {
      return require(candidates[i])
    } catch (err) {
      // (a binary that is there but does not load is worth reporting)
      if (err.code !== 'MODULE_NOT_FOUND' || err.message.indexOf(candidates[i]) === -1) failures.push(err)
    }
  }
  var prebuilt = require('../package.json').napi.targets.map(platform.fromTriple)
  var err = new Error('express-session-rs: no native binary for ' + name + ' (Node.js ' + process.version + ').\n' +
    (prebuilt.indexOf(name) !== -1
      ? '  The prebuilt one is the package ' + platform.packageName(name) + ', an optional dependency that the ' +
        'package manager installs with express-session-rs: install again without --omit=optional (--no-optional, ' +
        '--ignore-optional), or add ' + platform.packageName(name) + ' to the app\'s dependencies.\n'
      : '  Prebuilt binaries exist for ' + prebuilt.join(', ') + '.\n') +
    '  To build it from source: install Rust (https://rustup.rs), then run `npx express-session-rs-build` in the app.' +
    failures.map(function (f) { return '\n  ' + String(f.message).split('\n')[0] }).join(''))
  err.code = 'ERR_ESRS_NO_BINARY'
  throw err
}
