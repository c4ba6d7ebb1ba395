// Run with --allow-natives-syntax by test/dictionary.test.js: prints, per framework
// and implementation, whether req and res still have fast (hidden-class) properties
// when the route runs.

'use strict'

var serve = require('./serve')
var IMPLS = { 'express-session': require('express-session'), 'express-session-rs': require('../..') }

function fast (obj) {
  return eval('%HasFastProperties(obj)') // eslint-disable-line no-eval
}

async function check (framework, implName, extra) {
  var middleware = IMPLS[implName](Object.assign({ secret: 'keyboard cat', resave: false, saveUninitialized: true }, extra))
  var seen
  function route (req, res) { seen = { req: fast(req), res: fast(res) }; res.end('ok') }
  var server = await serve.serve(framework, middleware, route)
  await serve.request(server, { path: '/' })
  server.close()
  return seen
}

async function main () {
  var out = {}
  for (var c of [['express4', 'express-session-rs'], ['express5', 'express-session-rs'], ['http', 'express-session-rs'], ['express4', 'express-session']]) {
    out[c.join(' ')] = await check(c[0], c[1])
  }
  out['express4 express-session-rs dictionaryMode: false'] = await check('express4', 'express-session-rs', { dictionaryMode: false })
  process.stdout.write(JSON.stringify(out))
}

main()
