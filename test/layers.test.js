// The direction of requires between folders (docs/internals.md), enforced by
// ESLint: lib/ requires nothing from session/, native/ or the package entry;
// native/ nothing from lib/ or session/; session/ not the package entry.

'use strict'

var assert = require('assert')
var path = require('path')
var test = require('node:test')
var ESLint = require('eslint').ESLint

var root = path.join(__dirname, '..')

// the rule ids ESLint reports for `source` as the file `file` of the package
async function problems (file, source) {
  var eslint = new ESLint({ cwd: root })
  var results = await eslint.lintText(source, { filePath: path.join(root, file) })
  return results[0].messages.map(function (m) { return m.ruleId + ': ' + m.message.split(' module is')[0] })
}

function requiring (spec) {
  return "'use strict'\n\nmodule.exports = require('" + spec + "')\n"
}

test('lint enforces the direction of requires between folders', async function () {
  var cases = [
    ['lib/probe.js', '../session/cookie', true],
    ['lib/probe.js', '../native', true],
    ['lib/probe.js', '../native/signature', true],
    ['lib/probe.js', '..', true],
    ['lib/options/probe.js', '../../session/store', true],
    ['lib/options/probe.js', '../../native/index', true],
    ['native/probe.js', '../lib/json', true],
    ['native/probe.js', '../session/cookie', true],
    ['session/probe.js', '..', true],
    // the allowed directions
    ['lib/probe.js', './json', false],
    ['lib/options/probe.js', '../json', false],
    ['native/probe.js', './platform', false],
    ['session/probe.js', '../lib/json', false],
    ['session/probe.js', '../native', false],
    ['probe.js', './lib/json', false]
  ]
  for (var c of cases) {
    var found = (await problems(c[0], requiring(c[1]))).filter(function (p) { return p.indexOf('n/no-restricted-require') === 0 })
    assert.strictEqual(found.length, c[2] ? 1 : 0, c[0] + ' requiring ' + c[1] + ': ' + JSON.stringify(found))
  }
})

test('the tree itself keeps the direction', async function () {
  var eslint = new ESLint({ cwd: root })
  var results = await eslint.lintFiles(['lib', 'native', 'session', 'index.js'])
  var restricted = []
  results.forEach(function (r) {
    r.messages.forEach(function (m) {
      if (m.ruleId === 'n/no-restricted-require') restricted.push(path.relative(root, r.filePath) + ': ' + m.message)
    })
  })
  assert.deepStrictEqual(restricted, [])
})
