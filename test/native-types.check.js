// native/napi.d.ts is what napi-rs generates from the #[napi] items of src/node
// today: `npm run build` (package.json's command, with its own output folder)
// gives the checked-in file byte for byte. Run by .ci/run (it builds a release
// addon with @napi-rs/cli: not part of `npm test`).

'use strict'

var assert = require('assert')
var childProcess = require('child_process')
var fs = require('fs')
var os = require('os')
var path = require('path')
var test = require('node:test')

var root = path.join(__dirname, '..')

test('native/napi.d.ts is what `npm run build` generates', function () {
  var out = fs.mkdtempSync(path.join(os.tmpdir(), 'esrs-types-'))
  try {
    var build = require('../package.json').scripts.build
    assert.match(build, /--dts native\/napi\.d\.ts/)
    var r = childProcess.spawnSync(build.replace(/^napi /, 'npx napi ') + ' --output-dir ' + JSON.stringify(out), {
      cwd: root, shell: true, encoding: 'utf8'
    })
    assert.strictEqual(r.status, 0, r.stderr)
    var generated = fs.readFileSync(path.join(out, 'native', 'napi.d.ts'), 'utf8')
    var committed = fs.readFileSync(path.join(root, 'native', 'napi.d.ts'), 'utf8')
    assert.strictEqual(committed, generated, 'native/napi.d.ts is out of date: run npm run build and commit it')
    // and it names every #[napi] export of the addon (the raw ones are in native/index.d.ts)
    var addon = require('../native')
    var declared = generated.match(/export declare (?:function|class) (\w+)/g).map(function (d) { return d.split(' ').pop() })
    declared.forEach(function (name) { assert.strictEqual(typeof addon[name], 'function', name) })
    assert.deepStrictEqual(Object.keys(addon).filter(function (k) { return declared.indexOf(k) === -1 }), ['generateId'])
  } finally {
    fs.rmSync(out, { recursive: true, force: true })
  }
})
