// regenerate({ keep }): a new session ID that keeps all or some of the session's
// fields, callback and promise forms, with our stores and a third-party one.

'use strict'

var assert = require('assert')
var test = require('node:test')
var original = require('express-session')
var withRoute = require('../support/with-route')

;[
  ['our MemoryStore', {}],
  ['fixRegenerateSave', { fixRegenerateSave: true }],
  ['memorystore on the original express-session (its own Session objects)', { store: new (require('memorystore')(original))({ checkPeriod: 0 }) }]
].forEach(function (c) {
  test('regenerate({ keep }): ' + c[0] + ': a new ID, the old one destroyed, the fields kept (callback and promise)', async function () {
    var keeps = [
      [{ keep: true }, { user: 'alice', cart: ['apple'], theme: 'dark', after: 1 }],
      [{ keep: ['user', 'cart', 'missing'] }, { user: 'alice', cart: ['apple'], after: 1 }],
      [{ keep: false }, { after: 1 }],
      [{}, { after: 1 }],
      // (no options, as `regenerate(keep ? { keep } : undefined, callback)` gives)
      [undefined, { after: 1 }],
      [null, { after: 1 }]
    ]
    for (var k of keeps) {
      for (var form of ['callback', 'promise']) {
        var app = await withRoute(c[1], async function (req, res) {
          if (form === 'callback') {
            await new Promise(function (resolve, reject) {
              req.session.regenerate(k[0], function (err) { return err ? reject(err) : resolve() })
            })
          } else {
            var ret = req.session.regenerate(k[0])
            assert.ok(ret instanceof Promise)
            await ret
          }
          req.session.after = 1
          res.end(req.sessionID)
        })
        try {
          var oldId = (await app.get('/seed')).body
          var newId = (await app.get('/go')).body
          assert.notStrictEqual(newId, oldId)
          var read = JSON.parse((await app.get('/read')).body)
          assert.strictEqual(read.id, newId)
          delete read.data.cookie
          assert.deepStrictEqual(read.data, k[1], JSON.stringify(k[0]) + ' ' + form)
          assert.strictEqual(await new Promise(function (resolve) { c[1].store ? c[1].store.get(oldId, function (e, s) { resolve(s) }) : app.store.get(oldId, function (e, s) { resolve(s) }) }), undefined, 'the old ID is gone from the store')
        } finally {
          app.close()
        }
      }
    }
  })
})

test('regenerate({ keep }): a kept object is the same value, the new cookie is fresh, and bad keep values throw', async function () {
  var app = await withRoute({ cookie: { maxAge: 60000 } }, async function (req, res) {
    var cart = req.session.cart
    var cookieBefore = req.session.cookie
    assert.throws(function () { req.session.regenerate({ keep: 'user' }, function () {}) },
      { name: 'TypeError', message: 'regenerate option keep must be true or an array of field names' })
    assert.throws(function () { req.session.regenerate({ keep: [1] }) }, TypeError)
    await req.session.regenerate({ keep: true })
    assert.strictEqual(req.session.cart, cart)
    assert.notStrictEqual(req.session.cookie, cookieBefore)
    res.end('ok')
  })
  try {
    await app.get('/seed')
    var r = await app.get('/go')
    assert.strictEqual(r.body, 'ok')
    assert.strictEqual(r.setCookie.length, 1)
  } finally {
    app.close()
  }
})
