// Large sessions: one session of 100 000 keys (about 1.5 MB of JSON) under
// express-session with its MemoryStore and under ours with our MemoryStore,
// served by Express in this process; each request is timed from its sending to
// the end of its response, one at a time, the two apps interleaved; medians.

'use strict'

var express = require('express')
var http = require('http')
var lib = require('./lib')

var KEYS = 100000

function app (impl) {
  var a = express()
  a.use(impl({ secret: 'keyboard cat', resave: false, saveUninitialized: false, store: new impl.MemoryStore() }))
  a.get('/seed', function (req, res) {
    for (var i = 0; i < KEYS; i++) req.session['key' + i] = 'value ' + i
    res.end('seeded')
  })
  a.get('/read', function (req, res) { res.end(String(req.session.key7)) })
  a.get('/change', function (req, res) {
    req.session.key7 = 'changed ' + Date.now()
    res.end('changed')
  })
  return new Promise(function (resolve) {
    var server = a.listen(0, '127.0.0.1', function () { resolve(server) })
  })
}

function get (server, path, cookie) {
  return new Promise(function (resolve, reject) {
    var started = process.hrtime.bigint()
    http.get({ host: '127.0.0.1', port: server.address().port, path: path, headers: cookie ? { cookie: cookie } : {} }, function (res) {
      res.resume()
      res.on('end', function () {
        resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, cookie: (res.headers['set-cookie'] || [''])[0].split(';')[0] })
      })
    }).on('error', reject)
  })
}

module.exports = async function large (options) {
  var rounds = options.quick ? 2 : 7
  var sides = [['express-session', require('express-session')], ['express-session-rs', require('..')]]
  var servers = []
  var cookies = []
  for (var s of sides) {
    var server = await app(s[1])
    servers.push(server)
    cookies.push((await get(server, '/seed')).cookie)
  }
  var flows = ['read', 'change']
  var samples = flows.map(function () { return sides.map(function () { return [] }) })
  try {
    for (var r = 0; r < rounds; r++) {
      for (var f = 0; f < flows.length; f++) {
        for (var k = 0; k < sides.length; k++) {
          var i = r % 2 ? sides.length - 1 - k : k // (the order flips every round)
          if (global.gc) global.gc()
          samples[f][i].push((await get(servers[i], '/' + flows[f], cookies[i])).ms)
        }
      }
    }
  } finally {
    servers.forEach(function (server) { server.close() })
  }
  return flows.map(function (flow, f) {
    var anchor = samples[f][0]
    var ours = samples[f][1]
    return {
      name: flow === 'read' ? 'read-only request' : 'request changing one field',
      anchor: lib.median(anchor),
      ours: lib.median(ours),
      ratio: lib.median(anchor.map(function (a, n) { return a / ours[n] }))
    }
  })
}

module.exports.table = function table (results) {
  var lines = [
    '| ' + KEYS + '-key session (~1.5 MB JSON), MemoryStore | express-session ms | express-session-rs ms | speed-up (median) |',
    '|---|---:|---:|---:|'
  ]
  results.forEach(function (r) {
    lines.push('| ' + [r.name, lib.fmt(r.anchor, 1), lib.fmt(r.ours, 1), lib.fmt(r.ratio, 2) + 'x'].join(' | ') + ' |')
  })
  return lines.join('\n')
}
