// Regression tests of our own middleware, compared with express-session (the
// opt-in fixes and the promise forms have their files in test/options/).

'use strict'

var assert = require('assert')
var test = require('node:test')
var harness = require('./support/harness')
var routes = require('./support/routes')

test('a replaced req.session.save does not leave a stale change-detection memo', async function () {
  var r = await harness.same({
    options: function () { return { secret: 's', resave: false, saveUninitialized: false, cookie: { maxAge: 60000 } } },
    routes: function (app) {
      app.get('/', function (req, res) {
        req.session.n = 1
        var save = req.session.save
        // a save that changes the session before saving (user code)
        req.session.save = function (cb) { this.late = true; return save.call(this, cb) }
        res.end('ok')
      })
      app.get('/json', routes.handlers['/json'])
    },
    requests: ['/', '/json']
  })
  assert.strictEqual(r.responses[0].setCookie.length, 1)
  assert.match(r.responses[1].body, /"late":true/)
})
