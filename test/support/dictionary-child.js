'use strict'

// Run with --allow-natives-syntax by test/dictionary.test.js: prints, per framework
// and implementation, whether req and res still have fast (hidden-class) properties
// when the route runs.

var http = require('http')
var IMPLS = { 'express-session': require('express-session'), 'express-session-rs': require('../..') }
var FRAMEWORKS = { express4: require('express'), express5: require('express5') }

function fast (obj) {
  return eval('%HasFastProperties(obj)') // eslint-disable-line no-eval
}

async function check (framework, implName) {
  var middleware = IMPLS[implName]({ secret: 'keyboard cat', resave: false, saveUninitialized: true })
  var seen
  function route (req, res) { seen = { req: fast(req), res: fast(res) }; res.end('ok') }
  var handler
  if (framework === 'http') {
    handler = function (req, res) { middleware(req, res, function () { route(req, res) }) }
  } else {
    handler = FRAMEWORKS[framework]()
    handler.use(middleware)
    handler.get('/', route)
  }
  var server = http.createServer(handler)
  await new Promise(function (resolve) { server.listen(0, '127.0.0.1', resolve) })
  await new Promise(function (resolve, reject) {
    http.get({ host: '127.0.0.1', port: server.address().port, path: '/' }, function (res) {
      res.resume()
      res.on('end', resolve)
    }).on('error', reject)
  })
  server.close()
  return seen
}

async function main () {
  var out = {}
  for (var c of [['express4', 'express-session-rs'], ['express5', 'express-session-rs'], ['http', 'express-session-rs'], ['express4', 'express-session']]) {
    out[c.join(' ')] = await check(c[0], c[1])
  }
  process.stdout.write(JSON.stringify(out))
}

main()
