'use strict'

// index.d.ts types every export and option: a small typed app compiles under
// `tsc --noEmit --strict`, and a misuse does not.

var assert = require('assert')
var childProcess = require('child_process')
var fs = require('fs')
var os = require('os')
var path = require('path')
var test = require('node:test')

var tsc = path.join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc')
var project = path.join(__dirname, 'types')

function compile (dir) {
  return childProcess.spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' })
}

test('the typed example app compiles with --strict', function () {
  var res = compile(project)
  assert.strictEqual(res.status, 0, res.stdout + res.stderr)
})

test('type errors are reported (the check can fail)', function () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-types-'))
  try {
    fs.writeFileSync(path.join(dir, 'bad.ts'), [
      "import session = require('express-session-rs')",
      "session({ secret: 's', unset: 'sometimes' })",
      'new session.MemoryStore().get(42, () => {})'
    ].join('\n'))
    var config = JSON.parse(fs.readFileSync(path.join(project, 'tsconfig.json'), 'utf8'))
    config.files = ['bad.ts']
    config.compilerOptions.paths['express-session-rs'] = [path.join(__dirname, '..', 'index.d.ts')]
    config.compilerOptions.typeRoots = [path.join(__dirname, '..', 'node_modules', '@types')]
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config))
    var res = compile(dir)
    assert.notStrictEqual(res.status, 0)
    assert.match(res.stdout, /"sometimes"/)
    assert.match(res.stdout, /number/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
