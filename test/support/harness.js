// Differential harness: runs one scenario against express-session 1.19.0 and against
// express-session-rs and returns what a client and a store see, with random session
// IDs (and their signatures) replaced by labels in order of first appearance.

'use strict'

var assert = require('assert')
var http = require('http')
var https = require('https')
var request = require('supertest')
var tls = require('./tls')

var IMPLS = {
  'express-session': require('express-session'),
  'express-session-rs': require('../..')
}

var FRAMEWORKS = {
  express4: require('express'),
  express5: require('express5')
}

/**
 * Wraps a store's methods (on the instance) to record every call.
 */
function record (store, calls) {
  ['get', 'set', 'destroy', 'touch', 'all', 'length', 'clear'].forEach(function (method) {
    var fn = store[method]
    if (typeof fn !== 'function') return
    store[method] = function (sid, sess) {
      var entry = [method]
      if (typeof sid === 'string') entry.push(sid)
      if ((method === 'set' || method === 'touch') && sess) entry.push(snapshot(sess))
      calls.push(entry)
      return fn.apply(this, arguments)
    }
  })
  return store
}

// A session's JSON with the (time-dependent) cookie.expires replaced by its type.
function snapshot (sess) {
  var obj = JSON.parse(JSON.stringify(sess))
  if (obj && obj.cookie && obj.cookie.expires !== undefined) {
    obj.cookie.expires = obj.cookie.expires === null ? null : typeof obj.cookie.expires
  }
  if (obj && obj.cookie && typeof obj.cookie.originalMaxAge === 'number') {
    obj.cookie.originalMaxAge = Math.round(obj.cookie.originalMaxAge / 1000) + 'e3'
  }
  return obj
}

/**
 * Runs `scenario` against the implementation `implName` and returns
 * `{ responses, calls, errors }`, normalized unless `runOptions.raw`.
 *
 * scenario:
 *   options(impl, ctx)  session options (a recorded `store` is added unless given)
 *   store(impl, ctx)    the store (default: new impl.MemoryStore())
 *   framework           'express4' (default), 'express5' or 'http'
 *   https               serve over TLS with a self-signed certificate
 *   before(app, ctx)    middleware to mount before the session middleware
 *   mount               path for app.use(mount, session(...))
 *   routes(app, ctx)    the app's routes (express) or handler(req, res) for 'http'
 *   requests            [{ path, method, headers, cookie: 'jar' | false | string }]
 *   record              false: do not wrap the store; compare its final contents
 */
async function run (implName, scenario, runOptions) {
  var impl = IMPLS[implName]
  var ctx = { impl: impl, calls: [], errors: [], jar: {} }
  var store = scenario.store ? scenario.store(impl, ctx) : new impl.MemoryStore()
  // record: false leaves the store's methods untouched (the native store's fast
  // path); the final store contents are compared instead of the call log
  if (scenario.record !== false) record(store, ctx.calls)
  ctx.store = store
  var options = Object.assign({ store: store }, scenario.options ? scenario.options(impl, ctx) : {})
  var middleware = impl(options)
  var server = createServer(scenario, middleware, ctx)

  var responses = []
  for (var i = 0; i < scenario.requests.length; i++) {
    var spec = scenario.requests[i]
    if (typeof spec === 'string') spec = { path: spec }
    responses.push(await send(server, scenario, spec, ctx))
    if (spec.after) await spec.after(ctx)
  }
  // let deferred store callbacks and errors land
  await new Promise(function (resolve) { setTimeout(resolve, 5) })
  var result = { responses: responses, calls: ctx.calls, errors: ctx.errors }
  if (scenario.record === false) {
    result.stored = await new Promise(function (resolve, reject) {
      store.all(function (err, all) {
        if (err) return reject(err)
        var out = {}
        Object.keys(all).forEach(function (sid) { out[sid] = snapshot(all[sid]) })
        resolve(out)
      })
    })
  }
  return runOptions && runOptions.raw ? result : normalize(result)
}

