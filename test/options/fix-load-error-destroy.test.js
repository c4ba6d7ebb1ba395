// fixLoadErrorDestroy: with unset: 'destroy', a failed store.get leaves the
// stored session alone (express-session destroys it).

'use strict'

var assert = require('assert')
var express = require('express')
var test = require('node:test')
var cookieSignature = require('cookie-signature')
var original = require('express-session')
var session = require('../..')
var serve = require('../support/serve')

test('fixLoadErrorDestroy: with unset: \'destroy\', a failed store.get does not destroy the session (express-session does)', async function () {
  for (var impl of [['express-session', original], ['ours', session], ['ours, fixed', session]]) {
    var destroyed = []
    var store = new original.MemoryStore()
    store.sessions.keep = JSON.stringify({ cookie: { path: '/' }, user: 'hana' })
    store.get = function (sid, cb) { setImmediate(cb, new Error('store timeout')) }
    var realDestroy = store.destroy
    store.destroy = function (sid, cb) { destroyed.push(sid); return realDestroy.call(this, sid, cb) }
    var middleware = impl[1]({ secret: 's', resave: false, saveUninitialized: false, store: store, unset: 'destroy', fixLoadErrorDestroy: impl[0] === 'ours, fixed' })
    var app = express()
    app.use(middleware)
    app.use(function (err, req, res, next) { res.statusCode = 503; res.end(err.message) })
    var server = await serve.serve('http', app, function () {})
    try {
      var r = await serve.request(server, { path: '/', headers: { cookie: 'connect.sid=' + encodeURIComponent('s:' + cookieSignature.sign('keep', 's')) } })
      assert.strictEqual(r.status, 503)
      assert.strictEqual(r.body, 'store timeout')
      await new Promise(function (resolve) { setImmediate(resolve) })
      assert.deepStrictEqual(destroyed, impl[0] === 'ours, fixed' ? [] : ['keep'], impl[0])
      assert.strictEqual(store.sessions.keep !== undefined, impl[0] === 'ours, fixed')
    } finally {
      server.close()
    }
  }
})
