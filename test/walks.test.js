// No request walks or serializes the session more often than express-session
// does: req.session behind a Proxy that counts the enumerations of its keys
// (each JSON.stringify, copy, for-in or field snapshot of the session is one)
// and the reads of one field, at most as many under our middleware as under
// express-session's, for each flow, size and store.

'use strict'

var assert = require('assert')
var express = require('express')
var test = require('node:test')
var original = require('express-session')
var ours = require('..')
var serve = require('./support/serve')

// the walks and the reads of req.session.probe from the route on, `size` keys
// in the session
async function walks (impl, store, options, flow, size) {
  var count = { walks: 0, reads: 0 }
  var app = express()
  app.use(impl(Object.assign({ secret: 's', resave: false, saveUninitialized: false, store: store }, options)))
  app.get('/seed', function (req, res) {
    req.session.probe = 'v'
    for (var i = 0; i < size; i++) req.session['k' + i] = 'value ' + i
    res.end('seeded')
  })
  app.get('/go', function (req, res) {
    req.session = new Proxy(req.session, {
      ownKeys: function (target) { count.walks++; return Reflect.ownKeys(target) },
      get: function (target, key, receiver) {
        if (key === 'probe') count.reads++
        return Reflect.get(target, key, receiver)
      }
    })
    if (flow === 'modify') req.session.probe = Date.now()
    if (flow === 'save') return req.session.save(function () { res.end('saved') })
    res.end('done')
  })
  var server = await serve.serve('http', app, function () {})
  try {
    var jar = (await serve.request(server, { path: '/seed' })).setCookie[0].split(';')[0]
    var r = await serve.request(server, { path: '/go', headers: { cookie: jar } })
    assert.strictEqual(r.status, 200)
    return count
  } finally {
    server.close()
  }
}

var FLOWS = ['read', 'modify', 'save']
var OPTIONS = [
  ['defaults', {}],
  ['cookie maxAge', { cookie: { maxAge: 60000 } }],
  ['rolling', { rolling: true, cookie: { maxAge: 60000 } }],
  ['resave', { resave: true }]
]

// (each test keeps its own options, flow and size: a `for (var ...)` loop would
// give every test the last ones by the time it runs)
OPTIONS.forEach(function (o) {
  FLOWS.forEach(function (flow) {
    [3, 300].forEach(function (size) {
      test('walks of the session (' + o[0] + ', ' + flow + ', ' + size + ' keys): at most express-session\'s', async function () {
        var theirs = await walks(original, new original.MemoryStore(), o[1], flow, size)
        var counts = {
          ours: await walks(ours, new ours.MemoryStore({ sweepInterval: 0 }), o[1], flow, size),
          'ours, express-session\'s MemoryStore': await walks(ours, new original.MemoryStore(), o[1], flow, size),
          'ours, saveChangedFields': await walks(ours, new ours.MemoryStore({ sweepInterval: 0 }), Object.assign({ saveChangedFields: true }, o[1]), flow, size)
        }
        var text = JSON.stringify({ 'express-session': theirs, ours: counts })
        assert.ok(theirs.walks >= 1, text)
        for (var k in counts) {
          assert.ok(counts[k].walks <= theirs.walks, k + ': ' + text)
          assert.ok(counts[k].reads <= theirs.reads, k + ': ' + text)
        }
      })
    })
  })
})
