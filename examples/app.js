// Example: a visit counter with login (regenerate) and logout (destroy) on the
// native MemoryStore. `npm start`, then open http://127.0.0.1:3000/
//
//   curl -i -c jar -b jar http://127.0.0.1:3000/
//   curl -i -c jar -b jar -X POST 'http://127.0.0.1:3000/login?name=alice'
//   curl -i -c jar -b jar -X POST http://127.0.0.1:3000/logout

'use strict'

var express = require('express')
var session = require('..')

var app = express()

app.use(session({
  secret: process.env.SESSION_SECRET || 'keyboard cat',
  resave: false,
  saveUninitialized: false,
  cookie: { maxAge: 24 * 60 * 60 * 1000, sameSite: 'lax' }
}))

app.get('/', function (req, res) {
  req.session.views = (req.session.views || 0) + 1
  var who = req.session.user ? 'Hello ' + req.session.user : 'Not logged in'
  res.type('text').send(who + '; visits: ' + req.session.views + '\n')
})

app.post('/login', function (req, res, next) {
  var name = String(req.query.name || 'guest')
  // a new session ID on login guards against session fixation
  req.session.regenerate(function (err) {
    if (err) return next(err)
    req.session.user = name
    req.session.save(function (err) {
      if (err) return next(err)
      res.type('text').send('Logged in as ' + name + '\n')
    })
  })
})

app.post('/logout', function (req, res, next) {
  req.session.destroy(function (err) {
    if (err) return next(err)
    res.clearCookie('connect.sid')
    res.type('text').send('Logged out\n')
  })
})

var port = process.env.PORT !== undefined ? Number(process.env.PORT) : 3000
var server = app.listen(port, '127.0.0.1', function () {
  console.log('express-session-rs example on http://127.0.0.1:' + server.address().port + '/')
})

module.exports = server
