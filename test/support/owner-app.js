// An app process on a SqliteStore file or a Redis server with the owner
// option, for test/options/owner.test.js: `node owner-app.js <file | redis://...
// [prefix]>` serves on a free port
// of 127.0.0.1 and prints it. POST /login/<user> logs in (in a new session);
// GET /me gives the user; GET /sessions/<user> the IDs of the user's sessions;
// POST /others/<user> ends them all but the caller's, giving the count. It
// ends when its stdin closes.

'use strict'

var express = require('express')
var session = require('../..')

var app = express()
app.use(session({
  secret: 'owners across processes',
  resave: false,
  saveUninitialized: false,
  owner: 'userId',
  store: /^redis:/.test(process.argv[2])
    ? new session.RedisStore({ url: process.argv[2], prefix: process.argv[3] })
    : new session.SqliteStore({ path: process.argv[2] })
}))
app.post('/login/:user', function (req, res, next) {
  req.session.regenerate(function (err) {
    if (err) return next(err)
    req.session.userId = req.params.user
    res.end(req.sessionID)
  })
})
app.get('/me', function (req, res) { res.end(String(req.session.userId)) })
app.get('/sessions/:user', function (req, res, next) {
  req.sessionStore.sessionsOf(req.params.user).then(function (s) { res.json(Object.keys(s)) }, next)
})
app.post('/others/:user', function (req, res, next) {
  req.sessionStore.destroyOwner(req.params.user, { except: req.sessionID }).then(function (n) { res.end(String(n)) }, next)
})

var server = app.listen(0, '127.0.0.1', function () {
  process.stdout.write(server.address().port + '\n')
})
process.stdin.on('end', function () { process.exit(0) })
process.stdin.resume()
