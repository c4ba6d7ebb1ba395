// The benchmark's Express app, shared by the HTTP server (bench/http-server.js)
// and the in-process requests (bench/request.js): GET / is the route under test,
// GET /__init makes a returning client's session.

'use strict'

var path = require('path')

var dictionaryMode = require(path.join(__dirname, '..', 'lib', 'dictionary-mode'))

/**
 * The app of `scenario` for `workload` ('write', 'read' or 'new'): `made` is
 * `{ session, store, options }` (the middleware, its store and extra options),
 * `{ floor: true }` for bench/floor.js's hand-written minimum, or null for the
 * no-session ceilings (`none`, and `none-dictionary`, which switches req and
 * res to dictionary mode as express-session-rs does).
 *
 * @param {Function} express
 * @param {String} scenario
 * @param {Object|null} made
 * @param {String} workload
 * @return {Function}
 */
exports.create = function create (express, scenario, made, workload) {
  var app = express()
  var counter = 0

  if (scenario === 'none-dictionary') {
    app.use(function dictionary (req, res, next) {
      // the same switch as express-session-rs, through one added property each
      req.ceiling = true
      dictionaryMode(req, 'ceiling')
      res.ceiling = true
      dictionaryMode(res, 'ceiling')
      next()
    })
  }

  if (made && made.floor) {
    // the least work a session middleware does (bench/floor.js)
    app.use(require('./floor')('benchmark secret'))
  } else if (made) {
    app.use(made.session(Object.assign({
      secret: 'benchmark secret',
      store: made.store,
      resave: false,
      saveUninitialized: workload === 'new',
      cookie: { maxAge: 86400000 }
    }, made.options)))
  }

  app.get('/', function (req, res) {
    if (!made) {
      // the ceiling: the same work on a global counter
      if (workload !== 'read') counter++
      res.send(String(counter))
      return
    }
    if (workload !== 'read') req.session.views = (req.session.views || 0) + 1
    res.send(String(req.session.views))
  })

  if (made) {
    app.get('/__init', function (req, res) { req.session.views = 1; res.send('1') })
  }

  return app
}