function createServer (scenario, middleware, ctx) {
  var handler
  if (scenario.framework === 'http') {
    handler = function (req, res) {
      middleware(req, res, function (err) {
        if (err) {
          ctx.errors.push(err.message)
          res.statusCode = 500
          res.end(err.message)
          return
        }
        scenario.routes(req, res, ctx)
      })
    }
  } else {
    var express = FRAMEWORKS[scenario.framework || 'express4']
    var app = express()
    if (scenario.before) scenario.before(app, ctx)
    if (scenario.mount) app.use(scenario.mount, middleware)
    else app.use(middleware)
    scenario.routes(app, ctx)
    app.use(function (err, req, res, next) {
      ctx.errors.push(err.message)
      if (res.headersSent) return
      res.status(err.status || 500).send('error: ' + err.message)
    })
    handler = app
  }
  return scenario.https
    ? https.createServer(tls.credentials(), handler)
    : http.createServer(handler)
}

function send (server, scenario, spec, ctx) {
  var agent = request(server)
  var req = agent[(spec.method || 'GET').toLowerCase()](spec.path || '/')
  if (scenario.https) req = req.disableTLSCerts()
  var headers = spec.headers || {}
  Object.keys(headers).forEach(function (h) { req = req.set(h, headers[h]) })
  var cookie = spec.cookie === undefined ? 'jar' : spec.cookie
  if (typeof cookie === 'function') cookie = cookie(ctx)
  if (cookie === 'jar') {
    var pairs = Object.keys(ctx.jar).map(function (k) { return k + '=' + ctx.jar[k] })
    if (pairs.length) req = req.set('Cookie', pairs.join('; '))
  } else if (cookie) {
    req = req.set('Cookie', cookie)
  }
  return req.then(function (res) {
    var setCookie = res.headers['set-cookie'] || []
    setCookie.forEach(function (c) {
      var m = /^([^=]+)=([^;]*)/.exec(c)
      if (m) ctx.jar[m[1]] = m[2]
    })
    return {
      status: res.status,
      body: res.text,
      setCookie: setCookie,
      expiresDelta: setCookie.map(function (c) {
        var m = /Expires=([^;]+)/.exec(c)
        return m ? Math.round((Date.parse(m[1]) - Date.parse(res.headers.date)) / 10000) : null
      })
    }
  })
}

// Replaces session IDs by SID1, SID2... and signatures by SIG, Expires dates by <date>.
function normalize (result) {
  var labels = new Map()
  var text = JSON.stringify(result)
  function label (sid) {
    if (!labels.has(sid)) labels.set(sid, 'SID' + (labels.size + 1))
    return labels.get(sid)
  }
  // IDs as they appear in cookies (URL-encoded, signed), then as plain strings.
  text = text.replace(/s%3A([^.;"]+)\.([A-Za-z0-9%]+)/g, function (m, sid) {
    return 's%3A' + label(decodeURIComponent(sid)) + '.SIG'
  })
  result.calls.forEach(function (c) {
    if (typeof c[1] === 'string') label(c[1])
  })
  Object.keys(result.stored || {}).forEach(label)
  labels.forEach(function (l, sid) {
    if (sid.length >= 8) text = text.split(sid).join(l)
  })
  text = text.replace(/Expires=[^;"]+/g, 'Expires=<date>')
  // time-dependent values in bodies and stored sessions
  text = text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<iso-date>')
  text = text.replace(/(\\?"originalMaxAge\\?":)(-?\d+)/g, function (m, key, ms) {
    return key + Math.round(Number(ms) / 1000) + 'e3'
  })
  return JSON.parse(text)
}

/**
 * Runs the scenario against both implementations and asserts they match.
 * Returns the (normalized) result for further assertions.
 */
async function same (scenario) {
  var original = await run('express-session', scenario)
  var ours = await run('express-session-rs', scenario)
  assert.deepStrictEqual(ours, original)
  return ours
}

exports.run = run
exports.same = same
exports.IMPLS = IMPLS
exports.FRAMEWORKS = FRAMEWORKS
