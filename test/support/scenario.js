// `scenario(options, requests, extra)`: a scenario for the differential harness
// (./harness) over the shared Express routes (./routes), with `options` over
// { secret: 'keyboard cat', resave: false, saveUninitialized: true }.

'use strict'

var routes = require('./routes')

module.exports = function scenario (options, requests, extra) {
  return Object.assign({
    options: function () { return Object.assign({ secret: 'keyboard cat', resave: false, saveUninitialized: true }, options) },
    routes: routes.express,
    requests: requests
  }, extra)
}
