// An app process on a RedisStore, for test/redis-store.test.js: `node
// redis-app.js <redis url>` serves on a free port of 127.0.0.1 and prints it.
// GET /set/<field> sets that top-level field of the session to its process's
// PID (saveChangedFields: only that field is written); GET /get gives the
// session as JSON. It ends when its stdin closes.

'use strict'

var http = require('http')
var session = require('../..')

var middleware = session({
  secret: 'two apps',
  resave: false,
  saveUninitialized: false,
  saveChangedFields: true,
  store: new session.RedisStore({ url: process.argv[2] })
})

var server = http.createServer(function (req, res) {
  middleware(req, res, function (err) {
    if (err) {
      res.statusCode = 500
      return res.end(String(err.code || err.message))
    }
    var field = /^\/set\/(\w+)$/.exec(req.url)
    if (field) {
      req.session[field[1]] = process.pid
      return res.end('ok')
    }
    res.end(JSON.stringify(req.session))
  })
})

server.listen(0, '127.0.0.1', function () {
  process.stdout.write(server.address().port + '\n')
})
process.stdin.on('end', function () { process.exit(0) })
process.stdin.resume()
