// npm's install script for express-session-rs. In order:
//   1. the prebuilt binary for this platform (the optional dependency
//      express-session-rs-<platform>, see native/platform.js) loads: nothing to do;
//   2. cargo is on PATH: build the addon from source with it (needs no
//      @napi-rs/cli) into express-session-rs.<platform>.node;
//   3. otherwise fail, naming the platform and what to do.
// ESRS_BUILD_FROM_SOURCE=1 skips step 1.

'use strict'

var childProcess = require('child_process')
var fs = require('fs')
var os = require('os')
var path = require('path')
var platform = require('../native/platform')

var root = path.join(__dirname, '..')
var name = platform.name()

// the platforms of package.json's napi.targets (those with prebuilt binaries)
function prebuiltPlatforms () {
  return (require('../package.json').napi.targets || []).map(platform.fromTriple)
}

// whether `file` loads as this platform's addon (in a child process: a binary
// that does not fit could crash this one)
function loads (file) {
  return childProcess.spawnSync(process.execPath, ['-e', 'require(process.argv[1])', file], { stdio: 'ignore' }).status === 0
}

function prebuilt () {
  try {
    return require.resolve(platform.packageName(name), { paths: [root] })
  } catch (err) {
    return null
  }
}

function hasCargo () {
  return childProcess.spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status === 0
}

// builds the addon with cargo; in a temporary target folder (removed after)
// unless this is a git checkout or CARGO_TARGET_DIR is set
function buildFromSource () {
  var checkout = fs.existsSync(path.join(root, '.git'))
  var targetDir = process.env.CARGO_TARGET_DIR ||
    (checkout ? path.join(root, 'target') : fs.mkdtempSync(path.join(os.tmpdir(), 'express-session-rs-build-')))
  console.error('express-session-rs: building the native addon for ' + name + ' from source with cargo...')
  var r = childProcess.spawnSync('cargo', ['build', '--release', '--locked', '--lib'], {
    cwd: root,
    stdio: 'inherit',
    env: Object.assign({}, process.env, { CARGO_TARGET_DIR: targetDir })
  })
  if (r.status !== 0) {
    throw new Error('express-session-rs: `cargo build` failed (exit ' + r.status + ') for ' + name + '; see its output above')
  }
  var built = { darwin: 'libexpress_session_rs.dylib', win32: 'express_session_rs.dll' }[process.platform] || 'libexpress_session_rs.so'
  fs.copyFileSync(path.join(targetDir, 'release', built), platform.localBinary(name))
  if (!checkout && !process.env.CARGO_TARGET_DIR) fs.rmSync(targetDir, { recursive: true, force: true })
}

function main () {
  var forced = process.env.ESRS_BUILD_FROM_SOURCE === '1'
  var pkg = prebuilt()
  if (!forced && pkg && loads(pkg)) return
  if (!forced && fs.existsSync(platform.localBinary(name)) && loads(platform.localBinary(name))) return
  if (hasCargo()) {
    buildFromSource()
    if (!loads(platform.localBinary(name))) {
      throw new Error('express-session-rs: the binary built for ' + name + ' does not load in Node.js ' + process.version)
    }
    return
  }
  throw new Error('express-session-rs: no prebuilt binary for ' + name + ' (Node.js ' + process.version + ')' +
    (pkg ? ' loads' : ' is installed') + ', and there is no Rust toolchain (cargo) to build one from source.\n' +
    '  Prebuilt binaries exist for: ' + prebuiltPlatforms().join(', ') + '; npm installs the one for\n' +
    '  your platform as an optional dependency (so do not install with --omit=optional).\n' +
    '  Elsewhere, install Rust (https://rustup.rs) and run `npm rebuild express-session-rs`.')
}

try {
  main()
} catch (err) {
  console.error(err.message)
  process.exit(1)
}
