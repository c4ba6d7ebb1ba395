// Every public function of express-session 1.19.0 exists here with the same name
// and the same Function#length: no private parameters in public signatures.

'use strict'

var assert = require('assert')
var test = require('node:test')
var original = require('express-session')
var ours = require('..')

// name -> { length, name } of the function-valued own properties of `obj`
// (enumerable or not; accessors as get/set)
function functions (obj) {
  var out = {}
  Object.getOwnPropertyNames(obj).forEach(function (key) {
    var d = Object.getOwnPropertyDescriptor(obj, key)
    ;['value', 'get', 'set'].forEach(function (kind) {
      if (typeof d[kind] === 'function' && key !== 'constructor') {
        out[kind === 'value' ? key : kind + ' ' + key] = { length: d[kind].length, name: d[kind].name }
      }
    })
  })
  return out
}

function assertSameSignatures (mine, theirs, what) {
  var expected = functions(theirs)
  var actual = functions(mine)
  Object.keys(expected).forEach(function (key) {
    assert.ok(key in actual, what + ' has ' + key)
    assert.deepStrictEqual(actual[key], expected[key], what + '.' + key)
  })
  return Object.keys(actual).filter(function (key) { return !(key in expected) })
}

test('the exports and their lengths equal express-session\'s', function () {
  assert.strictEqual(ours.length, original.length)
  assert.strictEqual(ours.name, original.name)
  ;['Store', 'Cookie', 'Session', 'MemoryStore'].forEach(function (name) {
    assert.strictEqual(typeof ours[name], 'function', name)
    assert.strictEqual(ours[name].length, original[name].length, name + '.length')
    assert.strictEqual(ours[name].name, original[name].name, name + '.name')
  })
})

test('Store, Session and Cookie methods have express-session\'s names and lengths', function () {
  assert.deepStrictEqual(assertSameSignatures(ours.Store.prototype, original.Store.prototype, 'Store.prototype'), [])
  assert.deepStrictEqual(assertSameSignatures(ours.Session.prototype, original.Session.prototype, 'Session.prototype'), [])
  assert.deepStrictEqual(assertSameSignatures(ours.Cookie.prototype, original.Cookie.prototype, 'Cookie.prototype'), [])
})

test('MemoryStore methods have express-session\'s names and lengths (plus documented extras)', function () {
  var extras = assertSameSignatures(ours.MemoryStore.prototype, original.MemoryStore.prototype, 'MemoryStore.prototype')
  assert.deepStrictEqual(extras.sort(),
    ['_expiry', 'destroyOwner', 'get sessions', 'ids', 'prune', 'sessionsOf', 'set sessions', 'startInterval', 'stats', 'stopInterval'])
  assert.strictEqual(ours.MemoryStore.prototype.ids.length, 1)
  assert.strictEqual(ours.MemoryStore.prototype.sessionsOf.length, 2)
  assert.strictEqual(ours.MemoryStore.prototype.destroyOwner.length, 3)
})

test('a live session\'s wrapped methods keep the public lengths', async function () {
  var express = require('express')
  var request = require('supertest')
  var results = []
  for (var impl of [original, ours]) {
    var app = express()
    app.use(impl({ secret: 's', resave: false, saveUninitialized: false }))
    app.get('/', function (req, res) {
      var s = req.session
      res.json(['save', 'reload', 'regenerate', 'destroy', 'touch', 'resetMaxAge'].map(function (m) {
        return [m, s[m].length]
      }))
    })
    results.push((await request(app).get('/')).body)
  }
  assert.deepStrictEqual(results[1], results[0])
  assert.strictEqual(results[0].length, 6)
})
