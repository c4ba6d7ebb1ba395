// `npm run build:all`: the prebuilt binaries of package.json's napi.targets, each
// into its npm package folder (npm/<platform>/express-session-rs.<platform>.node,
// the layout of `napi create-npm-dirs`), cross-compiled with cargo-zigbuild and
// zig (from PyPI: `pip install ziglang`). glibc targets link against glibc 2.17,
// so that the binaries load on any distribution of the last decade; macOS
// targets link against zig's libSystem stubs (no SDK needed, Node-API symbols
// resolved by the loading node binary, as napi-rs's build flags set up).
// x86_64-pc-windows-msvc, whose C runtime and SDK only Microsoft distributes, is
// built with the x86_64-pc-windows-gnu toolchain instead: zig's MinGW links it
// against the Universal C Runtime, the one Node.js for Windows itself uses, so
// the DLL is published under the name Node.js for Windows loads (win32-x64-msvc).
// usage: node scripts/build-all.js [target...]

'use strict'

var childProcess = require('child_process')
var fs = require('fs')
var os = require('os')
var path = require('path')

var platform = require('../native/platform')

var root = path.join(__dirname, '..')
var GLIBC = '2.17'
// the targets built with another Rust target's toolchain (see above)
var BUILD_AS = { 'x86_64-pc-windows-msvc': 'x86_64-pc-windows-gnu' }

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

// The environment of a windows-gnu build, in `dir`. napi-build (napi's build
// script) links a windows-gnu cdylib with `-lnode` against a MinGW libnode.dll
// (MSYS2's Node.js), found through LIBNODE_PATH, and panics without one ("libnode.dll
// not found in any search path"); the addon imports nothing from it, though: napi's
// default `dyn-symbols` feature looks the Node-API functions up in the loading
// process at run time (as for MSVC). So: an empty libnode.dll for that check, an
// import library of node.exe with no symbols for `-lnode` (zig's linker wants
// libnode.a), and, since cargo-zigbuild drops rustc's list of exports (lld then
// exports every symbol), a module definition exporting only the entry point.
function windowsGnuEnv (env, dir) {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'libnode.dll'), '')
  fs.writeFileSync(path.join(dir, 'node.def'), 'LIBRARY node.exe\nEXPORTS\n')
  run('zig', ['dlltool', '-m', 'i386:x86-64', '-d', path.join(dir, 'node.def'), '-l', path.join(dir, 'libnode.a')], { env: env })
  fs.writeFileSync(path.join(dir, 'exports.def'), 'EXPORTS\n    napi_register_module_v1\n')
  return { LIBNODE_PATH: dir, RUSTFLAGS: '-C link-arg=-Wl,' + path.join(dir, 'exports.def') }
}

// the file cargo makes of the cdylib for `triple`
function cdylib (triple) {
  if (/-apple-/.test(triple)) return 'libexpress_session_rs.dylib'
  if (/-windows-/.test(triple)) return 'express_session_rs.dll'
  return 'libexpress_session_rs.so'
}

function main () {
  var targets = process.argv.slice(2)
  if (targets.length === 0) targets = require('../package.json').napi.targets
  var env = zigEnv()
  // (`cargo zigbuild --version` is refused by cargo-zigbuild 0.24: ask the binary itself)
  if (!works('cargo-zigbuild', ['--version'])) run('cargo', ['install', 'cargo-zigbuild', '--locked'])
  var targetDir = path.join(root, 'target', 'cross')
  targets.forEach(function (triple) {
    var build = BUILD_AS[triple] || triple
    run('rustup', ['target', 'add', build])
    var zigTarget = /-linux-gnu$/.test(build) ? build + '.' + GLIBC : build
    // (a musl cdylib links the C library dynamically, as Node.js itself does there)
    var flags = /-musl$/.test(build) ? { RUSTFLAGS: '-C target-feature=-crt-static' } : {}
    // (in a folder of its own that stays, as the RUSTFLAGS naming it must, for
    // cargo to reuse the build)
    if (/-windows-gnu$/.test(build)) flags = windowsGnuEnv(env, path.join(targetDir, build + '-link'))
    run('cargo', ['zigbuild', '--release', '--locked', '--lib', '--target', zigTarget],
      { env: Object.assign({}, env, flags, { CARGO_TARGET_DIR: targetDir }) })
    var name = platform.fromTriple(triple)
    var built = path.join(targetDir, build, 'release', cdylib(build))
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
