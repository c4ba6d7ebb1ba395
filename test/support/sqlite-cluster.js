// A Node cluster of 2 workers sharing one SqliteStore file, for
// test/sqlite-store.test.js: each worker serves one port; the primary prints
// the ports once both listen.

'use strict'

var cluster = require('cluster')
var http = require('http')

var file = process.argv[2]

if (cluster.isPrimary) {
  var ports = []
  // a worker that dies before it listens (an error opening the store) ends the
  // primary, so that the test fails rather than waits for its port
  cluster.on('exit', function (worker, code, signal) {
    if (ports.length < 2) {
      console.error('worker ' + worker.id + ' exited before listening (' + (signal || code) + ')')
      process.exit(1)
    }
  })
  for (var i = 0; i < 2; i++) {
    cluster.fork().on('message', function (port) {
      ports.push(port)
      if (ports.length === 2) process.stdout.write(JSON.stringify(ports) + '\n')
    })
  }
} else {
  // a worker ends with its primary (the test kills the primary by its PID)
  process.on('disconnect', function () { process.exit(0) })
  var session = require('../..')
  var middleware = session({
    secret: 'cluster secret',
    resave: false,
    saveUninitialized: false,
    store: new session.SqliteStore({ path: file })
  })
  var server = http.createServer(function (req, res) {
    middleware(req, res, function (err) {
      if (err) {
        res.statusCode = 500
        return res.end(err.message)
      }
      if (req.url === '/login') req.session.user = 'alice'
      if (req.url === '/inc') req.session.n = (req.session.n || 0) + 1
      if (req.url === '/logout') return req.session.destroy(function () { res.end('bye') })
      res.end(JSON.stringify({ worker: cluster.worker.id, user: req.session.user, n: req.session.n }))
    })
  })
  // (exclusive: a port of its own, so that the test picks the worker)
  server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, function () { process.send(server.address().port) })
}
