// `npm run build:all`: the prebuilt binaries of package.json's napi.targets, each
// into its npm package folder (npm/<platform>/express-session-rs.<platform>.node,
// the layout of `napi create-npm-dirs`), cross-compiled with cargo-zigbuild and
// zig (from PyPI: `pip install ziglang`). glibc targets link against glibc 2.17,
// so that the binaries load on any distribution of the last decade; macOS
// targets link against zig's libSystem stubs (no SDK needed, Node-API symbols
// resolved by the loading node binary, as napi-rs's build flags set up).
// usage: node scripts/build-all.js [target...]

'use strict'

var childProcess = require('child_process')
var fs = require('fs')
var os = require('os')
var path = require('path')

var platform = require('../native/platform')

var root = path.join(__dirname, '..')
var GLIBC = '2.17'

function run (cmd, args, options) {
  console.error('$ ' + [cmd].concat(args).join(' '))
  var r = childProcess.spawnSync(cmd, args, Object.assign({ stdio: 'inherit', cwd: root }, options))
  if (r.status !== 0) throw new Error(cmd + ' ' + args.join(' ') + ' failed (exit ' + r.status + ')')
}

function works (cmd, args, env) {
  return childProcess.spawnSync(cmd, args, { stdio: 'ignore', env: env || process.env }).status === 0
}

// a PATH with `zig` on it: the system's, or PyPI's ziglang through a wrapper
function zigEnv () {
  if (works('zig', ['version'])) return process.env
  if (!works('python3', ['-m', 'ziglang', 'version'])) {
    throw new Error('zig is needed: install it, or `pip install ziglang`')
  }
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-zig-'))
  fs.writeFileSync(path.join(dir, 'zig'), '#!/bin/sh\nexec python3 -m ziglang "$@"\n', { mode: 0o755 })
  return Object.assign({}, process.env, { PATH: dir + path.delimiter + process.env.PATH })
}

function main () {
  var targets = process.argv.slice(2)
  if (targets.length === 0) targets = require('../package.json').napi.targets
  var env = zigEnv()
  if (!works('cargo', ['zigbuild', '--version'])) run('cargo', ['install', 'cargo-zigbuild', '--locked'])
  var targetDir = path.join(root, 'target', 'cross')
  targets.forEach(function (triple) {
    run('rustup', ['target', 'add', triple])
    var zigTarget = /-gnu$/.test(triple) ? triple + '.' + GLIBC : triple
    // (a musl cdylib links the C library dynamically, as Node.js itself does there)
    var flags = /-musl$/.test(triple) ? { RUSTFLAGS: '-C target-feature=-crt-static' } : {}
    run('cargo', ['zigbuild', '--release', '--locked', '--lib', '--target', zigTarget],
      { env: Object.assign({}, env, flags, { CARGO_TARGET_DIR: targetDir }) })
    var name = platform.fromTriple(triple)
    var built = path.join(targetDir, triple, 'release', /-apple-/.test(triple) ? 'libexpress_session_rs.dylib' : 'libexpress_session_rs.so')
    var dest = path.join(root, 'npm', name, 'express-session-rs.' + name + '.node')
    fs.copyFileSync(built, dest)
    console.error('-> ' + path.relative(root, dest))
  })
}

try {
  main()
} catch (err) {
  console.error(err.message)
  process.exit(1)
}
