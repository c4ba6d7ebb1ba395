// One session middleware served by Express 4, Express 5 or plain `http`, and a
// plain `http` request against it (for tests that look at req/res themselves).

'use strict'

var http = require('http')

var FRAMEWORKS = { express4: require('express'), express5: require('express5') }

/**
 * Listens on 127.0.0.1 with `middleware`, then `route(req, res)` for every path
 * (`before`, an Express middleware mounted first, when given).
 */
exports.serve = function serve (framework, middleware, route, before) {
  var handler
  if (framework === 'http') {
    handler = function (req, res) { middleware(req, res, function () { route(req, res) }) }
  } else {
    handler = FRAMEWORKS[framework]()
    if (before) handler.use(before)
    handler.use(middleware)
    handler.use(route)
  }
  return new Promise(function (resolve) {
    var server = http.createServer(handler).listen(0, '127.0.0.1', function () { resolve(server) })
  })
}

/**
 * `{ status, body, setCookie, headers }` of one request (`options` as for http.request).
 */
exports.request = function request (server, options) {
  return new Promise(function (resolve, reject) {
    var req = http.request(Object.assign({ host: '127.0.0.1', port: server.address().port }, options), function (res) {
      var body = ''
      res.setEncoding('utf8')
      res.on('data', function (d) { body += d })
      res.on('end', function () { resolve({ status: res.statusCode, body: body, setCookie: res.headers['set-cookie'] || [], headers: res.headers }) })
    })
    req.on('error', reject)
    req.end()
  })
}
