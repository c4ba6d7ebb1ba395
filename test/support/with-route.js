// `withRoute(options, fn)`: an Express app under our middleware (a MemoryStore
// unless `options.store`) with a cookie jar, for the tests of the opt-in options.
// Its routes: /seed fills a session (user, cart, theme) and answers its ID, /go
// runs `fn(req, res)` (a rejection is next(err)), /read answers the ID and the
// data as JSON; an error answers 500 with its name and message.

'use strict'

var express = require('express')
var session = require('../..')
var serve = require('./serve')

// a route running `fn(req, res)` under our middleware, with `store`
module.exports = async function withRoute (options, fn) {
  var store = options.store || new session.MemoryStore({ sweepInterval: 0 })
  var app = express()
  app.use(session(Object.assign({ secret: 'keyboard cat', resave: false, saveUninitialized: false, store: store }, options)))
  app.get('/seed', function (req, res) {
    req.session.user = 'alice'
    req.session.cart = ['apple']
    req.session.theme = 'dark'
    res.end(req.sessionID)
  })
  app.get('/go', function (req, res, next) { Promise.resolve(fn(req, res)).catch(next) })
  app.get('/read', function (req, res) { res.json({ id: req.sessionID, data: Object.assign({}, req.session, { cookie: undefined }) }) })
  app.use(function (err, req, res, next) { res.statusCode = 500; res.end(err.name + ': ' + err.message) })
  var server = await serve.serve('http', app, function () {})
  var jar = ''
  async function get (path) {
    var r = await serve.request(server, { path: path, headers: jar ? { cookie: jar } : {} })
    if (r.setCookie.length) jar = r.setCookie[0].split(';')[0]
    return r
  }
  // a request with the cookie given, the jar left as it is
  function request (path, cookie) {
    return serve.request(server, { path: path, headers: cookie ? { cookie: cookie } : {} })
  }
  return { store: store, get: get, request: request, close: function () { server.close() } }
}
