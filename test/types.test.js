// index.d.ts types every export and option: typed fixture apps (Express 4 and 5,
// with and without @types/express-session, installed as express-session with
// connect-redis and connect-pg-simple) compile under `tsc --strict`.

'use strict'

var assert = require('assert')
var childProcess = require('child_process')
var fs = require('fs')
var os = require('os')
var path = require('path')
var test = require('node:test')

var tsc = path.join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc')
var fixtures = path.join(__dirname, 'types')

function compile (dir) {
  return childProcess.spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' })
}

// Each fixture app holds `// @ts-expect-error` lines too: the compile fails if one
// of those misuses is not an error.
;[
  ['express5', 'an Express 5 app (@types/express 5), every option, promises'],
  ['express4', 'an Express 4 app (@types/express 4), SessionData augmentation'],
  ['with-types-express-session', 'an app that keeps @types/express-session, typed through it'],
  ['skip-lib-check', 'an app that keeps @types/express-session with skipLibCheck, importing ours first'],
  // installed as express-session ("express-session": "npm:express-session-rs@..."):
  // 'express-session' resolves to our index.d.ts (tsconfig paths)
  ['alias-install', 'an app written against @types/express-session, typed by ours as express-session'],
  ['connect-redis', "connect-redis 9's declarations and source, and its test's patterns, against ours as express-session"],
  ['connect-pg-simple', '@types/connect-pg-simple and a PGStore app, against ours as express-session'],
  ['both-ways', 'our shapes and @types/express-session\'s, assigned to each other']
].forEach(function (f) {
  test(f[1] + ' compiles with --strict', function () {
    var res = compile(path.join(fixtures, f[0]))
    assert.strictEqual(res.status, 0, res.stdout + res.stderr)
  })
})

test('with @types/express-session also in the program, the two req.session declarations clash (why the README recipe exists)', function () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-types-'))
  try {
    fs.writeFileSync(path.join(dir, 'both.ts'), "import session = require('express-session-rs')\nsession({ secret: 's' })\n")
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node', 'express-session'],
        typeRoots: [path.join(__dirname, '..', 'node_modules', '@types')],
        baseUrl: '.',
        paths: { 'express-session-rs': [path.join(__dirname, '..', 'index.d.ts')] }
      },
      files: ['both.ts']
    }))
    var res = compile(dir)
    assert.notStrictEqual(res.status, 0)
    assert.match(res.stdout, /TS2717/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('type errors are reported (the check can fail)', function () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-types-'))
  try {
    fs.writeFileSync(path.join(dir, 'bad.ts'), [
      "import session = require('express-session-rs')",
      "session({ secret: 's', unset: 'sometimes' })",
      'new session.MemoryStore().get(42, () => {})'
    ].join('\n'))
    var config = JSON.parse(fs.readFileSync(path.join(fixtures, 'express5', 'tsconfig.json'), 'utf8'))
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

test('the alias-install app is plain @types/express-session code: it compiles against those types too', function () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-types-'))
  try {
    var config = JSON.parse(fs.readFileSync(path.join(fixtures, 'alias-install', 'tsconfig.json'), 'utf8'))
    config.files = [path.join(fixtures, 'alias-install', 'app.ts')]
    config.compilerOptions.paths = { 'express-session': [path.join(__dirname, '..', 'node_modules', '@types', 'express-session', 'index.d.ts')] }
    config.compilerOptions.typeRoots = [path.join(__dirname, '..', 'node_modules', '@types')]
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config))
    var res = compile(dir)
    assert.strictEqual(res.status, 0, res.stdout + res.stderr)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('type errors are reported through the express-session alias too (the check can fail)', function () {
  var dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-types-'))
  try {
    fs.writeFileSync(path.join(dir, 'bad.ts'), [
      "import { type SessionData } from 'express-session'",
      "import { RedisStore } from 'connect-redis'",
      'const s: SessionData = { cookie: { maxAge: 1000 } }',
      "new RedisStore({ client: null, ttl: '1d' }).set('sid', s)"
    ].join('\n'))
    var config = JSON.parse(fs.readFileSync(path.join(fixtures, 'connect-redis', 'tsconfig.json'), 'utf8'))
    config.files = ['bad.ts']
    config.compilerOptions.paths = {
      'express-session': [path.join(__dirname, '..', 'index.d.ts')],
      'connect-redis': [path.join(__dirname, '..', 'node_modules', 'connect-redis', 'dist', 'connect-redis.d.ts')]
    }
    config.compilerOptions.typeRoots = [path.join(__dirname, '..', 'node_modules', '@types')]
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config))
    var res = compile(dir)
    assert.notStrictEqual(res.status, 0)
    assert.match(res.stdout, /bad\.ts\(3,.*originalMaxAge/)
    assert.match(res.stdout, /bad\.ts\(4,.*'string' is not assignable/)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
